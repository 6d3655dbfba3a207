"""experiments/rotated_digits.py end to end in --fast mode (a subset of the digits, 2 epochs, 1 seed), on both lattices."""
import copy
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
    # one progress line per epoch, per run: (a) trains 3 networks, (b) 3 networks x 1 seed
    assert proc.stdout.count(f"epoch {epochs:>2}/{epochs}") == 6
    for name in ("results.md", "14_rotated_digits_curves.png", "14_invariance_accuracy.png", "14_hexagonal_digits.png"):
        assert (out / name).stat().st_size > 0
    assert summary["load"] is None or summary["load"][3] == len(summary["load_samples"]) >= 6


def test_p4cnn_predictions_identical_under_quarter_turns(fast_run):
    """I1 on real data: trained on upright digits, the P4CNN predicts the same class for every turn."""
    _, _, summary = fast_run
    p4 = summary["invariance"]["P4CNN"]
    assert p4["identical_predictions"] is True and p4["changed_predictions"] == 0
    assert p4["max_logit_change"] <= FLOAT_TOL * 100  # round-off only (logits are O(1) .. O(10))
    assert len(set(p4["accuracy"])) == 1


def test_p6cnn_predictions_identical_under_sixty_degree_turns(fast_run):
    """I1 on the hexagonal lattice: trained on upright hexagonal digits, the P6CNN predicts the same class for all six
    60-degree turns of every test digit (the turns are exact permutations of the cells, action.transform_image)."""
    _, _, summary = fast_run
    p6 = summary["invariance"]["P6CNN"]
    assert p6["lattice"] == "hexagonal" and p6["turn_degrees"] == [0, 60, 120, 180, 240, 300]
    assert p6["identical_predictions"] is True and p6["changed_predictions"] == 0
    assert p6["max_logit_change"] <= FLOAT_TOL * 100  # round-off only
    assert len(set(p6["accuracy"])) == 1
    # the interpolated turns of the sweep agree with the exact ones at multiples of 60 degrees (period 60)
    sweep = dict(zip(p6["sweep_degrees"], p6["sweep_accuracy"]))
    assert all(sweep[d] == p6["accuracy"][0] for d in (0, 60, 120, 180, 240, 300))
    assert all(sweep[d] == sweep[d % 60] for d in sweep)


def test_exact_turns_of_each_lattice_move_values_only():
    """exact_turns: np.rot90 on the square grid, R^r of p6 on the hexagonal lattice - permutations of the inputs."""
    import numpy as np
    module = _load_script()
    rng = np.random.default_rng(0)
    square = rng.normal(size=(3, 1, 11, 11))
    hexagonal = module.hexagonal_digits(rng.uniform(size=(3, 11, 11)))
    for name, x, count in (("P4CNN", square, 4), ("P6CNN", hexagonal, 6)):
        turns = module.exact_turns(name, x)
        assert [d for d, _ in turns] == [360 // count * r for r in range(count)]
        for _, turned in turns:
            assert np.array_equal(np.sort(turned.ravel()), np.sort(x.ravel()))  # the same numbers, moved
        assert not np.array_equal(turns[1][1], x)  # ... and really moved
    # a hexagonal digit turned by 60 degrees when sampled is the exact turn of the upright sample (to round-off)
    canvas = rng.uniform(size=(2, 11, 11))
    sixty = module.hexagonal_digits(canvas, [60.0, 60.0])
    exact = module.exact_turns("P6CNN", module.hexagonal_digits(canvas))[1][1]
    assert np.abs(sixty - exact).max() <= 1e-12


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
    for name in ("planar CNN", "P4CNN", "P6CNN"):
        row = summary["table"][name]
        assert f"| {name} |" in text and f"{row['parameters']:,}" in text
        assert len(row["runs"][0]["test_predictions"]) == summary["n_test"] == len(summary["test_angles"])
        assert len(row["runs"]) == 1 and len(row["runs"][0]["test_error"]) == summary["epochs"]
    assert "2.28" in text and "5.03" in text


def _load_script():
    spec = importlib.util.spec_from_file_location("rotated_digits", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("builder", ["planar", "p4m", "p6"])
def test_recompute_batch_norm_stores_the_exact_statistics(builder):
    """recompute_batch_norm (chunked, test mode) == one training-mode pass over all of x with momentum 1.

    With momentum 1 the running statistics become the statistics of the one batch, and a
    training-mode pass over the whole set normalises every layer with the statistics of the
    whole set: an independent computation of the same numbers. Data whose mean and scale
    are far from the stored statistics make a stale value fail.
    """
    import numpy as np
    from groupconv import images, nn
    from groupconv.checks import SEED, residual

    module = _load_script()
    rng = np.random.default_rng(SEED)
    net = nn.planar_cnn(3, rng=rng) if builder == "planar" else nn.gcnn(builder, 2, rng=rng)
    size = 13 if builder == "p6" else 11  # the hexagonal digits: 13 x 13, zero off the hexagon
    frame = (lambda a: images.on_hexagon(a)) if builder == "p6" else (lambda a: a)
    net.forward(frame(rng.normal(size=(4, 1, size, size))), train=True)  # some running statistics
    x = frame(3.0 * rng.normal(size=(20, 1, size, size)) + 2.0)
    logits = module.recompute_batch_norm(net, x, batch=7)  # 3 chunks
    reference = copy.deepcopy(net)
    for layer in module.batch_norm_layers(reference):
        layer.momentum = 1.0
    expected_logits = reference.forward(x, train=True)
    for got, want in zip(module.batch_norm_layers(net), module.batch_norm_layers(reference)):
        assert residual(got.buffers["mean"], want.buffers["mean"]).within_float_tolerance()
        assert residual(got.buffers["var"], want.buffers["var"]).within_float_tolerance()
    assert residual(logits, expected_logits).within_float_tolerance()
    assert residual(module.predict(net, x), logits).within_float_tolerance()


def test_epoch_history_has_both_evaluations(fast_run):
    _, _, summary = fast_run
    for row in summary["table"].values():
        for h in row["runs"]:
            n = summary["epochs"]
            assert all(len(h[key]) == n for key in ("test_error", "test_error_running", "train_error_eval"))


def test_parameter_counts_comparable():
    """Channels scaled by 1 / sqrt(|H|): every network within 15% of the planar CNN's parameter count."""
    module = _load_script()
    import numpy as np
    counts = {name: build(c, np.random.default_rng(0)).n_parameters()
              for name, (_, _, c, build) in module.MODELS.items()}
    planar = counts["planar CNN"]
    assert all(abs(n - planar) <= 0.15 * planar for n in counts.values()), counts
    with pytest.raises(SystemExit):
        module.parse_args(["--models", "no such net"])
    with pytest.raises(SystemExit):
        module.parse_args(["--lr", "0"])
