"""Functions on G for the graders of exercises 05-10: test inputs, equivariance cases, and mistake models.

A function on p4 or p4m is an array (..., |H|, n, n): plane s at pixel x holds F(t(x) . s)
(README "Conventions"). The mistake models below compute, from the library's correct
output, what a submission with a given mistake returns:
    relabel(F, group, phi)     F'(g) = F(phi(g)): e.g. phi(g) = g^-1 for a sum that reads
                               at g where the definition has g^-1;
    unpermuted_correlation     the group correlation with a filter bank whose group axis
                               was not permuted (every plane turned, none moved);
    clockwise(s)               the element a submission takes for s when its quarter turn goes
                               the other way (M^m R(r) -> M^m R(-r));
    swapped_layout(F)          an output computed as (B, |H|, C_out, n, n) and reshaped, not
                               transposed, to (B, C_out, |H|, n, n);
    turn_about_pixel(a, s)     L_s a for an image turned about pixel k // 2 (0 where it reads off
                               the frame): right for odd k, off by half a pixel for even k;
    dtype_models               the dtypes a submission returns that casts to one input's dtype
                               or always makes float64 (np.zeros' default).
"""
import numpy as np

from groupconv.action import transform_group_function, transform_image
from groupconv.correlate import planar_correlation
from groupconv.groups import order, p4m_element, point_group, point_group_index, split, translation

from .framework import Case, Failure, element_name, expect_array, hints_of, integer_data, rng, search

GROUP_AXIS_HINT = ("The group axis is axis 2: a function on G is (B, C, |H|, n, n) and so is the output "
                   "(B, C_out, |H|, n', n'). You put |H| and the channels the other way round (or reshaped an array "
                   "(B, |H|, C_out, ...) into that shape instead of transposing it).")
DTYPE_CAST_HINT = ("Your result has the dtype of one input only. The promised dtype is np.result_type(f, psi): an "
                   "integer image with a float filter (or the reverse) gives a float result. Do not cast with "
                   ".astype(f.dtype) or .astype(psi.dtype), nor fill an array made with one input's dtype.")
DTYPE_FIXED_HINT = ("Your result has the same dtype whatever the inputs (float64 is the default of np.zeros and "
                    "np.empty, int64 of dtype=int). Make the array with the promised dtype, computed from the inputs.")
TRANSPOSED_HINT = ("You read the filter transposed, psi[..., j, i] where the sum has psi[..., i, j]: the first "
                   "pixel index is the row offset u, the second the column offset v.")
COMMON_HINTS = {"group_axis": GROUP_AXIS_HINT, "dtype_cast": DTYPE_CAST_HINT, "dtype_fixed": DTYPE_FIXED_HINT,
                "transposed": TRANSPOSED_HINT}


def relabel(F, group, phi):
    """F'(g) = F(phi(g)) for F (..., |H|, n, n), n odd; 0 where phi(g) lies off the frame."""
    n = F.shape[-1]
    if n % 2 == 0:
        raise ValueError("relabel reads frames with a centre pixel (odd n)")
    c = (n - 1) // 2
    out = np.zeros_like(F)
    for s_index, s in enumerate(point_group(group)):
        for i, j in np.ndindex(n, n):
            h = phi(translation(i - c, j - c) @ s)
            u, v = int(h[0, 2]), int(h[1, 2])
            if abs(u) <= c and abs(v) <= c:
                plane = int(point_group_index(split(h)[1], group))
                out[..., s_index, i, j] = F[..., plane, u + c, v + c]
    return out


def swapped_product(g):
    """s . t(x) for g = t(x) . s: the two factors of G7 multiplied in the wrong order."""
    t, s = split(g)
    return s @ t


def clockwise(s, group):
    """M^m R(-r) for s = M^m R(r): what a submission whose R(1) turns clockwise uses for s."""
    i = int(point_group_index(s, group))
    return point_group(group)[4 * (i // 4) + (-(i % 4)) % 4]


def clockwise_element(g, group):
    """t(x) . clockwise(s) for g = t(x) . s (a relabel phi)."""
    t, s = split(g)
    return t @ clockwise(s, group)


def swapped_layout(F):
    """F (B, O, |H|, n, n) computed in the layout (B, |H|, O, n, n) and reshaped (not transposed) to F's shape."""
    return np.ascontiguousarray(np.swapaxes(F, 1, 2)).reshape(F.shape)


def turn_about_pixel(a, s):
    """L_s a for a (..., k, k) turned about pixel (k // 2, k // 2), 0 where s^-1 x is off the frame.

    The off-centre mistake: for odd k this is L_s a; for even k the centre (k - 1) / 2 lies
    between pixels and this is off by half a pixel.
    """
    k = a.shape[-1]
    c = k // 2
    out = np.zeros_like(a)
    s_inv = np.round(np.linalg.inv(s[:2, :2])).astype(np.int64)
    for i in range(k):
        for j in range(k):
            u, v = s_inv @ np.array([i - c, j - c])
            if 0 <= u + c < k and 0 <= v + c < k:
                out[..., i, j] = a[..., u + c, v + c]
    return out


def bank_off_centre(psi, group):
    """The bank of L_s psi (axis 1) with every plane turned about pixel k // 2 (turn_about_pixel).

    For a filter on G the group axis is permuted as it should be: plane s' of L_s psi is
    plane s^-1 s' of psi, turned about the wrong pixel.
    """
    H = point_group(group)
    if psi.ndim == 4:
        return np.stack([turn_about_pixel(psi, s) for s in H], axis=1)
    slots = [point_group_index(np.linalg.inv(s).round().astype(np.int64) @ H, group) for s in H]
    return np.stack([turn_about_pixel(psi[:, :, slot], s) for s, slot in zip(H, slots)], axis=1)


def dtype_models(of_inputs=True):
    """(hint key, fn(case) -> dtype) for the dtype mistakes: a cast to f's or psi's dtype, a fixed dtype."""
    models = [("dtype_fixed", lambda c: np.dtype(np.float64)), ("dtype_fixed", lambda c: np.dtype(np.int64))]
    if of_inputs:
        models = [("dtype_cast", lambda c: c.args["f"].dtype), ("dtype_cast", lambda c: c.args["psi"].dtype)] + models
    return models


def check_dtypes(cases, returned, want, what, models):
    """Every case's result must have dtype want(case); returned(case) -> the submission's array.

    The dtype mistakes have models too (fn(case) -> the dtype such a submission returns): a
    hint is attached when one explains every failing case.
    """
    failing = []
    for case in cases:
        got = np.asarray(returned(case)).dtype
        if got != np.dtype(want(case)):
            failing.append((case, got))
    if not failing:
        return
    hints, explains = [], {}
    for key, model in models:
        if key not in hints and all(np.dtype(model(c)) == got for c, got in failing):
            hints.append(key)
            explains[key] = f"all {len(failing)} failing cases" if len(failing) > 1 else "the failing case"
    case, got = failing[0]
    shown = {k: v for k, v in case.args.items() if isinstance(v, np.ndarray)}
    raise Failure(f"{what} returned dtype {got}, expected {np.dtype(want(case))}: first counterexample at "
                  f"{case.label}", {"input": case.label, **shown, "expected dtype": str(want(case)),
                                   "got dtype": str(got)}, hints, explains=explains)


def float_data(shape, offset):
    """A float64 test array with values that are not sums of powers of two (0.1 steps in -1..1)."""
    return rng(7000 + offset).integers(-10, 11, size=shape) / 10


def by_bank(f, psi, group, mode="valid"):
    """The lifting or group correlation (mode 'valid') as one planar correlation with the bank of L_s psi.

    The paper's section 7 with the action's rot90 and flips: cheap for a large filter, where
    the library's cached gather would first build an index of |H| k^2 entries per plane.
    """
    on_group = f.ndim == 5
    H = point_group(group)
    bank = np.stack([transform_group_function(psi, s, group) if on_group else transform_image(psi, s) for s in H],
                    axis=1)  # (O, |H|, C, [|H|,] k, k)
    B, O, n, k = f.shape[0], psi.shape[0], f.shape[-1], psi.shape[-1]
    out = planar_correlation(f.reshape(B, -1, n, n), bank.reshape(O * len(H), -1, k, k), mode)
    return out.reshape(B, O, len(H), *out.shape[-2:])


def unpermuted_correlation(f, psi, group):
    """sum_s' f_s' ⋆ (L_s psi_s') for every s: the group correlation (mode 'valid') without the plane permutation."""
    O, C, nH, k, _ = psi.shape
    bank = np.stack([transform_image(psi, s) for s in point_group(group)], axis=1)  # (O, |H|, C, |H|, k, k)
    B, _, _, n, _ = f.shape
    out = planar_correlation(f.reshape(B, C * nH, n, n), bank.reshape(O * nH, C * nH, k, k), "valid")
    return out.reshape(B, O, nH, *out.shape[-2:])


def sizes(n_max=5, k_max=3):
    """(n, k) with n, k odd, k <= n, smallest first."""
    return [(n, k) for n in range(1, n_max + 1, 2) for k in range(1, min(n, k_max) + 1, 2)]


CHANNELS = [(1, 1, 1), (2, 2, 2), (1, 2, 3)]  # (B, C_in, C_out)


def correlation_cases(on_group, n_max=5, k_max=3, groups_=("p4", "p4m")):
    """Integer inputs (f, psi, group) for a lifting (on_group=False) or group correlation, smallest first.

    For a group correlation also C_in = |H| = 4 (p4), where a submission that takes axis 1
    of f for the group axis gets arrays of the right shape and must still fail.
    """
    cases = []
    for n, k in sizes(n_max, k_max):
        for group in groups_:
            nH = order(group)
            channels = CHANNELS + ([(1, 4, 2)] if on_group and group == "p4" and n == 3 else [])
            for index, (B, C, O) in enumerate(channels):
                f_shape = (B, C, nH, n, n) if on_group else (B, C, n, n)
                f, psi = integer_data(f_shape, index), integer_data((O, C, nH, k, k) if on_group else (O, C, k, k),
                                                                      index + 5)
                cases.append(Case({"f": f, "psi": psi, "group": group},
                                  f"{group}, f of shape {f.shape}, psi of shape {psi.shape}"))
    return cases


def large_case(on_group, n, k, group="p4"):
    """One input with a frame past 64 (code that hard-codes a size fails it), B = C_in = C_out = 1.

    It is checked on its own, after the small cases and without mistake models (the models
    would build the library's index for a large filter), against by_bank.
    """
    nH = order(group)
    f = integer_data((1, 1, nH, n, n) if on_group else (1, 1, n, n), 1)
    psi = integer_data((1, 1, nH, k, k) if on_group else (1, 1, k, k), 2)
    return Case({"f": f, "psi": psi, "group": group}, f"{group}, f of shape {f.shape}, psi of shape {psi.shape}")


def mixed_dtype_cases(on_group, n=3, k=3, group="p4", values=False):
    """Inputs (f, psi) of different dtypes: the result must be np.result_type(f, psi).

    Without values: small integer-valued arrays of the dtype pairs (int64, float64),
    (float64, int64), (int32, int64), (int64, float32) for a dtype check. With values:
    an int image with a float filter and the reverse, on p4 and p4m, compared to round-off.
    """
    cases = []
    pairs = ([(np.int64, np.float64), (np.float64, np.int64)] if values else
             [(np.int64, np.float64), (np.float64, np.int64), (np.int32, np.int64), (np.int64, np.float32)])
    for group_ in (("p4", "p4m") if values else (group,)):
        nH = order(group_)
        for index, (f_type, psi_type) in enumerate(pairs):
            f_shape = (2, 2, nH, n, n) if on_group else (2, 2, n, n)
            psi_shape = (3, 2, nH, k, k) if on_group else (3, 2, k, k)
            f = float_data(f_shape, index) if values and f_type == np.float64 else integer_data(f_shape, index + 1)
            psi = float_data(psi_shape, index + 3) if values and psi_type == np.float64 else integer_data(psi_shape,
                                                                                                         index + 2)
            f, psi = f.astype(f_type), psi.astype(psi_type)
            cases.append(Case({"f": f, "psi": psi, "group": group_},
                              f"{group_}, f of shape {f.shape} and dtype {f.dtype}, psi of shape {psi.shape} and "
                              f"dtype {psi.dtype}", kind="float" if values else None))
    return cases


def every_size_cases(psi_seed, dout_seed=None):
    """Integer f (B, C, |H|, n, n) and psi (O, C, |H|, k, k) on p4 and p4m for every frame n = 1-5 and k <= 3.

    Even sizes are marked (Case.even) for the report; a hint for them needs a model (e.g.
    bank_off_centre). With dout_seed, also an output gradient dout of the 'valid' shape.
    """
    cases = []
    for n in range(1, 6):
        for k in range(1, min(n, 3) + 1):
            for group in ("p4", "p4m"):
                nH = order(group)
                for index, (B, C, O) in enumerate([(1, 1, 1), (2, 2, 3)]):
                    f, psi = integer_data((B, C, nH, n, n), index), integer_data((O, C, nH, k, k), index + psi_seed)
                    args = {"f": f, "psi": psi, "group": group}
                    if dout_seed is not None:
                        args["dout"] = integer_data((B, O, nH, n - k + 1, n - k + 1), index + dout_seed)
                    cases.append(Case(args, f"{group}, f of shape {f.shape}, psi of shape {psi.shape}",
                                      even=(n % 2 == 0 or k % 2 == 0)))
    return cases


def turn_and_shift_cases(cases):
    """Equivariance cases for a map on G from every_size_cases: every turn and mirror u on the
    single-image inputs of frames up to 4 (odd and even), then the one-pixel shifts of
    equivariance_cases (an f with a zero margin, so that a shift loses nothing)."""
    turns = [Case({**c.args, "u": u}, f"{c.label}, u = {element_name(u)}", even=c.even)
             for c in cases if c.args["f"].shape[0] == 1 and c.args["f"].shape[-1] <= 4
             for u in point_group(c.args["group"])[1:]]
    return turns + [c for c in equivariance_cases(on_group=True) if np.any(c.args["u"][:2, 2])]


def equivariance_cases(on_group):
    """Inputs and elements u for (L_u f) ⋆ psi = L_u (f ⋆ psi), smallest first: every turn and mirror, two shifts.

    For the shifts f is 0 within 3 pixels of the border (n = 9; on G within 2 pixels, n = 7,
    with a 1 x 1 filter), so that a shift by one pixel loses nothing, neither of f nor of
    the 'valid' output.
    """
    cases = []
    for group in ("p4", "p4m"):
        nH = order(group)
        for index, (n, k, C) in enumerate(((3, 1, 1), (3, 3, 1), (5, 3, 2))):
            f = integer_data((1, C, nH, n, n) if on_group else (1, C, n, n), index)
            psi = integer_data((2, C, nH, k, k) if on_group else (2, C, k, k), index + 11)
            for u in point_group(group)[1:]:
                cases.append(Case({"f": f, "psi": psi, "group": group, "u": u},
                                  f"{group}, f of shape {f.shape}, psi of shape {psi.shape}, u = {element_name(u)}"))
        core = integer_data((1, 2, nH, 3, 3) if on_group else (1, 2, 3, 3), 2)
        margin = 2 if on_group else 3  # on G a 1 x 1 filter: the literal sum over |H| n^2 elements stays cheap
        f = np.pad(core, [(0, 0)] * (core.ndim - 2) + [(margin, margin)] * 2)
        if on_group:
            psi = integer_data((2, 2, nH, 1, 1), 12)
        for u in (translation(1, 0), p4m_element(0, 1, 0, -1)):
            cases.append(Case({"f": f, "psi": psi, "group": group, "u": u},
                              f"{group}, f of shape {f.shape} (zero margin {margin}), psi of shape {psi.shape}, "
                              f"u = {element_name(u)}"))
    cases.sort(key=lambda c: c.args["f"].size)
    return cases


def move(f, u, group, on_group):
    """L_u f: as an image (on Z^2) or as a function on G."""
    return transform_group_function(f, u, group) if on_group else transform_image(f, u)


ORDER_HINT = ("The output element is g = t(x) . s (first s, then the shift), not s . t(x): "
              "plane s at pixel x holds the value at t(x) . s. The same mistake, written through the inverse: "
              "g^-1 y = s^-1 (y - x), not s^-1 y - x.")


def valid_output(sub, name, f, psi, group, dtype=True):
    """The submission's name(f, psi, group), checked to be a "valid"-mode output on G.

    Shape (B, C_out, |H|, n - k + 1, n - k + 1), dtype np.result_type(f, psi) (not checked
    with dtype=False); see expect_array. The shape (B, |H|, C_out, ...) gets the group-axis hint.
    """
    out = sub.call(name, f, psi, group)
    n = f.shape[-1] - psi.shape[-1] + 1
    B, O, nH = f.shape[0], psi.shape[0], order(group)
    return expect_array(out, name, shape=(B, O, nH, n, n), dtype=np.result_type(f, psi) if dtype else None,
                        alternatives={(B, nH, O, n, n): "group_axis"} if O != nH else None)


def output_dtype_check(sub, name, on_group):
    """The dtype promise np.result_type(f, psi) on mixed_dtype_cases, with the dtype mistake models."""
    check_dtypes(mixed_dtype_cases(on_group), lambda c: valid_output(sub, name, **c.args, dtype=False),
                 lambda c: np.result_type(c.args["f"], c.args["psi"]), name, dtype_models())


class Cached:
    """The submission's output on inputs already tried, by the identity of the argument arrays.

    The equivariance cases share f and psi between the elements u: f ⋆ psi is computed once
    per pair and compared with (L_u f) ⋆ psi for every u.
    """

    def __init__(self, compute):
        self.compute, self.values = compute, {}

    def __call__(self, f, psi, group):
        key = (id(f), id(psi), group)
        if key not in self.values:
            self.values[key] = (f, psi, self.compute(f, psi, group))  # f, psi kept alive: their ids stay unique
        return self.values[key][2]


def correlation_checker(name, on_group, reference, formula, models):
    """The check of exercises 05 and 06: the submission's `name` (a lifting correlation, or with
    on_group a group correlation) against `reference` (the library's, mode "valid").

    First equivariance (L_u f) ⋆ psi = L_u (f ⋆ psi) for every turn and mirror and two
    shifts, its failure hinted by the agreement check; then agreement with the reference
    on correlation_cases, with the mistake `models` (see framework.search). `formula`
    names the sum in the failure message.
    """
    def check(sub):
        cases = correlation_cases(on_group)
        floats = mixed_dtype_cases(on_group, n=5, values=True)

        def agreement():
            search(cases + floats, lambda c: (valid_output(sub, name, **c.args), reference(**c.args, mode="valid")),
                   f"your {formula}", models=models)

        unmoved = Cached(lambda f, psi, group: valid_output(sub, name, f, psi, group))

        def equivariance(c):
            f, psi, group, u = c.args["f"], c.args["psi"], c.args["group"], c.args["u"]
            return (valid_output(sub, name, move(f, u, group, on_group), psi, group),
                    move(unmoved(f, psi, group), u, group, True))

        output_dtype_check(sub, name, on_group)
        search(equivariance_cases(on_group), equivariance,
               "not equivariant: (L_u f) ⋆ psi != L_u (f ⋆ psi)", labels=("L_u (f ⋆ psi)", "(L_u f) ⋆ psi"),
               refine=lambda: hints_of(agreement))
        agreement()
        large = large_case(on_group, 65, 65) if on_group else large_case(on_group, 67, 65)  # few output pixels
        search([large], lambda c: (valid_output(sub, name, **c.args), by_bank(**c.args)),
               f"on a frame past 64, your {formula}")
        n = large.args["f"].shape[-1]
        return (f"the dtype np.result_type(f, psi) for 4 dtype pairs, equivariance for every turn and mirror and "
                f"two shifts, and agreement with the library on {len(cases) + 1} integer inputs (p4 and p4m, frames "
                f"1-5 and one of {n} x {n}): exact (integer sums); on {len(floats)} with a float image or filter: "
                f"to round-off")
    return check
