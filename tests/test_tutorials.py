"""Every tutorial runs headless, exits 0, and really checks every statement ID it claims.

The tutorials are run once per test session, as subprocesses, two at a time; each test
then reads one tutorial's results (the JSON lines that groupconv.checks writes to the
file named by GROUPCONV_RESULTS). A further test asks that every statement of sections
1-5 of the inventory is claimed by some tutorial.
"""
import ast
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from groupconv import inventory

ROOT = Path(__file__).resolve().parents[1]
TUTORIALS = sorted((ROOT / "tutorials").glob("[0-9][0-9]_*.py"))


def declared_ids(path):
    """The module-level tuple IDS of a tutorial, read without running it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "IDS" for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{path.name} has no module-level IDS tuple")


def run_tutorial(path, tmp_dir):
    results = Path(tmp_dir) / (path.stem + ".jsonl")
    env = dict(os.environ, MPLBACKEND="Agg", GROUPCONV_RESULTS=str(results),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    proc = subprocess.run([sys.executable, str(path)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    rows = [json.loads(line) for line in results.read_text().splitlines()] if results.exists() else []
    return proc.returncode, proc.stdout + proc.stderr, rows


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tutorial_results")
    with ThreadPoolExecutor(max_workers=2) as pool:  # the longer, later tutorials first, as run_all does
        futures = {p.name: pool.submit(run_tutorial, p, tmp) for p in reversed(TUTORIALS)}
        return {name: future.result() for name, future in futures.items()}


def test_there_are_tutorials():
    assert len(TUTORIALS) >= 6, [p.name for p in TUTORIALS]


@pytest.mark.parametrize("path", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_tutorial_exits_0_and_checks_every_claimed_id(path, outcomes):
    code, output, rows = outcomes[path.name]
    assert code == 0, f"{path.name} exited with {code}:\n{output[-3000:]}"
    claimed = declared_ids(path)
    assert claimed, f"{path.name} claims no IDs"
    passed = {row["id"] for row in rows if row["passed"]}
    failed = {row["id"] for row in rows if not row["passed"]}
    assert not failed, f"{path.name}: failing checks for {sorted(failed)}"
    missing = [eq_id for eq_id in claimed if eq_id not in passed]
    assert not missing, f"{path.name} claims {missing} in IDS but never checked them"
    unclaimed = sorted({row["id"] for row in rows} - set(claimed))
    assert not unclaimed, f"{path.name} checks {unclaimed} without listing them in IDS"


@pytest.mark.parametrize("path", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_tutorial_ids_are_inventory_ids(path):
    unknown = [eq_id for eq_id in declared_ids(path) if eq_id not in inventory.BY_ID]
    assert not unknown, f"{path.name} claims IDs that are not in groupconv.inventory: {unknown}"


def test_every_id_of_sections_1_to_5_is_claimed_by_a_tutorial():
    claimed = set()
    for path in TUTORIALS:
        claimed.update(declared_ids(path))
    missing = [eq_id for eq_id in inventory.ids(sections=range(1, 6)) if eq_id not in claimed]
    assert not missing, f"no tutorial claims {missing}"


def test_inventory_is_the_full_list_in_order():
    expected = (["S1", "S2"] + [f"G{i}" for i in range(1, 8)] + [f"A{i}" for i in range(1, 5)]
                + [f"C{i}" for i in range(1, 7)] + ["U1", "U2", "U3"] + [f"L{i}" for i in range(1, 9)]
                + ["N1", "P1", "P2", "B1", "I1"] + [f"V{i}" for i in range(1, 5)])
    assert inventory.ids() == expected
    assert [s.section for s in inventory.INVENTORY] == sorted(s.section for s in inventory.INVENTORY)
    assert all(s.summary and s.section in inventory.SECTIONS for s in inventory.INVENTORY)
    with pytest.raises(ValueError, match="unknown statement ID"):
        inventory.lookup("X9")
    with pytest.raises(ValueError, match="sections are numbered"):
        inventory.ids(sections=[8])
