"""Where the pictures go: `figures/` at the repository root, or the folder named by $GROUPCONV_FIGURES.

(When groupconv is installed without its repository - no `tutorials/` beside the
package - the default is `figures/` in the current directory instead.)

Tutorials, the widget's --save and the experiments write here. The tests set
GROUPCONV_FIGURES to a temporary folder, so that running them (including the runs with
deliberately planted bugs) never overwrites the committed figures.
"""
import os
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]


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
