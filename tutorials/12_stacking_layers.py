"""Tutorial 12 - stacking layers: a composition of equivariant layers is equivariant (docs/equations.md L8).

Claim: a lifting layer, then group correlations, with a pointwise nonlinearity (ReLU) in
between, is equivariant as a whole:

    L8   Phi(L_u f) = L_u Phi(f)     for Phi = layer_n o ... o layer_1 and every u in G,

because each layer moves L_u one step further out:
layer_2(layer_1(L_u f)) = layer_2(L_u layer_1(f)) = L_u layer_2(layer_1(f)). Checked for two
and three layers, on p4 and p4m, for every turn and mirror and for shifted elements:
exactly (residual 0.0) on integer data, to round-off on float data and on a photograph.

Run:  python3 tutorials/12_stacking_layers.py
"""
IDS = ("L8",)

# %% [markdown]
# ## Why stacking is safe
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
#     layer 1   F1 = ReLU(f * psi1)    lifting correlation: image (C0 channels) -> function on G
#     layer 2   F2 = ReLU(F1 * psi2)   group correlation: G -> G
#     layer 3   F3 = F2 * psi3         group correlation: G -> G
#
# The frame is a torus ("circular" mode; shifts wrap around) so that shifts lose nothing.
# On an ordinary zero-bordered frame the turns and mirrors about the centre are still
# exact, which we also check in "valid" mode; shifts there break at the border
# (tutorial 05, C5).

# %%
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)  # run from a fresh clone without installing the package
from groupconv import action, checks, correlate, engine, groups, images  # noqa: E402

from groupconv.figures import display_path, figures_dir  # noqa: E402

FIGURES = str(figures_dir())
INT_WHY = ("int64 data: sums of products of integers, and ReLU, keep every value an exact integer "
           "(integers never take the FFT path)")
FLOAT_WHY = "float data: the moved input's products are summed in a different order"


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
    H = list(groups.point_group(group))
    params = ((0, 1, -2), (1, 2, -1), (3, 0, 2), (2, -3, 1)) if group == "p4" else \
        ((0, 0, 1, -2), (1, 1, 2, -1), (0, 3, 0, 2), (1, 2, -3, 1))
    return H + [groups.element(group, *p) for p in params]


# %% [markdown]
# ## A tiny example to check by hand
#
# A 3 x 3 image, two layers, p4, "valid" mode, one channel each: the lifting layer
# leaves one pixel per turned filter (4 numbers), ReLU clips the negative ones, and the
# 1 x 1 group filter of layer 2 mixes the 4 numbers around the circle as in tutorial
# 09. Turn the image by a quarter turn: all the intermediate and final numbers come
# back, cycled by one slot.

# %%
def tiny_example():
    f = np.array([[1, 2, 0], [0, 1, 3], [1, 0, 0]])[None, None]  # integers (int64): every sum is exact
    psi1 = np.array([[1, 0, 0], [2, 0, 0], [0, -1, 0]])[None, None]
    psi2 = np.array([1, 0, 2, 0]).reshape(1, 1, 4, 1, 1)
    F1, F2 = network(f, [psi1, psi2], "p4", "valid")
    G1, G2 = network(np.rot90(f, 1, axes=(-2, -1)), [psi1, psi2], "p4", "valid")
    print("layer 1 for f          :", F1.ravel().tolist(), " ReLU ->", relu(F1).ravel().tolist())
    print("layer 2 for f          :", F2.ravel().tolist())
    print("layer 1 for f turned 90:", G1.ravel().tolist())
    print("layer 2 for f turned 90:", G2.ravel().tolist(), " <- layer 2 for f, cycled by one slot")
    checks.check("L8", "tiny example: two layers, turning the 3 x 3 input by R(1) cycles the 4 outputs",
                 G2.ravel(), np.roll(F2.ravel(), 1), "exact", "u = R(1)", INT_WHY)


# %% [markdown]
# ## Two and three layers, every turn and mirror, shifts too
#
# For each u the network is run twice: on the moved input L_u f, and on f with its
# output moved by L_u afterwards. The table prints the residual after each layer; the
# final outputs are compared with a check. Channels 1 -> 3 -> 3 -> 2, 3 x 3 filters,
# a 7 x 7 torus.
#
# With float data the residual grows from layer to layer (each layer adds up more
# products, and each inherits the round-off of the layer before), but it stays at the
# level of round-off relative to the size of the values; with integer data it stays
# exactly 0.0 at every depth.

# %%
def check_depths(rng):
    n, k = 7, 3
    for group in ("p4", "p4m"):
        us = elements_to_try(group)
        names = ", ".join(groups.name(u) for u in us)
        for kind in ("exact", "float"):
            make = (lambda shape: images.random_signal(shape, rng, kind))
            f = make((1, 1, n, n))
            filters = random_filters(make, group, (1, 3, 3, 2), k)
            outputs = network(f, filters, group, "circular")
            moved_outputs = [network(action.transform_image(f, u, "wrap"), filters, group, "circular") for u in us]
            print(f"  {group}, {kind} data: max |Phi(L_u f) - L_u Phi(f)| after each layer")
            print("    " + "u".ljust(16) + "".join(f"layer {d + 1}".rjust(12) for d in range(3)))
            for u, moved in zip(us, moved_outputs):
                row = [checks.residual(moved[d], action.transform_group_function(outputs[d], u, group, "wrap")).value
                       for d in range(3)]
                print("    " + groups.name(u).ljust(16) + "".join(f"{r:12.3g}" for r in row))
            for depth in (2, 3):
                lhs = np.stack([moved[depth - 1] for moved in moved_outputs])
                rhs = np.stack([action.transform_group_function(outputs[depth - 1], u, group, "wrap") for u in us])
                checks.check("L8", f"{group} circular, {depth} layers: Phi(L_u f) vs L_u Phi(f)", lhs, rhs, kind,
                             names, INT_WHY if kind == "exact" else FLOAT_WHY)
        # an ordinary zero-bordered frame ("valid" mode): turns and mirrors about the centre
        f = images.integer_image((1, 1, 11, 11), rng)
        filters = random_filters(lambda shape: images.integer_image(shape, rng), group, (1, 3, 3, 2), k)
        final = network(f, filters, group, "valid")[-1]
        H = groups.point_group(group)
        lhs = np.stack([network(action.transform_image(f, s), filters, group, "valid")[-1] for s in H])
        rhs = np.stack([action.transform_group_function(final, s, group) for s in H])
        checks.check("L8", f"{group} valid (zero border, 11 x 11 -> 5 x 5), 3 layers: Phi(L_s f) vs L_s Phi(f)",
                     lhs, rhs, "exact", f"every s in the point group of {group}", INT_WHY)


# %% [markdown]
# ## The argument, line by line
#
# For three layers Phi = layer_3 o layer_2 o layer_1 (layer_1 and layer_2 end with a
# ReLU), each line computed as its own array, for every u tried:
#
#     line 1   layer_3(layer_2(layer_1(L_u f)))   run the network on the moved input
#     line 2   layer_3(layer_2(L_u layer_1(f)))   layer 1 is equivariant (L2, and N1 for its
#                                                 ReLU): feed layer 2 the moved output of layer 1
#     line 3   layer_3(L_u layer_2(layer_1(f)))   layer 2 is equivariant (L4/L5 and N1)
#     line 4   L_u layer_3(layer_2(layer_1(f)))   layer 3 is equivariant: move the final output
#
# Each step uses the equivariance of one layer only; lines 1 and 4 are the two sides of L8.

# %%
def check_chain(rng):
    n, k = 7, 3
    for group in ("p4", "p4m"):
        us = elements_to_try(group)
        f = images.integer_image((1, 1, n, n), rng)
        psi1, psi2, psi3 = random_filters(lambda shape: images.integer_image(shape, rng), group, (1, 3, 3, 2), k)

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
                     "exact", elements=", ".join(groups.name(u) for u in us), why=INT_WHY)


# %% [markdown]
# ## One layer that is not equivariant spoils the stack
#
# Replace the middle layer by an ordinary planar correlation that treats the |H| planes
# as plain channels, with one fixed filter bank (no transformed copies for the other
# planes, i.e. without the construction of tutorial 11). The stack is no longer
# equivariant - the check below must find a non-zero residual.

# %%
def check_broken(rng):
    n, k = 7, 3
    group = "p4"
    f = images.integer_image((1, 1, n, n), rng)
    psi1, _, psi3 = random_filters(lambda shape: images.integer_image(shape, rng), group, (1, 3, 3, 2), k)
    planar = images.integer_image((3 * 4, 3 * 4, k, k), rng)  # maps 12 channels to 12 channels

    def stack(x):
        F = relu(correlate.lifting_correlation(x, psi1, group, "circular"))  # (1, 3, 4, n, n)
        F = engine.planar_correlation(F.reshape(1, 12, n, n), planar, "circular").reshape(1, 3, 4, n, n)
        return correlate.group_correlation(relu(F), psi3, group, "circular")

    u = groups.rotation(1)
    checks.check("L8", "p4: a stack with a plain planar middle layer is NOT equivariant",
                 stack(action.transform_image(f, u, "wrap")),
                 action.transform_group_function(stack(f), u, group, "wrap"), "nonzero", "u = R(1)",
                 "a counterexample: the middle layer does not turn its filters with the input")


# %% [markdown]
# ## Picture: three layers on a photograph
#
# Top: the 4 planes of the last layer's output (one channel) for the photograph.
# Middle: the same for the photograph turned by a quarter turn. Bottom: the top row
# transformed by L_R(1) - each plane turned, and moved one slot on. Middle and bottom
# rows agree up to float round-off; the filters are random, so the planes are not
# meant to look like anything in particular.

# %%
def figure_photograph(rng):
    f = images.photograph(65)[None, None]
    filters = random_filters(rng.standard_normal, "p4", (1, 3, 3, 1), 3)
    u = groups.rotation(1)
    out = network(f, filters, "p4", "same")[-1][0, 0]
    out_turned = network(action.transform_image(f, u), filters, "p4", "same")[-1][0, 0]
    moved = action.transform_group_function(out, u, "p4")
    vmax = np.max(np.abs(out))
    fig, axes = plt.subplots(3, 5, figsize=(17, 10.5), constrained_layout=True)
    rows = [(f[0, 0], "photograph f", out, "Phi(f)"),
            (action.transform_image(f, u)[0, 0], "turned photograph L_R(1) f", out_turned, "Phi(L_R(1) f)"),
            (None, "", moved, "L_R(1) Phi(f)")]
    for i, (image, image_title, planes, name) in enumerate(rows):
        ax = axes[i, 0]
        if image is not None:
            ax.imshow(image, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            ax.set_title(image_title, fontsize=11)
            ax.set_xticks([])
            ax.set_yticks([])
        else:
            diff = out_turned - moved
            im = ax.imshow(diff.reshape(2, 2, 65, 65).transpose(0, 2, 1, 3).reshape(130, 130), cmap="RdBu_r",
                           vmin=-vmax, vmax=vmax)
            gap = checks.residual(out_turned, moved).value
            ax.set_title(f"middle row - bottom row (4 planes)\nmax |diff| = {gap:.1e}", fontsize=11)
            ax.set_xticks([])
            ax.set_yticks([])
        for s in range(4):
            ax = axes[i, s + 1]
            im = ax.imshow(planes[s], cmap="RdBu_r", vmin=-vmax, vmax=vmax, interpolation="nearest")
            extra = f"\n= top row's plane R({(s - 1) % 4}), turned" if i == 2 else ""
            ax.set_title(f"{name}, plane R({s}){extra}", fontsize=10)
            ax.set_xticks([])
            ax.set_yticks([])
        fig.colorbar(im, ax=axes[i, 4], shrink=0.8, label="layer-3 output")
    fig.suptitle("L8: three stacked p4 layers (lifting, ReLU, group, ReLU, group; random filters) "
                 "- turning the input turns and cycles the output", fontsize=14)
    os.makedirs(FIGURES, exist_ok=True)
    path = os.path.join(FIGURES, "12_stacked_layers_photograph.png")
    fig.savefig(path, dpi=90)
    plt.close(fig)
    print(f"  wrote {display_path(path)}")
    checks.check("L8", "photograph (the figure's arrays), 3 p4 layers: Phi(L_R(1) f) vs L_R(1) Phi(f)",
                 out_turned, moved, "float", "u = R(1)", "float photograph and filters: round-off only")


# %% [markdown]
# ## Summary
#
# * L8: lifting and group correlations with ReLU in between form an equivariant network;
#   pushing L_u through one layer at a time is the whole proof, and each step is checked.
# * A single non-equivariant layer is enough to lose the property.
# * The remaining parts of a G-CNN (pooling, normalisation, the invariant read-out)
#   are checked in the tutorials of docs/equations.md section 6.

# %%
def main():
    rng = np.random.default_rng(checks.SEED)
    print("Tutorial 12: stacking layers\n")
    print("-- tiny example --")
    tiny_example()
    print("\n-- two and three layers --")
    check_depths(rng)
    print("\n-- the argument, line by line --")
    check_chain(rng)
    print("\n-- a non-equivariant layer --")
    check_broken(rng)
    print("\n-- figure --")
    figure_photograph(rng)
    checks.finish()


if __name__ == "__main__":
    main()
