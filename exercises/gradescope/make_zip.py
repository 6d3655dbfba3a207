"""Build the Gradescope autograder zip from this copy of the repository, without the solutions.

    python exercises/gradescope/make_zip.py [OUT_ZIP]      # default: autograder.zip in the current folder

The zip holds, at its root, setup.sh and run_autograder (Gradescope looks for them
there), and the part of the repository that grading needs: the library (groupconv/),
exercises/grade.py, exercises/grading/, this folder, requirements.txt, pyproject.toml,
README.md and LICENSE when present. The reference solutions (exercises/exNN_*.py) are
left out, except the student version of ex11_counterexamples.py (solution blocks
stripped by exercises/release.py): its grader takes the four given layers from that
file. Caches (__pycache__, *.pyc) and hidden files are left out. The output may not be
inside the repository's exercises/ or groupconv/ folders.
"""
import os
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
EXERCISES = os.path.dirname(HERE)
ROOT = os.path.dirname(EXERCISES)
sys.path.insert(0, EXERCISES)

from release import strip_solutions  # noqa: E402

TREES = ("groupconv", "exercises/grading", "exercises/gradescope")
FILES = ("exercises/grade.py", "requirements.txt", "pyproject.toml", "README.md", "LICENSE")
GIVEN = ("exercises/ex11_counterexamples.py",)  # graders read given code from these: stripped of solutions


def members():
    """[(name in the zip, path on disk or None, text or None)] in a fixed order."""
    out = [("setup.sh", os.path.join(HERE, "setup.sh"), None),
           ("run_autograder", os.path.join(HERE, "run_autograder"), None)]
    for tree in TREES:
        for folder, dirs, files in os.walk(os.path.join(ROOT, tree)):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
            for name in sorted(files):
                if name.startswith(".") or name.endswith((".pyc", ".pyo")):
                    continue
                path = os.path.join(folder, name)
                out.append((os.path.relpath(path, ROOT).replace(os.sep, "/"), path, None))
    out += [(name, os.path.join(ROOT, name), None) for name in FILES if os.path.isfile(os.path.join(ROOT, name))]
    for name in GIVEN:
        with open(os.path.join(ROOT, name), encoding="utf-8") as file:
            out.append((name, None, strip_solutions(file.read(), name)))
    return out


def build(target):
    target = os.path.abspath(target)
    for tree in ("groupconv", "exercises"):
        if target.startswith(os.path.join(ROOT, tree) + os.sep):
            raise SystemExit(f"make_zip: {target} is inside {tree}/; write the zip elsewhere")
    partial = target + ".partial"
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, path, text in members():
            if path is not None:
                info = zipfile.ZipInfo.from_file(path, name)
                info.compress_type = zipfile.ZIP_DEFLATED
                executable = name in ("setup.sh", "run_autograder")
                info.external_attr = ((0o755 if executable else 0o644) | 0o100000) << 16
                with open(path, "rb") as file:
                    archive.writestr(info, file.read())
            else:
                info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = (0o644 | 0o100000) << 16
                archive.writestr(info, text)
    os.replace(partial, target)
    return target


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) > 1 or argv and argv[0].startswith("-"):
        raise SystemExit(__doc__.split("\n\n")[1])
    target = build(argv[0] if argv else "autograder.zip")
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
    print(f"wrote {target}: {len(names)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
