"""Tutorial 09 - the group correlation G -> G and its two equivariance proofs (docs/equations.md L3, L4, L5).

Claim: a layer that takes a function on G (the output of a lifting layer) and returns a
function on G is

    L3   (f ⋆ psi)(g) = sum_h sum_k f_k(h) psi_k(g^-1 h)      (paper)
                      = sum_h sum_k f_k(g h) psi_k(h)         (blog; substitute h -> g h)

with h running over the group G (⋆ is the correlation, what deep learning calls
"convolution"). It is equivariant, and there are two proofs, both computed here line by
line, every line as its own array:

    L4 (blog)   ((L_u f) ⋆ psi)(g) = sum_h f(u^-1 g h) psi(h) = (f ⋆ psi)(u^-1 g) = (L_u (f ⋆ psi))(g)
    L5 (paper)  ((L_u f) ⋆ psi)(g) = sum_h f(u^-1 h) psi(g^-1 h) = sum_h f(h) psi(g^-1 u h)
                                   = sum_h f(h) psi((u^-1 g)^-1 h) = (L_u (f ⋆ psi))(g)

for every u in the point groups of p4 and p4m and some elements with a shift. With
integer data every residual is exactly 0.

Checks: L3, L4, L5. Run: python tutorials/09_group_correlation.py, or open it as a notebook.
"""
IDS = ("L3", "L4", "L5")

# %% [markdown]
# ## Why a second kind of layer
#
# The lifting layer of tutorial 08 turns an image into a function on G: |H| planes,
# plane s at pixel x holding the value at g = t(x) . s. The next layer has to take such
# a function as its input. The recipe is the same as before - "move the filter by g,
# multiply, add up" - but now the filter psi is also a function on G (|H| planes of
# k x k weights per input channel) and the sum runs over group elements h instead of
# pixels y:
#
#     (f ⋆ psi)(g) = sum_h f(g h) psi(h).
#
# The product g h is the matrix product of tutorial 02, so "move the filter by g" now
# moves the planes of the filter around as well as turning and shifting each plane.
#
# The literal sums in this tutorial do not use the library's correlation code (only the
# sides we compare them with do). Every sum over h is written the way the formula is
# written: the elements g and h are listed as 3 x 3 integer matrices, products like
# u^-1 g h are formed with `@` (for all g and h at once, as arrays of matrices), the
# function is read at the resulting element by splitting it as t(x) . s (G7), and the
# products are added up over h.
#
# Boundary: the proofs substitute h -> g h or h -> u h, which must be a bijection of the
# set summed over. That holds for the whole infinite group, and it holds on a torus:
# we let every function live on an n x n torus ("circular" mode; a shift that leaves one
# side comes back on the other) so that every sum runs over a whole (finite) group,
# |H| * n * n elements. Turns about the centre also map an ordinary square frame to
# itself; the last section shows what happens on such a frame when u contains a shift.

# %%
import numpy as np

from groupconv import action, checks, correlate, groups, images
from groupconv.lookup import frame_elements, value_on_group

RNG = np.random.default_rng(checks.SEED)  # seeded: every run draws the same "random" data
INT_WHY = "int64 data: every product and sum is an exact integer (integers never take the FFT path)"
FLOAT_WHY = "random float data: the same products added in a different order"


# %% [markdown]
# ## A tiny example to check by hand: a 1 x 1 filter only mixes the planes
#
# Two lookups from `groupconv/lookup.py` (shared by tutorials 08-12, written once there):
#
# * `frame_elements(group, n)`: every element t(x) . s with x on a centred n x n frame,
#   as 3 x 3 integer matrices in an array (|H|, n, n, 3, 3) - the storage order of a
#   function on G.
# * `value_on_group(F, g, group, period)`: F(g) for F stored as (..., |H|, n, n). It
#   splits g = t(x) . s (G7): s is the upper-left 2 x 2 block of the matrix g, looked up
#   in the list of the point group to find its plane; x = (u, v) is the last column.
#   Then it reads that plane at pixel x, and returns 0 when x is off the frame. With
#   `period=n` the pixel is first brought back onto the n x n torus.
#
# Take p4, a one-pixel frame and a one-pixel filter. Then f and psi are just 4 numbers
# each, f(R(r)) and psi(R(r)), and the sum over h = R(r') reads
#
#     (f ⋆ psi)(R(r)) = sum_r' f(R(r) R(r')) psi(R(r')) = sum_r' f(R(r + r')) psi(R(r')),
#
# a correlation around a circle of 4 slots (quarter turns add up modulo 4). Each sum is
# printed term by term below.

# %%
f = np.array([1, 2, 0, -1])  # f(R(0)), ..., f(R(3)); integers, so every sum is exact
psi = np.array([3, 0, 1, 0])  # psi(R(0)), ..., psi(R(3))
print("f   at R(0..3):", f.tolist())
print("psi at R(0..3):", psi.tolist())
by_hand = np.zeros(4, dtype=np.int64)
for r in range(4):
    terms = [f[(r + rp) % 4] * psi[rp] for rp in range(4)]
    by_hand[r] = sum(terms)
    print(f"(f ⋆ psi)(R({r})) = " + " + ".join(f"f(R({(r + rp) % 4}))psi(R({rp}))" for rp in range(4))
          + f" = {' + '.join(f'({t})' if t < 0 else str(t) for t in terms)} = {by_hand[r]}")
F, P = f.reshape(1, 1, 4, 1, 1), psi.reshape(1, 1, 4, 1, 1)
out = correlate.group_correlation(F, P, "p4", "valid").ravel()
checks.check("L3", "tiny example: the four sums by hand vs group_correlation (vectorised)", by_hand, out,
             "exact", "R(0), R(1), R(2), R(3)", INT_WHY)


# %% [markdown]
# Turning the input by R(1) moves f(R(r)) to slot r + 1 (L_u f = f o u^-1 on G, A4) -
# and the output moves by one slot too: the smallest case of L4.

# %%
turned = action.transform_group_function(F, groups.rotation(1), "p4")
out_turned = correlate.group_correlation(turned, P, "p4", "valid").ravel()
print("L_R(1) f at R(0..3):", turned.ravel().tolist(), "-> output", out_turned.tolist())
checks.check("L4", "tiny example: turning the input by R(1) moves the output one slot along",
             out_turned, np.roll(by_hand, 1), "exact", "u = R(1)", INT_WHY)


# %% [markdown]
# ## L3: both forms, literally, against the vectorised version
#
# Paper form: for every output element g and every h where f can be non-zero, form
# g^-1 h and read psi there. Blog form: for every g and every h in the filter's support,
# form g h and read f there. Both sum over h and the input channels k. The vectorised
# `correlate.group_correlation` instead builds |H| transformed filters and calls one
# planar correlation (tutorial 11). Sizes: 2 input channels, 2 output channels, a 7 x 7
# frame, 3 x 3 filters; "valid" mode and "circular" mode (the torus); integer data
# (exact) and float data (round-off). Last, the library's own literal transcriptions (a
# third implementation) are compared too.

# %%
def group_correlation_paper(f, psi, group, n_out, period=None):
    """(f ⋆ psi)(g) = sum_h sum_k f_k(h) psi_k(g^-1 h), h over every element where f lives."""
    g = frame_elements(group, n_out).reshape(-1, 3, 3)
    h = frame_elements(group, f.shape[-1]).reshape(-1, 3, 3)
    g_inv_h = groups.inverse(g)[:, None] @ h[None]  # (N_g, N_h, 3, 3)
    psi_at = value_on_group(psi, g_inv_h, group, period)  # (O, K, N_g, N_h); 0 off psi's support
    f_at = value_on_group(f, h, group)  # (K, N_h)
    out = np.einsum("kh,okgh->og", f_at, psi_at)
    return out.reshape(psi.shape[0], groups.order(group), n_out, n_out)


def group_correlation_blog(f, psi, group, n_out, period=None):
    """(f ⋆ psi)(g) = sum_h sum_k f_k(g h) psi_k(h), h over the filter's support."""
    g = frame_elements(group, n_out).reshape(-1, 3, 3)
    h = frame_elements(group, psi.shape[-1]).reshape(-1, 3, 3)
    f_at = value_on_group(f, g[:, None] @ h[None], group, period)  # (K, N_g, N_h)
    psi_at = value_on_group(psi, h, group)  # (O, K, N_h)
    out = np.einsum("kgh,okh->og", f_at, psi_at)
    return out.reshape(psi.shape[0], groups.order(group), n_out, n_out)


n, k = 7, 3
for kind in ("exact", "float"):
    data = "integers" if kind == "exact" else "floats"
    for group in ("p4", "p4m"):
        nH = groups.order(group)
        f, psi = images.random_signal((2, nH, n, n), RNG, kind), images.random_signal((2, 2, nH, k, k), RNG, kind)
        why = INT_WHY if kind == "exact" else FLOAT_WHY
        for mode, n_out, period in (("valid", n - k + 1, None), ("circular", n, n)):
            vectorised = correlate.group_correlation(f[None], psi, group, mode)[0]
            elements = f"all {nH * n_out ** 2} g of the output"
            checks.check("L3", f"{group} {mode}, {data}: sum_h f(h) psi(g^-1 h) (paper, literal) vs vectorised",
                         group_correlation_paper(f, psi, group, n_out, period), vectorised, kind, elements, why)
            checks.check("L3", f"{group} {mode}, {data}: sum_h f(g h) psi(h) (blog, literal) vs vectorised",
                         group_correlation_blog(f, psi, group, n_out, period), vectorised, kind, elements, why)
f, psi = images.integer_image((1, 2, 4, 5, 5), RNG), images.integer_image((2, 2, 4, k, k), RNG)
for form in ("paper", "substituted"):
    checks.check("L3", f"p4 valid: group_correlation_literal(form={form!r}) vs vectorised",
                 correlate.group_correlation_literal(f, psi, "p4", "valid", form=form),
                 correlate.group_correlation(f, psi, "p4", "valid"), "exact", "all g of the output", INT_WHY)


# %% [markdown]
# ## The elements u we try
#
# All of the point group (every turn, and for p4m every mirror), a pure translation, and
# three elements that combine a shift with a turn or a mirror.

# %%
ELEMENTS = {}
for group, params in (("p4", ((0, 1, -2), (1, 2, -1), (3, 0, 2), (2, -2, 1))),
                      ("p4m", ((0, 0, 1, -2), (1, 1, 2, -1), (0, 3, 0, 2), (1, 2, -2, 1)))):
    ELEMENTS[group] = list(groups.point_group(group)) + [groups.element(group, *p) for p in params]
    print(f"u on {group}: " + ", ".join(groups.name(u) for u in ELEMENTS[group]))


def tried(group, n):
    """The u and g of a proof chain, briefly."""
    return f"{len(ELEMENTS[group])} u (all of {'C4' if group == 'p4' else 'D4'} + 4 with a shift), every g of the {n} x {n} torus"


# %% [markdown]
# ## L4, the blog's proof, line by line
#
# Start from the left side and unfold definitions:
#
#     line 1   ((L_u f) ⋆ psi)(g)             the moved input, correlated (library, vectorised)
#     line 2   sum_h [L_u f](g h) psi(h)      the definition L3 applied to the moved input L_u f,
#                                             where L_u f is first computed as an array by reading
#                                             f at u^-1 h for every h (A4)
#     line 3   sum_h f(u^-1 g h) psi(h)       the same, with [L_u f](g h) = f(u^-1 (g h)) and the
#                                             matrix u^-1 g h formed directly
#     line 4   (f ⋆ psi)(u^-1 g)              the correlation of f (computed once, literally),
#                                             read at the element u^-1 g
#     line 5   (L_u (f ⋆ psi))(g)             the correlation of f moved by u (library, vectorised)
#
# Lines 3 and 4 are equal because (f ⋆ psi)(u^-1 g) = sum_h f((u^-1 g) h) psi(h) and the
# matrix product is associative. Each line is an array over every output element g of a
# 5 x 5 torus and every u tried, stacked along a first axis. For the first chain (p4,
# integer data) the table of all five lines is printed: each line's largest |value| and
# its residual to the next line. The other chains print one line each (set
# GROUPCONV_VERBOSE=1 to see every table).

# %%
n, k = 5, 3
for kind in ("exact", "float"):
    for group in ("p4", "p4m"):
        nH = groups.order(group)
        f, psi = images.random_signal((2, nH, n, n), RNG, kind), images.random_signal((1, 2, nH, k, k), RNG, kind)
        g = frame_elements(group, n).reshape(-1, 3, 3)  # every output element
        h = frame_elements(group, k).reshape(-1, 3, 3)  # the support of psi
        all_h = frame_elements(group, n)  # every element of the torus group, in storage order
        psi_h = value_on_group(psi, h, group)  # (1, K, N_h)
        f_star_psi = np.einsum("kgh,okh->og", value_on_group(f, g[:, None] @ h[None], group, n), psi_h)
        out_f = correlate.group_correlation(f[None], psi, group, "circular")[0]
        lines = [[] for _ in range(5)]
        for u in ELEMENTS[group]:
            u_inv = groups.inverse(u)
            moved = action.transform_group_function(f, u, group, "wrap")
            lines[0].append(correlate.group_correlation(moved[None], psi, group, "circular")[0])
            L_u_f = value_on_group(f, u_inv @ all_h, group, n)  # [L_u f](h) = f(u^-1 h), as an array
            line2 = np.einsum("kgh,okh->og", value_on_group(L_u_f, g[:, None] @ h[None], group, n), psi_h)
            lines[1].append(line2.reshape(1, nH, n, n))
            u_inv_g_h = u_inv @ g[:, None] @ h[None]  # the matrices u^-1 g h
            line3 = np.einsum("kgh,okh->og", value_on_group(f, u_inv_g_h, group, n), psi_h)
            lines[2].append(line3.reshape(1, nH, n, n))
            line4 = value_on_group(f_star_psi.reshape(1, nH, n, n), u_inv @ g, group, n)  # (f ⋆ psi)(u^-1 g)
            lines[3].append(line4.reshape(1, nH, n, n))
            lines[4].append(action.transform_group_function(out_f, u, group, "wrap"))
        labels = ["((L_u f) ⋆ psi)(g)", "sum_h [L_u f](g h) psi(h)", "sum_h f(u^-1 g h) psi(h)",
                  "(f ⋆ psi)(u^-1 g)", "(L_u (f ⋆ psi))(g)"]
        checks.set_verbose(True if (kind, group) == ("exact", "p4") else None)  # one table, then one line each
        checks.chain("L4", f"{group}, the blog's proof, {'integers' if kind == 'exact' else 'floats'}",
                     [(label, np.stack(lines[i])) for i, label in enumerate(labels)], kind,
                     elements=tried(group, n), why=INT_WHY if kind == "exact" else FLOAT_WHY)
        checks.set_verbose(None)


# %% [markdown]
# ## L5, the paper's proof, line by line
#
#     line 1   ((L_u f) ⋆ psi)(g)                the moved input, correlated (library)
#     line 2   sum_h f(u^-1 h) psi(g^-1 h)       the paper's form L3 for L_u f = f o u^-1
#     line 3   sum_h f(h) psi(g^-1 u h)          substitute h -> u h (a bijection of G)
#     line 4   sum_h f(h) psi((u^-1 g)^-1 h)     G2: (u^-1 g)^-1 = g^-1 u; here the matrix
#                                                (u^-1 g)^-1 is formed by inverting u^-1 g
#     line 5   (f ⋆ psi)(u^-1 g)                 the correlation of f (paper form, literal), read at u^-1 g
#     line 6   (L_u (f ⋆ psi))(g)                the output moved by u (library)
#
# The sums over h run over the whole torus group, |H| * 25 elements; psi is read at
# g^-1 h with its pixel brought back onto the torus, and is zero off its 3 x 3 support.
# The crucial step is line 2 -> line 3: it only holds because h -> u h runs through
# every element of the group exactly once. The step line 3 -> line 4 rests on G2, and
# that identity is checked on its own first, as integer matrices: the inverse of the
# product u^-1 g against the product g^-1 u of the inverses. Again the first chain
# prints its table.

# %%
n, k = 5, 3
for kind in ("exact", "float"):
    for group in ("p4", "p4m"):
        nH = groups.order(group)
        f, psi = images.random_signal((2, nH, n, n), RNG, kind), images.random_signal((1, 2, nH, k, k), RNG, kind)
        g = frame_elements(group, n).reshape(-1, 3, 3)
        h = frame_elements(group, n).reshape(-1, 3, 3)  # every element of the torus group
        g_inv = groups.inverse(g)
        f_h = value_on_group(f, h, group, n)  # (K, N_h)
        f_star_psi = np.einsum("kh,okgh->og", f_h, value_on_group(psi, g_inv[:, None] @ h[None], group, n))
        out_f = correlate.group_correlation(f[None], psi, group, "circular")[0]
        lines = [[] for _ in range(6)]
        g2_lhs, g2_rhs = [], []
        for u in ELEMENTS[group]:
            u_inv = groups.inverse(u)
            moved = action.transform_group_function(f, u, group, "wrap")
            lines[0].append(correlate.group_correlation(moved[None], psi, group, "circular")[0])
            f_u_inv_h = value_on_group(f, u_inv @ h, group, n)  # f(u^-1 h)
            psi_g_inv_h = value_on_group(psi, g_inv[:, None] @ h[None], group, n)  # psi(g^-1 h)
            lines[1].append(np.einsum("kh,okgh->og", f_u_inv_h, psi_g_inv_h).reshape(1, nH, n, n))
            psi_g_inv_u_h = value_on_group(psi, g_inv[:, None] @ u @ h[None], group, n)  # psi(g^-1 u h)
            lines[2].append(np.einsum("kh,okgh->og", f_h, psi_g_inv_u_h).reshape(1, nH, n, n))
            u_inv_g_inv = groups.inverse(u_inv @ g)  # (u^-1 g)^-1, by inverting the product
            psi_at = value_on_group(psi, u_inv_g_inv[:, None] @ h[None], group, n)
            lines[3].append(np.einsum("kh,okgh->og", f_h, psi_at).reshape(1, nH, n, n))
            lines[4].append(value_on_group(f_star_psi.reshape(1, nH, n, n), u_inv @ g, group, n).reshape(1, nH, n, n))
            lines[5].append(action.transform_group_function(out_f, u, group, "wrap"))
            g2_lhs.append(u_inv_g_inv)
            g2_rhs.append(g_inv @ u)
        if kind == "exact":
            checks.check("L5", f"{group}: the step 3 -> 4 uses G2, (u^-1 g)^-1 == g^-1 u as matrices",
                         np.stack(g2_lhs), np.stack(g2_rhs), "exact", tried(group, n), "integer matrices")
        labels = ["((L_u f) ⋆ psi)(g)", "sum_h f(u^-1 h) psi(g^-1 h)", "sum_h f(h) psi(g^-1 u h)",
                  "sum_h f(h) psi((u^-1 g)^-1 h)", "(f ⋆ psi)(u^-1 g)", "(L_u (f ⋆ psi))(g)"]
        checks.set_verbose(True if (kind, group) == ("exact", "p4") else None)  # one table, then one line each
        checks.chain("L5", f"{group}, the paper's proof, {'integers' if kind == 'exact' else 'floats'}",
                     [(label, np.stack(lines[i])) for i, label in enumerate(labels)], kind,
                     elements=tried(group, n), why=INT_WHY if kind == "exact" else FLOAT_WHY)
        checks.set_verbose(None)


# %% [markdown]
# ## What if the substitution were not a bijection?
#
# On an ordinary frame with a zero border, shifting the input pushes content out of
# the frame, and h -> u h no longer maps the set summed over onto itself. Turns about
# the centre still do (a square frame turns onto itself), shifts do not: the second
# check below shows equivariance failing for an element with a shift in "valid" mode -
# a counterexample, so its residual must be clearly non-zero. This is C5 of tutorial 05
# once more, now for the group correlation.

# %%
n, k = 7, 3
f, psi = images.integer_image((1, 2, 4, n, n), RNG), images.integer_image((1, 2, 4, k, k), RNG)
out = correlate.group_correlation(f, psi, "p4", "valid")
for u, kind, tried_u, why in (
        (groups.rotation(3), "exact", "a turn", "a turn maps the square frame onto itself; " + INT_WHY),
        (groups.p4_element(1, 2, 0), "nonzero", "a turn with a shift",
         "the shift pushes content out of the frame: the sum no longer runs over a whole group")):
    lhs = correlate.group_correlation(action.transform_group_function(f, u, "p4"), psi, "p4", "valid")
    rhs = action.transform_group_function(out, u, "p4")
    checks.check("L4", f"p4 valid (zero border): (L_u f) ⋆ psi vs L_u (f ⋆ psi), u = {groups.name(u)}",
                 lhs, rhs, kind, tried_u, why)


# %% [markdown]
# ## Summary
#
# * L3: the group correlation reads the input at g h for every h of the filter's
#   support (or, equivalently, the filter at g^-1 h for every h of the input). Both
#   literal forms equal the fast version.
# * L4 and L5: each line of both proofs, computed on its own, equals the next - exactly
#   for integer data, to round-off for float data - for every turn, every mirror and
#   shifted elements. The only real step is a substitution that runs through the whole
#   group; the rest is the associativity of matrix products and G2.
# * Tutorial 10 does the same for the true convolution, tutorial 11 explains the fast
#   version, tutorial 12 stacks layers.
#
# ## The tally
#
# Every check above printed its own line. The last cell counts them: run as a script it
# exits with status 1 if any failed; in a notebook it raises instead.

# %%
checks.finish()
