"""Masked arrays (np.ma) are refused by every function that takes arrays, never silently unmasked.

np.asarray drops a mask without a word; the masked entries would then count as ordinary
numbers. Each call below is made twice: with plain arrays it works; with any one of its
array arguments masked it raises TypeError naming the masked array. (The layers of
nn.py: tests/test_nn_contracts.py.)
"""
import numpy as np
import pytest

from groupconv import action, correlate, engine, filter_bank, groups

rng = np.random.default_rng(0)
F = rng.integers(-3, 4, size=(1, 2, 7, 7)).astype(float)
PSI = rng.integers(-3, 4, size=(3, 2, 3, 3)).astype(float)
FG = rng.integers(-3, 4, size=(1, 2, 4, 7, 7)).astype(float)
PSIG = rng.integers(-3, 4, size=(3, 2, 4, 3, 3)).astype(float)
D = np.ones((1, 3, 5, 5))
DG = np.ones((1, 3, 4, 5, 5))
R1 = groups.element("p4", 1, 0, 0)

# name: (function, its arguments); every ndarray argument is masked in turn
CALLS = {
    "engine.planar_correlation": (engine.planar_correlation, (F, PSI)),
    "engine.planar_correlation_grad_input": (engine.planar_correlation_grad_input, (D, PSI, F.shape)),
    "engine.planar_correlation_grad_filter": (engine.planar_correlation_grad_filter, (F, D, 3)),
    "correlate.planar_correlation": (correlate.planar_correlation, (F, PSI)),
    "correlate.planar_correlation_literal": (correlate.planar_correlation_literal, (F, PSI)),
    "correlate.lifting_correlation": (correlate.lifting_correlation, (F, PSI, "p4")),
    "correlate.lifting_correlation_literal": (correlate.lifting_correlation_literal, (F, PSI, "p4")),
    "correlate.lifting_correlation_grad_input": (correlate.lifting_correlation_grad_input, (DG, PSI, "p4", F.shape)),
    "correlate.lifting_correlation_grad_filter": (correlate.lifting_correlation_grad_filter, (F, DG, "p4", 3)),
    "correlate.group_correlation": (correlate.group_correlation, (FG, PSIG, "p4")),
    "correlate.group_correlation_literal": (correlate.group_correlation_literal, (FG, PSIG, "p4")),
    "correlate.group_correlation_grad_input": (correlate.group_correlation_grad_input, (DG, PSIG, "p4", FG.shape)),
    "correlate.group_correlation_grad_filter": (correlate.group_correlation_grad_filter, (FG, DG, "p4", 3)),
    "correlate.group_convolution": (correlate.group_convolution, (FG, PSIG, "p4")),
    "filter_bank.expand_lifting_filter": (filter_bank.expand_lifting_filter, (PSI, "p4")),
    "filter_bank.expand_group_filter": (filter_bank.expand_group_filter, (PSIG, "p4")),
    "action.transform_image": (action.transform_image, (F[0, 0], R1)),
    "action.transform_image_literal": (action.transform_image_literal, (F[0, 0], R1)),
    "action.transform_group_function": (action.transform_group_function, (FG[0], R1, "p4")),
    "groups.compose": (groups.compose, (R1, R1)),
    "groups.inverse": (groups.inverse, (R1,)),
    "groups.act": (groups.act, (R1, np.array([1, 2]))),
    "groups.element": (groups.element, ("p4", np.array(1), np.array([0, 1]), np.array(2))),
    "groups.parameters": (groups.parameters, (R1, "p4")),
}

CASES = [(name, i) for name, (_, args) in CALLS.items() for i, a in enumerate(args) if isinstance(a, np.ndarray)]


@pytest.mark.parametrize("name, position", CASES, ids=[f"{n}-arg{i}" for n, i in CASES])
def test_a_masked_argument_is_refused_and_the_plain_one_works(name, position):
    fn, args = CALLS[name]
    fn(*args)  # the plain call works
    masked = list(args)
    masked[position] = np.ma.masked_array(args[position], mask=np.zeros(np.shape(args[position]), bool))
    with pytest.raises(TypeError, match="masked array"):
        fn(*masked)
