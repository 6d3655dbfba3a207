"""Functions on G for the graders of exercises 05-10: test inputs, equivariance cases, and mistake models.

A function on p4 or p4m is an array (..., |H|, n, n): plane s at pixel x holds F(t(x) . s)
(README "Conventions"). The mistake models below compute, from the library's correct
output, what a submission with a given mistake returns:
    relabel(F, group, phi)     F'(g) = F(phi(g)): e.g. phi(g) = g^-1 for a sum that reads
                               at g where the definition has g^-1;
    unpermuted_correlation     the group correlation with a filter bank whose group axis
                               was not permuted (every plane turned, none moved).
"""
import numpy as np

from groupconv.action import transform_group_function, transform_image
from groupconv.correlate import planar_correlation
from groupconv.groups import order, p4m_element, point_group, point_group_index, split, translation

from .framework import Case, element_name, expect_array, hints_of, integer_data, search


def relabel(F, group, phi):
    """F'(g) = F(phi(g)) for F (..., |H|, n, n), n odd; 0 where phi(g) lies off the frame."""
    n = F.shape[-1]
    if n % 2 == 0:
        raise ValueError("relabel reads frames with a centre pixel (odd n)")
    c = (n - 1) // 2
    out = np.zeros_like(F)
    for s_index, s in enumerate(point_group(group)):
        for i in range(n):
            for j in range(n):
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
    """Integer inputs (f, psi, group) for a lifting (on_group=False) or group correlation, smallest first."""
    cases = []
    for n, k in sizes(n_max, k_max):
        for group in groups_:
            nH = order(group)
            for index, (B, C, O) in enumerate(CHANNELS):
                f_shape = (B, C, nH, n, n) if on_group else (B, C, n, n)
                f, psi = integer_data(f_shape, index), integer_data((O, C, nH, k, k) if on_group else (O, C, k, k),
                                                                      index + 5)
                cases.append(Case({"f": f, "psi": psi, "group": group},
                                  f"{group}, f of shape {f.shape}, psi of shape {psi.shape}"))
    return cases


def every_size_cases(psi_seed, dout_seed=None):
    """Integer f (B, C, |H|, n, n) and psi (O, C, |H|, k, k) on p4 and p4m for every frame n = 1-5 and k <= 3.

    Even sizes are marked (Case.even), so that "right on every odd size, wrong on an even
    one" gives its hint. With dout_seed, also an output gradient dout of the 'valid' shape.
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

    For the shifts f is 0 within 3 pixels of the border (n = 9), so that a shift by one
    pixel loses nothing, neither of f nor of the 'valid' output.
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
        f = np.pad(core, [(0, 0)] * (core.ndim - 2) + [(3, 3), (3, 3)])
        for u in (translation(1, 0), p4m_element(0, 1, 0, -1)):
            cases.append(Case({"f": f, "psi": psi, "group": group, "u": u},
                              f"{group}, f of shape {f.shape} (zero margin 3), psi of shape {psi.shape}, "
                              f"u = {element_name(u)}"))
    cases.sort(key=lambda c: c.args["f"].size)
    return cases


def move(f, u, group, on_group):
    """L_u f: as an image (on Z^2) or as a function on G."""
    return transform_group_function(f, u, group) if on_group else transform_image(f, u)


ORDER_HINT = ("The output element is g = t(x) . s (first s, then the shift), not s . t(x): "
              "plane s at pixel x holds the value at t(x) . s.")


def valid_output(sub, name, f, psi, group):
    """The submission's name(f, psi, group), checked to be a "valid"-mode output on G.

    Shape (B, C_out, |H|, n - k + 1, n - k + 1), dtype np.result_type(f, psi); see expect_array.
    """
    out = sub.call(name, f, psi, group)
    n = f.shape[-1] - psi.shape[-1] + 1
    return expect_array(out, name, shape=(f.shape[0], psi.shape[0], order(group), n, n), dtype=np.result_type(f, psi))


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

        def agreement():
            search(cases, lambda c: (valid_output(sub, name, **c.args), reference(**c.args, mode="valid")),
                   f"your {formula}", models=models)

        def equivariance(c):
            f, psi, group, u = c.args["f"], c.args["psi"], c.args["group"], c.args["u"]
            return (valid_output(sub, name, move(f, u, group, on_group), psi, group),
                    move(valid_output(sub, name, f, psi, group), u, group, True))

        search(equivariance_cases(on_group), equivariance,
               "not equivariant: (L_u f) ⋆ psi != L_u (f ⋆ psi)", labels=("L_u (f ⋆ psi)", "(L_u f) ⋆ psi"),
               refine=lambda: hints_of(agreement))
        agreement()
        return (f"equivariance for every turn and mirror and two shifts, and agreement with the library on "
                f"{len(cases)} inputs (p4 and p4m, frames 1-5): exact (integer sums)")
    return check
