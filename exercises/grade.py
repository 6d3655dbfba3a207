"""Grade exercise submissions by the theory itself: exact integer equivariance, group laws, the library as reference.

    python exercises/grade.py PATH [PATH ...] [--json] [--timeout SECONDS] [--only TASK,...] [--jobs N]
                              [--flags zero|report] [--gradescope RESULTS_JSON]
    python exercises/grade.py --class DIR --out OUT [--jobs N] [--timeout SECONDS] [--only ...] [--flags ...]

Each PATH is one submission: a single exercise file (named like one in exercises/, or
at least starting with its number, such as ex02_), or a folder laid out like exercises/
(files with the same names; a missing file scores 0). For every task (one function of
an exercise) it prints PASS/FAIL, the points, and on a failure the smallest
counterexample found and a hint when the mistake is a common one; then the totals.
--json prints one machine-readable report instead; --only grades the named tasks
only; --jobs grades several files at a time. --flags says what a flag of the static read
(exercises/grading/static.py) does: zero (the default) scores the flagged task 0, report only
reports it. --gradescope FILE also writes the report of the one PATH in the format of
Gradescope's results.json (exercises/gradescope/). Exit status: 0 when every (selected)
task of every PATH passes, 1 otherwise, 2 for a usage error.

--class DIR grades a whole class: every folder DIR/<student>/ holds that student's
exercise files (any subset of them), and OUT receives gradebook.csv, report.json and,
per student, feedback.md and results.json (exercises/grading/classbook.py says what is in them);
nothing is written inside DIR, and OUT must not lie inside it. Files are graded on every
core this process may use unless --jobs says otherwise; a progress bar goes to stderr.
Exit status: 0 once the gradebook is written (whatever the marks), 2 for a usage error.

Each exercise file runs in its own sandboxed child process (exercises/grading/runner.py,
started by exercises/grading/sandbox.py); this process never runs submitted code. A
submission that crashes, hangs or prints without end cannot take the grader down:
every task has a time limit (--timeout, default 10 s; importing the file has the
same limit), a task that runs over it is a FAIL and the remaining tasks are graded in a
fresh process. Nothing is written into the repository or next to the submission.

The cases: a student's run uses the public cases. A lecturer who sets a course seed (in
a file course_seed.txt beside this script, or in GROUPCONV_COURSE_SEED; see exercises/grading/framework.py)
grades on the course's own values, translations and large frames, so that answers
tabulated for the public cases or for another course fail. The report says which
cases were used; it never shows the seed.
"""
import argparse
import importlib
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.dirname(HERE), HERE]
sys.dont_write_bytecode = True  # the grader writes nothing into the repository, not even __pycache__

from grading import EXERCISES, classbook, framework, sandbox, static  # noqa: E402

DEFAULT_TIMEOUT = 10.0
CASES = "course" if framework.COURSE_SEED else "public"  # which inputs the checks use (exercises/grading/framework.py)
MAX_SOURCE_BYTES = 1 << 20


class UsageError(Exception):
    pass


# ---------------------------------------------------------------- which files to grade

def exercise_of(path):
    """(file name, grading module) of the exercise a single file is for, by its name or its number exNN_."""
    base = os.path.basename(path)
    for name, module in EXERCISES:
        if base == name or base.startswith(name.split("_")[0] + "_"):
            return name, module
    known = ", ".join(name for name, _ in EXERCISES)
    raise UsageError(f"{path}: not an exercise file; the names are {known}")


def submission_files(path, allow_empty=False):
    """[(file name, grading module, path or None if missing)] for one PATH argument."""
    if os.path.isdir(path):
        found = [(name, module, os.path.join(path, name) if os.path.isfile(os.path.join(path, name)) else None)
                 for name, module in EXERCISES]
        if all(p is None for _, _, p in found) and not allow_empty:
            raise UsageError(f"{path}: no exercise files in this folder (expected names like {EXERCISES[0][0]})")
        return found
    if os.path.isfile(path):
        if not path.endswith(".py"):
            raise UsageError(f"{path}: an exercise file is a .py file")
        name, module = exercise_of(path)
        return [(name, module, path)]
    raise UsageError(f"{path}: no such file or folder")


# ---------------------------------------------------------------- grading one file

def failed(task, reason, **extra):
    return {"task": task.name, "passed": False, "points": 0, "max_points": task.points, "reason": reason, **extra}


def tasks_of(module, only=None):
    """The tasks of an exercise's grading module, or those of them named in `only`."""
    tasks = importlib.import_module(f"grading.{module}").TASKS
    return [t for t in tasks if only is None or t.name in only]


def result_of_failure(task, failure, spec):
    hints = dict(framework.HINTS, **getattr(spec, "EXTRA_HINTS", {}))
    return {"task": task.name, "passed": False, "points": 0, "max_points": task.points, "reason": failure.reason,
            "hints": [{"key": key, "text": hints[key], "explains": failure.explains.get(key, "")}
                      for key in failure.hints],
            "not_implemented": failure.not_implemented,
            "counterexample": {k: framework.jsonable(v) for k, v in failure.counterexample.items()},
            "counterexample_text": [[k, framework.show(v)] for k, v in failure.counterexample.items()]}


def run_task(task, sub, spec):
    """The result of one task; raises sandbox.ChildTimeout / ChildGone when the child must be replaced."""
    try:
        note = task.check(sub)
        return {"task": task.name, "passed": True, "points": task.points, "max_points": task.points,
                "reason": note or ""}
    except framework.Failure as failure:
        return result_of_failure(task, failure, spec)
    except (sandbox.ChildTimeout, sandbox.ChildGone):
        raise
    except Exception as exc:  # a fault of the grader itself on this task: still a clear result, never a traceback
        return failed(task, f"the grader could not check this task ({type(exc).__name__}: {str(exc)[:200]}); "
                            "please tell the course staff", grader_error=True)


def read_source(path):
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_SOURCE_BYTES + 1)
    except OSError as exc:
        return None, f"the file cannot be read: {exc.strerror}"
    if len(data) > MAX_SOURCE_BYTES:
        return None, f"the file is larger than {MAX_SOURCE_BYTES // 1024} KiB"
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        return None, "the file is not UTF-8 text"


def grade_file(module, path, timeout, only=None, flag_policy="zero", hide=()):
    """Results of every task of one exercise file (or of those named in `only`), in task order.

    The file runs in sandboxed child processes (exercises/grading/sandbox.py); this process only
    sends inputs and compares what comes back. A task that runs over its time limit, or
    whose child dies, fails, and the remaining tasks are graded in a fresh child.
    """
    spec = importlib.import_module(f"grading.{module}")
    tasks = tasks_of(module, only)
    source, problem = read_source(path)
    if problem:
        return [failed(t, problem, import_error=True) for t in tasks]
    flags = static.read(source)
    results, remaining = {}, list(tasks)
    forbidden = getattr(spec, "FORBIDDEN", {})
    preload = sorted({name for name in forbidden if not name.startswith("groupconv")} | {"scipy.signal", "scipy.ndimage"})
    while remaining:
        cpu = 30 + timeout * (1 + sum(t.time_factor for t in remaining))
        child = sandbox.Child(path, source, forbidden, cpu, hide=hide, preload=preload)
        try:
            reason = child.wait_imported(timeout)
            if reason:
                for task in remaining:
                    results[task.name] = failed(task, reason, import_error=True)
                break
            while remaining:
                task = remaining.pop(0)
                started, cpu_before = time.perf_counter(), child.cpu
                limit = timeout * task.time_factor
                sub = framework.Submission(child, path, time.monotonic() + limit)
                try:
                    result = run_task(task, sub, spec)
                except sandbox.ChildTimeout:
                    results[task.name] = failed(task, f"did not finish within the time limit of {limit:g} s "
                                                      "(an endless loop, or far too slow)", timed_out=True,
                                                seconds=round(time.perf_counter() - started, 3))
                    break  # a fresh process for the rest
                except sandbox.ChildGone as gone:
                    results[task.name] = failed(task, "the process running the submission ended during this task "
                                                      f"({gone.reason})")
                    break
                result["seconds"] = round(time.perf_counter() - started, 3)  # wall clock, both processes
                result["cpu_seconds"] = round(child.cpu - cpu_before, 3)  # the child's CPU time
                results[task.name] = result
        finally:
            child.kill()
    out = []
    for task in tasks:
        result = results[task.name]
        mine = [{k: f[k] for k in ("line", "what", "why")} for f in flags if static.applies(f, task.name)]
        if mine:
            result["flags"] = mine
            if flag_policy == "zero" and result["points"]:
                result.update(points=0, passed=False, flagged=True,
                              reason=f"flagged by the static read (line {mine[0]['line']}: {mine[0]['what']}, "
                                     f"{mine[0]['why']}); the course counts a flagged task as 0. Behaviour: "
                                     + result["reason"])
        out.append(result)
    return out


# ---------------------------------------------------------------- the report

def grade_entries(entries, timeout, only=None, jobs=1, flag_policy="zero", hide=(), progress=None):
    """[file report] for entries [(where, file name, grading module, file path or None)], `jobs` files at a time."""
    def one(entry):
        where, name, module, file_path = entry
        started = time.perf_counter()
        if file_path is None:
            results = [failed(t, f"{name} is missing from {where}", missing=True) for t in tasks_of(module, only)]
        else:
            results = grade_file(module, file_path, timeout, only, flag_policy=flag_policy, hide=hide)
            if progress is not None:
                progress()
        return {"exercise": name, "path": file_path, "tasks": results,
                "points": sum(r["points"] for r in results), "max_points": sum(r["max_points"] for r in results),
                "passed": all(r["passed"] for r in results), "seconds": round(time.perf_counter() - started, 3)}

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(one, entries))


def submission_of(path, files):
    return {"path": path, "files": files, "points": sum(f["points"] for f in files),
            "max_points": sum(f["max_points"] for f in files), "passed": all(f["passed"] for f in files)}


def grade_paths(paths, timeout, only=None, jobs=1, flag_policy="zero", hide=(), allow_empty=False):
    """The report of every PATH: each exercise file graded in its own child process, `jobs` files at a time."""
    entries = [(path, *e) for path in paths for e in submission_files(path, allow_empty) if tasks_of(e[1], only)]
    graded = grade_entries(entries, timeout, only, jobs, flag_policy, hide)
    return [submission_of(path, [g for e, g in zip(entries, graded) if e[0] == path]) for path in paths]


def available_cores():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def grade_class(folder, out, timeout, only=None, jobs=None, flag_policy="zero", stream=None):
    """Grade every student folder of `folder` and write the gradebook and feedback into `out` (exercises/grading/classbook.py).

    Returns (report, [(student, submission)]). Raises UsageError for a folder that cannot be
    graded or an `out` that would put anything inside `folder`.
    """
    stream = stream or sys.stderr
    try:
        students, notes = classbook.student_folders(folder)
        classbook.check_out(out, folder, students)
    except classbook.ClassError as exc:
        raise UsageError(str(exc)) from None
    for note in notes:
        print(f"note: {note}", file=stream)
    entries, student_notes = [], {}
    for student, path in students:
        found, student_notes[student] = classbook.student_files(path)
        entries += [(student, path, *e) for e in found if tasks_of(e[1], only)]
    bar = classbook.Progress(sum(e[4] is not None for e in entries), stream)
    lock = threading.Lock()

    def step():
        with lock:
            bar.step()

    started = time.perf_counter()
    graded = grade_entries([e[1:] for e in entries], timeout, only, jobs or available_cores(), flag_policy,
                           hide=(folder,), progress=step)
    elapsed = time.perf_counter() - started
    rows = []
    for student, path in students:
        files = [g for e, g in zip(entries, graded) if e[0] == student]
        submission = submission_of(path, files)
        submission["student"] = student
        rows.append((student, submission))
    for student, submission in rows:
        where = os.path.join(out, student)
        classbook.write_atomic(os.path.join(where, "feedback.md"),
                               classbook.feedback_markdown(student, submission, student_notes[student], flag_policy),
                               never_inside=folder)
        results = classbook.gradescope_results(submission)
        classbook.write_atomic(os.path.join(where, "results.json"), classbook.json_text(results), never_inside=folder)
    labels = [classbook.exercise_label(name) for name, module in EXERCISES if tasks_of(module, only)]
    classbook.write_atomic(os.path.join(out, "gradebook.csv"), classbook.gradebook_csv(rows, labels),
                           never_inside=folder)
    report = {"grader": "groupconv exercises", "cases": CASES, "timeout_seconds": timeout, "class": folder, "flag_policy": flag_policy,
              "seconds": round(elapsed, 3), "submissions": [s for _, s in rows],
              "points": sum(s["points"] for _, s in rows), "max_points": sum(s["max_points"] for _, s in rows),
              "passed": all(s["passed"] for _, s in rows)}
    classbook.write_atomic(os.path.join(out, "report.json"), to_json(without_text(report)), never_inside=folder)
    return report, rows


def without_text(report):
    """The report without the counterexamples' display text (as --json prints it); changes it in place."""
    for submission in report["submissions"]:
        for entry in submission["files"]:
            for r in entry["tasks"]:
                r.pop("counterexample_text", None)
    return report


def print_text(report):
    for submission in report["submissions"]:
        for entry in submission["files"]:
            print(f"\n{entry['path'] or entry['exercise'] + ' (missing)'}")
            for r in entry["tasks"]:
                status = "PASS" if r["passed"] else "FAIL"
                print(f"  {status}  {r['points']:>2}/{r['max_points']:<2}  {r['task']}: {r['reason']}")
                for key, text in r.get("counterexample_text", []):
                    if key == "input" and text in r["reason"]:
                        continue  # the reason names the input already
                    lines = text.splitlines() or [""]
                    if len(lines) == 1 and len(key) + len(lines[0]) < 100:
                        print(f"        {key}: {lines[0]}")
                    else:
                        print(f"        {key}:")
                        for line in lines:
                            print(f"          {line}")
                for hint in r.get("hints", []):
                    explains = f" [explains {hint['explains']}]" if hint.get("explains") else ""
                    print(f"        hint ({hint['key']}): {hint['text']}{explains}")
                for flag in r.get("flags", []):
                    print(f"        flag (line {flag['line']}): {flag['what']}: {flag['why']}")
            print(f"  {entry['points']}/{entry['max_points']} points")
        n_pass = sum(f["passed"] for f in submission["files"])
        print(f"\n{submission['path']}: {submission['points']}/{submission['max_points']} points; "
              f"{n_pass} of {len(submission['files'])} files pass every task")
    if len(report["submissions"]) > 1:
        print(f"TOTAL {report['points']}/{report['max_points']} points")
    if report.get("cases") == "course":
        print("(graded on the course's own cases: a course seed is set)")


def to_json(report):
    """The report as indented JSON, with every array (a list of lists of numbers) kept on one line."""
    arrays = []

    def pack(value):
        if isinstance(value, dict):
            return {key: pack(item) for key, item in value.items()}
        if isinstance(value, list):
            if value and all(isinstance(item, (list, int, float, bool)) for item in value):
                arrays.append(json.dumps(value, separators=(",", ":")))
                return f"@@array {len(arrays) - 1}@@"
            return [pack(item) for item in value]
        return value

    text = json.dumps(pack(report), indent=1)
    for i, compact in enumerate(arrays):
        text = text.replace(f'"@@array {i}@@"', compact, 1)
    return text


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", metavar="PATH", help="an exercise file or a folder laid out like exercises/")
    parser.add_argument("--json", action="store_true", help="print a machine-readable report (JSON) instead")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                        help=f"time limit per task and for importing a file, in seconds (default {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--only", metavar="TASK[,TASK...]",
                        help="grade only these tasks (function names, e.g. --only transform_image)")
    parser.add_argument("--jobs", type=int, default=None,
                        help="grade this many files at a time (default 1; with --class or --gradescope every core)")
    parser.add_argument("--flags", choices=("zero", "report"), default="zero",
                        help="a task flagged by the static read of the file scores 0 (zero, the default) or is "
                             "only reported (report)")
    parser.add_argument("--class", dest="class_dir", metavar="DIR",
                        help="grade a class: one folder per student in DIR (needs --out)")
    parser.add_argument("--out", metavar="OUT", help="with --class: the folder for the gradebook and the feedback")
    parser.add_argument("--gradescope", metavar="RESULTS_JSON",
                        help="also write the report of the one PATH in Gradescope's results.json format to this file")
    args = parser.parse_args(argv)
    if not 0 < args.timeout <= 86400:
        parser.error(f"--timeout must be a number of seconds in (0, 86400], got {args.timeout}")
    if args.jobs is not None and args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    if args.class_dir is not None:
        if args.paths or args.json or args.gradescope:
            parser.error("--class grades the folders in DIR: give no PATH, --json or --gradescope with it")
        if not args.out:
            parser.error("--class needs --out OUT, the folder for the gradebook and the feedback")
    elif args.out:
        parser.error("--out goes with --class")
    elif not args.paths:
        parser.error("give a PATH to grade (an exercise file or a folder), or --class DIR --out OUT")
    if args.gradescope and len(args.paths) != 1:
        parser.error("--gradescope writes the results of one submission: give exactly one PATH")
    only = None
    if args.only:
        only = set(args.only.split(","))
        known = {t.name for _, module in EXERCISES for t in tasks_of(module)}
        if only - known:
            parser.error(f"--only: no task named {', '.join(sorted(only - known))}")
    if args.class_dir is not None:
        try:
            report, rows = grade_class(args.class_dir, args.out, args.timeout, only, args.jobs, args.flags)
        except UsageError as exc:
            parser.error(str(exc))
        for student, submission in rows:
            print(f"{student}: {submission['points']}/{submission['max_points']} points")
        print(f"{len(rows)} students graded in {report['seconds']:.0f} s; "
              f"wrote {os.path.join(args.out, 'gradebook.csv')} and a folder per student in {args.out}")
        return 0
    gradescope = args.gradescope is not None
    if gradescope and os.path.isdir(args.paths[0]):
        hide = (args.paths[0],)
    else:
        hide = ()
    try:
        for path in args.paths:
            submission_files(path, allow_empty=gradescope)  # every PATH is checked before anything is graded
        started = time.perf_counter()
        submissions = grade_paths(args.paths, args.timeout, only, args.jobs or (available_cores() if gradescope else 1),
                                  args.flags, hide, allow_empty=gradescope)
        elapsed = time.perf_counter() - started
    except UsageError as exc:
        parser.error(str(exc))
    if gradescope:
        (submission,) = submissions
        note = None
        if all(f["path"] is None for f in submission["files"]):
            note = (f"No exercise files were found in your submission: upload files named like {EXERCISES[0][0]} "
                    "(the names of the exercise files).")
        classbook.write_atomic(args.gradescope,
                               classbook.json_text(classbook.gradescope_results(submission, elapsed, note)))
    report = {"grader": "groupconv exercises", "cases": CASES, "timeout_seconds": args.timeout, "submissions": submissions,
              "points": sum(s["points"] for s in submissions),
              "max_points": sum(s["max_points"] for s in submissions),
              "passed": all(s["passed"] for s in submissions)}
    if args.json:
        print(to_json(without_text(report)))
    else:
        print_text(report)
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
