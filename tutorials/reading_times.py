"""Estimated reading time of every tutorial and exercise, for planning a course (COURSE.md).

    python tutorials/reading_times.py

The estimate is counted from the text itself: the words of the markdown cells at 100
words per minute (technical text with formulas) plus the non-comment code lines at 10
per minute (code read next to the mathematics). For the exercises it also prints the
lines of the reference solutions (between ### BEGIN SOLUTION and ### END SOLUTION), a
rough measure of the work. These are estimates, not measurements with students.
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORDS_PER_MINUTE = 100
CODE_LINES_PER_MINUTE = 10


def split_cells(text):
    """[(kind, source)] of a percent-format script: "markdown" after '# %% [markdown]', else "code"."""
    cells, kind, lines = [], "code", []
    for line in text.splitlines(keepends=True):
        if line.startswith("# %%"):
            cells.append((kind, "".join(lines)))
            kind, lines = ("markdown" if "[markdown]" in line else "code"), []
        else:
            lines.append(line)
    cells.append((kind, "".join(lines)))
    return cells


def estimate(path):
    """(markdown words, code lines, minutes, solution lines) of one file."""
    text = Path(path).read_text(encoding="utf-8")
    cells = split_cells(text)
    words = sum(len(re.findall(r"\w+", source)) for kind, source in cells if kind == "markdown")
    code = sum(1 for kind, source in cells if kind == "code" for line in source.splitlines()
               if line.strip() and not line.strip().startswith("#"))
    solution = sum(1 for block in re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", text, re.S)
                   for line in block.splitlines() if line.strip() and not line.strip().startswith("#"))
    return words, code, words / WORDS_PER_MINUTE + code / CODE_LINES_PER_MINUTE, solution


def main():
    print(f"{'file':<42} {'words':>6} {'code':>5} {'reading':>8} {'solution lines':>15}")
    files = sorted((ROOT / "tutorials").glob("[0-9][0-9]_*.py")) + sorted((ROOT / "exercises").glob("ex[0-9][0-9]_*.py"))
    for path in files:
        words, code, minutes, solution = estimate(path)
        print(f"{path.parent.name + '/' + path.name:<42} {words:>6} {code:>5} {minutes:>6.0f} min {solution or '':>15}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
