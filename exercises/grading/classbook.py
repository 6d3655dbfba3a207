"""Marking a class: the gradebook, each student's feedback, and Gradescope's results.json.

grade.py --class DIR --out <out> grades DIR/<student>/exNN_*.py for every student folder
and writes, never inside DIR:

  <out>/gradebook.csv           one row per student (sorted): student, ex01 ... ex12 (points),
                                total, flags (how many tasks the static read flagged),
                                flagged (those tasks, "ex03.transform_image:12 ...")
  <out>/report.json             the whole report, in the format of grade.py --json
  <out>/<student>/feedback.md   per exercise and task: PASS/FAIL, points, the reason, the
                                counterexample, hints and flags; missing files listed
  <out>/<student>/results.json  the same in Gradescope's autograder format (gradescope_results)

Everything here works on the plain-data report that grade.py builds (no submitted code
runs in this module). Every file is written to a temporary name beside its target and
then renamed over it (os.replace), so a reader never sees half a file.
"""
import csv
import io
import json
import os
import re
import sys
import tempfile
import time

from . import EXERCISES

SAFE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.@+-]{0,127}$")
RESERVED = {"gradebook.csv", "report.json"}  # the files of OUT itself


class ClassError(Exception):
    """A class folder or output folder that cannot be graded or written (a usage error)."""


# ---------------------------------------------------------------- the class folder

def inside(path, folder):
    """Whether path is folder or lies inside it (both resolved, symbolic links followed)."""
    path, folder = os.path.realpath(path), os.path.realpath(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def exercise_label(name):
    """ex01 for ex01_group_law.py: the gradebook's column."""
    return name.split("_")[0]


def student_folders(folder):
    """[(student, path)] sorted by name, and [notes] about the entries of DIR that are not students.

    Raises ClassError for a DIR that is not a folder and for a student folder whose name is
    not a safe file name (it becomes OUT/<student>/) or is a symbolic link.
    """
    if not os.path.isdir(folder):
        raise ClassError(f"--class {folder}: not a folder")
    students, notes = [], []
    for entry in sorted(os.listdir(folder)):
        path = os.path.join(folder, entry)
        if entry.startswith("."):
            notes.append(f"{path}: skipped (a hidden entry)")
            continue
        if os.path.islink(path):
            raise ClassError(f"--class: {path} is a symbolic link; each student needs a folder of their own in {folder}")
        if not os.path.isdir(path):
            notes.append(f"{path}: skipped (not a folder)")
            continue
        if not SAFE_NAME.match(entry) or entry.lower() in RESERVED:
            raise ClassError(f"--class: the student folder name {entry!r} is not a safe file name (letters, digits "
                             "and _ . @ + -, at most 128 characters, not starting with . or -, and not "
                             f"{' or '.join(sorted(RESERVED))}); rename it")
        students.append((entry, path))
    return students, notes


def student_files(path):
    """[(file name, grading module, file path or None)] in exercise order, and [notes] for the student.

    A file counts for an exercise if it has the exercise's name or starts with its number
    (ex05_); the exact name wins, then the first in sorted order (the others are noted).
    Symbolic links and other .py files are not graded (noted).
    """
    names = sorted(os.listdir(path))
    found, notes, used = [], [], set()
    for name, module in EXERCISES:
        prefix = exercise_label(name) + "_"
        candidates = [n for n in names if n == name or (n.startswith(prefix) and n.endswith(".py"))]
        candidates = [n for n in candidates if os.path.isfile(os.path.join(path, n))]
        links = [n for n in candidates if os.path.islink(os.path.join(path, n))]
        for n in links:
            notes.append(f"{n}: not graded (a symbolic link; submit the file itself)")
        candidates = [n for n in candidates if n not in links]
        used.update(candidates)
        used.update(links)
        if not candidates:
            found.append((name, module, None))
            continue
        chosen = name if name in candidates else candidates[0]
        for n in candidates:
            if n != chosen:
                notes.append(f"{n}: not graded ({chosen} was graded for {exercise_label(name)}; keep one file each)")
        found.append((name, module, os.path.join(path, chosen)))
    for n in names:
        if n.endswith(".py") and n not in used:
            notes.append(f"{n}: not graded (not an exercise file name such as {EXERCISES[0][0]})")
    return found, notes


def check_out(out, folder, students):
    """Raise ClassError unless every folder written to (OUT, OUT/<student>) lies outside DIR."""
    if os.path.exists(out) and not os.path.isdir(out):
        raise ClassError(f"--out {out}: exists and is not a folder")
    if inside(out, folder):
        raise ClassError(f"--out {out}: inside the class folder {folder}; the grader never writes there")
    for student, _ in students:
        if inside(os.path.join(out, student), folder):
            raise ClassError(f"--out {out}: {os.path.join(out, student)} would be inside the class folder {folder}")


# ---------------------------------------------------------------- writing files

def write_atomic(path, text, never_inside=None):
    """Write text (UTF-8) to path by way of a temporary file in the same folder and os.replace."""
    folder = os.path.dirname(os.path.abspath(path))
    if never_inside is not None and inside(folder, never_inside):
        raise ClassError(f"refusing to write {path}: inside {never_inside}")
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            file.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


# ---------------------------------------------------------------- progress

class Progress:
    """A progress bar on stderr: redrawn with \\r on a terminal, otherwise a line every ~10 %."""

    def __init__(self, total, stream=None, width=30):
        self.total, self.done, self.width = total, 0, width
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.started = time.monotonic()
        self.shown_tenths = -1
        if total:
            self.show()

    def text(self):
        filled = self.width * self.done // self.total if self.total else self.width
        return (f"[{'#' * filled}{'.' * (self.width - filled)}] {self.done}/{self.total} files, "
                f"{time.monotonic() - self.started:.0f} s")

    def step(self):
        self.done += 1
        self.show()

    def show(self):
        if self.tty:
            self.stream.write("\r" + self.text() + ("\n" if self.done == self.total else ""))
        else:
            tenths = 10 * self.done // self.total
            if tenths == self.shown_tenths:
                return
            self.shown_tenths = tenths
            self.stream.write(self.text() + "\n")
        self.stream.flush()


# ---------------------------------------------------------------- what one task says

def task_lines(result):
    """The details of one task result as plain-text lines: counterexample, hints, flags."""
    lines = []
    for key, text in result.get("counterexample_text", []):
        if key == "input" and text in result["reason"]:
            continue  # the reason names the input already
        parts = text.splitlines() or [""]
        if len(parts) == 1 and len(key) + len(parts[0]) < 100:
            lines.append(f"  {key}: {parts[0]}")
        else:
            lines.append(f"  {key}:")
            lines.extend(f"    {part}" for part in parts)
    for hint in result.get("hints", []):
        lines.append(f"  hint ({hint['key']}): {hint['text']}")
        if hint.get("explains"):
            lines.append(f"    explains: {hint['explains']}")
    for flag in result.get("flags", []):
        lines.append(f"  flag, line {flag['line']}: {flag['what']} ({flag['why']})")
    return lines


def fence(text):
    """A Markdown code block holding text verbatim (a fence longer than any run of backticks in it)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    mark = "`" * max(3, longest + 1)
    return f"{mark}text\n{text}\n{mark}"


def one_line(text):
    return " ".join(str(text).split())


def task_markdown(result):
    status = "PASS" if result["passed"] else "FAIL"
    out = [f"- **{status}** `{result['task']}`: {result['points']}/{result['max_points']} points. "
           f"{one_line(result['reason'])}"]
    for key, text in result.get("counterexample_text", []):
        if key == "input" and text in result["reason"]:
            continue
        if "\n" not in text and "`" not in text and len(key) + len(text) < 100:
            out.append(f"  - {key}: `{text}`")
        else:
            out.append(f"  - {key}:\n\n" + "\n".join("    " + line for line in fence(text).splitlines()) + "\n")
    for hint in result.get("hints", []):
        explains = f" ({one_line(hint['explains'])})" if hint.get("explains") else ""
        out.append(f"  - hint `{hint['key']}`: {one_line(hint['text'])}{explains}")
    for flag in result.get("flags", []):
        out.append(f"  - flag, line {flag['line']}: {one_line(flag['what'])}: {one_line(flag['why'])}")
    return "\n".join(out)


def flagged_tasks(submission):
    """["ex03.transform_image:12", ...]: the tasks with flags, each with the line of its first flag."""
    return [f"{exercise_label(f['exercise'])}.{r['task']}:{r['flags'][0]['line']}"
            for f in submission["files"] for r in f["tasks"] if r.get("flags")]


# ---------------------------------------------------------------- the outputs

def feedback_markdown(student, submission, notes=(), flag_policy="zero"):
    """The feedback of one student as Markdown."""
    out = [f"# Feedback for {student}", "",
           f"**Total: {submission['points']}/{submission['max_points']} points.**", "",
           "| exercise | points | |", "| --- | --- | --- |"]
    for entry in submission["files"]:
        state = ("missing" if entry["path"] is None else
                 "every task passes" if entry["passed"] else
                 f"{sum(not r['passed'] for r in entry['tasks'])} of {len(entry['tasks'])} tasks fail")
        out.append(f"| {entry['exercise']} | {entry['points']}/{entry['max_points']} | {state} |")
    missing = [e["exercise"] for e in submission["files"] if e["path"] is None]
    if missing:
        out += ["", "Missing (0 points): " + ", ".join(f"`{name}`" for name in missing) + "."]
    if notes:
        out += ["", "Notes:", ""] + [f"- {one_line(note)}" for note in notes]
    flagged = flagged_tasks(submission)
    if flagged:
        rule = ("a flagged task scores 0" if flag_policy == "zero" else
                "flags are reported only; they do not change the points")
        out += ["", f"Flagged by the static read of your files ({rule}): " + ", ".join(flagged) + "."]
    for entry in submission["files"]:
        out += ["", f"## {entry['exercise']}: {entry['points']}/{entry['max_points']}", ""]
        if entry["path"] is None:
            out.append(f"Missing: no file `{entry['exercise']}` (or `{exercise_label(entry['exercise'])}_*.py`) "
                       "was submitted. Every task scores 0.")
            continue
        out.append(f"Graded file: `{os.path.basename(entry['path'])}`")
        out.append("")
        out += [task_markdown(r) for r in entry["tasks"]]
    return "\n".join(out) + "\n"


def gradescope_results(submission, seconds=None, output=None):
    """One submission in the format of Gradescope's autograder results.json.

    Format: https://gradescope-autograders.readthedocs.io/en/latest/specs/ ("Output
    format"): top-level "score" (optional when every test has one; given here, the sum of
    the tests' scores), "execution_time" (seconds), "output" (text for the whole
    submission) and "tests", each with "name", "score", "max_score", "status"
    ("passed"/"failed"), "number" (the order shown), "output" and "visibility"
    ("visible": shown to the student at once).
    """
    tests = []
    for i, entry in enumerate(submission["files"], start=1):
        number = int(exercise_label(entry["exercise"])[2:]) if exercise_label(entry["exercise"])[2:].isdigit() else i
        for j, r in enumerate(entry["tasks"], start=1):
            text = ("PASS" if r["passed"] else "FAIL") + f" {r['points']}/{r['max_points']}: {r['reason']}"
            tests.append({"name": f"{entry['exercise']}: {r['task']}", "number": f"{number}.{j}",
                          "score": r["points"], "max_score": r["max_points"],
                          "status": "passed" if r["passed"] else "failed",
                          "output": "\n".join([text, *task_lines(r)]), "visibility": "visible"})
    score = sum(t["score"] for t in tests)
    summary = [f"Total: {score}/{sum(t['max_score'] for t in tests)} points."]
    summary += [f"{e['exercise']}: {e['points']}/{e['max_points']}" + (" (missing)" if e["path"] is None else "")
                for e in submission["files"]]
    if output:
        summary = [output, ""] + summary
    if seconds is None:
        seconds = sum(f.get("seconds", 0.0) for f in submission["files"])
    return {"score": score, "execution_time": int(round(seconds)), "output": "\n".join(summary), "tests": tests}


def gradebook_csv(rows, labels):
    """rows: [(student, submission)]. The gradebook as CSV text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", *labels, "total", "flags", "flagged"])
    for student, submission in rows:
        points = {exercise_label(e["exercise"]): e["points"] for e in submission["files"]}
        flagged = flagged_tasks(submission)
        writer.writerow([student, *(points.get(label, "") for label in labels), submission["points"],
                         len(flagged), " ".join(flagged)])
    return buffer.getvalue()


def json_text(value):
    return json.dumps(value, indent=1, ensure_ascii=False) + "\n"
