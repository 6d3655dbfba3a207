"""The verification can fail: plant a real bug in the library and watch the checks report FAIL.

A check that cannot fail proves nothing. Here the library is broken on purpose, inside a
subprocess only (the installed code is never touched):

* the action without its inverse - transform_image computes f o g instead of f o g^-1 -
  must make tutorial 03's checks of A1, A2, A3 fail and the script exit non-zero;
* a swapped filter axis in the planar correlation must make tutorials/run_all.py report
  C1 as FAIL and exit non-zero;
* run_all itself must flag a tutorial that claims an ID it never checks, a failing check,
  and a crashing tutorial.
"""
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUN_ALL = ROOT / "tutorials" / "run_all.py"


def env_with(results=None, extra_path=None):
    paths = [str(p) for p in (extra_path, ROOT) if p] + [os.environ.get("PYTHONPATH", "")]
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=os.pathsep.join(filter(None, paths)))
    env.pop("GROUPCONV_RESULTS", None)
    if results:
        env["GROUPCONV_RESULTS"] = str(results)
    return env


def recorded(results):
    return [json.loads(line) for line in Path(results).read_text().splitlines() if line.strip()]


INVERSE_DROPPED = """
from groupconv import action, groups
_correct = action.transform_image
def transform_image(f, g, boundary="zero"):
    return _correct(f, groups.inverse(g), boundary)  # the bug: f o g instead of f o g^-1
action.transform_image = transform_image
"""

AXES_SWAPPED = """
import numpy as np
from groupconv import correlate
_correct = correlate.planar_correlation
def planar_correlation(f, psi, mode="valid"):
    return _correct(f, np.swapaxes(psi, -1, -2), mode)  # the bug: rows and columns of the filter swapped
correlate.planar_correlation = planar_correlation
"""


def test_dropping_the_inverse_makes_tutorial_03_fail(tmp_path):
    results = tmp_path / "results.jsonl"
    tutorial = ROOT / "tutorials" / "03_acting_on_images.py"
    program = INVERSE_DROPPED + textwrap.dedent(f"""
        import runpy, sys
        sys.argv = [{str(tutorial)!r}]
        runpy.run_path({str(tutorial)!r}, run_name="__main__")
    """)
    proc = subprocess.run([sys.executable, "-c", program], cwd=tmp_path, env=env_with(results), capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode != 0, proc.stdout[-2000:]
    rows = recorded(results)
    failed = {row["id"] for row in rows if not row["passed"]}
    assert {"A1", "A2", "A3"} <= failed, f"failed IDs: {sorted(failed)}"
    assert "FAIL A1 " in proc.stdout
    # the checks that do not use the fast action (the literal lookups against each other) still pass
    assert any(row["passed"] and row["id"] == "A2" for row in rows)


def test_a_swapped_filter_axis_makes_run_all_fail(tmp_path):
    # sitecustomize is imported by every Python process at start-up: it plants the bug in each tutorial run_all starts.
    (tmp_path / "sitecustomize.py").write_text(AXES_SWAPPED)
    proc = subprocess.run([sys.executable, str(RUN_ALL), "--only", "04"], cwd=tmp_path,
                          env=env_with(extra_path=tmp_path), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout[-3000:]
    rows = {line.split()[0]: line for line in proc.stdout.splitlines() if line[:2] in ("C1", "C2", "C3", "C4")}
    assert "FAIL" in rows["C1"].split(), rows
    assert "04_planar_correlation.py exited with status 1" in proc.stdout
    assert proc.stdout.rstrip().endswith("RESULT: FAIL")


def fake_tutorial(directory, name, ids, body):
    (directory / name).write_text(textwrap.dedent(f'''
        """A fake tutorial for testing run_all."""
        IDS = {ids!r}
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        import numpy as np
        from groupconv import checks
        {body}
        checks.finish()
    '''))


def run_all_on(directory, *args):
    return subprocess.run([sys.executable, str(RUN_ALL), "--dir", str(directory), *args], cwd=directory,
                          env=env_with(), capture_output=True, text=True, timeout=120)


def table_row(output, eq_id):
    return next(line for line in output.splitlines() if line.split()[:1] == [eq_id])


def test_run_all_flags_a_claimed_but_unchecked_id(tmp_path):
    fake_tutorial(tmp_path, "01_fake.py", ("S1", "S2"),
                  'checks.check("S1", "equal arrays", np.zeros(3), np.zeros(3), "exact")')
    proc = run_all_on(tmp_path)
    assert proc.returncode == 1, proc.stdout
    assert "01_fake.py claims S2 in IDS but never checked it" in proc.stdout
    assert "PASS" in table_row(proc.stdout, "S1").split()
    assert "FAIL" in table_row(proc.stdout, "S2").split()
    assert "MISSING" in table_row(proc.stdout, "G1").split()


def test_run_all_flags_a_failing_check_and_a_crash(tmp_path):
    fake_tutorial(tmp_path, "01_fails.py", ("S1",),
                  'checks.check("S1", "unequal arrays", np.zeros(3), np.ones(3), "exact")')
    fake_tutorial(tmp_path, "02_crashes.py", ("G1",), 'raise RuntimeError("boom")')
    proc = run_all_on(tmp_path)
    assert proc.returncode == 1, proc.stdout
    assert "FAIL" in table_row(proc.stdout, "S1").split()
    assert "FAIL" in table_row(proc.stdout, "G1").split()
    assert "02_crashes.py exited with status 1" in proc.stdout
    assert "RuntimeError: boom" in proc.stdout  # the crashing tutorial's output is shown


def test_run_all_passes_when_all_is_well_and_strict_fails_on_missing(tmp_path):
    fake_tutorial(tmp_path, "01_fine.py", ("S1",), 'checks.check("S1", "equal", np.ones(2), np.ones(2), "exact")')
    proc = run_all_on(tmp_path)
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.rstrip().endswith("RESULT: PASS")
    strict = run_all_on(tmp_path, "--strict")
    assert strict.returncode == 1, strict.stdout
    only = run_all_on(tmp_path, "--only", "01")
    assert only.returncode == 0 and "G1" not in [line.split()[:1][0] for line in only.stdout.splitlines() if line.split()]
    unknown = run_all_on(tmp_path, "--only", "07")
    assert unknown.returncode == 2 and "no tutorial numbered 07" in unknown.stderr
