"""Every tutorial runs as a real notebook: converted by jupytext, executed by nbclient in a fresh kernel.

This is what a student does in JupyterLab: open the percent-format file as a notebook
and run all cells. Each tutorial runs from a fresh temporary working directory with
matplotlib's inline backend (tests/run_notebook.py). The tests ask that no cell
raises, that at least three code cells print something while the last holds less than
half of the printed text, and that every tutorial which saves figures shows at least one
inline image. Skipped where the optional packages of requirements-notebooks.txt
(jupytext, nbclient, ipykernel) are missing; CI installs them.
"""
import importlib.util
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from test_tutorials import LESSONS, TUTORIALS

ROOT = Path(__file__).resolve().parents[1]
MISSING = [name for name in ("jupytext", "nbclient", "ipykernel") if importlib.util.find_spec(name) is None]
pytestmark = pytest.mark.skipif(bool(MISSING), reason=f"optional notebook packages missing: {', '.join(MISSING)}")


def run_notebook(path, tmp_dir):
    workdir = Path(tmp_dir) / path.stem
    workdir.mkdir()
    report = Path(tmp_dir) / (path.stem + ".json")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    proc = subprocess.run([sys.executable, str(ROOT / "tests" / "run_notebook.py"), str(path), str(workdir),
                           str(report)], cwd=workdir, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"the notebook runner failed on {path.name}:\n{proc.stderr[-3000:]}"
    return json.loads(report.read_text())


@pytest.fixture(scope="module")
def notebooks(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("notebooks")
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {p.name: pool.submit(run_notebook, p, tmp) for p in reversed(TUTORIALS)}
        return {name: future.result() for name, future in futures.items()}


@pytest.mark.parametrize("path", LESSONS)
def test_tutorial_runs_as_a_notebook_with_output_beside_the_text(path, notebooks):
    result = notebooks[path.name]
    assert result["error"] is None, f"{path.name}:\n{result['error']}"
    cells = result["cells"]
    printing = [c for c in cells if c["stdout"].strip()]
    assert len(printing) >= 3, f"{path.name}: only {len(printing)} code cells print anything"
    total = sum(len(c["stdout"]) for c in cells)
    assert len(cells[-1]["stdout"]) < total / 2, f"{path.name}: the last cell holds most of the output"
    if "figures.save(" in path.read_text(encoding="utf-8"):
        assert sum(c["images"] for c in cells) >= 1, f"{path.name} saves figures but shows none inline"
