"""Write the student versions of the exercises: every solution block becomes `raise NotImplementedError`.

    python exercises/release.py OUTDIR

For each exercise file exercises/exNN_*.py, the lines from `### BEGIN SOLUTION` to
`### END SOLUTION` (markers included) are replaced by one line `raise NotImplementedError`
at the indentation of the BEGIN marker; everything else (task text, stubs, given code)
is kept. The result is written to OUTDIR/exNN_*.py (OUTDIR is created if needed; the
exercises folder itself is refused, so the solutions cannot be overwritten).
Student versions are generated, never committed: `release/` at the repository root is
in .gitignore.

Malformed markers (an END without a BEGIN, a BEGIN without an END, a nested BEGIN, an
END indented differently from its BEGIN) raise ValueError naming the file and line; a
released file that no longer compiles is an error too.
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
STUB = "raise NotImplementedError"
EXERCISE_FILE = re.compile(r"^ex\d\d_\w+\.py$")


def exercise_files(folder=HERE):
    """The exercise files of a folder (exNN_*.py), sorted."""
    return sorted(os.path.join(folder, name) for name in os.listdir(folder) if EXERCISE_FILE.match(name))


def strip_solutions(text, filename="<text>"):
    """The student version of one exercise's source text; raises ValueError on malformed markers."""
    out, begin = [], None
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        stripped = line.strip()
        indent = line[:len(line) - len(line.lstrip())]
        if stripped == BEGIN:
            if begin is not None:
                raise ValueError(f"{filename}:{number}: {BEGIN} inside the solution block opened on line {begin[0]}")
            begin = (number, indent)
            out.append(f"{indent}{STUB}\n")
        elif stripped == END:
            if begin is None:
                raise ValueError(f"{filename}:{number}: {END} without a {BEGIN} before it")
            if indent != begin[1]:
                raise ValueError(f"{filename}:{number}: {END} is indented differently from its {BEGIN} "
                                 f"on line {begin[0]}")
            begin = None
        elif BEGIN in line or END in line:
            raise ValueError(f"{filename}:{number}: a solution marker must stand alone on its line")
        elif begin is None:
            out.append(line)
    if begin is not None:
        raise ValueError(f"{filename}:{begin[0]}: {BEGIN} is never closed by {END}")
    student = "".join(out)
    try:
        compile(student, filename, "exec")
    except SyntaxError as exc:
        raise ValueError(f"{filename}: the student version does not compile: {exc}") from None
    return student


def release(outdir, folder=HERE):
    """Write the student version of every exercise file of `folder` into outdir; return the paths written."""
    if os.path.realpath(outdir) == os.path.realpath(folder):
        raise ValueError(f"OUTDIR must not be the exercises folder itself ({folder}): that would overwrite the solutions")
    if os.path.exists(outdir) and not os.path.isdir(outdir):
        raise ValueError(f"OUTDIR must be a folder (it is created if needed), but {outdir} is a file")
    files = exercise_files(folder)
    if not files:
        raise ValueError(f"no exercise files (exNN_*.py) in {folder}")
    students = {}
    for path in files:  # all of them checked before anything is written
        with open(path, encoding="utf-8") as fh:
            students[os.path.basename(path)] = strip_solutions(fh.read(), os.path.basename(path))
    os.makedirs(outdir, exist_ok=True)
    written = []
    for name, text in students.items():
        target = os.path.join(outdir, name)
        with open(target, "w", encoding="utf-8") as fh:
            fh.write(text)
        written.append(target)
    return written


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or argv[0].startswith("-"):
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        print("usage: python exercises/release.py OUTDIR", file=sys.stderr)
        return 2
    try:
        written = release(argv[0])
    except ValueError as exc:
        print(f"release.py: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {len(written)} student versions to {argv[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
