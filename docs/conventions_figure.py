"""Draw the coordinate conventions of groupconv (README "Conventions"), one idea per picture:

    figures/00_conventions_coordinates.png     pixel (i, j) sits at (u, v); u down, v right
    figures/00_conventions_turn_and_mirror.png L_R(1) f = np.rot90(f), L_M f = np.flip(f, axis=0)
    figures/00_conventions_translation.png     L_t f for t = t(1, -1): one row down, one column left
    figures/00_conventions_even_size.png       an even frame turns about the point between pixels

Every picture is computed with groupconv.action from integer images, so its bytes are
the same on every machine. Run: python docs/conventions_figure.py
"""
import matplotlib.pyplot as plt
import numpy as np

from groupconv import action, figures, groups

# An "F"-shaped test image: no rotation or mirror maps it to itself, so every action shows.
F = np.array([
    [0, 1, 1, 1, 0],
    [0, 1, 0, 0, 0],
    [0, 1, 1, 0, 0],
    [0, 1, 0, 0, 0],
    [0, 0, 0, 0, 0],
])


def draw(ax, f, title):
    """f on its centred frame: axes in (u, v), grid lines between pixels, the centre (0, 0) in red."""
    n = f.shape[0]
    c = (n - 1) / 2
    ax.imshow(f, cmap="Greys", vmin=0, vmax=1.6, extent=(-c - 0.5, c + 0.5, c + 0.5, -c - 0.5))
    for x in np.arange(-c - 0.5, c + 1):
        ax.axhline(x, color="0.8", lw=0.8)
        ax.axvline(x, color="0.8", lw=0.8)
    ax.set_xticks(np.arange(-c, c + 1))
    ax.set_yticks(np.arange(-c, c + 1))
    ax.set_xlabel("v (column offset)")
    ax.set_ylabel("u (row offset)")
    ax.plot(0, 0, "o", color="tab:red", ms=8)
    ax.set_title(title)


def coordinates():
    """One frame with both labellings: array index (i, j) on top/right, centred (u, v) on bottom/left."""
    fig, ax = plt.subplots(figsize=(7.5, 6.8), layout="constrained")
    draw(ax, F, "")
    top = ax.secondary_xaxis("top", functions=(lambda v: v + 2, lambda j: j - 2))
    top.set_xticks(range(5))
    top.set_xlabel("column index j")
    right = ax.secondary_yaxis("right", functions=(lambda u: u + 2, lambda i: i - 2))
    right.set_yticks(range(5))
    right.set_ylabel("row index i")
    ax.annotate("pixel (i, j) = (0, 1)\nis (u, v) = (-2, -1)", (-1, -2), xytext=(0.6, 1.4), fontsize=13,
                color="tab:blue", arrowprops=dict(arrowstyle="->", color="tab:blue", lw=2),
                bbox=dict(fc="white", ec="tab:blue"))
    fig.suptitle("(u, v) = (i − (n−1)/2, j − (n−1)/2): the centre (red) is (0, 0)\n"
                 "u grows downwards, v to the right")
    figures.save(fig, "00_conventions_coordinates.png")


def turn_and_mirror():
    fig, axes = plt.subplots(1, 3, figsize=(15, 6.4), layout="constrained")
    draw(axes[0], F, "f")
    draw(axes[1], action.transform_image(F, groups.rotation(1)), "L$_{R(1)}$ f = np.rot90(f, 1)\n"
         "a quarter turn counter-clockwise")
    draw(axes[2], action.transform_image(F, groups.mirror(1)), "L$_M$ f = np.flip(f, axis=0)\n"
         "M: (u, v) → (−u, v) flips the rows")
    fig.suptitle("(L$_g$ f)(x) = f(g⁻¹x): turns and mirrors about the centre")
    figures.save(fig, "00_conventions_turn_and_mirror.png")


def translation():
    fig, axes = plt.subplots(1, 2, figsize=(10.5, 6.6), layout="constrained")
    draw(axes[0], F, "f")
    draw(axes[1], action.transform_image(F, groups.translation(1, -1)), "L$_t$ f, t = t(1, −1)\n"
         "one row down, one column left")
    fig.suptitle("A translation t(u, v) moves the picture u rows down, v columns right")
    figures.save(fig, "00_conventions_translation.png")


def even_size():
    even = np.zeros((4, 4), dtype=np.int64)
    even[0, 1:3] = 1
    even[1, 1] = 1
    fig, axes = plt.subplots(1, 2, figsize=(10.5, 6.6), layout="constrained")
    draw(axes[0], even, "a 4 x 4 frame: pixels at\nu, v = ±0.5, ±1.5")
    draw(axes[1], action.transform_image(even, groups.rotation(1)), "after L$_{R(1)}$:\nthe turn is about that point")
    fig.suptitle("Even sizes: the centre (red) lies between the four middle pixels")
    figures.save(fig, "00_conventions_even_size.png")


def main():
    figures.use_slide_style()
    coordinates()
    turn_and_mirror()
    translation()
    even_size()


if __name__ == "__main__":
    main()
