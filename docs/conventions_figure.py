"""Draw the coordinate conventions of groupconv: figures/00_conventions.png.

Run: python docs/conventions_figure.py
"""
import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from groupconv import action, groups  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]

# An "F"-shaped test image: no rotation or mirror maps it to itself, so every action shows.
F = np.array([
    [0, 1, 1, 1, 0],
    [0, 1, 0, 0, 0],
    [0, 1, 1, 0, 0],
    [0, 1, 0, 0, 0],
    [0, 0, 0, 0, 0],
])


def draw(ax, f, title):
    n = f.shape[0]
    c = (n - 1) / 2
    ax.imshow(f, cmap="Greys", vmin=0, vmax=1.6, extent=(-c - 0.5, c + 0.5, c + 0.5, -c - 0.5))
    for x in np.arange(-c - 0.5, c + 1):
        ax.axhline(x, color="0.8", lw=0.6)
        ax.axvline(x, color="0.8", lw=0.6)
    ax.set_xticks(np.arange(-c, c + 1))
    ax.set_yticks(np.arange(-c, c + 1))
    ax.set_xlabel("v (column offset)")
    ax.set_ylabel("u (row offset)")
    ax.plot(0, 0, "o", color="tab:red", ms=5)
    ax.set_title(title, fontsize=10)


def main():
    fig, axes = plt.subplots(1, 6, figsize=(20, 4))
    draw(axes[0], F, "f: centre (red) is (u, v) = (0, 0)\nu grows downwards, v to the right")
    draw(axes[1], action.transform_image(F, groups.rotation(1)), "L_R(1) f = np.rot90(f, 1)\nquarter turn counter-clockwise")
    draw(axes[2], action.transform_image(F, groups.mirror(1)), "L_M f = np.flip(f, axis=0)\nM: (u, v) -> (-u, v) flips rows")
    draw(axes[3], action.transform_image(F, groups.translation(1, -1)), "L_t f with t = t(1, -1)\none row down, one column left")
    even = np.zeros((4, 4))
    even[0, 1:3] = 1
    even[1, 1] = 1
    draw(axes[4], even, "even size (4 x 4): the centre lies\nbetween pixels, at u, v = ±0.5, ±1.5")
    draw(axes[5], action.transform_image(even, groups.rotation(1)), "even size after L_R(1):\nthe turn is about that point")
    fig.suptitle("groupconv conventions: (L_g f)(x) = f(g⁻¹x), pixel (i, j) at (u, v) = (i - (n-1)/2, j - (n-1)/2)",
                 fontsize=12)
    fig.tight_layout()
    out = ROOT / "figures" / "00_conventions.png"
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
