"""Where the pictures go, and how they are written so that the same numbers give the same PNG bytes.

    figures_dir()        figures/ at the repository root, or the folder named by $GROUPCONV_FIGURES
    use_slide_style()    fonts and line widths readable on a lecture slide (labels >= 12 pt)
    steady(a)            values rounded to 6 significant digits before they are drawn
    save(fig, name)      write figures/<name> and show that PNG inline in a notebook

(When groupconv is installed without its repository - no `tutorials/` beside the
package - the default folder is `figures/` in the current directory instead.)

Tutorials, the widget's --save and the experiments write here. The tests set
GROUPCONV_FIGURES to a temporary folder, so that running them (including the runs with
deliberately planted bugs) never overwrites the committed figures.

Deterministic bytes. A PNG written by save() carries no date and no software version,
so it depends only on what is drawn. What is drawn must not depend on the machine
either: float sums computed by BLAS or the FFT may differ in the last bit from one
CPU kernel (or thread count) to another, and a last-bit difference can move a pixel
across a colour boundary. So figures either draw exact data (integers, index moves) or
pass float data through steady(), which rounds it far above round-off and far below
anything the eye can see; and titles never print a round-off residual's digits.
"""
import os
import sys
from pathlib import Path

import numpy as np

from groupconv import limits

REPOSITORY = Path(__file__).resolve().parents[1]

SLIDE_STYLE = {
    "font.size": 13,
    "axes.titlesize": 14,
    "axes.labelsize": 13,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "legend.fontsize": 12,
    "figure.titlesize": 16,
    "lines.linewidth": 2.0,
    "savefig.dpi": 100,
    "figure.dpi": 100,
}
"""rcParams of use_slide_style(): at the saved size (100 dpi) every label is at least 12 pt."""

STEADY_DIGITS = 6


def figures_dir():
    """The folder figures are written to (created if needed), as a Path."""
    default = REPOSITORY / "figures" if (REPOSITORY / "tutorials").is_dir() else Path.cwd() / "figures"
    path = Path(os.environ.get("GROUPCONV_FIGURES") or default)
    path.mkdir(parents=True, exist_ok=True)
    return path


def display_path(path):
    """A path as printed to the reader: relative to the repository when it lies inside it."""
    path = Path(path).resolve()
    try:
        return str(path.relative_to(REPOSITORY))
    except ValueError:
        return str(path)


def use_slide_style():
    """Set matplotlib's rcParams to SLIDE_STYLE (fonts >= 12 pt at the saved size)."""
    import matplotlib

    matplotlib.rcParams.update(SLIDE_STYLE)


def steady(a, digits=STEADY_DIGITS):
    """a rounded to `digits` significant digits of its largest finite |value|, for drawing.

    Two computations of the same float array that differ by round-off (1e-16 relative)
    round to the same numbers (unless one straddles a rounding boundary, about one value
    in 1e9), so the picture, and the PNG, are the same on every machine. Integer arrays
    are returned unchanged. digits is an integer 1..17 (float64 holds 17 significant
    digits); masked and non-numeric arrays raise TypeError.
    """
    digits = limits.integer(digits, "digits (significant digits to keep)", minimum=1)
    if digits > 17:
        raise ValueError(f"digits (significant digits to keep) must be at most 17, the digits of a float64; "
                         f"got {digits}")
    a = limits.plain_array(a, "the values to draw")
    if a.dtype.kind not in "biufc":
        raise TypeError(f"steady rounds numeric arrays, got dtype {a.dtype}")
    if a.dtype.kind in "biu" or a.size == 0:
        return a
    finite = np.isfinite(a)
    top = float(np.max(np.abs(a), where=finite, initial=0.0))
    if top == 0.0:
        return a.astype(np.float64)
    exponent = int(np.floor(np.log10(top)))  # 10**exponent <= top < 10**(exponent + 1) ...
    exponent -= 10.0 ** exponent > top  # ... also where log10 rounds up (top = 999999999999.998 gives 12.0)
    quantum = 10.0 ** (exponent - digits + 1)
    if quantum == 0.0:  # a denormal top: its quantum underflows to 0 (a / 0 would be NaN); such values draw as 0
        return a.astype(np.float64)
    return np.where(finite, np.round(a / quantum) * quantum, a)


def _in_notebook():
    return "ipykernel" in sys.modules


def save(fig, name, dpi=None):
    """Write fig to figures_dir()/name as a PNG without date or version metadata; return the path.

    In a notebook the PNG just written is then shown inline, right here (so the reader
    sees exactly the file, whatever the notebook's matplotlib backend); in a script the
    figure is only written, so a headless run opens nothing and a desktop run no window.
    The figure is closed either way. Prints where the file went.
    """
    import matplotlib.pyplot as plt

    path = figures_dir() / name
    fig.savefig(path, dpi=dpi, metadata={"Software": None})
    print(f"figure written: {display_path(path)}")
    plt.close(fig)
    if _in_notebook():
        from IPython.display import Image, display

        display(Image(filename=str(path)))
    return path
