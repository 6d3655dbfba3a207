"""Write the student versions of the exercises: every solution block becomes `raise NotImplementedError`.

    python exercises/release.py OUTDIR
    python exercises/release.py --pack OUT

The second form writes a student pack: a self-contained folder that a lecturer can
publish as the students' repository (see pack() below). It holds the library, the
lessons, the docs, the figures, the student versions of the exercises and the grader,
and a README for students; never the solutions, the tests or the instructor material.

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
import shutil
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


ROOT = os.path.dirname(HERE)
PACK_README = os.path.join(HERE, "pack_README.md")  # the students' README of a pack
# What a pack holds, from the repository root: whole folders, then single files.
PACK_FOLDERS = ("groupconv", "tutorials", "docs", "figures", "exercises/grading")
PACK_FILES = ("exercises/grade.py", "requirements.txt", "requirements-notebooks.txt", "pyproject.toml",
              "LICENSE", "LICENSE-CONTENT.md", "COURSE.md", ".gitignore")
PACK_SKIP = {"__pycache__", ".pytest_cache", ".hypothesis"}
PACK_SKIP_FILES = {"tutorials/reading_times.py"}  # it measures the reference solutions: instructor tooling
TEXT_SUFFIXES = (".py", ".md", ".txt", ".toml", ".cfg", ".json", ".csv", ".sh", ".html", ".ipynb", ".gitignore")


def solution_lines(folder=HERE):
    """{stripped line: 'exNN_*.py:line'} for every line of code in a solution block (comments and blank
    lines left out)."""
    found = {}
    for path in exercise_files(folder):
        inside = False
        with open(path, encoding="utf-8") as fh:
            for number, line in enumerate(fh, start=1):
                stripped = line.strip()
                if stripped == BEGIN:
                    inside = True
                elif stripped == END:
                    inside = False
                elif inside and stripped and not stripped.startswith("#"):
                    found.setdefault(stripped, f"{os.path.basename(path)}:{number}")
    return found


def taught_lines(root=ROOT):
    """The stripped lines that the lessons and the library show anyway (tutorials/, groupconv/, and the exercise
    files outside their solution blocks). A solution line that is also one of these gives nothing away."""
    lines = set()
    for folder in ("tutorials", "groupconv"):
        for base, dirs, files in os.walk(os.path.join(root, folder)):
            dirs[:] = [d for d in dirs if d not in PACK_SKIP]
            for name in files:
                if name.endswith(".py"):
                    with open(os.path.join(base, name), encoding="utf-8") as fh:
                        lines.update(line.strip() for line in fh)
    for path in exercise_files(os.path.join(root, "exercises")):
        with open(path, encoding="utf-8") as fh:
            lines.update(line.strip() for line in strip_solutions(fh.read(), path).splitlines())
    return lines


def leaks(pack_dir, root=ROOT):
    """[(file in the pack, line number, where the solution has it)] for every line of a pack's text files that is a
    solution line and not one the lessons or the library show anyway."""
    secret = {line: where for line, where in solution_lines(os.path.join(root, "exercises")).items()
              if line not in taught_lines(root)}
    found = []
    for base, dirs, files in os.walk(pack_dir):
        for name in files:
            if not name.endswith(TEXT_SUFFIXES):
                continue
            path = os.path.join(base, name)
            with open(path, encoding="utf-8", errors="replace") as fh:
                for number, line in enumerate(fh, start=1):
                    if line.strip() in secret:
                        found.append((os.path.relpath(path, pack_dir), number, secret[line.strip()]))
    return found


def pack(out, root=ROOT):
    """Write the student pack into `out` (a new or empty folder outside the repository, or under its build/);
    return the number of files written. Raises ValueError if a solution line would reach the pack."""
    out_real, root_real = os.path.realpath(out), os.path.realpath(root)
    inside = os.path.commonpath([out_real, root_real]) == root_real
    if inside and os.path.commonpath([out_real, os.path.join(root_real, "build")]) != os.path.join(root_real, "build"):
        raise ValueError(f"OUT must lie outside the repository or under its build/ folder, not at {out}: "
                         "the pack is a separate repository")
    if os.path.exists(out) and (not os.path.isdir(out) or os.listdir(out)):
        raise ValueError(f"OUT must be a new or empty folder, but {out} exists and is not empty")
    exercises = os.path.join(root, "exercises")
    students = {}
    for path in exercise_files(exercises):  # every file checked before anything is written
        with open(path, encoding="utf-8") as fh:
            students[os.path.basename(path)] = strip_solutions(fh.read(), os.path.basename(path))
    staging = out_real.rstrip(os.sep) + ".partial"
    if os.path.exists(staging):
        shutil.rmtree(staging)
    count = 0
    for folder in PACK_FOLDERS:
        for base, dirs, files in os.walk(os.path.join(root, folder)):
            dirs[:] = sorted(d for d in dirs if d not in PACK_SKIP)
            for name in sorted(files):
                source = os.path.join(base, name)
                relative = os.path.relpath(source, root)
                if relative.replace(os.sep, "/") in PACK_SKIP_FILES or name.endswith(".pyc"):
                    continue
                os.makedirs(os.path.dirname(os.path.join(staging, relative)), exist_ok=True)
                shutil.copy2(source, os.path.join(staging, relative))
                count += 1
    for relative in PACK_FILES:
        os.makedirs(os.path.dirname(os.path.join(staging, relative)), exist_ok=True)
        shutil.copy2(os.path.join(root, relative), os.path.join(staging, relative))
        count += 1
    for name, text in students.items():
        with open(os.path.join(staging, "exercises", name), "w", encoding="utf-8") as fh:
            fh.write(text)
        count += 1
    shutil.copy2(PACK_README, os.path.join(staging, "README.md"))
    count += 1
    found = leaks(staging, root)
    if found:
        shutil.rmtree(staging)
        raise ValueError("solution lines would reach the pack:\n" + "\n".join(
            f"  {name}:{number} (the solution's {where})" for name, number, where in found[:20]))
    if os.path.isdir(out_real):
        os.rmdir(out_real)
    os.replace(staging, out_real)
    return count


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) == 2 and argv[0] == "--pack":
        try:
            count = pack(argv[1])
        except ValueError as exc:
            print(f"release.py: {exc}", file=sys.stderr)
            return 1
        print(f"wrote the student pack ({count} files, no solutions) to")
        print(os.path.abspath(argv[1]))
        return 0
    if len(argv) != 1 or argv[0].startswith("-"):
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        print("usage: python exercises/release.py OUTDIR | --pack OUT", file=sys.stderr)
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
