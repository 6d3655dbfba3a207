"""The student pack (python exercises/release.py --pack OUT), as a student receives it.

Checked: no line of any solution block reaches the pack (nor the solution markers, the
instructor material, the tests or a course seed); the pack's own grader runs there, gives 0
points on the stubs with no traceback, and full marks once the reference solutions are put
in; and a fresh virtual environment set up with the commands of the pack's README runs it.
"""
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "exercises"))

import release  # noqa: E402

MAX_POINTS = 120


@pytest.fixture(scope="module")
def pack_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("pack") / "course"
    release.pack(str(out))
    return out


def files_of(folder):
    return sorted(os.path.relpath(os.path.join(base, name), folder).replace(os.sep, "/")
                  for base, _, names in os.walk(folder) for name in names)


def solution_code():
    """Every line of code inside a solution block of the exercises, stripped."""
    return release.solution_lines(os.path.join(ROOT, "exercises"))


def test_no_solution_line_reaches_the_pack(pack_dir):
    secret = set(solution_code()) - release.taught_lines(ROOT)
    assert len(secret) > 80, "the exercises' solution blocks are found"
    for relative in files_of(pack_dir):
        text = (pack_dir / relative).read_text(encoding="utf-8", errors="replace")
        assert release.BEGIN not in text and release.END not in text, relative
        shown = secret & {line.strip() for line in text.splitlines()}
        assert not shown, f"{relative} holds solution lines: {sorted(shown)[:3]}"


def test_what_the_pack_holds(pack_dir):
    files = files_of(pack_dir)
    for name in ("README.md", "LICENSE", "LICENSE-CONTENT.md", "pyproject.toml", "requirements.txt",
                 "exercises/grade.py", "groupconv/groups.py", "tutorials/run_all.py", "docs/equations.md"):
        assert name in files
    stubs = [f for f in files if re.fullmatch(r"exercises/ex\d\d_\w+\.py", f)]
    assert len(stubs) == 12
    assert len([f for f in files if re.fullmatch(r"tutorials/\d\d_\w+\.py", f)]) == 15
    for forbidden in ("instructor/", "tests/", "exercises/release.py",
                      "exercises/pack_README.md", ".git/"):
        assert not any(f.startswith(forbidden) for f in files), forbidden
    assert not any(f.endswith("course_seed.txt") for f in files)
    assert (pack_dir / "README.md").read_text() == open(release.PACK_README, encoding="utf-8").read()


def grade(python, folder, cwd, env=None):
    proc = subprocess.run([python, "exercises/grade.py", folder, "--json"], cwd=cwd, capture_output=True,
                          text=True, timeout=900, env=env)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    assert report["cases"] == "public"
    return proc.returncode, report


def clean_env():
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GROUPCONV_COURSE_SEED")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def test_the_pack_grades_the_stubs_to_zero_and_the_solutions_to_full_marks(pack_dir, tmp_path):
    work = tmp_path / "student"
    shutil.copytree(pack_dir, work)
    code, report = grade(sys.executable, "exercises/", work, clean_env())
    assert code == 1 and report["points"] == 0 and report["max_points"] == MAX_POINTS
    tasks = [t for f in report["submissions"][0]["files"] for t in f["tasks"]]
    assert len(tasks) >= 30 and all("NotImplementedError" in t["reason"] or "not implemented" in t["reason"].lower()
                                    for t in tasks), {t["task"]: t["reason"][:80] for t in tasks}
    for path in release.exercise_files(os.path.join(ROOT, "exercises")):  # the student fills in the solutions
        shutil.copy(path, work / "exercises" / os.path.basename(path))
    code, report = grade(sys.executable, "exercises/", work, clean_env())
    assert code == 0 and report["points"] == MAX_POINTS


def readme_setup(readme):
    """The shell commands of the README's set-up section, in order."""
    section = readme.split("## Set up", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, re.S)
    assert len(blocks) == 1, "one block of set-up commands"
    commands = [line for line in blocks[0].splitlines() if line.strip()]
    assert len(commands) == 2, "set-up in two commands"
    return commands


def test_a_fresh_environment_from_the_pack_readme(pack_dir, tmp_path):
    """A student on a fresh machine: a copy of the pack, the README's two commands, then the grader."""
    work = tmp_path / "fresh"
    shutil.copytree(pack_dir, work)
    commands = readme_setup((work / "README.md").read_text())
    script = " && ".join(commands) + " && python -c 'import groupconv, sys; print(groupconv.__file__)'"
    env = clean_env()
    env.pop("VIRTUAL_ENV", None)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if "venv" not in p)
    proc = subprocess.run(["bash", "-c", script], cwd=work, capture_output=True, text=True, timeout=1800, env=env)
    assert proc.returncode == 0, (proc.stdout[-2000:], proc.stderr[-3000:])
    assert proc.stdout.strip().splitlines()[-1].startswith(str(work)), "the pack's own library is the one installed"
    python = str(work / ".venv" / "bin" / "python")
    code, report = grade(python, "exercises/ex01_group_law.py", work, env)
    assert code == 1 and report["points"] == 0
    shutil.copy(os.path.join(ROOT, "exercises", "ex01_group_law.py"), work / "exercises")
    code, report = grade(python, "exercises/ex01_group_law.py", work, env)
    assert code == 0 and report["points"] == report["max_points"] > 0
