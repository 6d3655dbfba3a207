"""Tutorial 14 - The rest of a G-CNN: nonlinearities, pooling, normalisation, invariance, backprop.

Claim: a whole network keeps the symmetry of its G-correlations if every other layer
commutes with L_g too, and the last pooling turns equivariance into invariance:

    N1   a pointwise nonlinearity commutes with L_g: ν(L_g f) = L_g ν(f)
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
         true G-convolution of the output gradient with the same filters, hence
         equivariant too

Everything runs on the layers of groupconv/nn.py, whose backward passes are written by
hand; tests/test_nn.py checks them against finite differences. With integer-valued data
and filters every residual below is exactly 0.0; with float weights (batch norm)
residuals are round-off, and each check says which. Nothing is trained here (a few
seconds); experiments/rotated_digits.py trains the networks.

Notation: f ⋆ ψ is the correlation (what deep learning calls "convolution"), f ∗ ψ the
true convolution.

Checks: N1, P1, P2, B1, I1, L6, L8. Run: python tutorials/14_full_gcnn.py, or open it as a notebook.
"""
IDS = ("N1", "P1", "P2", "B1", "I1", "L6", "L8")

# %%
import matplotlib.pyplot as plt
import numpy as np

from groupconv import action, checks, correlate, digits, figures, groups, nn

figures.use_slide_style()
RNG = np.random.default_rng(checks.SEED)  # seeded: every run draws the same "random" data
INT_WHY = "integer-valued data and weights: every sum is an exact integer (or dyadic) in float64"
SAME_OPS_WHY = "both sides apply the same float operations to the same numbers, only at other places"
FLOAT_WHY = "float weights: the two sides add the same products in a different order"


def move(f, g, group, boundary="zero"):
    """L_g on an image batch (B, C, H, W) or on a feature map on G (B, C, |H|, H, W)."""
    if f.ndim == 4:
        return action.transform_image(f, g, boundary)
    return action.transform_group_function(f, g, group, boundary)


def int_array(shape, low=-3, high=3):
    """Random integers in [low, high], as float64 (the layers compute in float)."""
    return RNG.integers(low, high + 1, size=shape).astype(np.float64)


def integer_weights(net, low=-1, high=1):
    """Give every parameter of `net` small integer values (so every sum in it is exact)."""
    for layer, name in net.parameters():
        layer.params[name] = int_array(layer.params[name].shape, low, high)
    return net


# %% [markdown]
# ## Where we are
#
# Tutorials 08-10 built the two convolutional layers of a G-CNN: the lifting correlation
# (image -> function on G) and the group correlation (function on G -> function on G),
# and showed that each commutes with L_g. A network also has biases, nonlinearities,
# pooling, normalisation and a classifier at the end. Each of them has to respect the
# symmetry as well, or one layer undoes the work of all the others. groupconv/nn.py has
# all of them, with their backward passes written next to the forward ones.
#
# Arrays (README "Conventions"): a feature map on G is (B, C, |H|, H, W); plane s at
# pixel x holds f(t(x) . s). L_g on such a map moves every plane as an image *and*
# permutes the planes (action.transform_group_function); on an image it is
# action.transform_image. The helper `move` above picks the right one by the number of
# axes.
#
# ## 1. A tiny example by hand: a quarter turn of a p4 feature map, then ReLU (N1)
#
# One channel, 4 planes of 3 x 3. Turning the map by R(1) turns every plane by a quarter
# turn and moves plane s to slot s + 1 (mod 4). ReLU looks at one number at a time, so it
# cannot tell whether the numbers were moved before or after: N1.

# %%
f = np.arange(36.0).reshape(1, 1, 4, 3, 3) - 17.0
r1 = groups.rotation(1)
relu = nn.ReLU()
print("plane R(0) of f:")
print(f[0, 0, 0].astype(int))
print("plane R(1) of L_R(1) f (= plane R(0) of f, turned a quarter counter-clockwise):")
print(move(f, r1, "p4")[0, 0, 1].astype(int))
checks.check("N1", "ReLU(L_R(1) f) vs L_R(1) ReLU(f), one 4-plane map of 3 x 3", relu.forward(move(f, r1, "p4")),
             move(relu.forward(f), r1, "p4"), "exact", elements="R(1)", why=SAME_OPS_WHY)


# %% [markdown]
# ## 2. N1 - pointwise nonlinearities
#
# ν is applied to each value on its own and is the same function for every plane and
# pixel; moving values around (L_g) and applying ν in place therefore commute, for any ν
# and any float data, exactly. The counterexample is a nonlinearity that is *not* the
# same everywhere: a ReLU with a threshold that depends on the plane s. It notices that
# L_g moved a value from plane s to plane u s.

# %%
for group in ("p4", "p4m"):
    nH = groups.order(group)
    H = groups.point_group(group)
    f = RNG.normal(size=(2, 3, nH, 7, 7))
    for name, layer in (("ReLU", nn.ReLU()), ("tanh", nn.Tanh())):
        checks.check("N1", f"{name}(L_s f) vs L_s {name}(f), float data, {group}",
                     np.stack([layer.forward(move(f, s, group)) for s in H]),
                     np.stack([move(layer.forward(f), s, group) for s in H]), "exact",
                     elements=f"all {nH} s in H", why=SAME_OPS_WHY)
thresholds = np.arange(4.0).reshape(1, 1, 4, 1, 1) * 0.3


def plane_relu(x):
    """max(x, threshold of the plane): NOT the same function on every plane."""
    return np.maximum(x, thresholds)


f = RNG.normal(size=(1, 2, 4, 7, 7))
checks.check("N1", "counterexample: a ReLU whose threshold depends on the plane, ν(L_R(1) f) vs L_R(1) ν(f)",
             plane_relu(move(f, r1, "p4")), move(plane_relu(f), r1, "p4"), "nonzero", elements="R(1)",
             why="the value moved from plane s to plane s+1 meets another threshold")


# %% [markdown]
# ## 3. P1 - pooling over a neighbourhood, and over the rotations
#
# Max pooling over a 3 x 3 neighbourhood with stride 1 is pooling over the set g U,
# U = {t(x) : x in a 3 x 3 square}. A quarter turn maps the square to itself, so L_g
# commutes with it. Coset pooling takes the max (or mean) over the |H| planes of each
# pixel: a pooling over the set t(x) H. What comes out is an ordinary planar map, and
# here is the point of P1: it turns by a *plain* rotation of the image, with no cycling of
# channels left - the permutation of the planes is invisible to a max over all of them.
# Without pooling, the rotated feature map is not the plainly rotated one (last check).

# %%
for group in ("p4", "p4m"):
    nH = groups.order(group)
    H = groups.point_group(group)
    f = RNG.normal(size=(2, 2, nH, 7, 7))
    fi = int_array((2, 2, nH, 7, 7))
    every_s = f"all {nH} s in H"
    pool, coset, mean = nn.MaxPool(3, 1), nn.CosetPool("max"), nn.CosetPool("mean")
    checks.check("P1", f"3x3 max pool, stride 1 (over g U): pool(L_s f) vs L_s pool(f), {group}",
                 np.stack([pool.forward(move(f, s, group)) for s in H]),
                 np.stack([move(pool.forward(f), s, group) for s in H]), "exact", elements=every_s,
                 why="a max does not depend on the order of its arguments")
    checks.check("P1", f"coset max pool over H: pool(L_s f) vs plain rotation of pool(f), {group}",
                 np.stack([coset.forward(move(f, s, group)) for s in H]),
                 np.stack([action.transform_image(coset.forward(f), s) for s in H]), "exact", elements=every_s,
                 why="a max does not depend on the order of its arguments")
    checks.check("P1", f"coset mean pool over H: pool(L_s f) vs plain rotation of pool(f), {group}",
                 np.stack([mean.forward(move(fi, s, group)) for s in H]),
                 np.stack([action.transform_image(mean.forward(fi), s) for s in H]), "exact", elements=every_s,
                 why=INT_WHY)
f = RNG.normal(size=(1, 1, 4, 7, 7))
checks.check("P1", "without pooling, L_R(1) f is NOT each plane plainly turned (the planes cycle)",
             move(f, r1, "p4"), action.transform_image(f, r1), "nonzero", elements="R(1)",
             why="plane s of L_R(1) f comes from plane s-1")


# %% [markdown]
# ## 4. P2 - which shifts and turns survive strided pooling
#
# A max pool with window p and stride s keeps every s-th window. Shift the input by one
# pixel and the windows cut it elsewhere: no shift of the output reproduces that, unless
# the shift is a multiple of s (then the output shifts by shift / s). A quarter turn
# about the centre maps the grid of windows onto itself only if the grid is symmetric
# about the centre: the windows start at 0, s, 2s, ... and the last one ends at
# (n - p) // s * s + p - 1, which must be n - 1, i.e. (n - p) % s == 0.
#
# The test is a search. For each pooling (frame n, window p, stride s) and each
# transformation g of the input, pool(L_g f) is compared with *every* motion of the
# pooled output that could reproduce it: every shift t(a, b) of the m x m output
# (|a|, |b| < m), after the same turn as g. The table says "kept by" the motion with
# residual exactly 0, or "broken" when even the closest one differs. The input is a
# random function on p4 that is zero near the border, so no shifted content leaves the
# frame. Then the checks hold each cell to the rule above: a kept cell must be
# reproduced exactly by the predicted motion (the same turn, the shift divided by s),
# and for a broken cell the closest motion of all must still differ.

# %%
def closest_motion(target, pooled, r):
    """The motion t(a, b) . R(r) of `pooled` (|a|, |b| < m) closest to `target`: (element, moved pooled)."""
    m = pooled.shape[-1]
    best = None
    for a in range(-m + 1, m):
        for b in range(-m + 1, m):
            g = groups.p4_element(r, a, b)
            candidate = move(pooled, g, "p4")
            gap = checks.residual(target, candidate).value
            if best is None or gap < best[0]:
                best = (gap, g, candidate)
    return best[1], best[2]


def motion_name(g, r):
    """t(a,b) for a shift (also t(0,0)), else the usual name."""
    return groups.name(g, "T") if r == 0 else groups.name(g)


configs = [(16, 2, 2), (17, 2, 2), (17, 3, 2), (15, 3, 3), (17, 3, 3)]
results = {}  # (n, p, s) -> [(g, its turn r, pool(L_g f), the closest motion found, that motion of pool(f))]
for n, p, s in configs:
    f = np.zeros((1, 1, 4, n, n))
    f[..., 5:n - 5, 5:n - 5] = RNG.normal(size=(1, 1, 4, n - 10, n - 10))
    pool = nn.MaxPool(p, s)
    pooled = pool.forward(f)
    results[n, p, s] = []
    for g, r in ((groups.translation(1, 0), 0), (groups.translation(s, 0), 0),
                 (groups.translation(s, -2 * s), 0), (groups.rotation(1), 1)):
        target = pool.forward(move(f, g, "p4"))
        found, moved = closest_motion(target, pooled, r)
        results[n, p, s].append((g, r, target, found, moved, pooled))

print("Survival table: is pool(L_g f) a motion of pool(f)? (kept by = the motion found, exactly)")
print(f"  {'pooling':<18}{'t(1,0)':<17}{'t(s,0)':<17}{'t(s,-2s)':<17}{'R(1)':<17}(n - p) % s == 0")
for (n, p, s), cells in results.items():
    found_text = [f"kept by {motion_name(found, r)}" if checks.residual(target, moved).exact else "broken"
                  for g, r, target, found, moved, pooled in cells]
    print(f"  {f'n={n}, p={p}, s={s}':<18}" + "".join(f"{c:<17}" for c in found_text) + f"{(n - p) % s == 0}")

for (n, p, s), cells in results.items():
    kept_lhs, kept_rhs, kept_names = [], [], []
    for g, r, target, found, moved, pooled in cells:
        _, _, u, v = (int(q) for q in groups.parameters(g, "p4m"))
        if (u % s == 0 and v % s == 0) if r == 0 else (n - p) % s == 0:  # the rule predicts: kept
            kept_lhs.append(target)
            kept_rhs.append(move(pooled, groups.p4_element(r, u // s, v // s), "p4"))
            kept_names.append(groups.name(g))
        else:
            checks.check("P2", f"n={n}, p={p}, s={s}, {groups.name(g)}: no motion of pool(f) gives pool(L_g f)",
                         target, moved, "nonzero",
                         elements=f"all {(2 * pooled.shape[-1] - 1) ** 2} t(a,b){'·R(1)' if r else ''}, "
                                  f"closest {motion_name(found, r)}",
                         why="the windows cut the moved input elsewhere")
    checks.check("P2", f"n={n}, p={p}, s={s}, kept cells: pool(L_g f) vs the predicted motion of pool(f)",
                 np.stack(kept_lhs), np.stack(kept_rhs), "exact", elements=", ".join(kept_names),
                 why="a max only selects values: the same windows, moved")


# %% [markdown]
# The same rule at network scale: a window-2, stride-2 max pool on the 11 x 11 canvas of
# the digits ((11 - 2) % 2 == 1: an asymmetric grid) breaks the invariance of a p4
# network's logits. (The networks below use window 3, stride 2 on 11 x 11: symmetric.)

# %%
net = integer_weights(nn.gcnn("p4", 3, batch_norm=False, rng=RNG))
net.layers[6] = nn.MaxPool(2, 2)  # (11 - 2) % 2 == 1
x = digits.canvas(digits.load()[0][:4])[:, None]
checks.check("P2", "p4 network with a 2/2 max pool on 11x11 (asymmetric grid): logits of R(1) x vs x",
             net.forward(digits.quarter_turns(x, 1)), net.forward(x), "nonzero", elements="R(1), 4 digits",
             why="the pooling grid is not symmetric about the centre, so invariance is lost")


# %% [markdown]
# ## 5. B1 - batch normalisation
#
# Batch norm subtracts a mean and divides by a standard deviation. If one pair of
# statistics serves a whole channel (all pixels *and* all |H| planes), it is the same
# affine map for every value of the channel - like the bias - and commutes with L_g. An
# ordinary batch norm applied to the |H| planes as if they were channels keeps one pair
# per plane; L_g moves a plane to another slot, where other statistics wait. At test time
# (running statistics, the first two checks) that breaks equivariance.
#
# In training mode the statistics are recomputed on the batch. If the whole batch was
# turned, the per-plane statistics are permuted along with the planes, and the result is
# equivariant after all (the last two checks): the break appears as soon as the
# statistics are fixed, which is what a trained network uses.

# %%
for group in ("p4", "p4m"):
    nH = groups.order(group)
    # planes with different scales and offsets, as after a trained lifting layer
    batch = RNG.normal(size=(8, 2, nH, 7, 7)) * RNG.uniform(0.5, 3.0, size=(1, 1, nH, 1, 1)) \
        + RNG.normal(size=(1, 1, nH, 1, 1))
    shared, per_plane = nn.BatchNorm(2), nn.BatchNorm(2, per_plane=True)
    shared.forward(batch, train=True)
    per_plane.forward(batch, train=True)
    x = RNG.normal(size=(2, 2, nH, 7, 7))
    s = groups.point_group(group)[1]
    checks.check("B1", f"shared statistics: BN(L_s x) vs L_s BN(x), test mode, {group}",
                 shared.forward(move(x, s, group)), move(shared.forward(x), s, group), "exact",
                 elements=groups.name(s), why=SAME_OPS_WHY)
    checks.check("B1", f"per-plane statistics: BN(L_s x) vs L_s BN(x), test mode, {group}",
                 per_plane.forward(move(x, s, group)), move(per_plane.forward(x), s, group), "nonzero",
                 elements=groups.name(s), why="plane s is normalised with the statistics of the slot it lands in")
    checks.check("B1", f"shared statistics, training mode (statistics of the turned batch), {group}",
                 shared.forward(move(batch, s, group), train=True),
                 move(shared.forward(batch, train=True), s, group), "float",
                 elements=groups.name(s), why="the batch mean and variance are float sums taken in another order")
    checks.check("B1", f"per-plane statistics, training mode, the whole batch turned: equal after all, {group}",
                 per_plane.forward(move(batch, s, group), train=True),
                 move(per_plane.forward(batch, train=True), s, group), "float",
                 elements=groups.name(s), why="the statistics are recomputed and move with their planes")


# %% [markdown]
# ## 6. I1 and L8 - a whole network, and the invariance of its logits
#
# The networks of the experiment (nn.gcnn, nn.planar_cnn): four 3 x 3 conv layers,
# ReLU, a max pool with window 3 and stride 2 (11 -> 5: a symmetric grid, P2), global
# average pooling over space *and* the group axis, a linear classifier. Input: real
# 8 x 8 digits on the 11 x 11 canvas (groupconv/digits.py).
#
# With integer weights and no batch norm every number in the network is an exact dyadic
# fraction, and the checks are exact: the feature maps before global pooling move by
# L_s (L8), the logits do not move at all (I1). With float weights and batch norm (its
# running statistics from one forward pass in training mode on 32 other digits) the same
# holds up to round-off. The planar CNN's logits change.

# %%
x = digits.canvas(digits.load()[0][:6])[:, None]  # (6, 1, 11, 11), values k / 16
others = digits.canvas(digits.load()[0][6:38])[:, None]  # the batch for the running statistics
for group in ("p4", "p4m"):
    net = integer_weights(nn.gcnn(group, 3, batch_norm=False, rng=RNG))
    body = nn.Sequential(*net.layers[:-2])  # everything before global pooling
    H = groups.point_group(group)
    every_s = f"all {len(H)} s in H, 6 digits"
    turned = [action.transform_image(x, s) for s in H]
    checks.check("L8", f"{group} network body (4 conv layers, ReLU, pooling): body(L_s x) vs L_s body(x)",
                 np.stack([body.forward(xs) for xs in turned]),
                 np.stack([move(body.forward(x), s, group) for s in H]), "exact", elements=every_s, why=INT_WHY)
    checks.check("I1", f"{group} network, integer weights: logits(L_s x) vs logits(x)",
                 np.stack([net.forward(xs) for xs in turned]),
                 np.stack([net.forward(x)] * len(H)), "exact", elements=every_s, why=INT_WHY)
    float_net = nn.gcnn(group, 4, rng=RNG)
    float_net.forward(others, train=True)  # running statistics
    checks.check("I1", f"{group} network, He-initialised float weights and batch norm: logits(L_s x) vs logits(x)",
                 np.stack([float_net.forward(xs) for xs in turned]),
                 np.stack([float_net.forward(x)] * len(H)), "float", elements=every_s, why=FLOAT_WHY)
planar = nn.planar_cnn(8, rng=RNG)
planar.forward(others, train=True)
for r in (1, 2, 3):
    checks.check("I1", "planar CNN: logits(R(r) x) vs logits(x) - they change",
                 planar.forward(digits.quarter_turns(x, r)), planar.forward(x), "nonzero",
                 elements=f"R({r}), 6 digits", why="planar filters are not turned with the input (C6)")


# %% [markdown]
# ## 7. L6 - backprop through a G-correlation is a G-convolution
#
# Training needs d loss / d f for out = f ⋆ ψ. Write the layer as a sum,
#
#     out_o(g) = sum_h sum_c f_c(h) ψ_oc(g^-1 h),
#
# and differentiate: f_c(h) meets every output g whose filter reaches h, so
#
#     d loss / d f_c(h) = sum_g sum_o dout_o(g) ψ_oc(g^-1 h)
#                       = (dout ∗ ψ^T)_c(h)             (a true G-convolution, L6)
#                       = (dout ⋆ ψ̌^T)_c(h)            (a G-correlation!)
#
# with ψ^T the filter with its two channel axes swapped and ψ̌(h) = ψ(h^-1): plane s of
# ψ̌ at pixel z is plane s^-1 of ψ at pixel -(s^-1 z). So the backward pass uses the
# same machinery as the forward pass - the *transformed* filters, which is why it is
# equivariant as well: the gradient for a turned input is the turned gradient. (nn.py
# computes it with the planar engine on the expanded filter bank and folds the bank
# gradient back; here it is compared with the G-convolution written by correlate.py.)

# %%
group = "p4"
layer = nn.GroupConv(2, 3, group, 3, "valid", RNG)
layer.params["psi"] = int_array(layer.params["psi"].shape)
f = int_array((1, 2, 4, 7, 7))
out = layer.forward(f)
dout = int_array(out.shape)
dx = layer.backward(dout)
psi_T = np.swapaxes(layer.params["psi"], 0, 1)  # (C_in, C_out, |H|, k, k)
checks.check("L6", "backprop d loss/d f (nn.GroupConv.backward) vs the true G-convolution dout ∗ ψ^T (full)",
             dx, correlate.group_convolution(dout, psi_T, group, "full"), "exact", elements="p4, 7x7 input",
             why=INT_WHY)
checks.check("L6", "backprop d loss/d f vs the G-correlation with the reversed filter, dout ⋆ ψ̌^T",
             dx, correlate.group_correlation(dout, correlate.reverse_filter(psi_T, group), group, "full"),
             "exact", elements="p4, 7x7 input", why=INT_WHY)
small = int_array((1, 3, 4, 3, 3))
layer.forward(int_array((1, 2, 4, 5, 5)))
checks.check("L6", "backprop vs the literal sum  sum_g dout(g) ψ(g^-1 h)  (group_convolution_literal)",
             layer.backward(small), correlate.group_convolution_literal(small, psi_T, group, "full"), "exact",
             elements="p4, 5x5 input", why=INT_WHY)
# equivariance of the backward pass: turn the input and the output gradient, get the turned gradient
turned_grads = []
for s in groups.point_group(group)[1:]:
    layer.forward(move(f, s, group))
    turned_grads.append(layer.backward(move(dout, s, group)))
checks.check("L6", "backprop is equivariant: grad for (L_s f, L_s dout) vs L_s grad for (f, dout)",
             np.stack(turned_grads), np.stack([move(dx, s, group) for s in groups.point_group(group)[1:]]), "exact",
             elements="R(1), R(2), R(3)", why=INT_WHY)


# %% [markdown]
# ## 8. A picture: one digit, turned, through a p4 network
#
# A p4 network with random float weights and batch norm. Top row: a digit '7' and the 4
# planes of one channel after the first two layers, then the coset-pooled map (the max
# over the planes) and the logits. Bottom row: the same for the digit turned by 90
# degrees. Each plane turns and moves one slot to the right (the "cycling" of P1); the
# pooled map simply turns; the logits are the same numbers (I1), up to round-off. (The
# float values are rounded to 6 significant digits before drawing, figures.steady, so
# that the picture is the same on every machine.)

# %%
net = nn.gcnn("p4", 4, rng=np.random.default_rng(3))
images_, labels = digits.load()
net.forward(digits.canvas(images_[:64])[:, None], train=True)  # running statistics
pick = int(np.flatnonzero(labels == 7)[0])  # a digit without a quarter-turn symmetry of its own
x = digits.canvas(images_[[pick]])[:, None]
rows = [x, digits.quarter_turns(x, 1)]
early = nn.Sequential(*net.layers[:6])
maps = [early.forward(r)[0, 0] for r in rows]
logits = [net.forward(r)[0] for r in rows]
checks.check("I1", "the figure's logits: digit vs the turned digit (float network with batch norm)", logits[1],
             logits[0], "float", elements="R(1)", why=FLOAT_WHY)
checks.check("P1", "the figure's max over planes: turned digit vs plain rotation of the upright one",
             maps[1].max(axis=0), np.rot90(maps[0].max(axis=0)), "float", elements="R(1)", why=FLOAT_WHY)

maps = [figures.steady(m) for m in maps]
logits = [figures.steady(z) for z in logits]
vmax = max(m.max() for m in maps)  # after ReLU: values >= 0
fig, axes = plt.subplots(2, 7, figsize=(17, 6.2), layout="constrained",
                         gridspec_kw={"width_ratios": [1, 1, 1, 1, 1, 1, 1.9]})
for row, (inp, m, z) in enumerate(zip(rows, maps, logits)):
    axes[row, 0].imshow(inp[0, 0], cmap="gray_r", interpolation="nearest")
    axes[row, 0].set_title("input" if row == 0 else "input turned: R(1)")
    for s in range(4):
        im = axes[row, 1 + s].imshow(m[s], cmap="magma", vmin=0, vmax=vmax, interpolation="nearest")
        axes[row, 1 + s].set_title(f"plane R({s})")
    axes[row, 5].imshow(m.max(axis=0), cmap="magma", vmin=0, vmax=vmax, interpolation="nearest")
    axes[row, 5].set_title("max over planes")
    axes[row, 6].bar(np.arange(10), z, color="tab:blue" if row == 0 else "tab:orange")
    axes[row, 6].set_xticks(np.arange(10))
    axes[row, 6].set_title("logits")
    for ax in axes[row, :6]:
        ax.set_xticks([])
        ax.set_yticks([])
axes[1, 6].set_xlabel("digit class")
fig.colorbar(im, ax=axes[:, 5], shrink=0.8, label="channel 0 after 2 layers")
fig.suptitle(f"A p4 network (random weights) on a digit '{labels[pick]}' and its quarter turn:\n"
             "the planes turn and cycle, the pooled map turns, the logits stay")
figures.save(fig, "14_full_gcnn_feature_maps.png")


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

# %% [markdown]
# ## The tally
#
# Every check above printed its own line. The last cell counts them: run as a script it
# exits with status 1 if any failed (so `tutorials/run_all.py` and CI notice); in a
# notebook it raises instead.

# %%
checks.finish()
