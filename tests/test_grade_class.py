"""Marking a class (grade.py --class), Gradescope's results.json (--gradescope) and the autograder zip.

A class of three students is graded once (module fixture): one with every reference
solution, one with the released stubs, one with the reference solutions but a planted
mistake in exercise 01 (the inverse without the transpose: 2 points lost). The grader
runs as a subprocess, as a lecturer runs it. Nothing here is timed.
"""
import csv
import hashlib
import importlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "exercises"
sys.path.insert(0, str(EXERCISES))

from grading import EXERCISES as REGISTRY  # noqa: E402

NAMES = [name for name, _ in REGISTRY]
LABELS = [name.split("_")[0] for name in NAMES]
PLANTED = ("    a_t = g[:2, :2].T  # A^-1 = A^T\n", "    a_t = g[:2, :2]  # the transpose forgotten\n")


def run(*args, timeout=900):
    return subprocess.run([sys.executable, str(EXERCISES / "grade.py"), *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def snapshot(folder):
    """{relative path: sha256} of every file under folder, and the set of folders."""
    files, folders = {}, set()
    for here, dirs, names in os.walk(folder):
        folders.update(os.path.relpath(os.path.join(here, d), folder) for d in dirs)
        for name in names:
            path = os.path.join(here, name)
            files[os.path.relpath(path, folder)] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return files, folders


def git_status():
    proc = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT,
                          capture_output=True, text=True)
    return proc.stdout if proc.returncode == 0 else None


def planted_ex01(folder):
    text = (EXERCISES / NAMES[0]).read_text(encoding="utf-8")
    assert text.count(PLANTED[0]) == 1
    (folder / NAMES[0]).write_text(text.replace(*PLANTED), encoding="utf-8")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("class")
    klass, out = base / "class", base / "out"
    (klass / "alice").mkdir(parents=True)
    for name in NAMES:
        shutil.copy(EXERCISES / name, klass / "alice" / name)
    proc = subprocess.run([sys.executable, str(EXERCISES / "release.py"), str(klass / "bob")], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    shutil.copytree(klass / "alice", klass / "carol")
    planted_ex01(klass / "carol")
    before, status = snapshot(klass), git_status()
    proc = run("--class", klass, "--out", out)
    return {"class": klass, "out": out, "proc": proc, "before": before, "after": snapshot(klass),
            "status": (status, git_status())}


def test_the_class_is_graded_and_the_gradebook_has_a_row_per_student(graded):
    proc = graded["proc"]
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "files," in proc.stderr and "36/36 files" in proc.stderr, proc.stderr  # the progress bar
    with open(graded["out"] / "gradebook.csv", newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0]) == ["student", *LABELS, "total", "flags", "flagged"]
    assert [r["student"] for r in rows] == ["alice", "bob", "carol"]
    alice, bob, carol = rows
    assert alice["total"] == "120" and all(alice[label] == "10" for label in LABELS)
    assert bob["total"] == "0" and all(bob[label] == "0" for label in LABELS)
    assert carol["total"] == "118" and carol["ex01"] == "8"
    assert all(carol[label] == "10" for label in LABELS[1:])
    assert all(r["flags"] == "0" and r["flagged"] == "" for r in rows)


def test_results_json_is_in_gradescopes_format(graded):
    totals = {"alice": 120, "bob": 0, "carol": 118}
    for student, total in totals.items():
        results = json.loads((graded["out"] / student / "results.json").read_text(encoding="utf-8"))
        assert {"score", "execution_time", "tests", "output"} <= set(results)
        assert isinstance(results["execution_time"], int) and results["execution_time"] >= 0
        tests = results["tests"]
        assert results["score"] == sum(t["score"] for t in tests) == total
        assert sum(t["max_score"] for t in tests) == 120
        for test in tests:
            assert {"name", "score", "max_score", "output", "visibility"} <= set(test)
            assert test["visibility"] == "visible" and 0 <= test["score"] <= test["max_score"]
            assert isinstance(test["output"], str) and test["output"]
        assert len({t["name"] for t in tests}) == len(tests)
    carol = json.loads((graded["out"] / "carol" / "results.json").read_text(encoding="utf-8"))
    (inverse,) = [t for t in carol["tests"] if t["name"] == "ex01_group_law.py: inverse"]
    assert inverse["score"] == 0 and inverse["max_score"] == 2 and inverse["status"] == "failed"
    assert "got:" in inverse["output"]


def test_feedback_names_the_failing_task_and_the_missing_files(graded):
    out = graded["out"]
    carol = (out / "carol" / "feedback.md").read_text(encoding="utf-8")
    assert "**Total: 118/120 points.**" in carol
    assert "**FAIL** `inverse`: 0/2 points" in carol and "g g^-1 is not the identity" in carol
    assert carol.count("**FAIL**") == 1 and "```text" in carol  # the counterexample as a code block
    bob = (out / "bob" / "feedback.md").read_text(encoding="utf-8")
    assert "**Total: 0/120 points.**" in bob and "**PASS**" not in bob
    alice = (out / "alice" / "feedback.md").read_text(encoding="utf-8")
    n_tasks = sum(len(importlib.import_module(f"grading.{module}").TASKS) for _, module in REGISTRY)
    assert "**FAIL**" not in alice and alice.count("**PASS**") == n_tasks
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [s["student"] for s in report["submissions"]] == ["alice", "bob", "carol"]
    assert report["points"] == 238


def test_nothing_is_written_into_the_class_folder_or_the_repository(graded):
    assert graded["after"] == graded["before"]
    status_before, status_after = graded["status"]
    if status_before is not None:
        assert status_after == status_before
    leftovers = [p.name for p in graded["out"].rglob("*") if p.name.startswith(".")]
    assert not leftovers, leftovers  # no temporary files left behind


def test_missing_files_and_other_names_in_a_student_folder(tmp_path):
    klass = tmp_path / "class"
    (klass / "dora").mkdir(parents=True)
    text = (EXERCISES / NAMES[0]).read_text(encoding="utf-8")
    (klass / "dora" / "ex01_my_answer.py").write_text(text, encoding="utf-8")
    (klass / "dora" / "notes.py").write_text("x = 1\n", encoding="utf-8")
    (klass / "empty").mkdir()
    (klass / "README.txt").write_text("not a student\n", encoding="utf-8")
    proc = run("--class", klass, "--out", tmp_path / "out", "--only", "rotation_matrix,transform_image", "--jobs", "1")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader((tmp_path / "out" / "gradebook.csv").open(encoding="utf-8")))
    assert [(r["student"], r["ex01"], r["ex02"], r["total"]) for r in rows] == [("dora", "2", "0", "2"),
                                                                             ("empty", "0", "0", "0")]
    assert list(rows[0]) == ["student", "ex01", "ex02", "total", "flags", "flagged"]
    feedback = (tmp_path / "out" / "dora" / "feedback.md").read_text(encoding="utf-8")
    assert "Graded file: `ex01_my_answer.py`" in feedback and "notes.py: not graded" in feedback
    assert "Missing (0 points): `ex02_action_on_images.py`" in feedback
    assert "README.txt: skipped" in proc.stderr


@pytest.mark.parametrize("case", ["no folder", "a file", "out inside", "out is the class", "unsafe name",
                                  "leading dash", "no out", "with a path", "reserved name"])
def test_usage_errors_exit_2_and_write_nothing(tmp_path, case):
    klass = tmp_path / "class"
    (klass / "alice").mkdir(parents=True)
    out = tmp_path / "out"
    args = ["--class", klass, "--out", out]
    if case == "no folder":
        args[1] = tmp_path / "nothing"
    elif case == "a file":
        (tmp_path / "file").write_text("x", encoding="utf-8")
        args[1] = tmp_path / "file"
    elif case == "out inside":
        args[3] = out = klass / "marks"
    elif case == "out is the class":
        args[3] = out = klass
    elif case == "unsafe name":
        (klass / "bad name").mkdir()
    elif case == "leading dash":
        (klass / "-rf").mkdir()
    elif case == "no out":
        args = args[:2]
    elif case == "with a path":
        args.append(EXERCISES / NAMES[0])
    elif case == "reserved name":
        (klass / "gradebook.csv").mkdir()
    before = snapshot(klass)
    proc = run(*args, timeout=120)
    assert proc.returncode == 2 and "error:" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert snapshot(klass) == before
    if out != klass:
        assert not out.exists()


def test_flags_report_keeps_the_points_and_zero_takes_them(tmp_path):
    folder = tmp_path / "sub"
    folder.mkdir()
    text = (EXERCISES / NAMES[0]).read_text(encoding="utf-8")
    (folder / NAMES[0]).write_text(text + "\nimport ctypes  # flagged by the static read\n", encoding="utf-8")
    totals = {}
    for policy in ("zero", "report"):
        proc = run(folder / NAMES[0], "--json", "--only", "rotation_matrix", "--flags", policy)
        report = json.loads(proc.stdout)
        (result,) = report["submissions"][0]["files"][0]["tasks"]
        assert result["flags"], result
        totals[policy] = report["points"]
    assert totals == {"zero": 0, "report": 2}
    assert run(folder, "--flags", "none").returncode == 2


def test_gradescope_option_writes_results_json_for_one_folder(tmp_path):
    folder = tmp_path / "submission"
    folder.mkdir()
    planted_ex01(folder)
    target = tmp_path / "results" / "results.json"
    target.parent.mkdir()
    proc = run(folder, "--gradescope", target, "--only", "inverse,rotation_matrix,transform_image")
    assert proc.returncode == 1, proc.stderr  # a task fails
    results = json.loads(target.read_text(encoding="utf-8"))
    scores = {t["name"]: (t["score"], t["max_score"]) for t in results["tests"]}
    transform = [t for t in importlib.import_module("grading.ex02").TASKS if t.name == "transform_image"][0]
    assert scores == {"ex01_group_law.py: rotation_matrix": (2, 2), "ex01_group_law.py: inverse": (0, 2),
                      "ex02_action_on_images.py: transform_image": (0, transform.points)}
    assert results["score"] == sum(t["score"] for t in results["tests"]) == 2
    assert "missing" in results["output"]
    assert sorted(os.listdir(folder)) == [NAMES[0]]
    # an empty upload still gets a result, with a note
    (tmp_path / "empty").mkdir()
    proc = run(tmp_path / "empty", "--gradescope", target, "--only", "rotation_matrix")
    results = json.loads(target.read_text(encoding="utf-8"))
    assert results["score"] == 0 and "No exercise files" in results["output"]
    assert run(folder, folder, "--gradescope", target).returncode == 2


def test_the_autograder_zip_has_no_solutions_and_grades(tmp_path):
    proc = subprocess.run([sys.executable, str(EXERCISES / "gradescope" / "make_zip.py"), str(tmp_path / "ag.zip")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    with zipfile.ZipFile(tmp_path / "ag.zip") as archive:
        names = archive.namelist()
        archive.extractall(tmp_path / "source")
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
    assert "setup.sh" in names and "run_autograder" in names and modes["run_autograder"] & 0o111
    assert "exercises/grade.py" in names and "exercises/grading/framework.py" in names
    assert "groupconv/__init__.py" in names
    given = [n for n in names if n.startswith("exercises/ex")]
    assert given == ["exercises/ex11_counterexamples.py"], given
    assert "BEGIN SOLUTION" not in (tmp_path / "source" / given[0]).read_text(encoding="utf-8")
    assert not [n for n in names if "__pycache__" in n or n.startswith("tests/")]
    # the unpacked autograder grades the reference solutions, ex11 included
    target = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, str(tmp_path / "source" / "exercises" / "grade.py"), str(EXERCISES),
                           "--gradescope", str(target), "--only", "counterexample_planar,inverse"],
                          capture_output=True, text=True, timeout=300)
    results = json.loads(target.read_text(encoding="utf-8"))
    assert results["score"] == 4 and len(results["tests"]) == 2, (proc.stdout, proc.stderr)
