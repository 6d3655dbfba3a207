"""Tutorial 04 - Planar correlation, and why it commutes with translations (two proofs, line by line).

Claim: the layer a CNN calls "convolution" is the correlation
(f ⋆ psi)(x) = sum_y sum_k f_k(y) psi_k(y - x) (C1). Substituting y -> x + y rewrites it
as sum_y f(x + y) psi(y): one image against shifted filters equals shifted images against
one filter (C2). Translating the input translates the output, (L_t f) ⋆ psi = L_t (f ⋆ psi):
the substitution proof (C3) and the paper's proof (C4), each line computed as its own
array and compared with the next.

Checks: C1, C2, C3, C4. Run: python tutorials/04_planar_correlation.py, or open it as a notebook.
"""
IDS = ("C1", "C2", "C3", "C4")

# %%
import numpy as np
import scipy.signal

from groupconv import action, checks, correlate, groups, images
from groupconv.lookup import frame, value_at

RNG = np.random.default_rng(checks.SEED)  # seeded: every run draws the same "random" data


def show(title, a):
    """Print a small integer array under a title, one row per line."""
    print(title)
    for row in np.asarray(a).astype(int):
        print("  " + " ".join(f"{x:4d}" for x in row))


def on_Z2(a):
    """The odd-sized array a (..., n, n) as a function on Z^2: integer points (..., 2) -> values, 0 off the array.

    A thin wrapper of value_at (groupconv/lookup.py), so that a formula can be typed as written:
    F, Psi = on_Z2(f), on_Z2(psi);  F(y - t) * Psi(y - x)   (here * is Python's multiplication).
    """
    return lambda points: value_at(a, points)


def window(radius):
    """All integer points (u, v) with |u|, |v| <= radius, shape (N, 2), in row-major order."""
    return frame(2 * radius + 1).reshape(-1, 2)


def as_image(values, radius):
    """Values on window(radius) (..., N) back to an image (..., n, n)."""
    n = 2 * radius + 1
    return values.reshape(values.shape[:-1] + (n, n))


# %% [markdown]
# ## 1. Functions on Z^2, and the correlation sum (C1)
#
# The theory treats an image as a function on *all* of Z^2, zero outside the picture,
# and a filter psi the same way (zero outside its k x k support). The helper `on_Z2`
# (first cell) turns an odd-sized array into such a function: it takes integer points
# (u, v), measured from the array centre as everywhere in groupconv, and returns the value
# there, or 0 off the array (the reading itself is `value_at` of groupconv/lookup.py, the
# one lookup all tutorials share). With it each formula can be typed the way it is
# written. `window(r)` lists the points of Z^2 with |u|, |v| <= r.
#
# The layer of a CNN computes, at every output position x,
#
#     (f ⋆ psi)(x) = sum over y in Z^2, sum over channels k of  f_k(y) psi_k(y - x),
#
# "lay the filter down with its centre at x, multiply, add up". Deep learning calls this
# a convolution; mathematically it is a *correlation*, and the paper writes it with a
# star, f ⋆ psi, as these tutorials do. (The true convolution, written f ∗ psi, reads the
# filter backwards, psi(x - y): tutorial 10. Inside Python code a plain * is always the
# elementwise product.)
#
# A sum over Z^2 is infinite, but only finitely many terms are non-zero: we sum over a
# window of Z^2 large enough to hold every non-zero term, and say which window.
#
# Tiny example by hand: at x = 0 the sum is sum_y f(y) psi(y), the entrywise product of
# two 3x3 arrays, added up. Mode 'full' computes the output at every x where the sum can
# be non-zero: for a 3x3 image and a 3x3 filter, x in [-2, 2]^2.

# %%
def correlation_sum(f, psi, x, y):
    """(f ⋆ psi)(x) = sum_y sum_k f_k(y) psi_k(y - x), literally: f, psi (K, n, n); x (X, 2); y (Y, 2) -> (X,)."""
    F, Psi = on_Z2(f), on_Z2(psi)
    terms = F(y[None, :, :]) * Psi(y[None, :, :] - x[:, None, :])  # (K, X, Y): f_k(y) psi_k(y - x)
    return terms.sum(axis=(0, 2))


f = np.array([[1, 2, 0], [0, 1, 3], [2, 0, 1]])
psi = np.array([[0, 1, 0], [1, -1, 2], [0, 0, 1]])
show("f:", f)
show("psi:", psi)
by_hand = (f * psi).sum()  # entrywise product, added up
terms = " + ".join(f"{a}·{b}" if b >= 0 else f"{a}·({b})" for a, b in zip(f.ravel(), psi.ravel()))
print(f"(f ⋆ psi)(0) = sum_y f(y) psi(y) = {terms} = {by_hand}")
out = correlate.planar_correlation(f[None, None], psi[None, None], "full")[0, 0]  # integer in, integer out
show("the layer's whole output, mode 'full', x in [-2, 2]^2:", out)
checks.check("C1", "3x3: centre of planar_correlation vs the sum by hand", out[2, 2], by_hand, "exact",
             elements="x = 0", why="integer arrays: exact integer arithmetic")
literal = as_image(correlation_sum(f[None], psi[None], window(2), window(4)), 2)
checks.check("C1", "3x3: literal double sum (y over [-4,4]^2) vs the layer", literal, out, "exact",
             elements="x in [-2,2]^2", why="integer arrays: exact integer arithmetic")

# %% [markdown]
# Now 3 channels, 9x9 images and 3x3 filters: the literal sum over y and k against
# groupconv's vectorised layer, and the layer against SciPy's `correlate2d` (one channel
# at a time, summed) in all four modes: 'valid' (only where the filter fits inside the
# image), 'same' (output as large as the input, zero padding), 'full', and 'circular'
# (the image wraps around). With integer data every partial sum is an exact integer, so
# the two sides agree exactly; with float data they add the same products in another
# order, and agree up to round-off.

# %%
K = 3
for label, f, psi, kind, why in [
    ("integer data", images.integer_image((K, 9, 9), RNG).astype(np.int64),
     images.integer_image((K, 3, 3), RNG).astype(np.int64), "exact",
     "integer arrays: every partial sum is an exact integer"),
    ("float data", RNG.normal(size=(K, 9, 9)), RNG.normal(size=(K, 3, 3)), "float",
     "the same products added in a different order round differently"),
]:
    x = window(5)  # the 'full' output of a 9x9 image and a 3x3 filter: x in [-5, 5]^2
    literal = as_image(correlation_sum(f, psi, x, window(7)), 5)
    fast = correlate.planar_correlation(f[None], psi[None], "full")[0, 0]
    checks.check("C1", f"{label}: literal sum over y and k vs the layer, 'full'", literal, fast, kind,
                 elements="3 channels, 9x9 image, 3x3 filter", why=why)
    reference = {mode: sum(scipy.signal.correlate2d(f[k], psi[k], mode=mode) for k in range(K))
                 for mode in ("full", "valid", "same")}
    reference["circular"] = sum(scipy.signal.correlate2d(f[k], psi[k], mode="same", boundary="wrap")
                                for k in range(K))
    for mode in ("full", "valid", "same", "circular"):
        checks.check("C1", f"{label}: the layer vs scipy.signal.correlate2d, {mode!r}",
                     correlate.planar_correlation(f[None], psi[None], mode)[0, 0], reference[mode], kind,
                     elements="3 channels summed", why=why)

# %% [markdown]
# And a real picture: a 25x25 patch of the photograph (the face) against a 3x3 edge
# filter, the library's own literal loop against its vectorised layer.

# %%
crop = images.photograph()[52:77, 52:77]
edge = np.array([[[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]])
checks.check("C1", "photograph patch: planar_correlation_literal vs the layer",
             correlate.planar_correlation_literal(crop[None, None], edge[None], "same"),
             correlate.planar_correlation(crop[None, None], edge[None], "same"), "float",
             elements="25x25 patch, 3x3 edge filter, 'same'", why="float pixel values, different summation order")

# %% [markdown]
# ## 2. The substitution y -> x + y (C2)
#
# Rename the summation variable: write y = x + y'. As y runs over all of Z^2 so does y'
# (the map is a bijection of Z^2), so no term is lost or counted twice:
#
#     sum_y f(y) psi(y - x)  =  sum_y f(x + y) psi(y).
#
# Left: one image, and the filter moved to x - "one image, many shifted filters".
# Right: one filter at the origin, and the image moved by -x - "one filter, many shifted
# images". The two sums below are computed separately, each exactly as written.

# %%
def substitution_sum(f, psi, x, y):
    """sum_y sum_k f_k(x + y) psi_k(y), literally: (X,)."""
    F, Psi = on_Z2(f), on_Z2(psi)
    terms = F(x[:, None, :] + y[None, :, :]) * Psi(y[None, :, :])
    return terms.sum(axis=(0, 2))


x, y = window(6), window(8)
for label, f, psi, kind, why in [
    ("integer data", images.integer_image((2, 9, 9), RNG).astype(np.int64),
     images.integer_image((2, 5, 5), RNG).astype(np.int64), "exact", "integers"),
    ("float data", RNG.normal(size=(2, 9, 9)), RNG.normal(size=(2, 5, 5)), "float",
     "the same products in a different order of summation"),
]:
    checks.check("C2", f"{label}: sum_y f(y) psi(y-x) vs sum_y f(x+y) psi(y)",
                 correlation_sum(f, psi, x, y), substitution_sum(f, psi, x, y), kind,
                 elements="2 channels, 9x9 image, 5x5 filter, x in [-6,6]^2, y in [-8,8]^2", why=why)
crop = images.photograph()[40:61, 40:61]
psi = RNG.normal(size=(1, 1, 5, 5))
for mode in ("same", "full", "circular"):
    checks.check("C2", f"photograph patch, {mode!r}: literal form 'paper' vs 'substituted'",
                 correlate.planar_correlation_literal(crop[None, None], psi, mode, form="paper"),
                 correlate.planar_correlation_literal(crop[None, None], psi, mode, form="substituted"), "float",
                 elements="21x21 patch, random 5x5 filter", why="float data, terms added in different orders")

# %% [markdown]
# ## 3. Translation equivariance, the substitution proof (C3)
#
# We want: translating the image by t and then correlating gives the same as correlating
# and then translating the output by t,
#
#     ((L_t f) ⋆ psi)(x) = (L_t (f ⋆ psi))(x)      for every translation t and pixel x.
#
# With the substituted form of C2 and (L_t f)(z) = f(t^-1 z) = f(z - t) (tutorial 03):
#
#     line 1   ((L_t f) ⋆ psi)(x)
#     line 2     = sum_y f(t^-1 (x + y)) psi(y)
#     line 3     = sum_y f(x + y - t) psi(y)
# and from the other side
#     line 6   (L_t (f ⋆ psi))(x)
#     line 5     = (f ⋆ psi)(x - t)
#     line 4     = sum_y f(x' + y) psi(y)  at x' = x - t
#
# Lines 1, 5 and 6 use groupconv's layer and action; lines 2-4 are sums typed in as
# written. Line 2 applies the 3x3 matrix of t^-1 to the homogeneous column of x + y; line
# 3 subtracts the offset instead.
#
# Lines 3 and 4 meet by regrouping integers, x + y - t = (x - t) + y. Typing line 4 as
# "sum_y f((x - t) + y) psi(y)" would compute exactly the same array as line 3 and test
# nothing. So line 4 is computed the way the proof reads it: the substituted sum of C2
# as a function of its own variable x', tabulated once on a window of x', and then read
# at the point x' = x - t. The step 3 -> 4 thus checks that line 3 is that one function
# evaluated at a shifted point (in the right direction, and with a window large enough);
# the step 4 -> 5 checks the literal sum against the layer at x - t.
#
# The chain is checked in the order 1-2-3-4-5-6, each line against the next. One line is
# printed per chain, with the largest residual of its steps; run with GROUPCONV_VERBOSE=1
# (or call checks.set_verbose()) to see the table of all lines. The image
# is finite (zero outside a 7x7 frame); we put it on a 17x17 canvas so that no
# translation tried (at most 3 pixels) pushes it, or its output, off the canvas: lines 1,
# 5 and 6 then lose nothing at the border.

# %%
def blog_proof(f, psi, ts, kind, why, label):
    """Check the six lines of the substitution proof for every t(a, b) in ts; f, psi (K, n, n) on a canvas."""
    R = f.shape[-1] // 2  # output window = the canvas
    reach = max(max(abs(a), abs(b)) for a, b in ts)
    x = window(R)
    y = window(R + psi.shape[-1])  # every y where a term can be non-zero
    F, Psi = on_Z2(f), on_Z2(psi)
    # line 4's function x' -> sum_y f(x' + y) psi(y), tabulated on every x' = x - t that is needed
    substituted = as_image(substitution_sum(f, psi, window(R + reach), y), R + reach)
    out = correlate.planar_correlation(f[None], psi[None], "same")[0, 0]
    lines = {k: [] for k in range(1, 7)}
    for a, b in ts:
        t = groups.translation(a, b)
        shift = np.array([a, b])
        moved = action.transform_image(f, t)  # L_t f, nothing lost on the canvas
        lines[1].append(correlate.planar_correlation(moved[None], psi[None], "same")[0, 0].reshape(-1))
        xy = x[:, None, :] + y[None, :, :]
        lines[2].append((F(groups.act(groups.inverse(t), xy)) * Psi(y[None])).sum(axis=(0, 2)))
        lines[3].append((F(xy - shift) * Psi(y[None])).sum(axis=(0, 2)))
        lines[4].append(on_Z2(substituted)(x - shift))
        lines[5].append(on_Z2(out)(x - shift))
        lines[6].append(action.transform_image(out, t).reshape(-1))
    labels = {1: "((L_t f) ⋆ psi)(x)               [layer]", 2: "sum_y f(t^-1 (x + y)) psi(y)",
              3: "sum_y f(x + y - t) psi(y)", 4: "sum_y f(x' + y) psi(y) at x' = x - t [table]",
              5: "(f ⋆ psi)(x - t)                 [layer, lookup]", 6: "(L_t (f ⋆ psi))(x)               [action]"}
    checks.chain("C3", f"substitution proof, {label}", [(labels[k], np.stack(lines[k])) for k in range(1, 7)], kind,
                 elements=", ".join(f"t({a},{b})" for a, b in ts), why=why)


ts = [(0, 0), (1, 0), (0, -2), (2, 3), (-3, 1)]
pad, k = 5, 3
# With a k x k filter, f ⋆ psi is non-zero at most (k - 1)/2 pixels beyond f: a shift by at most
# pad - (k - 1)/2 pushes neither f nor f ⋆ psi off the canvas.
assert max(max(abs(a), abs(b)) for a, b in ts) <= pad - (k - 1) // 2, "a shift would push f ⋆ psi off the canvas"
f_int = np.pad(images.integer_image((2, 7, 7), RNG).astype(np.int64), ((0, 0), (pad, pad), (pad, pad)))  # 17x17
psi_int = images.integer_image((2, k, k), RNG).astype(np.int64)
f_float = np.pad(RNG.normal(size=(2, 7, 7)), ((0, 0), (pad, pad), (pad, pad)))
psi_float = RNG.normal(size=(2, k, k))
EXACT_WHY = "integer data: every partial sum is an exact integer"
FLOAT_WHY = "float data: lines summed in different orders may round differently"
blog_proof(f_int, psi_int, ts, "exact", EXACT_WHY, "integer data")
blog_proof(f_float, psi_float, ts, "float", FLOAT_WHY, "float data")

# %% [markdown]
# ## 4. Translation equivariance, the paper's proof (C4)
#
# The paper starts from the unsubstituted sum and substitutes inside the proof:
#
#     line 1   ((L_t f) ⋆ psi)(x)
#     line 2     = sum_y f(y - t) psi(y - x)            definition of L_t and of ⋆
#     line 3     = sum_y f(y) psi(y + t - x)            substitute y -> y + t
#     line 4     = sum_y f(y) psi(y - (x - t))          regroup: the sum of C1 at x - t
#     line 5     = (f ⋆ psi)(x - t) = (L_t (f ⋆ psi))(x)
#
# The step 2 -> 3 is the whole content, and it is the same as in C3: y -> y + t is a
# bijection of Z^2 and the sum runs over all of Z^2, so every term of line 2 appears
# exactly once in line 3. Tutorial 05 shows what happens when the sum runs over a
# finite frame instead. The regrouping 3 -> 4 is again integer arithmetic, so line 4 is
# computed as the proof reads it: the literal sum of C1, x' -> sum_y f(y) psi(y - x'),
# tabulated on a window of x' and read at x' = x - t. Below, the sum over y runs over a
# window that contains every non-zero term of every line (it is wider by max |t| than
# for C3, because f(y - t) is non-zero further out).

# %%
def paper_proof(f, psi, ts, kind, why, label):
    """Check the five lines of the paper's proof for every t(a, b) in ts; f, psi (K, n, n) on a canvas."""
    R = f.shape[-1] // 2
    reach = max(max(abs(a), abs(b)) for a, b in ts)
    x = window(R)
    y = window(R + psi.shape[-1] + reach)
    F, Psi = on_Z2(f), on_Z2(psi)
    unsubstituted = as_image(correlation_sum(f, psi, window(R + reach), y), R + reach)  # line 4's x' -> sum
    out = correlate.planar_correlation(f[None], psi[None], "same")[0, 0]
    lines = {k: [] for k in range(1, 6)}
    for a, b in ts:
        t = groups.translation(a, b)
        shift = np.array([a, b])
        moved = action.transform_image(f, t)
        lines[1].append(correlate.planar_correlation(moved[None], psi[None], "same")[0, 0].reshape(-1))
        Y, X = y[None, :, :], x[:, None, :]
        lines[2].append((F(Y - shift) * Psi(Y - X)).sum(axis=(0, 2)))
        lines[3].append((F(Y) * Psi(Y + shift - X)).sum(axis=(0, 2)))
        lines[4].append(on_Z2(unsubstituted)(x - shift))
        lines[5].append(action.transform_image(out, t).reshape(-1))
    labels = {1: "((L_t f) ⋆ psi)(x)       [layer]", 2: "sum_y f(y - t) psi(y - x)", 3: "sum_y f(y) psi(y + t - x)",
              4: "sum_y f(y) psi(y - x') at x' = x - t [table]", 5: "(L_t (f ⋆ psi))(x)       [layer, action]"}
    checks.chain("C4", f"paper's proof, {label}", [(labels[k], np.stack(lines[k])) for k in range(1, 6)], kind,
                 elements=", ".join(f"t({a},{b})" for a, b in ts), why=why)


paper_proof(f_int, psi_int, ts, "exact", EXACT_WHY, "integer data")
paper_proof(f_float, psi_float, ts, "float", FLOAT_WHY, "float data")

# %% [markdown]
# ## The conclusion, on the photograph
#
# The whole photograph is a finitely supported signal too. Its frame can grow when it
# moves (boundary "grow": nothing is lost), and the 'full' output holds every x where the
# sum is non-zero, so nothing is ever cropped: (L_t f) ⋆ psi = L_t (f ⋆ psi) for large
# shifts as well. The pixel values are floats, so the two sides agree up to round-off
# (the engine may group the additions differently for frames of different sizes).

# %%
photo = images.photograph()[None, None]
psi = RNG.normal(size=(1, 1, 5, 5))
out = correlate.planar_correlation(photo, psi, "full")
for a, b in [(7, 0), (0, -12), (25, 31), (-40, 3)]:
    t = groups.translation(a, b)
    checks.check("C3", "photograph, 'full' output: (L_t f) ⋆ psi vs L_t (f ⋆ psi)",
                 correlate.planar_correlation(action.transform_image(photo, t, "grow"), psi, "full"),
                 action.transform_image(out, t, "grow"), "float",
                 elements=f"t({a},{b}), random 5x5 filter, frame grown",
                 why="float data: the same products; the engine may group the additions differently "
                     "for frames of different sizes, so round-off is allowed (mostly it is exactly 0)")

# %% [markdown]
# ## The tally
#
# Every check above printed its own line. The last cell counts them: run as a script it
# exits with status 1 if any failed (so `tutorials/run_all.py` and CI notice); in a
# notebook it raises instead.

# %%
checks.finish()
