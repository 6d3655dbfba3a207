"""Run every tutorial and print one table: each statement of the inventory, checked or not.

    python tutorials/run_all.py              every tutorial, summary table, exit 1 on any FAIL
    python tutorials/run_all.py --only 03,05 a subset (by number prefix)
    python tutorials/run_all.py --strict     also fail when a statement has no tutorial yet

How it works. Tutorials are the files tutorials/NN_name.py. Each declares, right after
its docstring, a tuple IDS of the statement IDs it checks; this runner reads that tuple
with `ast` (without running the file). It then runs every tutorial as its own process,
headless (MPLBACKEND=Agg), with GROUPCONV_RESULTS naming a fresh file into which
groupconv.checks writes one JSON line per check. The table has one row per ID of
groupconv.inventory:

    PASS     every check with this ID passed
    FAIL     a check failed, or a tutorial claims the ID in IDS but never checked it,
             or the tutorial that claims it crashed / exited non-zero
    MISSING  no tutorial claims or checks this ID yet

The exit status is 1 on any FAIL (and, with --strict, on any MISSING), else 0.
"""
import argparse
import ast
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from groupconv import inventory  # noqa: E402  (after the path set-up above)

TIMEOUT = 600  # seconds per tutorial; a tutorial that takes longer counts as failed


# ---------------------------------------------------------------- discovery

def discover(directory=HERE):
    """The tutorial files NN_*.py of `directory`, sorted by name."""
    return sorted(p for p in Path(directory).glob("[0-9][0-9]_*.py") if p.is_file())


def claimed_ids(path):
    """The tuple IDS a tutorial declares at module level, read with ast (the file is not run).

    Raises ValueError if the file has no module-level IDS or it is not a tuple of strings.
    """
    tree = ast.parse(Path(path).read_text(encoding="utf-8"), filename=str(path))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "IDS" for t in node.targets):
            value = ast.literal_eval(node.value)
            if not isinstance(value, tuple) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"{path}: IDS must be a tuple of strings, got {value!r}")
            return value
    raise ValueError(f"{path}: no module-level IDS = (...) tuple")


def select(paths, only):
    """Keep the tutorials whose two-digit prefix is in `only` (a string like "03,05"), or all."""
    if not only:
        return list(paths)
    wanted = {w.strip().zfill(2) for w in only.split(",") if w.strip()}
    chosen = [p for p in paths if p.name[:2] in wanted]
    unknown = wanted - {p.name[:2] for p in chosen}
    if unknown:
        raise ValueError(f"--only: no tutorial numbered {', '.join(sorted(unknown))}")
    return chosen


# ---------------------------------------------------------------- running

def run_one(path, results_dir):
    """Run one tutorial headless; return a dict with its exit code, output, time and recorded checks."""
    results = Path(results_dir) / (path.stem + ".jsonl")
    results.write_text("")
    env = dict(os.environ, MPLBACKEND="Agg", GROUPCONV_RESULTS=str(results),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    start = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, str(path)], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=TIMEOUT)
        code, out = proc.returncode, proc.stdout + proc.stderr
    except subprocess.TimeoutExpired as exc:
        code, out = "timeout", f"stopped after {TIMEOUT} s\n{exc.stdout or ''}"
    seconds = time.perf_counter() - start
    checks = [json.loads(line) for line in results.read_text().splitlines() if line.strip()]
    return {"path": path, "returncode": code, "output": out, "seconds": seconds, "checks": checks}


def run_all(paths, jobs=2):
    """Run the tutorials, `jobs` at a time; results in the order of `paths`.

    They are started last tutorial first: the later ones build on more machinery and take
    longer, and starting the long runs first lets the short ones fill the gaps at the end.
    """
    with tempfile.TemporaryDirectory(prefix="groupconv_results_") as tmp:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = {p: pool.submit(run_one, p, tmp) for p in reversed(paths)}
            return [futures[p].result() for p in paths]


# ---------------------------------------------------------------- the table

def summarise(runs, claims):
    """One row per inventory ID (plus rows for unknown IDs a tutorial used).

    runs: results of run_one; claims: {tutorial name: IDS tuple}.
    Returns (rows, problems): rows are dicts for the table, problems a list of messages.
    """
    problems = []
    checked = {}  # id -> list of (tutorial, check row)
    crashed = set()
    for run in runs:
        name = run["path"].name
        if run["returncode"] != 0:
            crashed.add(name)
            problems.append(f"{name} exited with status {run['returncode']}")
        for row in run["checks"]:
            checked.setdefault(row["id"], []).append((name, row))
        done = {row["id"] for row in run["checks"]}
        for eq_id in claims[name]:
            if eq_id not in done:
                problems.append(f"{name} claims {eq_id} in IDS but never checked it")
        for eq_id in sorted(done - set(claims[name])):
            problems.append(f"{name} checks {eq_id} without listing it in IDS")
    claimed_by = {}
    for name, ids in claims.items():
        for eq_id in ids:
            claimed_by.setdefault(eq_id, []).append(name)

    all_ids = inventory.ids()
    unknown = sorted((set(checked) | set(claimed_by)) - set(all_ids))
    for eq_id in unknown:
        problems.append(f"{eq_id} is not an ID of the inventory (used by {', '.join(claimed_by.get(eq_id, []) or sorted({n for n, _ in checked[eq_id]}))})")

    rows = []
    for eq_id in all_ids + unknown:
        statement = inventory.BY_ID.get(eq_id)
        tutorials = sorted(set(claimed_by.get(eq_id, [])) | {n for n, _ in checked.get(eq_id, [])})
        rows_for_id = [r for _, r in checked.get(eq_id, [])]
        by_kind = {kind: [r["residual"] for r in rows_for_id if r["kind"] == kind] for kind in ("exact", "float", "nonzero")}
        counterexamples = by_kind["nonzero"]
        never_checked = [n for n in claimed_by.get(eq_id, []) if not any(n == m for m, _ in checked.get(eq_id, []))]
        if statement is None:
            status, note = "FAIL", "not an inventory ID"
        elif not tutorials:
            status, note = "MISSING", f"no tutorial yet (section {statement.section}: {inventory.SECTIONS[statement.section].split(' (')[0]})"
        elif any(not r["passed"] for r in rows_for_id):
            status, note = "FAIL", f"{sum(not r['passed'] for r in rows_for_id)} of {len(rows_for_id)} checks failed"
        elif never_checked:
            status, note = "FAIL", f"claimed but never checked by {', '.join(never_checked)}"
        elif set(tutorials) & crashed:
            status, note = "FAIL", f"{', '.join(sorted(set(tutorials) & crashed))} did not exit 0"
        else:
            status, note = "PASS", ""
        rows.append({"id": eq_id, "section": statement.section if statement else "?",
                     "tutorials": ", ".join(t[:-3] for t in tutorials) or "-", "checks": len(rows_for_id),
                     "exact": by_kind["exact"], "float": by_kind["float"], "nonzero": counterexamples,
                     "status": status, "note": note})
    return rows, problems


LEGEND = """
exact: max    how many checks must give exactly 0.0 (integer data, index moves), and their largest residual
float: max    how many checks allow round-off (float data summed in another order), and their largest residual
nonzero: min  how many counterexamples must be clearly non-zero (e.g. a map that is NOT equivariant), and the smallest
(a proof chain counts one check per line-to-line step)"""


def format_table(rows):
    """The summary table as text."""
    def cell(values, summary):
        return f"{len(values)}: {summary(values):.2g}" if values else "-"

    head = ("ID", "sec", "tutorial", "exact: max", "float: max", "nonzero: min", "status", "")
    body = [(r["id"], str(r["section"]), r["tutorials"], cell(r["exact"], max), cell(r["float"], max),
             cell(r["nonzero"], min), r["status"], r["note"]) for r in rows]
    widths = [max(len(line[i]) for line in [head] + body) for i in range(len(head) - 1)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths) + "  {}"
    lines = [fmt.format(*head).rstrip(), fmt.format(*("-" * w for w in widths), "").rstrip()]
    lines += [fmt.format(*line).rstrip() for line in body]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run every tutorial and print the verification table.")
    parser.add_argument("--only", help="comma-separated tutorial numbers, e.g. 03,05")
    parser.add_argument("--strict", action="store_true", help="also fail when an inventory ID has no tutorial")
    parser.add_argument("--jobs", type=int, default=2, help="tutorials run at the same time (default 2)")
    parser.add_argument("--dir", default=str(HERE), help=argparse.SUPPRESS)  # another tutorial folder (tests)
    parser.add_argument("--verbose", action="store_true", help="print every tutorial's own output too")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    try:
        paths = select(discover(args.dir), args.only)
        claims = {p.name: claimed_ids(p) for p in paths}
    except ValueError as exc:
        parser.error(str(exc))
    if not paths:
        parser.error(f"no tutorials NN_*.py found in {args.dir}")
    print(f"Running {len(paths)} tutorial(s), {args.jobs} at a time ...")
    runs = run_all(paths, args.jobs)
    for run in runs:
        ok = run["returncode"] == 0
        print(f"  {run['path'].name:<40} {run['seconds']:6.1f} s  {len(run['checks']):4d} checks  "
              f"{'exit 0' if ok else 'EXIT ' + str(run['returncode'])}")
        if args.verbose or not ok:
            tail = run["output"] if args.verbose else "\n".join(run["output"].splitlines()[-25:])
            print("    | " + tail.replace("\n", "\n    | "))

    rows, problems = summarise(runs, claims)
    if args.only:  # a subset run: show only the IDs the chosen tutorials claim or check
        rows = [r for r in rows if r["tutorials"] != "-"]
    print()
    print(format_table(rows))
    print(LEGEND)
    counts = {s: sum(r["status"] == s for r in rows) for s in ("PASS", "FAIL", "MISSING")}
    print()
    for message in problems:
        print(f"FAIL: {message}")
    print(f"{counts['PASS']} PASS, {counts['FAIL']} FAIL, {counts['MISSING']} MISSING "
          f"({sum(len(r['checks']) for r in runs)} checks in {len(runs)} tutorials); "
          f"total time {time.perf_counter() - start:.1f} s")
    failed = bool(problems) or counts["FAIL"] > 0 or (args.strict and counts["MISSING"] > 0)
    if counts["MISSING"] and not args.strict:
        print("MISSING statements are reported but do not fail the run (use --strict to make them fail).")
    print("RESULT: " + ("FAIL" if failed else "PASS"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
