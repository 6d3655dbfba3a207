"""Run time of every lesson and of grading every exercise, as a student meets them (COURSE.md).

Run from the repository root:

    python benchmarks/lesson_times.py                 # 5 rounds; writes benchmarks/results_lesson_times.json and .md
    python benchmarks/lesson_times.py --repeats 7     # more rounds
    python benchmarks/lesson_times.py --out ''        # only print

Measured, as a student runs them (each a fresh process, so Python's start and the imports
of NumPy, SciPy and Matplotlib are included, as they are for `python tutorials/01_groups.py`):
  * every tutorial tutorials/NN_*.py as a script, headless (MPLBACKEND=Agg), its figures
    written to a temporary folder (GROUPCONV_FIGURES), so the committed figures are left alone;
  * grading every exercise's reference file alone, one file per run of `python exercises/grade.py`
    (e.g. exercises/ex01_group_law.py; the reference must score full marks, exit status 0);
  * the smoke run of the experiment that session 6's lab starts,
    `python experiments/rotated_digits.py --fast --out DIR` (DIR temporary: without --out
    it would overwrite the committed experiments/results.md and figures).
Each round runs every item once, in an order shuffled afresh each round (seeded:
random.Random(SEED + round)), so the items are interleaved and a busy minute of the
machine spreads over many items instead of landing on one. For each run the wall time,
the CPU time of the child processes (user + system; less sensitive than wall time to
other jobs on the machine), the lines printed and the 1-minute load average
(os.getloadavg) just before and after are recorded. Reported per item: the median, the
minimum and maximum (the spread) of the wall times, the median CPU time and the range of
the load during its runs.

The JSON file is what tests/test_course_times.py reads (every lesson must be in it);
the Markdown file is the same table for people. Nothing is asserted here, and the tests
never time anything.
"""
import argparse
import datetime
import json
import os
import platform
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TUTORIALS = sorted(ROOT.glob("tutorials/[0-9][0-9]_*.py"))
EXERCISES = sorted(ROOT.glob("exercises/ex[0-9][0-9]_*.py"))
GRADE = ROOT / "exercises" / "grade.py"
EXPERIMENT = "experiments/rotated_digits.py"
OUT = ROOT / "benchmarks" / "results_lesson_times.json"
SEED = 20161  # the round orders: random.Random(SEED + round)
PAUSE = 0.2  # seconds between two runs


def cores():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def load():
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(command, env):
    """(wall seconds, CPU seconds of the child and its children, printed lines, load before, load after)."""
    before_load, before_cpu = load(), children_cpu()
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    cpu = children_cpu() - before_cpu
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, command[1:]))} exited with status {proc.returncode}:\n"
                         f"{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return wall, cpu, len(proc.stdout.splitlines()), before_load, load()


def items(scratch, only=None):
    """[(key, kind, command)]: key is the file's path relative to the root (and the options, for the experiment)."""
    found = [(p.relative_to(ROOT).as_posix(), "lesson", [sys.executable, str(p)]) for p in TUTORIALS]
    found += [(p.relative_to(ROOT).as_posix(), "grading", [sys.executable, str(GRADE), str(p)]) for p in EXERCISES]
    found.append((EXPERIMENT + " --fast", "experiment",
                  [sys.executable, str(ROOT / EXPERIMENT), "--fast", "--out", str(Path(scratch) / "digits")]))
    chosen = found
    if only:
        chosen = [item for item in chosen if any(word in item[0] for word in only.split(","))]
    return chosen


def summary(runs):
    wall = [r[0] for r in runs]
    return {
        "seconds": [round(s, 3) for s in wall],
        "cpu_seconds": [round(r[1], 3) for r in runs],
        "load_before": [round(r[3], 2) for r in runs],
        "load_after": [round(r[4], 2) for r in runs],
        "printed_lines": runs[0][2],
        "median": round(statistics.median(wall), 2),
        "min": round(min(wall), 2),
        "max": round(max(wall), 2),
        "cpu_median": round(statistics.median(r[1] for r in runs), 2),
        "load_range": [round(min(min(r[3], r[4]) for r in runs), 2), round(max(max(r[3], r[4]) for r in runs), 2)],
    }


def to_json(result):
    """JSON with one line per list of numbers, so that a run's samples read across."""
    text = json.dumps(result, indent=1)
    return re.sub(r"\[\s*([-0-9.,\s]*?)\s*\]", lambda m: "[" + re.sub(r"\s*,\s*", ", ", m.group(1)) + "]", text) + "\n"


def markdown(result):
    lines = [
        "# Run time of the lessons and of grading the exercises: results",
        "",
        "Generated by `benchmarks/lesson_times.py` (its docstring says what is measured); the same",
        "numbers, with every run, are in `benchmarks/results_lesson_times.json`, which",
        "`tests/test_course_times.py` reads. COURSE.md plans with them.",
        "",
        f"Date: {result['date']}. Machine: {result['machine']}, {result['cores']} cores "
        f"({result['usable_cores']} usable, shared with other jobs); Python {result['python']}, "
        f"NumPy {result['numpy']}, SciPy {result['scipy']}, Matplotlib {result['matplotlib']}.",
        f"{result['repeats']} rounds, each running every item once in a freshly shuffled order. "
        f"Load average (1 min) before / after the whole run: {result['load_before'][0]:.2f} / "
        f"{result['load_after'][0]:.2f}; over all runs {result['load_range'][0]:.2f}–{result['load_range'][1]:.2f}.",
        "",
        "| file | median s | min–max s | CPU s (median) | load during its runs | printed lines |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for section in ("lessons", "grading", "experiment"):
        for key, row in result[section].items():
            what = f"grade.py {key}" if section == "grading" else key
            lines.append(f"| {what} | {row['median']:.1f} | {row['min']:.1f}–{row['max']:.1f} | "
                         f"{row['cpu_median']:.1f} | {row['load_range'][0]:.2f}–{row['load_range'][1]:.2f} | "
                         f"{row['printed_lines']} |")
    total = sum(row["median"] for row in result["lessons"].values())
    lines += ["", f"All {len(result['lessons'])} lessons one after the other: {total:.0f} s (sum of the medians)."]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="rounds (default 5)")
    parser.add_argument("--only", help="comma-separated parts of file names (a partial run; not for the results file)")
    parser.add_argument("--out", default=str(OUT),
                        help="the JSON file (default benchmarks/results_lesson_times.json; the .md beside it; '' only prints)")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    import matplotlib
    import numpy
    import scipy

    load_before = list(os.getloadavg()) if hasattr(os, "getloadavg") else []
    with tempfile.TemporaryDirectory(prefix="groupconv-lesson-times-") as scratch:
        chosen = items(scratch, args.only)
        if not chosen:
            parser.error(f"--only {args.only!r} matches no lesson, exercise or experiment")
        runs = {key: [] for key, _, _ in chosen}
        env = dict(os.environ, MPLBACKEND="Agg", GROUPCONV_FIGURES=str(Path(scratch) / "figures"),
                   PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
        env.pop("GROUPCONV_RESULTS", None)
        env.pop("GROUPCONV_VERBOSE", None)
        for turn in range(args.repeats):
            order = list(chosen)
            random.Random(SEED + turn).shuffle(order)
            for key, _, command in order:
                time.sleep(PAUSE)
                runs[key].append(run_once(command, env))
                print(f"round {turn + 1}/{args.repeats}: {key:<46} {runs[key][-1][0]:6.2f} s "
                      f"(load {runs[key][-1][3]:.2f})", file=sys.stderr)
    load_after = list(os.getloadavg()) if hasattr(os, "getloadavg") else []
    every_load = [x for r in runs.values() for run in r for x in (run[3], run[4])]
    result = {
        "generated_by": "benchmarks/lesson_times.py",
        "date": f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
        "machine": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "usable_cores": cores(),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "matplotlib": matplotlib.__version__,
        "repeats": args.repeats,
        "order": f"every round shuffled: random.Random({SEED} + round)",
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in load_after],
        "load_range": [round(min(every_load), 2), round(max(every_load), 2)],
        "lessons": {key: summary(runs[key]) for key, kind, _ in chosen if kind == "lesson"},
        "grading": {key: summary(runs[key]) for key, kind, _ in chosen if kind == "grading"},
        "experiment": {key: summary(runs[key]) for key, kind, _ in chosen if kind == "experiment"},
    }
    text = markdown(result)
    print(text)
    if args.out:
        out = Path(args.out)
        for path, content in ((out, to_json(result)), (out.with_suffix(".md"), text)):
            partial = path.with_name(path.name + ".partial")
            partial.write_text(content, encoding="utf-8")
            os.replace(partial, path)
            print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
