"""Run a percent-format tutorial the way a notebook does: cell by cell, in one namespace.

    python tests/run_cells.py TUTORIAL.py OUT.json

The file is split at its `# %%` lines (the text before the first marker is a code cell,
as jupytext makes it); markdown cells are skipped; each code cell is executed in turn in
one namespace whose __name__ is "__main__", as in a Jupyter kernel, and with no
__file__ (a notebook has none). The current directory is whatever the caller chose.
Each cell's printed output is captured separately, with the number of checks it
recorded (groupconv.checks.RESULTS). Execution stops at the first cell that raises (or
exits), as a notebook run does. OUT.json receives one entry per code cell.
"""
import contextlib
import io
import json
import sys
import traceback


def split_cells(text):
    """[(kind, source)] for the cells of a percent-format script; kind is "code" or "markdown"."""
    cells, kind, lines = [], "code", []
    for line in text.splitlines(keepends=True):
        if line.startswith("# %%"):
            if any(s.strip() for s in lines):
                cells.append((kind, "".join(lines)))
            kind = "markdown" if "[markdown]" in line else "code"
            lines = []
        else:
            lines.append(line)
    if any(s.strip() for s in lines):
        cells.append((kind, "".join(lines)))
    return cells


def run(path):
    from groupconv import checks

    namespace = {"__name__": "__main__"}
    report = []
    code_cells = [source for kind, source in split_cells(open(path, encoding="utf-8").read()) if kind == "code"]
    for index, source in enumerate(code_cells):
        out = io.StringIO()
        before = len(checks.RESULTS)
        error = None
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            try:
                exec(compile(source, f"<cell {index}>", "exec"), namespace)
            except BaseException as exc:  # SystemExit from checks.finish() included
                error = "".join(traceback.format_exception(exc))
        report.append({"index": index, "source": source, "stdout": out.getvalue(),
                       "checks": len(checks.RESULTS) - before, "error": error})
        if error:
            break
    return report


if __name__ == "__main__":
    tutorial, out_path = sys.argv[1:3]
    with open(out_path, "w", encoding="utf-8") as fh:
        json.dump(run(tutorial), fh)
