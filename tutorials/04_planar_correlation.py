"""Tutorial 04 - Planar correlation, and why it commutes with translations (two proofs, line by line).

Claim: the layer a CNN calls "convolution" is the correlation
(f * psi)(x) = sum_y sum_k f_k(y) psi_k(y - x) (C1). Substituting y -> x + y rewrites it
as sum_y f(x + y) psi(y): one image against shifted filters equals shifted images against
one filter (C2). Translating the input translates the output, (L_t f) * psi = L_t (f * psi):
the substitution proof (C3) and the paper's proof (C4), each line computed as its own
array and compared with the next.

Checks: C1, C2, C3, C4. Run: python tutorials/04_planar_correlation.py
"""
IDS = ("C1", "C2", "C3", "C4")

# %%
import sys
from pathlib import Path

import numpy as np
import scipy.signal

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tutorials"))

from groupconv import action, checks, correlate, groups, images  # noqa: E402
from groupconv.lookup import frame, value_at  # noqa: E402

RNG = np.random.default_rng(checks.SEED)


def show(title, a):
    print(f"    {title}")
    for row in np.asarray(a).astype(int):
        print("      " + " ".join(f"{x:4d}" for x in row))


# %% [markdown]
# ## 1. Functions on Z^2, and the correlation sum (C1)
#
# The theory treats an image as a function on *all* of Z^2, zero outside the picture,
# and a filter psi the same way (zero outside its k x k support). The helper `on_Z2`
# below turns an odd-sized array into such a function: it takes integer points (u, v),
# measured from the array centre as everywhere in groupconv, and returns the value
# there, or 0 off the array (the reading itself is `value_at` of groupconv/lookup.py,
# the one lookup all tutorials share). With it each formula can be typed the way it is
# written.
#
# The layer of a CNN computes, at every output position x,
#
#     (f * psi)(x) = sum over y in Z^2, sum over channels k of  f_k(y) psi_k(y - x),
#
# "lay the filter down with its centre at x, multiply, add up". Deep learning calls this
# a convolution; mathematically it is a *correlation* (a true convolution reads the
# filter backwards, psi(x - y); tutorial 10). The paper writes the correlation with a
# star, f ⋆ psi; in this plain-text source we type it as f * psi, and in these tutorials
# * always means the correlation (the true convolution is written "conv" in tutorial 10).
#
# A sum over Z^2 is infinite, but only finitely many terms are non-zero: we sum over a
# window of Z^2 large enough to hold every non-zero term, and say which window.
#
# Tiny example by hand: at x = 0 the sum is sum_y f(y) psi(y), the entrywise product of
# two 3x3 arrays, added up.

# %%
def on_Z2(a):
    """The odd-sized array a (..., n, n) as a function on Z^2: integer points (..., 2) -> values, 0 off the array.

    A thin wrapper of value_at (groupconv/lookup.py), so that a formula can be typed as written:
    F, Psi = on_Z2(f), on_Z2(psi);  F(y - t) * Psi(y - x).
    """
    return lambda points: value_at(a, points)


def window(radius):
    """All integer points (u, v) with |u|, |v| <= radius, shape (N, 2), in row-major order."""
    return frame(2 * radius + 1).reshape(-1, 2)


def as_image(values, radius):
    """Values on window(radius) (..., N) back to an image (..., n, n)."""
    n = 2 * radius + 1
    return values.reshape(values.shape[:-1] + (n, n))


def correlation_sum(f, psi, x, y):
    """(f * psi)(x) = sum_y sum_k f_k(y) psi_k(y - x), literally: f, psi (K, n, n); x (X, 2); y (Y, 2) -> (X,)."""
    F, Psi = on_Z2(f), on_Z2(psi)
    terms = F(y[None, :, :]) * Psi(y[None, :, :] - x[:, None, :])  # (K, X, Y): f_k(y) psi_k(y - x)
    return terms.sum(axis=(0, 2))


def correlation():
    print("\n== C1: (f * psi)(x) = sum_y sum_k f_k(y) psi_k(y - x) ==")
    f = np.array([[1, 2, 0], [0, 1, 3], [2, 0, 1]])
    psi = np.array([[0, 1, 0], [1, -1, 2], [0, 0, 1]])
    show("f:", f)
    show("psi:", psi)
    by_hand = (f * psi).sum()
    print(f"    (f * psi)(0) = sum of psi times f, entry by entry = 0*1 + 1*2 + 0*0 + 1*0 - 1*1 + 2*3 + 0*2 + 0*0 + 1*1 = {by_hand}")
    out = correlate.planar_correlation(f[None, None], psi[None, None], "full")[0, 0]  # integer in, integer out
    show("the whole output, mode 'full' (every x where the sum can be non-zero):", out)
    checks.check("C1", "3x3 example: centre of correlate.planar_correlation vs the entrywise product by hand",
                 out[2, 2], by_hand, "exact", elements="x = 0", why="integer arrays: exact integer arithmetic")
    x = window(2)
    literal = as_image(correlation_sum(f[None], psi[None], x, window(4)), 2)
    checks.check("C1", "3x3 example: the literal double sum (y over a 9x9 window) vs the vectorised layer", literal, out,
                 "exact", elements="x in a 5x5 window", why="integer arrays: exact integer arithmetic")

    # General: 3 channels, 9x9 images, 3x3 filters; the literal sum vs the vectorised layer vs scipy.
    K = 3
    for label, f, psi, kind, why in [
        ("integer data", images.integer_image((K, 9, 9), RNG).astype(np.int64), images.integer_image((K, 3, 3), RNG).astype(np.int64), "exact",
         "integer arrays: every partial sum is an exact integer"),
        ("float data", RNG.normal(size=(K, 9, 9)), RNG.normal(size=(K, 3, 3)), "float",
         "the same products added in a different order round differently"),
    ]:
        x = window(5)  # 'full' output of a 9x9 image and a 3x3 filter: x in [-5, 5]^2
        literal = as_image(correlation_sum(f, psi, x, window(7)), 5)
        fast = correlate.planar_correlation(f[None], psi[None], "full")[0, 0]
        checks.check("C1", f"{label}: literal sum over y and k vs correlate.planar_correlation ('full')", literal, fast,
                     kind, elements="3 channels, 9x9 image, 3x3 filter, x in [-5,5]^2", why=why)
        ref = {mode: sum(scipy.signal.correlate2d(f[k], psi[k], mode=mode) for k in range(K)) for mode in ("full", "valid")}
        ref["same"] = sum(scipy.signal.correlate2d(f[k], psi[k], mode="same") for k in range(K))
        ref["circular"] = sum(scipy.signal.correlate2d(f[k], psi[k], mode="same", boundary="wrap") for k in range(K))
        for mode in ("full", "valid", "same", "circular"):
            checks.check("C1", f"{label}: correlate.planar_correlation vs scipy.signal.correlate2d, mode {mode!r}",
                         correlate.planar_correlation(f[None], psi[None], mode)[0, 0], ref[mode], kind,
                         elements="3 channels summed", why=why)
    crop = images.photograph()[52:77, 52:77]  # a 25x25 patch of the photograph (the face)
    edge = np.array([[[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]])
    checks.check("C1", "photograph patch: correlate.planar_correlation_literal vs the vectorised layer",
                 correlate.planar_correlation_literal(crop[None, None], edge[None], "same"),
                 correlate.planar_correlation(crop[None, None], edge[None], "same"), "float",
                 elements="25x25 patch, 3x3 edge filter, mode 'same'", why="float pixel values, different summation order")


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


def substitution():
    print("\n== C2: sum_y f(y) psi(y - x) = sum_y f(x + y) psi(y) ==")
    x, y = window(6), window(8)
    for label, f, psi, kind, why in [
        ("integer data", images.integer_image((2, 9, 9), RNG).astype(np.int64), images.integer_image((2, 5, 5), RNG).astype(np.int64), "exact", "integers"),
        ("float data", RNG.normal(size=(2, 9, 9)), RNG.normal(size=(2, 5, 5)), "float",
         "the same products in a different order of summation"),
    ]:
        checks.check("C2", f"{label}: sum_y f(y) psi(y-x) vs sum_y f(x+y) psi(y), two separate sums",
                     correlation_sum(f, psi, x, y), substitution_sum(f, psi, x, y), kind,
                     elements="2 channels, 9x9 image, 5x5 filter, x in [-6,6]^2, y over [-8,8]^2", why=why)
    crop = images.photograph()[40:61, 40:61]
    psi = RNG.normal(size=(1, 1, 5, 5))
    for mode in ("same", "full", "circular"):
        checks.check("C2", f"photograph patch: planar_correlation_literal form 'paper' vs 'substituted', mode {mode!r}",
                     correlate.planar_correlation_literal(crop[None, None], psi, mode, form="paper"),
                     correlate.planar_correlation_literal(crop[None, None], psi, mode, form="substituted"), "float",
                     elements="21x21 patch, random 5x5 filter", why="float data, terms added in different orders")


# %% [markdown]
# ## 3. Translation equivariance, the substitution proof (C3)
#
# We want: translating the image by t and then correlating gives the same as correlating
# and then translating the output by t,
#
#     ((L_t f) * psi)(x) = (L_t (f * psi))(x)      for every translation t and pixel x.
#
# With the substituted form of C2 and (L_t f)(z) = f(t^-1 z) = f(z - t) (tutorial 03):
#
#     line 1   ((L_t f) * psi)(x)
#     line 2     = sum_y f(t^-1 (x + y)) psi(y)
#     line 3     = sum_y f(x + y - t) psi(y)
# and from the other side
#     line 6   (L_t (f * psi))(x)
#     line 5     = (f * psi)(x - t)
#     line 4     = sum_y f((x - t) + y) psi(y)
#
# lines 3 and 4 are the same expression. Lines 1, 5 and 6 use groupconv's layer and
# action; lines 2-4 are sums typed in as written (line 2 applies the 3x3 matrix of t^-1
# to the homogeneous column of x + y). The chain is printed in the order 1-2-3-4-5-6,
# with the residual between neighbours. The image is finite (zero outside a 7x7 frame);
# we put it on a 17x17 canvas so that no translation tried (at most 3 pixels) pushes it,
# or its output, off the canvas: lines 1, 5 and 6 then lose nothing at the border.

# %%
def chain_setup(f_small, pad):
    """Embed f (K, n, n) in the middle of a canvas (n + 2 pad) wide, zero around it.

    With a k x k filter, f * psi is non-zero at most (k - 1)/2 pixels beyond f, so a translation
    by at most pad - (k - 1)/2 pixels in each direction pushes neither f nor f * psi off the canvas.
    """
    return np.pad(f_small, ((0, 0), (pad, pad), (pad, pad)))


def blog_proof(f, psi, ts, kind, why, label):
    R = f.shape[-1] // 2  # output window = the canvas
    x = window(R)
    y = window(R + psi.shape[-1])  # every y where a term can be non-zero
    F, Psi = on_Z2(f), on_Z2(psi)
    lines = {k: [] for k in range(1, 7)}
    for a, b in ts:
        t = groups.translation(a, b)
        t_inv = groups.inverse(t)
        shift = np.array([a, b])
        moved = action.transform_image(f, t)  # L_t f, nothing lost on the canvas
        lines[1].append(correlate.planar_correlation(moved[None], psi[None], "same")[0, 0].reshape(-1))
        xy = x[:, None, :] + y[None, :, :]
        lines[2].append((F(groups.act(t_inv, xy)) * Psi(y[None])).sum(axis=(0, 2)))
        lines[3].append((F(x[:, None, :] + y[None, :, :] - shift) * Psi(y[None])).sum(axis=(0, 2)))
        lines[4].append((F((x - shift)[:, None, :] + y[None, :, :]) * Psi(y[None])).sum(axis=(0, 2)))
        out = correlate.planar_correlation(f[None], psi[None], "same")[0, 0]
        lines[5].append(on_Z2(out)(x - shift))
        lines[6].append(action.transform_image(out, t).reshape(-1))
    labels = {1: "((L_t f) * psi)(x)             [layer]", 2: "sum_y f(t^-1 (x + y)) psi(y)",
              3: "sum_y f(x + y - t) psi(y)", 4: "sum_y f((x - t) + y) psi(y)",
              5: "(f * psi)(x - t)               [lookup]", 6: "(L_t (f * psi))(x)             [action]"}
    checks.chain("C3", f"blog proof, {label}", [(labels[k], np.stack(lines[k])) for k in range(1, 7)], kind,
                 elements=", ".join(f"t({a},{b})" for a, b in ts), why=why)


# %% [markdown]
# ## 4. Translation equivariance, the paper's proof (C4)
#
# The paper starts from the unsubstituted sum and substitutes inside the proof:
#
#     line 1   ((L_t f) * psi)(x)
#     line 2     = sum_y f(y - t) psi(y - x)            definition of L_t and of *
#     line 3     = sum_y f(y) psi(y + t - x)            substitute y -> y + t
#     line 4     = sum_y f(y) psi(y - (x - t))          regroup
#     line 5     = (f * psi)(x - t) = (L_t (f * psi))(x)
#
# The step 2 -> 3 is the whole content, and it is the same as in C3: y -> y + t is a
# bijection of Z^2 and the sum runs over all of Z^2, so every term of line 2 appears
# exactly once in line 3. Tutorial 05 shows what happens when the sum runs over a
# finite frame instead. Below, the sum over y runs over a window that contains every
# non-zero term of every line (it is wider by max |t| than for C3, because f(y - t) is
# non-zero further out).

# %%
def paper_proof(f, psi, ts, kind, why, label):
    R = f.shape[-1] // 2
    x = window(R)
    y = window(R + psi.shape[-1] + max(max(abs(a), abs(b)) for a, b in ts))
    F, Psi = on_Z2(f), on_Z2(psi)
    lines = {k: [] for k in range(1, 6)}
    for a, b in ts:
        t = groups.translation(a, b)
        shift = np.array([a, b])
        moved = action.transform_image(f, t)
        lines[1].append(correlate.planar_correlation(moved[None], psi[None], "same")[0, 0].reshape(-1))
        Y, X = y[None, :, :], x[:, None, :]
        lines[2].append((F(Y - shift) * Psi(Y - X)).sum(axis=(0, 2)))
        lines[3].append((F(Y) * Psi(Y + shift - X)).sum(axis=(0, 2)))
        lines[4].append((F(Y) * Psi(Y - (X - shift))).sum(axis=(0, 2)))
        out = correlate.planar_correlation(f[None], psi[None], "same")[0, 0]
        lines[5].append(action.transform_image(out, t).reshape(-1))
    labels = {1: "((L_t f) * psi)(x)       [layer]", 2: "sum_y f(y - t) psi(y - x)", 3: "sum_y f(y) psi(y + t - x)",
              4: "sum_y f(y) psi(y - (x - t))", 5: "(L_t (f * psi))(x)       [action]"}
    checks.chain("C4", f"paper proof, {label}", [(labels[k], np.stack(lines[k])) for k in range(1, 6)], kind,
                 elements=", ".join(f"t({a},{b})" for a, b in ts), why=why)


def equivariance_proofs():
    print("\n== C3: the substitution proof, line by line ==")
    ts = [(0, 0), (1, 0), (0, -2), (2, 3), (-3, 1)]
    pad, k = 5, 3
    assert max(max(abs(a), abs(b)) for a, b in ts) <= pad - (k - 1) // 2, "a shift would push f * psi off the canvas"
    f_int = chain_setup(images.integer_image((2, 7, 7), RNG).astype(np.int64), pad)  # 2 channels on a 17x17 canvas
    psi_int = images.integer_image((2, k, k), RNG).astype(np.int64)
    f_float = chain_setup(RNG.normal(size=(2, 7, 7)), pad)
    psi_float = RNG.normal(size=(2, k, k))
    exact_why = "integer data: every partial sum is an exact integer"
    float_why = "float data: lines summed in different orders may round differently"
    blog_proof(f_int, psi_int, ts, "exact", exact_why, "integer data")
    blog_proof(f_float, psi_float, ts, "float", float_why, "float data")
    print("\n== C4: the paper's proof, line by line ==")
    paper_proof(f_int, psi_int, ts, "exact", exact_why, "integer data")
    paper_proof(f_float, psi_float, ts, "float", float_why, "float data")

    # The conclusion on a photograph: the whole picture is a finite-support signal; the 'grow' frame keeps all of
    # it when it moves, and the 'full' output holds every x where the sum is non-zero, so nothing is ever cropped.
    photo = images.photograph()[None, None]
    psi = RNG.normal(size=(1, 1, 5, 5))
    out = correlate.planar_correlation(photo, psi, "full")
    ts = [(7, 0), (0, -12), (25, 31), (-40, 3)]
    lhs = [correlate.planar_correlation(action.transform_image(photo, groups.translation(a, b), "grow"), psi, "full")
           for a, b in ts]
    rhs = [action.transform_image(out, groups.translation(a, b), "grow") for a, b in ts]
    for (a, b), l, r in zip(ts, lhs, rhs):
        checks.check("C3", f"photograph, conclusion of the proofs: (L_t f) * psi = L_t (f * psi) for t({a},{b})", l, r,
                     "float", elements=f"t({a},{b}); 129x129 photograph, random 5x5 filter, 'full' output, nothing cropped",
                     why="float data: the same products; the engine may group the additions differently "
                         "for frames of different sizes, so round-off is allowed (mostly it is exactly 0)")


# %%
def main():
    correlation()
    substitution()
    equivariance_proofs()
    checks.finish()


if __name__ == "__main__":
    main()
