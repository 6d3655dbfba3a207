"""Tutorial 14 - the rest of a G-CNN: nonlinearities, pooling, normalisation, invariance, backprop (docs/equations.md N1, P1, P2, B1, I1).

Claim: a whole network keeps the symmetry of its G-correlations if every other layer
commutes with L_g too, and the last pooling turns equivariance into invariance:

    N1   a pointwise nonlinearity commutes with L_g: nu(L_g f) = L_g nu(f)
    P1   pooling over a neighbourhood (or over the rotations, coset pooling) is equivariant;
         coset pooling leaves a planar map that turns by plain rotation
    P2   strided pooling keeps only the translations by multiples of the stride and the
         rotations about centres the pooling grid is symmetric about
    B1   batch norm with statistics shared over the group axis commutes with L_g;
         statistics per plane do not
    I1   pooling over space and the group at the end: the logits of a p4 network do not
         change when a digit turns by 90 degrees; those of a planar CNN do
    L8   (stacking) the whole body of the network is equivariant
    L6   backprop: the gradient of a G-correlation with respect to its input is itself a
         G-convolution of the output gradient with the same filters (read backwards),
         hence equivariant too

Everything runs on the layers of groupconv/nn.py, whose backward passes are written by
hand; tests/test_nn.py checks them against finite differences. With integer-valued
data and filters every residual below is exactly 0.0; with float weights (batch norm)
residuals are round-off, and each check says which.

Run:  python3 tutorials/14_full_gcnn.py      (a few seconds; experiments/rotated_digits.py trains)
"""
IDS = ("N1", "P1", "P2", "B1", "I1", "L6", "L8")

# %% [markdown]
# ## Where we are
#
# Tutorials 08-10 built the two convolutional layers of a G-CNN: the lifting correlation
# (image -> function on G) and the group correlation (function on G -> function on G), and
# showed that each commutes with L_g. A network also has biases, nonlinearities, pooling,
# normalisation and a classifier at the end. Each of them has to respect the symmetry as
# well, or one layer undoes the work of all the others. groupconv/nn.py has all of them,
# with their backward passes written next to the forward ones.
#
# Arrays (README "Conventions"): a feature map on G is (B, C, |H|, H, W); plane s at pixel
# x holds f(t(x) . s). L_g on such a map moves every plane as an image *and* permutes the
# planes (action.transform_group_function); on an image it is action.transform_image.

# %%
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)  # run from a fresh clone without installing the package
from groupconv import action, checks, correlate, digits, groups, nn  # noqa: E402

from groupconv.figures import display_path, figures_dir  # noqa: E402

FIGURES = str(figures_dir())
INT_WHY = "integer-valued data and weights: every sum is an exact integer (or dyadic) in float64"
SAME_OPS_WHY = "both sides apply the same float operations to the same numbers, only at other places"
FLOAT_WHY = "float weights: the two sides add the same products in a different order"


def move(f, g, group, boundary="zero"):
    """L_g on an image batch (B, C, H, W) or on a feature map on G (B, C, |H|, H, W)."""
    if f.ndim == 4:
        return action.transform_image(f, g, boundary)
    return action.transform_group_function(f, g, group, boundary)


def int_array(rng, shape, low=-3, high=3):
    return rng.integers(low, high + 1, size=shape).astype(np.float64)


def integer_weights(net, rng, low=-1, high=1):
    """Give every parameter of `net` small integer values (so every sum in it is exact)."""
    for layer, name in net.parameters():
        layer.params[name] = int_array(rng, layer.params[name].shape, low, high)
    return net


# %% [markdown]
# ## A tiny example by hand: a quarter turn of a p4 feature map, then ReLU
#
# One channel, 4 planes of 3 x 3. Turning the input by R(1) turns every plane by a
# quarter turn and moves plane s to slot s + 1 (mod 4). ReLU looks at one number at a
# time, so it cannot tell whether the numbers were moved before or after: N1.

# %%
def tiny_example():
    f = np.arange(36.0).reshape(1, 1, 4, 3, 3) - 17.0
    r1 = groups.rotation(1)
    relu = nn.ReLU()
    print("plane 0 of f:\n", f[0, 0, 0].astype(int))
    print("plane 1 of L_R(1) f (= plane 0 of f turned a quarter, counter-clockwise):\n",
          move(f, r1, "p4")[0, 0, 1].astype(int))
    checks.check("N1", "tiny example: ReLU(L_R(1) f) vs L_R(1) ReLU(f), one 4-plane map",
                 relu.forward(move(f, r1, "p4")), move(relu.forward(f), r1, "p4"), "exact",
                 "R(1)", SAME_OPS_WHY)


# %% [markdown]
# ## N1 - pointwise nonlinearities
#
# nu is applied to each value on its own and is the same function for every plane and
# pixel; moving values around (L_g) and applying nu in place therefore commute, for any
# nu and any float data, exactly. The counterexample is a nonlinearity that is *not* the
# same everywhere: a ReLU with a threshold that depends on the plane s. It notices that
# L_g moved a value from plane s to plane u s.

# %%
def check_N1(rng):
    for group in ("p4", "p4m"):
        nH = groups.order(group)
        f = rng.normal(size=(2, 3, nH, 7, 7))
        for name, layer in (("ReLU", nn.ReLU()), ("tanh", nn.Tanh())):
            H_elements = groups.point_group(group)
            checks.check("N1", f"{name}(L_s f) vs L_s {name}(f), float data, {group}",
                         np.stack([layer.forward(move(f, s, group)) for s in H_elements]),
                         np.stack([move(layer.forward(f), s, group) for s in H_elements]), "exact",
                         f"all {nH} s in H, stacked", SAME_OPS_WHY)
    thresholds = np.arange(4.0).reshape(1, 1, 4, 1, 1) * 0.3

    def plane_relu(x):
        return np.maximum(x, thresholds)

    f = rng.normal(size=(1, 2, 4, 7, 7))
    r1 = groups.rotation(1)
    checks.check("N1", "counterexample: a ReLU whose threshold depends on the plane, nu(L_R(1) f) vs L_R(1) nu(f)",
                 plane_relu(move(f, r1, "p4")), move(plane_relu(f), r1, "p4"), "nonzero", "R(1)",
                 "the value moved from plane s to plane s+1 meets another threshold")


# %% [markdown]
# ## P1 - pooling over a neighbourhood, and over the rotations
#
# Max pooling over a 3 x 3 neighbourhood with stride 1 is pooling over the set g U,
# U = {t(x) : x in a 3 x 3 square}. A quarter turn maps the square to itself, so
# L_g commutes with it. Coset pooling takes the max (or mean) over the |H| planes of each
# pixel: a pooling over the set t(x) H. What comes out is an ordinary planar map, and
# here is the point of P1: it turns by a *plain* rotation of the image, with no cycling
# of channels left - the permutation of the planes is invisible to a max over all of them.
# Without pooling, the rotated feature map is not the plainly rotated one.

# %%
def check_P1(rng):
    for group in ("p4", "p4m"):
        nH = groups.order(group)
        f = rng.normal(size=(2, 2, nH, 7, 7))
        fi = int_array(rng, (2, 2, nH, 7, 7))
        H_elements = groups.point_group(group)
        every_s = f"all {nH} s in H, stacked"
        pool, coset, mean = nn.MaxPool(3, 1), nn.CosetPool("max"), nn.CosetPool("mean")
        checks.check("P1", f"3x3 max pool, stride 1 (over g U): pool(L_s f) vs L_s pool(f), {group}",
                     np.stack([pool.forward(move(f, s, group)) for s in H_elements]),
                     np.stack([move(pool.forward(f), s, group) for s in H_elements]), "exact", every_s,
                     "a max does not depend on the order of its arguments")
        checks.check("P1", f"coset max pool over H: pool(L_s f) vs plain rotation of pool(f), {group}",
                     np.stack([coset.forward(move(f, s, group)) for s in H_elements]),
                     np.stack([action.transform_image(coset.forward(f), s) for s in H_elements]), "exact", every_s,
                     "a max does not depend on the order of its arguments")
        checks.check("P1", f"coset mean pool over H: pool(L_s f) vs plain rotation of pool(f), {group}",
                     np.stack([mean.forward(move(fi, s, group)) for s in H_elements]),
                     np.stack([action.transform_image(mean.forward(fi), s) for s in H_elements]), "exact", every_s,
                     INT_WHY)
    f = rng.normal(size=(1, 1, 4, 7, 7))
    r1 = groups.rotation(1)
    plain = action.transform_image(f, r1)  # every plane turned, no permutation of the planes
    checks.check("P1", "without pooling, L_R(1) f is NOT the plain rotation of each plane (planes cycle)",
                 move(f, r1, "p4"), plain, "nonzero", "R(1)", "plane s of L_R(1) f comes from plane s-1")


# %% [markdown]
# ## P2 - which shifts and turns survive strided pooling
#
# A max pool with window p and stride s keeps every s-th window. Shift the input by one
# pixel and the windows cut it elsewhere: no shift of the output reproduces that, unless
# the shift is a multiple of s (then the output shifts by shift / s). A quarter turn
# about the centre maps the grid of windows onto itself only if the grid is symmetric
# about the centre: the windows start at 0, s, 2s, ... and the last one ends at
# (n - p) // s * s + p - 1, which must be n - 1, i.e. (n - p) % s == 0.
#
# The table: each row a pooling (frame n, window p, stride s), each column a
# transformation, each cell "kept" (residual exactly 0) or "broken" (residual non-zero),
# every cell checked against what the rule above predicts. The input is a random
# function on p4 that is zero near the border, so no shifted content leaves the frame.

# %%
def pooled_element(g, stride):
    """The element expected to act after pooling: the same rotation, the shift divided by the stride."""
    m, r, u, v = (int(p) for p in groups.parameters(g, "p4m"))
    return groups.p4_element(r, u // stride, v // stride)


def check_P2(rng):
    configs = [(16, 2, 2), (17, 2, 2), (17, 3, 2), (15, 3, 3), (17, 3, 3)]
    table = []
    for n, p, s in configs:
        f = np.zeros((1, 1, 4, n, n))
        f[..., 5:n - 5, 5:n - 5] = rng.normal(size=(1, 1, 4, n - 10, n - 10))
        pool = nn.MaxPool(p, s)
        cells = []
        for g, expected_kept in ((groups.translation(1, 0), s == 1),
                                 (groups.translation(s, 0), True),
                                 (groups.translation(s, -2 * s), True),
                                 (groups.rotation(1), (n - p) % s == 0)):
            lhs = pool.forward(move(f, g, "p4"))
            rhs = move(pool.forward(f), pooled_element(g, s), "p4")
            kind = "exact" if expected_kept else "nonzero"
            ok = checks.check("P2", f"max pool n={n}, p={p}, s={s}: {groups.name(g)} is "
                              f"{'kept' if expected_kept else 'broken'}, as the rule predicts", lhs, rhs, kind)
            cells.append(("kept" if checks.residual(lhs, rhs).exact else "broken") + ("" if ok else " (FAIL)"))
        table.append(f"  {f'n={n}, p={p}, s={s}':<22}{cells[0]:<12}{cells[1]:<12}{cells[2]:<16}{cells[3]:<14}"
                     f"{(n - p) % s == 0}")
    print("\n  Survival table (kept = residual exactly 0, broken = non-zero):")
    print(f"  {'pooling':<22}{'shift by 1':<12}{'shift by s':<12}{'shift (s, -2s)':<16}"
          f"{'quarter turn':<14}(n - p) % s == 0")
    print("\n".join(table))
    # the same rule at network scale: window 2, stride 2 on the 11 x 11 canvas is not symmetric
    net = integer_weights(nn.gcnn("p4", 3, batch_norm=False, rng=rng), rng)
    net.layers[6] = nn.MaxPool(2, 2)  # (11 - 2) % 2 == 1
    x = digits.canvas(digits.load()[0][:4])[:, None]
    checks.check("P2", "p4 network with a 2/2 max pool on 11x11 (asymmetric grid): logits of R(1) x vs x",
                 net.forward(digits.quarter_turns(x, 1)), net.forward(x), "nonzero", "R(1)",
                 "the pooling grid is not symmetric about the centre, so invariance is lost")


# %% [markdown]
# ## B1 - batch normalisation
#
# Batch norm subtracts a mean and divides by a standard deviation. If one pair of
# statistics serves a whole channel (all pixels *and* all |H| planes), it is the same
# affine map for every value of the channel - like the bias - and commutes with L_g. An
# ordinary batch norm applied to the |H| planes as if they were channels keeps one pair
# per plane; L_g moves a plane to another slot, where other statistics wait. At test time
# (running statistics, shown here) that breaks equivariance. (In training mode, with
# statistics recomputed on a batch that was turned as a whole, the per-plane statistics
# would be permuted along with the planes - the break appears as soon as the statistics
# are fixed, which is what a trained network uses; the last check below shows the
# training-mode case.)

# %%
def check_B1(rng):
    for group in ("p4", "p4m"):
        nH = groups.order(group)
        # planes with different scales and offsets, as after a trained lifting layer
        batch = rng.normal(size=(8, 2, nH, 7, 7)) * rng.uniform(0.5, 3.0, size=(1, 1, nH, 1, 1)) \
            + rng.normal(size=(1, 1, nH, 1, 1))
        shared, per_plane = nn.BatchNorm(2), nn.BatchNorm(2, per_plane=True)
        shared.forward(batch, train=True)
        per_plane.forward(batch, train=True)
        x = rng.normal(size=(2, 2, nH, 7, 7))
        s = groups.point_group(group)[1]
        checks.check("B1", f"shared statistics: BN(L_s x) vs L_s BN(x), test mode, {group}",
                     shared.forward(move(x, s, group)), move(shared.forward(x), s, group), "exact",
                     groups.name(s), SAME_OPS_WHY)
        checks.check("B1", f"per-plane statistics: BN(L_s x) vs L_s BN(x), test mode, {group}",
                     per_plane.forward(move(x, s, group)), move(per_plane.forward(x), s, group), "nonzero",
                     groups.name(s), "plane s is normalised with the statistics of the slot it lands in")
        checks.check("B1", f"shared statistics, training mode (statistics of the turned batch), {group}",
                     shared.forward(move(batch, s, group), train=True),
                     move(shared.forward(batch, train=True), s, group), "float",
                     groups.name(s), "the batch mean and variance are float sums taken in another order")
        checks.check("B1", f"per-plane statistics, training mode, the whole batch turned: equal after all, {group}",
                     per_plane.forward(move(batch, s, group), train=True),
                     move(per_plane.forward(batch, train=True), s, group), "float",
                     groups.name(s), "the statistics are recomputed and move with their planes (see above)")


# %% [markdown]
# ## I1 and L8 - a whole network, and the invariance of its logits
#
# The networks of the experiment (nn.gcnn, nn.planar_cnn): four 3 x 3 conv layers,
# ReLU, a max pool with window 3 and stride 2 (11 -> 5: a symmetric grid, P2), global
# average pooling over space *and* the group axis, a linear classifier. Input: real
# 8 x 8 digits on the 11 x 11 canvas (groupconv/digits.py).
#
# With integer weights and no batch norm every number in the network is an exact dyadic
# fraction, and the checks are exact: the feature maps before global pooling move by
# L_s (L8), the logits do not move at all (I1). With float weights and batch norm the
# same holds up to round-off. The planar CNN's logits change.

# %%
def check_I1_L8(rng):
    x = digits.canvas(digits.load()[0][:6])[:, None]  # (6, 1, 11, 11), values k / 16
    for group in ("p4", "p4m"):
        net = integer_weights(nn.gcnn(group, 3, batch_norm=False, rng=rng), rng)
        body = nn.Sequential(*net.layers[:-2])  # everything before global pooling
        H_elements = groups.point_group(group)
        every_s = f"all {len(H_elements)} s in H, stacked"
        turned = [action.transform_image(x, s) for s in H_elements]
        checks.check("L8", f"{group} network body (4 conv layers, ReLU, pooling): body(L_s x) vs L_s body(x)",
                     np.stack([body.forward(xs) for xs in turned]),
                     np.stack([move(body.forward(x), s, group) for s in H_elements]), "exact", every_s, INT_WHY)
        checks.check("I1", f"{group} network, integer weights: logits(L_s x) vs logits(x), 6 digits",
                     np.stack([net.forward(xs) for xs in turned]),
                     np.stack([net.forward(x)] * len(H_elements)), "exact", every_s, INT_WHY)
        float_net = nn.gcnn(group, 4, rng=rng)
        float_net.forward(digits.canvas(digits.load()[0][6:38])[:, None], train=True)  # running statistics
        checks.check("I1", f"{group} network, He-initialised float weights and batch norm: logits(L_s x) vs logits(x)",
                     np.stack([float_net.forward(xs) for xs in turned]),
                     np.stack([float_net.forward(x)] * len(H_elements)), "float", every_s, FLOAT_WHY)
    planar = nn.planar_cnn(8, rng=rng)
    planar.forward(digits.canvas(digits.load()[0][6:38])[:, None], train=True)
    for r in (1, 2, 3):
        checks.check("I1", "planar CNN: logits(R(r) x) vs logits(x) - they change",
                     planar.forward(digits.quarter_turns(x, r)), planar.forward(x), "nonzero", f"R({r})",
                     "planar filters are not turned with the input (C6)")


# %% [markdown]
# ## L6 - backprop through a G-correlation is a G-correlation
#
# Training needs d loss / d f for out = f * psi. Write the layer as a sum,
#
#     out_o(g) = sum_h sum_c f_c(h) psi_oc(g^-1 h),
#
# and differentiate: f_c(h) meets every output g whose filter reaches h, so
#
#     d loss / d f_c(h) = sum_g sum_o dout_o(g) psi_oc(g^-1 h)
#                       = (dout conv psi^T)_c(h)                (true G-convolution, L6)
#                       = (dout * psi^T_check)_c(h)             (a G-correlation!)
#
# with psi^T the filter with its two channel axes swapped and psi_check(h) = psi(h^-1):
# plane s of psi_check at pixel z is plane s^-1 of psi at pixel -(s^-1 z). So the
# backward pass uses the same machinery as the forward pass - the *transformed* filters,
# which is why it is equivariant as well: the gradient for a turned input is the turned
# gradient. (nn.py computes it with the planar engine on the expanded filter bank and
# folds the bank gradient back; here it is compared with the G-convolution written by
# correlate.py.)

# %%
def check_L6_backprop(rng):
    group = "p4"
    layer = nn.GroupConv(2, 3, group, 3, "valid", rng)
    layer.params["psi"] = int_array(rng, layer.params["psi"].shape)
    f = int_array(rng, (1, 2, 4, 7, 7))
    out = layer.forward(f)
    dout = int_array(rng, out.shape)
    dx = layer.backward(dout)
    psi_T = np.swapaxes(layer.params["psi"], 0, 1)  # (C_in, C_out, |H|, k, k)
    checks.check("L6", "backprop d loss/d f (nn.GroupConv.backward) vs true G-convolution dout conv psi^T (full)",
                 dx, correlate.group_convolution(dout, psi_T, group, "full"), "exact", "p4, 7x7 input, valid mode",
                 INT_WHY)
    checks.check("L6", "backprop d loss/d f vs G-correlation with the reversed filter, dout * (psi^T)_check",
                 dx, correlate.group_correlation(dout, correlate.reverse_filter(psi_T, group), group, "full"),
                 "exact", "p4", INT_WHY)
    small = int_array(rng, (1, 3, 4, 3, 3))
    layer.forward(int_array(rng, (1, 2, 4, 5, 5)))
    checks.check("L6", "backprop vs the literal sum  sum_g dout(g) psi(g^-1 h)  (group_convolution_literal)",
                 layer.backward(small), correlate.group_convolution_literal(small, psi_T, group, "full"), "exact",
                 "p4, 5x5 input", INT_WHY)
    # equivariance of the backward pass: turn the input and the output gradient, get the turned gradient
    for s in groups.point_group(group)[1:]:
        layer.forward(move(f, s, group))
        checks.check("L6", "backprop is equivariant: grad for (L_s f, L_s dout) vs L_s grad for (f, dout)",
                     layer.backward(move(dout, s, group)), move(dx, s, group), "exact", groups.name(s), INT_WHY)


# %% [markdown]
# ## A picture: one digit, turned, through a p4 network
#
# Top row: a digit and the 4 planes of one channel after the first two layers, then the
# coset-pooled map and the logits. Bottom row: the same for the digit turned by 90
# degrees. Each plane turns and moves one slot to the right (P1's "cycling"); the pooled
# map simply turns; the logits are the same numbers (I1).

# %%
def figure(rng):
    net = nn.gcnn("p4", 4, rng=np.random.default_rng(3))
    images, labels = digits.load()
    net.forward(digits.canvas(images[:64])[:, None], train=True)
    pick = int(np.flatnonzero(labels == 7)[0])  # a digit without a quarter-turn symmetry of its own
    x = digits.canvas(images[[pick]])[:, None]
    rows = [x, digits.quarter_turns(x, 1)]
    fig, axes = plt.subplots(2, 7, figsize=(14, 4.6), layout="constrained",
                             gridspec_kw={"width_ratios": [1, 1, 1, 1, 1, 1, 1.8]})
    early = nn.Sequential(*net.layers[:6])
    maps = [early.forward(r)[0, 0] for r in rows]
    vmax = max(m.max() for m in maps)  # after ReLU: values >= 0
    logits = [net.forward(r)[0] for r in rows]
    for row, (inp, m, z) in enumerate(zip(rows, maps, logits)):
        axes[row, 0].imshow(inp[0, 0], cmap="gray_r")
        axes[row, 0].set_title("input" if row == 0 else "input turned by R(1)", fontsize=9)
        for s in range(4):
            im = axes[row, 1 + s].imshow(m[s], cmap="magma", vmin=0, vmax=vmax)
            axes[row, 1 + s].set_title(f"plane s = R({s})", fontsize=9)
        axes[row, 5].imshow(m.max(axis=0), cmap="magma", vmin=0, vmax=vmax)
        axes[row, 5].set_title("max over planes (P1)", fontsize=9)
        axes[row, 6].bar(np.arange(10), z, color="tab:blue" if row == 0 else "tab:orange")
        axes[row, 6].set_xticks(np.arange(10))
        axes[row, 6].set_title("logits (I1)", fontsize=9)
        for ax in axes[row, :6]:
            ax.set_xticks([])
            ax.set_yticks([])
    axes[1, 6].set_xlabel("digit class", fontsize=8)
    fig.colorbar(im, ax=axes[:, 5], shrink=0.8, label="channel 0 after 2 layers (ReLU)")
    fig.suptitle(f"A p4 network (random weights) on a digit '{labels[pick]}' and its quarter turn: "
                 "planes turn and cycle, the pooled map turns, the logits stay", fontsize=11)
    path = os.path.join(FIGURES, "14_full_gcnn_feature_maps.png")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    checks.check("I1", "figure: logits of the digit vs logits of the turned digit (float network with batch norm)",
                 logits[1], logits[0], "float", "R(1)", FLOAT_WHY)
    checks.check("P1", "figure: max over planes of the turned digit's map vs plain rotation of the upright one",
                 maps[1].max(axis=0), np.rot90(maps[0].max(axis=0)), "float", "R(1)", FLOAT_WHY)
    print(f"  wrote {display_path(path)}")


# %% [markdown]
# ## Summary
#
# * N1: pointwise nonlinearities (the same function everywhere) commute with L_g exactly.
# * P1: pooling over g U and over the rotations is equivariant; after coset pooling the
#   map turns plainly, the planes no longer cycle.
# * P2: strided pooling keeps shifts by multiples of the stride and quarter turns only on
#   a symmetric grid; the networks here use window 3, stride 2 on 11 x 11 for that reason.
# * B1: share the batch-norm statistics over the group axis, as the bias is shared.
# * I1 / L8: with all of that, the body is equivariant and the globally pooled logits are
#   invariant; experiments/rotated_digits.py shows what that buys on real digits.
# * L6: the backward pass of a G-correlation is a G-convolution with the transformed
#   filters - equivariant as well, and computed with the same filter bank.

# %%
def main():
    rng = np.random.default_rng(checks.SEED)
    print("Tutorial 14: the rest of a G-CNN\n")
    print("-- tiny example (N1) --")
    tiny_example()
    print("\n-- N1: nonlinearities --")
    check_N1(rng)
    print("\n-- P1: pooling over a neighbourhood and over the rotations --")
    check_P1(rng)
    print("\n-- P2: what survives strided pooling --")
    check_P2(rng)
    print("\n-- B1: batch norm --")
    check_B1(rng)
    print("\n-- I1 and L8: whole networks on real digits --")
    check_I1_L8(rng)
    print("\n-- L6: backprop through a G-correlation --")
    check_L6_backprop(rng)
    print("\n-- figure --")
    figure(rng)
    checks.finish()


if __name__ == "__main__":
    main()
