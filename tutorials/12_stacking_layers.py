"""Tutorial 12 - Stacking layers: a composition of equivariant layers is equivariant.

Claim: a lifting layer, then group correlations, with a pointwise nonlinearity (ReLU) in
between, is equivariant as a whole:

    L8   Φ(L_u f) = L_u Φ(f)     for Φ = layer_n o ... o layer_1 and every u in G,

because each layer moves L_u one step further out:
layer_2(layer_1(L_u f)) = layer_2(L_u layer_1(f)) = L_u layer_2(layer_1(f)). Checked for two
and three layers, on p4 and p4m, for every turn and mirror and for shifted elements:
exactly (residual 0.0) on integer data, to round-off on float data; and on a photograph.

Notation: f ⋆ ψ is the correlation (what deep learning calls "convolution").

Checks: L8. Run: python tutorials/12_stacking_layers.py, or open it as a notebook.
"""
IDS = ("L8",)

# %%
import matplotlib.pyplot as plt
import numpy as np

from groupconv import action, checks, correlate, engine, figures, groups, images

figures.use_slide_style()
RNG = np.random.default_rng(checks.SEED)  # seeded: every run draws the same "random" data
INT_WHY = ("int64 data: sums of products of integers, and ReLU, keep every value an exact integer "
           "(integers never take the FFT path)")
FLOAT_WHY = "float data: the moved input's products are summed in a different order"


# %% [markdown]
# ## 1. Why stacking is safe
#
# Tutorial 08 showed that the lifting layer commutes with L_u; tutorial 09 showed the
# same for the group correlation. A ReLU, max(0, .), acts on every value separately, and
# L_u only moves values around without changing them, so ReLU(L_u F) = L_u ReLU(F) too.
# If every layer commutes with L_u, so does their composition: push L_u through the
# first layer, then through the second, and so on. This is the whole reason a G-CNN can
# be deep: each layer's output is again a function on G, transformed by the same rule.
#
# Here the layers are plain functions written from the library's building blocks:
#
#     layer 1   F1 = ReLU(f ⋆ ψ1)    lifting correlation: image (C0 channels) -> function on G
#     layer 2   F2 = ReLU(F1 ⋆ ψ2)   group correlation: G -> G
#     layer 3   F3 = F2 ⋆ ψ3         group correlation: G -> G
#
# The frame is a torus ("circular" mode; shifts wrap around) so that shifts lose nothing.
# On an ordinary zero-bordered frame the turns and mirrors about the centre are still
# exact, which we also check in "valid" mode; shifts there break at the border
# (tutorial 05, C5).
#
# `network` below runs such a stack and returns every layer's output (before its ReLU),
# so that we can look at each depth. `elements_to_try` lists the u we test: every turn
# (and mirror) of the point group, and four elements with a shift.

# %%
def relu(F):
    return np.maximum(F, 0)


def network(f, filters, group, mode):
    """Lifting layer, then group layers; ReLU between layers (not after the last). Returns every layer's output."""
    outputs = []
    F = correlate.lifting_correlation(f, filters[0], group, mode)
    for psi in filters[1:]:
        outputs.append(F)
        F = correlate.group_correlation(relu(F), psi, group, mode)
    outputs.append(F)
    return outputs


def random_filters(make, group, channels, k):
    """Filters for a stack with the given channel counts, e.g. (1, 3, 3, 2): a lifting filter, then group filters."""
    nH = groups.order(group)
    filters = [make((channels[1], channels[0], k, k))]
    for c_in, c_out in zip(channels[1:-1], channels[2:]):
        filters.append(make((c_out, c_in, nH, k, k)))
    return filters


def elements_to_try(group):
    """Every element of the point group, then four elements with a shift: (list of elements, short description)."""
    H = list(groups.point_group(group))
    params = ((0, 1, -2), (1, 2, -1), (3, 0, 2), (2, -3, 1)) if group == "p4" else \
        ((0, 0, 1, -2), (1, 1, 2, -1), (0, 3, 0, 2), (1, 2, -3, 1))
    shifted = [groups.element(group, *p) for p in params]
    point_group = "C4" if group == "p4" else "D4"
    return H + shifted, f"all {len(H)} of {point_group}, 4 shifted, e.g. {groups.name(shifted[1])}"


# %% [markdown]
# ## 2. A tiny example to check by hand
#
# A 3 x 3 image, two layers, p4, "valid" mode, one channel each: the lifting layer
# leaves one pixel per turned filter (4 numbers), ReLU clips the negative ones, and the
# 1 x 1 group filter of layer 2 mixes the 4 numbers around the circle as in tutorial 09.
# Turn the image by a quarter turn: all the intermediate and final numbers come back,
# cycled by one slot.

# %%
f = np.array([[1, 2, 0], [0, 1, 3], [1, 0, 0]])[None, None]  # integers (int64): every sum is exact
psi1 = np.array([[1, 0, 0], [2, 0, 0], [0, -1, 0]])[None, None]
psi2 = np.array([1, 0, 2, 0]).reshape(1, 1, 4, 1, 1)
F1, F2 = network(f, [psi1, psi2], "p4", "valid")
G1, G2 = network(np.rot90(f, 1, axes=(-2, -1)), [psi1, psi2], "p4", "valid")
print("layer 1 for f          :", F1.ravel().tolist(), " ReLU ->", relu(F1).ravel().tolist())
print("layer 2 for f          :", F2.ravel().tolist())
print("layer 1 for f turned 90:", G1.ravel().tolist())
print("layer 2 for f turned 90:", G2.ravel().tolist(), " <- layer 2 for f, cycled by one slot")
checks.check("L8", "two layers on a 3 x 3 image: turning it by R(1) cycles the 4 outputs by one slot",
             G2.ravel(), np.roll(F2.ravel(), 1), "exact", elements="u = R(1)", why=INT_WHY)


# %% [markdown]
# ## 3. Two and three layers, every turn and mirror, shifts too
#
# For each u the network is run twice: on the moved input L_u f, and on f with its
# output moved by L_u afterwards. Channels 1 -> 3 -> 3 -> 2, 3 x 3 filters, a 7 x 7
# torus. The table prints, for each group and kind of data, the largest residual over
# all the u tried, after each layer; then the final outputs of two and three layers are
# compared by checks.
#
# With integer data the residual is exactly 0.0 at every depth. With float data it grows
# from layer to layer (each layer adds up more products, and each inherits the round-off
# of the layer before), but it stays at the level of round-off relative to the size of
# the values.

# %%
n, k = 7, 3
runs = {}  # (group, kind) -> (the u tried, their description, Φ(L_u f) for each u, L_u Φ(f) for each u)
for group in ("p4", "p4m"):
    us, tried = elements_to_try(group)
    for kind in ("exact", "float"):
        make = (lambda shape: images.random_signal(shape, RNG, kind))
        f = make((1, 1, n, n))
        filters = random_filters(make, group, (1, 3, 3, 2), k)
        outputs = network(f, filters, group, "circular")
        lhs = [network(action.transform_image(f, u, "wrap"), filters, group, "circular") for u in us]
        rhs = [[action.transform_group_function(F, u, group, "wrap") for F in outputs] for u in us]
        runs[group, kind] = (us, tried, lhs, rhs)

print("max over u of |Φ(L_u f) - L_u Φ(f)| after each layer:")
print("  group  data      layer 1     layer 2     layer 3")
for (group, kind), (us, tried, lhs, rhs) in runs.items():
    worst = [max(checks.residual(a[d], b[d]).value for a, b in zip(lhs, rhs)) for d in range(3)]
    print(f"  {group:<6} {kind:<7}" + "".join(f"{r:12.3g}" for r in worst))
for (group, kind), (us, tried, lhs, rhs) in runs.items():
    for depth in (2, 3):
        checks.check("L8", f"{group} circular, {depth} layers, {kind} data: Φ(L_u f) vs L_u Φ(f)",
                     np.stack([a[depth - 1] for a in lhs]), np.stack([b[depth - 1] for b in rhs]), kind,
                     elements=tried, why=INT_WHY if kind == "exact" else FLOAT_WHY)


# %% [markdown]
# On an ordinary zero-bordered frame ("valid" mode: every layer keeps only the pixels
# whose window lies inside, 11 x 11 -> 9 -> 7 -> 5) a turn or mirror about the centre
# still maps the frame onto itself, so the three layers stay exactly equivariant for the
# point group.

# %%
for group in ("p4", "p4m"):
    f = images.integer_image((1, 1, 11, 11), RNG)
    filters = random_filters(lambda shape: images.integer_image(shape, RNG), group, (1, 3, 3, 2), k)
    final = network(f, filters, group, "valid")[-1]
    H = groups.point_group(group)
    lhs = np.stack([network(action.transform_image(f, s), filters, group, "valid")[-1] for s in H])
    rhs = np.stack([action.transform_group_function(final, s, group) for s in H])
    checks.check("L8", f"{group} valid (zero border, 11 x 11 -> 5 x 5), 3 layers: Φ(L_s f) vs L_s Φ(f)",
                 lhs, rhs, "exact", elements=f"all {len(H)} of {'C4' if group == 'p4' else 'D4'}", why=INT_WHY)


# %% [markdown]
# ## 4. The argument, line by line
#
# For three layers Φ = layer_3 o layer_2 o layer_1 (layer_1 and layer_2 end with a
# ReLU), each line computed as its own array, for every u tried:
#
#     line 1   layer_3(layer_2(layer_1(L_u f)))   run the network on the moved input
#     line 2   layer_3(layer_2(L_u layer_1(f)))   layer 1 is equivariant (L2, and N1 for its
#                                                 ReLU): feed layer 2 the moved output of layer 1
#     line 3   layer_3(L_u layer_2(layer_1(f)))   layer 2 is equivariant (L4/L5 and N1)
#     line 4   L_u layer_3(layer_2(layer_1(f)))   layer 3 is equivariant: move the final output
#
# Each step uses the equivariance of one layer only; lines 1 and 4 are the two sides of
# L8. (Set checks.set_verbose() to see the table of the four lines.)

# %%
for group in ("p4", "p4m"):
    us, tried = elements_to_try(group)
    f = images.integer_image((1, 1, n, n), RNG)
    psi1, psi2, psi3 = random_filters(lambda shape: images.integer_image(shape, RNG), group, (1, 3, 3, 2), k)

    def layer1(x):
        return relu(correlate.lifting_correlation(x, psi1, group, "circular"))

    def layer2(F):
        return relu(correlate.group_correlation(F, psi2, group, "circular"))

    def layer3(F):
        return correlate.group_correlation(F, psi3, group, "circular")

    def move(F, u):
        return action.transform_group_function(F, u, group, "wrap")

    lines = [[] for _ in range(4)]
    for u in us:
        lines[0].append(layer3(layer2(layer1(action.transform_image(f, u, "wrap")))))
        lines[1].append(layer3(layer2(move(layer1(f), u))))
        lines[2].append(layer3(move(layer2(layer1(f)), u)))
        lines[3].append(move(layer3(layer2(layer1(f))), u))
    checks.chain("L8", f"{group}: pushing L_u through three layers",
                 [("layer3(layer2(layer1(L_u f)))", np.stack(lines[0])),
                  ("layer3(layer2(L_u layer1(f)))", np.stack(lines[1])),
                  ("layer3(L_u layer2(layer1(f)))", np.stack(lines[2])),
                  ("L_u layer3(layer2(layer1(f)))", np.stack(lines[3]))],
                 "exact", elements=tried, why=INT_WHY)


# %% [markdown]
# ## 5. One layer that is not equivariant spoils the stack
#
# Replace the middle layer by an ordinary planar correlation that treats the |H| planes
# as plain channels, with one fixed filter bank (no transformed copies for the other
# planes, i.e. without the construction of tutorial 11). The stack is no longer
# equivariant: the check below must find a non-zero residual.

# %%
group = "p4"
f = images.integer_image((1, 1, n, n), RNG)
psi1, _, psi3 = random_filters(lambda shape: images.integer_image(shape, RNG), group, (1, 3, 3, 2), k)
planar = images.integer_image((3 * 4, 3 * 4, k, k), RNG)  # maps 12 channels to 12 channels


def broken_stack(x):
    F = relu(correlate.lifting_correlation(x, psi1, group, "circular"))  # (1, 3, 4, n, n)
    F = engine.planar_correlation(F.reshape(1, 12, n, n), planar, "circular").reshape(1, 3, 4, n, n)
    return correlate.group_correlation(relu(F), psi3, group, "circular")


u = groups.rotation(1)
checks.check("L8", "p4: a stack with a plain planar middle layer is NOT equivariant",
             broken_stack(action.transform_image(f, u, "wrap")),
             action.transform_group_function(broken_stack(f), u, group, "wrap"), "nonzero", elements="u = R(1)",
             why="a counterexample: the middle layer does not turn its filters with the input")


# %% [markdown]
# ## 6. Picture: three layers on a photograph
#
# The photograph in integer grey levels 0..255 (65 x 65), three p4 layers with random
# integer filters in -1..1 (1 -> 3 -> 3 -> 1 channels, "same" mode): every value in the
# network is an exact integer. Top row: the 4 planes of the last layer's output for the
# photograph. Middle row: the same for the photograph turned by a quarter turn. Bottom
# row: the top row transformed by L_R(1), each plane turned and moved one slot on. The
# middle and bottom rows are equal, exactly. The filters are random, so the planes are
# not meant to look like anything in particular.

# %%
f = np.round(images.photograph(65) * 255).astype(np.int64)[None, None]
filters = random_filters(lambda shape: images.integer_image(shape, RNG, -1, 1), "p4", (1, 3, 3, 1), 3)
u = groups.rotation(1)
out = network(f, filters, "p4", "same")[-1][0, 0]
out_turned = network(action.transform_image(f, u), filters, "p4", "same")[-1][0, 0]
moved = action.transform_group_function(out, u, "p4")
checks.check("L8", "photograph (the figure's arrays), 3 p4 layers: Φ(L_R(1) f) vs L_R(1) Φ(f)", out_turned, moved,
             "exact", elements="u = R(1)", why=INT_WHY)

vmax = int(np.percentile(np.abs(out), 99))  # strong contrast; the colour bars mark the clipped ends
fig, axes = plt.subplots(3, 5, figsize=(15, 10), layout="constrained")
rows = [(f[0, 0], "photograph f", out, "Φ(f)"),
        (action.transform_image(f, u)[0, 0], "turned: L_R(1) f", out_turned, "Φ(L_R(1) f)"),
        (None, "", moved, "L_R(1) Φ(f)")]
for i, (image, image_title, planes, name) in enumerate(rows):
    if image is not None:
        axes[i, 0].imshow(image, cmap="gray", vmin=0, vmax=255, interpolation="nearest")
        axes[i, 0].set_title(image_title)
    else:
        axes[i, 0].axis("off")
        axes[i, 0].text(0.5, 0.5, "bottom row\n= middle row,\nexactly\n(integer data)", ha="center", va="center",
                        fontsize=14, transform=axes[i, 0].transAxes)
    for s in range(4):
        im = axes[i, s + 1].imshow(planes[s], cmap="RdBu_r", vmin=-vmax, vmax=vmax, interpolation="nearest")
        extra = f"\n= top row's R({(s - 1) % 4}), turned" if i == 2 else ""
        axes[i, s + 1].set_title(f"{name}, plane R({s}){extra}")
    for ax in axes[i]:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(im, ax=axes[i, 4], shrink=0.8, extend="both", label="layer-3 output")
fig.suptitle("Three stacked p4 layers (lifting, ReLU, group, ReLU, group; random integer filters):\n"
             "turning the input turns every output plane and cycles the planes")
figures.save(fig, "12_stacked_layers_photograph.png")


# %% [markdown]
# ## Summary
#
# * L8: lifting and group correlations with ReLU in between form an equivariant network;
#   pushing L_u through one layer at a time is the whole proof, and each step is checked.
# * A single non-equivariant layer is enough to lose the property.
# * The remaining parts of a G-CNN (pooling, normalisation, the invariant read-out) are
#   the subject of tutorial 14.

# %% [markdown]
# ## The tally
#
# Every check above printed its own line. The last cell counts them: run as a script it
# exits with status 1 if any failed (so `tutorials/run_all.py` and CI notice); in a
# notebook it raises instead.

# %%
checks.finish()
