"""experiments/rotated_digits.py end to end in --fast mode (a subset of the digits, 2 epochs, 1 seed)."""
import importlib.util
import json
import os
import subprocess
import sys

import pytest

from groupconv.checks import FLOAT_TOL

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "experiments", "rotated_digits.py")


@pytest.fixture(scope="module")
def fast_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("rotated_digits")
    env = dict(os.environ, MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, SCRIPT, "--fast", "--out", str(out)], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    with open(out / "results.json", encoding="utf-8") as fh:
        summary = json.load(fh)
    return proc, out, summary


def test_fast_run_succeeds_and_reports_every_epoch(fast_run):
    proc, out, summary = fast_run
    assert proc.returncode == 0, proc.stderr
    epochs = summary["epochs"]
    # one progress line per epoch, per run: (a) trains 2 networks, (b) 2 networks x 1 seed
    assert proc.stdout.count(f"epoch {epochs:>2}/{epochs}") == 4
    for name in ("results.md", "14_rotated_digits_curves.png", "14_invariance_accuracy.png"):
        assert (out / name).stat().st_size > 0


def test_p4cnn_predictions_identical_under_quarter_turns(fast_run):
    """I1 on real data: trained on upright digits, the P4CNN predicts the same class for every turn."""
    _, _, summary = fast_run
    p4 = summary["invariance"]["P4CNN"]
    assert p4["identical_predictions"] is True and p4["changed_predictions"] == 0
    assert p4["max_logit_change"] <= FLOAT_TOL * 100  # round-off only (logits are O(1) .. O(10))
    assert len(set(p4["accuracy"])) == 1


def test_planar_cnn_changes_under_quarter_turns(fast_run):
    _, _, summary = fast_run
    planar = summary["invariance"]["planar CNN"]
    assert planar["identical_predictions"] is False and planar["changed_predictions"] > 0
    assert planar["max_logit_change"] > 1e-3
    upright, *turned = planar["accuracy"]
    assert upright > max(turned)  # trained upright: the turned digits are harder for it


def test_table_is_written_with_parameter_counts_and_paper_numbers(fast_run):
    _, out, summary = fast_run
    text = (out / "results.md").read_text(encoding="utf-8")
    for name in ("planar CNN", "P4CNN"):
        row = summary["table"][name]
        assert f"| {name} |" in text and f"{row['parameters']:,}" in text
        assert len(row["runs"]) == 1 and len(row["runs"][0]["test_error"]) == summary["epochs"]
    assert "2.28" in text and "5.03" in text


def test_parameter_counts_comparable():
    """Channels scaled by 1 / sqrt(|H|): every network within 15% of the planar CNN's parameter count."""
    spec = importlib.util.spec_from_file_location("rotated_digits", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    import numpy as np
    counts = {name: build(c, np.random.default_rng(0)).n_parameters()
              for name, (_, _, c, build) in module.MODELS.items()}
    planar = counts["planar CNN"]
    assert all(abs(n - planar) <= 0.15 * planar for n in counts.values()), counts
    with pytest.raises(SystemExit):
        module.parse_args(["--models", "no such net"])
