"""The exercises' grader tells right from wrong (exercises/grade.py, exercises/release.py).

* every reference solution scores full marks;
* every released student version scores 0, and the grader reports it without a traceback;
* a planted wrong solution for each common mistake fails with that mistake's hint
  (the mistakes are planted by editing copies of the reference files in a temporary
  folder; the hint is found from the submission's behaviour, never from its text);
* submissions that hang, crash, fail to import, call a function they must write
  themselves or try to write into the repository get a clear FAIL, and the other tasks
  are still graded.
The grader runs as a subprocess, exactly as a student or lecturer runs it. Nothing here
is timed: the time limits are the grader's own, and only their verdicts are checked.
"""
import importlib
import importlib.util
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "exercises"
sys.path.insert(0, str(EXERCISES))

from grading import EXERCISES as REGISTRY  # noqa: E402
from release import BEGIN, END, release, strip_solutions  # noqa: E402

EXERCISE_FILES = sorted(p.name for p in EXERCISES.glob("ex[0-9][0-9]_*.py"))


def grade(*args):
    """Run the grader with --json; return (exit status, report or None, stderr)."""
    proc = subprocess.run([sys.executable, str(EXERCISES / "grade.py"), *map(str, args), "--json"], cwd=ROOT,
                          capture_output=True, text=True, timeout=900)
    report = json.loads(proc.stdout) if proc.stdout.lstrip().startswith("{") else None
    return proc.returncode, report, proc.stderr


def results(report):
    """{(exercise file name, task name): task result} of a report."""
    return {(f["exercise"], r["task"]): r for s in report["submissions"] for f in s["files"] for r in f["tasks"]}


def plant(folder, name, replacements=(), appended=""):
    """A copy of the reference exercise `name` in folder, with each (old, new) replaced exactly once."""
    text = (EXERCISES / name).read_text(encoding="utf-8")
    for old, new in replacements:
        assert text.count(old) == 1, f"{name}: the text to replace occurs {text.count(old)} times: {old!r}"
        text = text.replace(old, new)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text + appended, encoding="utf-8")
    return folder / name


# ---------------------------------------------------------------- the files

def test_every_exercise_file_is_graded_and_every_grader_has_its_file():
    assert len(EXERCISE_FILES) >= 12, EXERCISE_FILES
    assert sorted(name for name, _ in REGISTRY) == EXERCISE_FILES
    for name, module in REGISTRY:
        assert (EXERCISES / "grading" / f"{module}.py").is_file(), module


@pytest.mark.parametrize("name", EXERCISE_FILES)
def test_exercise_file_is_a_percent_script_with_tasks_between_markers(name):
    text = (EXERCISES / name).read_text(encoding="utf-8")
    assert text.startswith('"""Exercise ' + name[2:4]), "a one-line docstring naming the exercise"
    assert "# %% [markdown]" in text and re.search(r"^# %%$", text, re.M), "percent-format cells"
    assert "## Task 1" in text and "**Rules.**" in text and "Check yourself" in text
    begins, ends = text.count(BEGIN), text.count(END)
    assert begins == ends >= 1
    assert 'if __name__ == "__main__":' in text, "demonstrations run only as a script or notebook, not on import"


def test_exercise_files_import_silently(tmp_path):
    """Importing a file (as the grader does) prints nothing and runs no demonstration."""
    program = ("import importlib.util, sys\n"
               f"for path in {[str(EXERCISES / n) for n in EXERCISE_FILES]!r}:\n"
               "    spec = importlib.util.spec_from_file_location('submission', path)\n"
               "    spec.loader.exec_module(importlib.util.module_from_spec(spec))\n")
    proc = subprocess.run([sys.executable, "-B", "-c", program], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and proc.stderr == ""


NOTEBOOK_PACKAGES_MISSING = [name for name in ("jupytext", "nbclient", "ipykernel")
                             if importlib.util.find_spec(name) is None]


@pytest.mark.skipif(bool(NOTEBOOK_PACKAGES_MISSING), reason="optional notebook packages missing: "
                    + ", ".join(NOTEBOOK_PACKAGES_MISSING))
def test_exercises_open_and_run_as_notebooks(tmp_path):
    """jupytext reads every file (reference and student version) as a notebook with the same cells, and the
    reference notebooks run in a fresh kernel (tests/run_notebook.py), the last cell trying the functions."""
    import jupytext

    release(str(tmp_path / "student"))

    def run(name):
        workdir = tmp_path / name
        workdir.mkdir()
        proc = subprocess.run([sys.executable, str(ROOT / "tests" / "run_notebook.py"), str(EXERCISES / name),
                               str(workdir), str(workdir / "out.json")], cwd=workdir, capture_output=True,
                              text=True, timeout=900, env=dict(os.environ, PYTHONPATH=str(ROOT)))
        assert proc.returncode == 0, proc.stderr[-3000:]
        return json.loads((workdir / "out.json").read_text())

    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = dict(zip(EXERCISE_FILES, pool.map(run, EXERCISE_FILES)))
    for name in EXERCISE_FILES:
        reference = jupytext.read(EXERCISES / name, fmt="py:percent")
        student = jupytext.read(tmp_path / "student" / name, fmt="py:percent")
        assert [c.cell_type for c in student.cells] == [c.cell_type for c in reference.cells], name
        assert sum(c.cell_type == "markdown" for c in reference.cells) >= 4, name
        assert runs[name]["error"] is None, f"{name}:\n{runs[name]['error']}"
        assert runs[name]["cells"][-1]["stdout"].strip(), f"{name}: the last cell prints nothing"


# ---------------------------------------------------------------- release

def test_strip_solutions_keeps_the_text_and_indents_the_stub():
    text = ("# %% [markdown]\n# Task text\n\n# %%\ndef f(x):\n    \"\"\"Doc.\"\"\"\n"
            f"    {BEGIN}\n    y = x + 1\n    return y\n    {END}\n\n\ndef g():\n    return 2\n")
    assert strip_solutions(text) == ("# %% [markdown]\n# Task text\n\n# %%\ndef f(x):\n    \"\"\"Doc.\"\"\"\n"
                                     "    raise NotImplementedError\n\n\ndef g():\n    return 2\n")


@pytest.mark.parametrize("text, message", [
    (f"def f():\n    {BEGIN}\n    return 1\n", "never closed"),
    (f"def f():\n    return 1\n    {END}\n", "without a"),
    (f"def f():\n    {BEGIN}\n    {BEGIN}\n    {END}\n", "inside the solution block"),
    (f"def f():\n    {BEGIN}\n    return 1\n{END}\n", "indented differently"),
    (f"def f():\n    return 1  {BEGIN}\n", "stand alone"),
])
def test_malformed_markers_raise_value_error(text, message):
    with pytest.raises(ValueError, match=message):
        strip_solutions(text, "bad.py")


def test_release_refuses_to_overwrite_the_solutions_or_a_file(tmp_path):
    with pytest.raises(ValueError, match="must not be the exercises folder"):
        release(str(EXERCISES))
    (tmp_path / "a_file").write_text("keep me", encoding="utf-8")
    with pytest.raises(ValueError, match="is a file"):
        release(str(tmp_path / "a_file"))
    assert (tmp_path / "a_file").read_text(encoding="utf-8") == "keep me"


# ---------------------------------------------------------------- right and wrong

def test_reference_solutions_score_full_marks():
    code, report, stderr = grade(EXERCISES, "--jobs", "2")
    assert report is not None, stderr
    failing = {key: r["reason"] for key, r in results(report).items() if not r["passed"]}
    assert not failing, failing
    assert code == 0 and report["passed"]
    assert report["points"] == report["max_points"] == 120
    expected = {(name, task.name) for name, module in REGISTRY
                for task in importlib.import_module(f"grading.{module}").TASKS}
    assert set(results(report)) == expected


def test_released_student_versions_score_zero_without_a_traceback(tmp_path):
    proc = subprocess.run([sys.executable, str(EXERCISES / "release.py"), str(tmp_path / "student")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    released = sorted(p.name for p in (tmp_path / "student").glob("*.py"))
    assert released == EXERCISE_FILES
    for name in released:
        student = (tmp_path / "student" / name).read_text(encoding="utf-8")
        reference = (EXERCISES / name).read_text(encoding="utf-8")
        assert BEGIN not in student and END not in student
        assert student.count("raise NotImplementedError") == reference.count(BEGIN)
    code, report, stderr = grade(tmp_path / "student", "--jobs", "2")
    assert code == 1 and report is not None and "Traceback" not in stderr, stderr
    assert report["points"] == 0 and report["max_points"] == 120
    for key, r in results(report).items():
        assert not r["passed"] and r["not_implemented"], (key, r["reason"])


# Each common mistake, planted in a copy of a reference solution: (hint, file, task, replacements).
MISTAKES = [
    ("inverse", "ex02_action_on_images.py", "transform_image",
     [('groups.inverse(g), x)  # g^-1 x', 'g, x)  # g x: the inverse forgotten')]),
    ("inverse", "ex05_lifting_correlation.py", "lifting_correlation",
     [("groups.act(groups.inverse(g)[:, :, None], y)", "groups.act(g[:, :, None], y)")]),
    ("inverse", "ex10_backward.py", "group_correlation_backward",
     [("transform_group_function(dbank[:, s], groups.inverse(H[s]), group)",
       "transform_group_function(dbank[:, s], H[s], group)")]),
    ("clockwise", "ex01_group_law.py", "rotation_matrix", [("(0, 1, 0, -1)  # cos", "(0, -1, 0, 1)  # cos")]),
    ("clockwise", "ex02_action_on_images.py", "transform_image",  # u along the columns, v along the rows
     [("x = np.stack([i - c, j - c,", "x = np.stack([j - c, i - c,"),
      ("a, b = np.rint(y[0] + c)", "b, a = np.rint(y[0] + c)")]),
    ("no_permutation", "ex03_action_on_group_functions.py", "transform_group_function",
     [("np.take(np.asarray(f), perm, axis=-3)", "np.asarray(f)")]),
    ("no_permutation", "ex07_filter_bank.py", "expand_group_filter",
     [("action.transform_group_function(psi, s, group)", "action.transform_image(psi, s)")]),
    ("flip", "ex04_planar_correlation.py", "planar_correlation",
     [("psi[:, :, a, d])", "psi[:, :, k - 1 - a, k - 1 - d])")]),
    ("flip", "ex08_true_convolution.py", "group_convolution",
     [("group_correlation(f, reverse_filter(psi, group), group", "group_correlation(f, psi, group")]),
    ("off_centre", "ex02_action_on_images.py", "transform_image", [("c = (n - 1) / 2", "c = n // 2")]),
    ("wrong_axis", "ex09_pooling_and_invariance.py", "coset_pool",
     [("return x.max(axis=2)", "return x.max(axis=1)")]),
]
MISTAKE_IDS = [f"{hint}-{name[:4]}-{i}" for i, (hint, name, _, _) in enumerate(MISTAKES)]


@pytest.fixture(scope="module")
def planted_report(tmp_path_factory):
    """One grader run over every planted mistake (each in its own folder, graded as its own PATH)."""
    tmp = tmp_path_factory.mktemp("planted")
    paths = [plant(tmp / str(i), name, replacements) for i, (_, name, _, replacements) in enumerate(MISTAKES)]
    tasks = sorted({task for _, _, task, _ in MISTAKES})
    code, report, stderr = grade(*paths, "--only", ",".join(tasks), "--jobs", "2")
    assert code == 1 and report is not None and "Traceback" not in stderr, stderr
    return report


@pytest.mark.parametrize("index", range(len(MISTAKES)), ids=MISTAKE_IDS)
def test_planted_mistake_fails_with_its_hint(index, planted_report):
    hint, name, task, _ = MISTAKES[index]
    submission = planted_report["submissions"][index]
    (entry,) = submission["files"]
    result = next(r for r in entry["tasks"] if r["task"] == task)
    assert not result["passed"] and result["points"] == 0
    keys = [h["key"] for h in result.get("hints", [])]
    assert hint in keys, (result["reason"], keys)
    assert result["counterexample"], "a failure shows its counterexample"


# ---------------------------------------------------------------- bad submissions

HANGS_AND_CRASHES = """

def counterexample_planar():
    while True:  # hangs
        pass


def counterexample_plane_bias():
    import os
    os._exit(3)  # the process ends in the middle of a task


def counterexample_forgetful():
    with open({target!r}, "w") as fh:  # tries to write into the repository
        fh.write("written by a submission")


_reference = counterexample_rotation_pooled


def counterexample_rotation_pooled():
    for _ in range(20):
        print("x" * 1_000_000)  # prints 20 MB, then answers right
    return _reference()
"""


def test_hang_crash_and_write_are_failed_and_the_other_tasks_still_graded(tmp_path):
    target = EXERCISES / "WRITTEN_BY_A_SUBMISSION.txt"
    path = plant(tmp_path, "ex11_counterexamples.py", appended=HANGS_AND_CRASHES.format(target=str(target)))
    code, report, stderr = grade(path, "--timeout", "5")
    assert code == 1 and report is not None and "Traceback" not in stderr, stderr
    r = {task: result for (_, task), result in results(report).items()}
    assert not r["counterexample_planar"]["passed"] and r["counterexample_planar"]["timed_out"]
    assert "time limit of 5 s" in r["counterexample_planar"]["reason"]
    assert not r["counterexample_plane_bias"]["passed"]
    assert "exit code 3" in r["counterexample_plane_bias"]["reason"]
    assert not r["counterexample_forgetful"]["passed"]
    assert "PermissionError" in r["counterexample_forgetful"]["reason"]
    assert not target.exists()
    # after each of them the grader went on in a fresh process; the output of the last task is discarded
    assert r["counterexample_rotation_pooled"]["passed"]


@pytest.mark.parametrize("source, expected", [
    ("import numpy as np\nraise RuntimeError('broken on purpose')\n", "RuntimeError: broken on purpose (line 2"),
    ("def f(:\n    pass\n", "SyntaxError"),
    ("while True:\n    pass\n", "importing the file did not finish within 5 s"),
    ("import sys\nsys.exit(4)\n", "SystemExit: 4"),
])
def test_a_file_that_does_not_import_fails_every_task(tmp_path, source, expected):
    (tmp_path / "ex02_action_on_images.py").write_text(source, encoding="utf-8")
    code, report, stderr = grade(tmp_path / "ex02_action_on_images.py", "--timeout", "5")
    assert code == 1 and report is not None and "Traceback" not in stderr, stderr
    for r in results(report).values():
        assert not r["passed"] and r["import_error"] and expected in r["reason"], r["reason"]


# Broken contracts: (file, task, code appended to the reference, what the reason must say)
CONTRACTS = [
    ("ex02_action_on_images.py", "transform_image",
     "\n\nfrom groupconv import action\n\n\ndef transform_image(f, g):\n    return action.transform_image(f, g)\n",
     "may not call groupconv.action.transform_image"),
    ("ex09_pooling_and_invariance.py", "coset_pool",
     "\n\n_pool = coset_pool\n\n\ndef coset_pool(x, op='max'):\n    out = _pool(x, op)\n    x[...] = 0\n"
     "    return out\n", "changed its input"),
    ("ex04_planar_correlation.py", "planar_correlation",
     "\n\n_correlate = planar_correlation\n\n\ndef planar_correlation(f, psi, mode='valid'):\n"
     "    return _correlate(f, psi, mode).astype(float)\n", "returned dtype float64, expected int64"),
    ("ex08_true_convolution.py", "reverse_filter",
     "\n\n_reverse = reverse_filter\n\n\ndef reverse_filter(psi, group):\n"
     "    out = _reverse(psi, group)\n    psi[...] = out\n    return psi\n", "changed its input"),
    ("ex03_action_on_group_functions.py", "transform_group_function",
     "\n\n_move = transform_group_function\n\n\ndef transform_group_function(f, g, group):\n"
     "    if (np.asarray(g) == groups.identity()).all():\n        return f  # 'nothing to do'\n"
     "    return _move(f, g, group)\n", "they share memory"),
]


def test_broken_contracts_are_named(tmp_path):
    paths = [plant(tmp_path / str(i), name, appended=code) for i, (name, _, code, _) in enumerate(CONTRACTS)]
    code, report, stderr = grade(*paths, "--only", ",".join(task for _, task, _, _ in CONTRACTS), "--jobs", "2")
    assert code == 1 and report is not None and "Traceback" not in stderr, stderr
    for (name, task, _, expected), submission in zip(CONTRACTS, report["submissions"]):
        (entry,) = submission["files"]
        (result,) = [r for r in entry["tasks"] if r["task"] == task]
        assert not result["passed"] and expected in result["reason"], (name, result["reason"])


def test_a_missing_file_scores_zero_and_usage_errors_exit_2(tmp_path):
    plant(tmp_path, "ex01_group_law.py")
    code, report, _ = grade(tmp_path, "--only", "rotation_matrix,transform_image")
    r = results(report)
    assert code == 1 and r[("ex01_group_law.py", "rotation_matrix")]["passed"]
    assert r[("ex02_action_on_images.py", "transform_image")]["missing"]
    for args in ([tmp_path / "nothing.py"], [ROOT / "README.md"], [tmp_path, "--only", "no_such_task"],
                 [tmp_path, "--timeout", "0"]):
        code, report, stderr = grade(*args)
        assert code == 2 and report is None and "error:" in stderr, (args, stderr)
