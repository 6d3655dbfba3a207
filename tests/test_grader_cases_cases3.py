"""Wrong (and right) programs for exercises 09-12, kept as regression material for the grader.

Each entry of CASES_3 is a copy of a reference solution with one realistic mistake,
written as (old, new) replacements of its text: (exercise file, task, replacements, the
expected hint key or None). The grader must fail the task (0 points) and attach exactly
that hint, or, for None, no hint at all: a hint is attached only when its mistake's model
explains every failing case. CORRECT_3 holds other right solutions, which must keep full
marks. The grader runs as a subprocess, as a student runs it.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "exercises"

EX09, EX10, EX11, EX12 = ("ex09_pooling_and_invariance.py", "ex10_backward.py", "ex11_counterexamples.py",
                          "ex12_training.py")

A_RETURN = "filter itself\n    return f, groups.rotation(1)"  # exercise 11, layer A's pair

CASES_3 = [
    # ---------------------------------------------------------------- exercise 09, coset_pool
    (EX09, "coset_pool", [("return x.max(axis=2)", "return x.max(axis=-1)")], "wrong_axis"),
    (EX09, "coset_pool", [("return x.max(axis=2)", "return x[:, :, :4].max(axis=2)"),
                          ("return x.mean(axis=2)", "return x[:, :, :4].mean(axis=2)")], "fixed_order"),
    (EX09, "coset_pool", [("return x.mean(axis=2)", "return x.sum(axis=2) / 4")], "fixed_order"),
    (EX09, "coset_pool", [("return x.mean(axis=2)", "return x.mean(axis=2).astype(x.dtype)")], None),
    (EX09, "coset_pool", [("x = np.asarray(x)\n    if op", "x = np.asarray(x, dtype=float)\n    if op")], None),
    (EX09, "coset_pool", [("return x.max(axis=2)",  # a buffer of a fixed size: right up to 64 x 64
                           "out = np.zeros(x.shape[:2] + (64, 64), dtype=x.dtype)\n"
                           "        n = x.shape[-1]\n"
                           "        out[..., :n, :n] = x.max(axis=2)\n"
                           "        return out[..., :n, :n].copy()")], None),
    # ---------------------------------------------------------------- exercise 09, invariant_head
    (EX09, "invariant_head", [("pooled = x.reshape(x.shape[0], x.shape[1], -1).max(axis=-1)",
                               "pooled = x.reshape(x.shape[0], x.shape[1], -1).mean(axis=-1)")], "mean_pool"),
    (EX09, "invariant_head", [(" + np.asarray(b, dtype=np.float64)", "")], "no_bias"),
    (EX09, "invariant_head", [("pooled = x.reshape(x.shape[0], x.shape[1], -1).max(axis=-1)",
                               "pooled = x[:, :, 0].max(axis=(-2, -1))")], "one_plane"),
    (EX09, "invariant_head", [("return pooled @ np.asarray(W, dtype=np.float64) + np.asarray(b, dtype=np.float64)",
                               "return pooled @ W + b")], None),
    (EX09, "invariant_head", [("pooled = x.reshape(x.shape[0], x.shape[1], -1).max(axis=-1)",
                               "pooled = x[:, :, :4].reshape(x.shape[0], x.shape[1], -1).max(axis=-1)")], None),
    # ---------------------------------------------------------------- exercise 10, central_difference
    (EX10, "central_difference", [("grad[i] = (loss(up) - loss(down)) / (2 * eps)",
                                   "grad[i] = (loss(up) - loss(x)) / eps")], "one_sided"),
    (EX10, "central_difference", [("grad[i] = (loss(up) - loss(down)) / (2 * eps)",
                                   "grad[i] = (loss(x) - loss(down)) / eps")], "one_sided"),
    (EX10, "central_difference", [("grad[i] = (loss(up) - loss(down)) / (2 * eps)",
                                   "grad[i] = (loss(up) - loss(down)) / eps")], "no_half"),
    (EX10, "central_difference", [("x = np.asarray(x, dtype=np.float64)\n    grad = np.zeros_like(x)",
                                   "x = np.asarray(x)\n    grad = np.zeros(x.shape)")], "integer_copy"),
    (EX10, "central_difference", [("    for i in np.ndindex(x.shape):\n        up, down = x.copy(), x.copy()",
                                   "    grad[...] = (loss(x + eps) - loss(x - eps)) / (2 * eps)\n"
                                   "    for i in []:\n        up, down = x.copy(), x.copy()")], "all_at_once"),
    (EX10, "central_difference", [("x = np.asarray(x, dtype=np.float64)\n    grad = np.zeros_like(x)",
                                   "x = np.asarray(x)\n    grad = np.zeros_like(x)")], None),  # an integer result
    (EX10, "central_difference",  # a flat loop with a hard-coded bound: right up to 64 entries
     [("    for i in np.ndindex(x.shape):\n        up, down = x.copy(), x.copy()",
       "    for j in range(min(x.size, 64)):\n        i = np.unravel_index(j, x.shape)\n"
       "        up, down = x.copy(), x.copy()")], None),
    # ---------------------------------------------------------------- exercise 10, group_correlation_backward
    (EX10, "group_correlation_backward", [("A_t = np.ascontiguousarray(A.transpose(1, 0, 2, 3)[..., ::-1, ::-1])",
                                           "A_t = np.ascontiguousarray(A.transpose(1, 0, 2, 3))")],
     "flip"),
    (EX10, "group_correlation_backward", [("transform_group_function(dbank[:, s], groups.inverse(H[s]), group)",
                                           "transform_group_function(dbank[:, s], H[s], group)")], "inverse"),
    (EX10, "group_correlation_backward", [("action.transform_group_function(dbank[:, s], groups.inverse(H[s]), group)",
                                           "action.transform_image(dbank[:, s], groups.inverse(H[s]))")],
     "no_permutation"),
    (EX10, "group_correlation_backward", [("for s in range(nH))", "for s in range(1))")], "fold_once"),
    (EX10, "group_correlation_backward", [("dpsi = sum(action.transform_group_function(dbank[:, s], groups.inverse(H[s]), "
                                           "group) for s in range(nH))",
                                           "dpsi = sum(dbank[:, s] for s in range(nH))")], "fold_unmoved"),
    (EX10, "group_correlation_backward",  # a loop over the batch that assigns instead of adding
     [("f_t = np.ascontiguousarray(f.reshape(B, C * nH, n, n).transpose(1, 0, 2, 3))\n"
       "    d_t = np.ascontiguousarray(d.transpose(1, 0, 2, 3))\n"
       "    dbank = correlate.planar_correlation(f_t, d_t, \"valid\").transpose(1, 0, 2, 3).reshape(bank.shape)",
       "for b in range(B):\n"
       "        f_t = np.ascontiguousarray(f[b:b + 1].reshape(1, C * nH, n, n).transpose(1, 0, 2, 3))\n"
       "        d_t = np.ascontiguousarray(d[b:b + 1].transpose(1, 0, 2, 3))\n"
       "        dbank = correlate.planar_correlation(f_t, d_t, \"valid\").transpose(1, 0, 2, 3).reshape(bank.shape)")],
     "batch_sum"),
    (EX10, "group_correlation_backward", [("dtype = np.result_type(f, psi, dout)", "dtype = f.dtype")], None),
    (EX10, "group_correlation_backward", [("dtype = np.result_type(f, psi, dout)", "dtype = np.float64")], None),
    (EX10, "group_correlation_backward", [("for s in range(nH))", "for s in range(4))")], None),  # p4m has 8
    # ---------------------------------------------------------------- exercise 11: pairs that are no counterexample
    (EX11, "counterexample_planar", [(A_RETURN, A_RETURN.replace("rotation(1)", "identity()"))], "identity"),
    (EX11, "counterexample_planar", [(A_RETURN, A_RETURN.replace("rotation(1)", "mirror(1)"))],
     "symmetric_filter"),  # EDGE is symmetric under the mirror of the rows: no image helps
    (EX11, "counterexample_planar", [("f[1, 1] = 1  # a single", "f[1, 1] = 0  # a single")], "bright_pixel"),
    (EX11, "counterexample_planar", [(A_RETURN, A_RETURN.replace("rotation(1)", "p4_element(1, 1, 0)"))], None),  # a translation part
    (EX11, "counterexample_plane_bias", [("return np.zeros((1, 1), dtype=np.int64), groups.rotation(1)",
                                          "return np.zeros((1, 1), dtype=np.int64), groups.rotation(0)")], "identity"),
    (EX11, "counterexample_plane_bias", [("return np.zeros((1, 1), dtype=np.int64), groups.rotation(1)",
                                          "return np.zeros((1, 1), dtype=np.int64), groups.mirror(1)")], None),
    (EX11, "counterexample_forgetful", [("f[0] = 1  # one pixel", "f[:] = 1  # one pixel")], "one_plane"),
    (EX11, "counterexample_forgetful", [("f = np.zeros((4, 1, 1), dtype=np.int64)",
                                         "f = np.zeros((1, 1), dtype=np.int64)"),
                                        ("f[0] = 1  # one pixel", "f[0] = 1 # one pixel")], None),
    (EX11, "counterexample_rotation_pooled", [("np.arange(1, 5).reshape(2, 2), groups.mirror(1)",
                                               "np.arange(1, 5).reshape(2, 2), groups.rotation(1)")],
     "turns_commute"),
    (EX11, "counterexample_rotation_pooled", [("np.arange(1, 5).reshape(2, 2), groups.mirror(1)",
                                               "np.ones((2, 2), dtype=np.int64), groups.mirror(1)")],
     "asymmetric_image"),
    (EX11, "counterexample_rotation_pooled", [("np.arange(1, 5).reshape(2, 2), groups.mirror(1)",
                                               "np.arange(1.0, 5.0).reshape(2, 2), groups.mirror(1)")], None),
    # ---------------------------------------------------------------- exercise 12: the rules
    (EX12, "build_network", [("nn.GlobalPool(\"max\"), nn.Linear(c, 10, rng))",
                              "nn.GlobalPool(\"max\"), nn.Dropout(0.1, rng), nn.Linear(c, 10, rng))")], None),
    (EX12, "build_network", [("nn.Bias(c), nn.Tanh(),\n                         nn.GroupConv",
                              "nn.BatchNorm(c, group=\"p4\"), nn.Tanh(),\n                         nn.GroupConv")], None),
    (EX12, "build_network", [("    c = 6\n    return nn.Sequential(", "    c = 6\n    rng = np.random.default_rng(0)\n"
                              "    return nn.Sequential(")], None),  # the layers ignore the given rng
    (EX12, "build_network", [("    c = 6\n    return nn.Sequential(", "    c = 6\n    rng = np.random.default_rng()\n"
                              "    return nn.Sequential(")], None),
    (EX12, "build_network", [("    c = 6\n    return nn.Sequential(",  # a layer of its own: not a groupconv.nn one
                              "    c = 6\n\n    class Squash(nn.Tanh):\n        pass\n\n    return nn.Sequential("),
                             ("nn.Bias(c), nn.Tanh(),\n                         nn.GroupConv",
                              "nn.Bias(c), Squash(),\n                         nn.GroupConv")], None),
    (EX12, "accuracy_under_turns", [("np.mean(net.forward(digits.quarter_turns(images, r))",
                                     "np.mean(net.forward(digits.quarter_turns(images, r), train=True)")], None),
    (EX12, "train", [("    optimiser = nn.Adam(net, lr=0.02)\n    losses = []",
                      "    optimiser = nn.Adam(net, lr=0.02)\n    losses = []\n    rng = np.random.default_rng(0)")],
     None),  # a generator of its own, seeded: every seed gives the same batches
    (EX12, "train", [("    optimiser = nn.Adam(net, lr=0.02)\n    losses = []",
                      "    optimiser = nn.Adam(net, lr=0.02)\n    losses = []\n    rng = np.random.default_rng()")],
     None),  # unseeded: not reproducible
    (EX12, "train", [("    optimiser = nn.Adam(net, lr=0.02)\n    losses = []\n    for _ in range(steps):\n",
                      "    losses = []\n    for _ in range(steps):\n        optimiser = nn.Adam(net, lr=0.02)\n")],
     None),  # a new optimiser every step
    (EX12, "train", [("for _ in range(steps):", "for _ in range(200):")], None),
    (EX12, "train", [("replace=False)", "replace=True)")], None),
    (EX12, "train", [("losses.append(float(loss))", "losses.append(float(loss) / 32)")], None),
]

CORRECT_3 = [
    (EX12, "train", [("optimiser = nn.Adam(net, lr=0.02)", "optimiser = nn.SGD(net)"),
                     ("batch = rng.choice(len(images), size=min(32, len(images)), replace=False)",
                      "batch = rng.permutation(len(images))[:32]")]),
    (EX12, "train", [("        losses.append(float(loss))",  # an extra forward pass in test mode is allowed
                      "        losses.append(float(loss))\n        net.forward(images[:4])")]),
    (EX12, "build_network", [("    c = 6\n", "    c = 5\n")]),  # another width
    (EX11, "counterexample_planar", [(A_RETURN, A_RETURN.replace("groups.rotation(1)", "groups.mirror(1) @ groups.rotation(1)"))]),
    (EX11, "counterexample_rotation_pooled", [("np.arange(1, 5).reshape(2, 2), groups.mirror(1)",
                                               "np.arange(1, 5, dtype=np.int32).reshape(2, 2), "
                                               "groups.mirror(1) @ groups.rotation(3)")]),
    (EX09, "coset_pool", [("return x.max(axis=2)", "return np.moveaxis(x, 2, -1).max(axis=-1)"),
                          ("return x.mean(axis=2)", "return sum(x[:, :, s] for s in range(x.shape[2])) / x.shape[2]")]),
    (EX09, "invariant_head", [("pooled = x.reshape(x.shape[0], x.shape[1], -1).max(axis=-1)",
                               "pooled = x.max(axis=(2, 3, 4)).astype(float)")]),
]


def planted(folder, name, replacements):
    """A copy of the reference exercise `name` in folder, with each (old, new) replaced exactly once."""
    text = (EXERCISES / name).read_text(encoding="utf-8")
    for old, new in replacements:
        assert text.count(old) == 1, f"{name}: the text to replace occurs {text.count(old)} times: {old!r}"
        text = text.replace(old, new)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


def graded(path, task):
    """The grader's --json result of one task of one file."""
    proc = subprocess.run([sys.executable, str(EXERCISES / "grade.py"), str(path), "--json", "--only", task],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert "Traceback" not in proc.stderr, proc.stderr
    report = json.loads(proc.stdout)
    (entry,) = report["submissions"][0]["files"]
    (result,) = [r for r in entry["tasks"] if r["task"] == task]
    return result


def case_id(case):
    name, task, _, hint = case[:4]
    return f"{name[:4]}-{task}-{hint}"


@pytest.mark.parametrize("index", range(len(CASES_3)), ids=[f"{i}-{case_id(c)}" for i, c in enumerate(CASES_3)])
def test_wrong_program_fails_with_exactly_its_hint(index, tmp_path):
    name, task, replacements, hint = CASES_3[index]
    result = graded(planted(tmp_path, name, replacements), task)
    keys = [h["key"] for h in result.get("hints", [])]
    assert not result["passed"] and result["points"] == 0, result["reason"]
    assert keys == ([hint] if hint else []), (result["reason"], keys)


@pytest.mark.parametrize("index", range(len(CORRECT_3)),
                         ids=[f"{i}-{c[0][:4]}-{c[1]}" for i, c in enumerate(CORRECT_3)])
def test_right_program_keeps_full_marks(index, tmp_path):
    name, task, replacements = CORRECT_3[index]
    result = graded(planted(tmp_path, name, replacements), task)
    assert result["passed"] and result["points"] == result["max_points"], result["reason"]
