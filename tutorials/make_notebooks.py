"""Write every tutorial as a Jupyter notebook (.ipynb), for those who want notebook files.

    python tutorials/make_notebooks.py            # into notebooks/ at the repository root
    python tutorials/make_notebooks.py --out DIR  # elsewhere

The tutorials are percent-format scripts: `# %%` starts a code cell, `# %% [markdown]` a
text cell. jupytext turns each into a notebook without outputs; run it in JupyterLab,
VS Code or Colab. The notebooks are generated, never committed (notebooks/ is ignored
by git): edit the .py files. Needs the optional jupytext (requirements-notebooks.txt).
For one file the jupytext command alone does it:
`jupytext --to ipynb tutorials/08_lifting_correlation.py` (writes the .ipynb beside it).
"""
import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv=None):
    parser = argparse.ArgumentParser(description="Write the tutorials as .ipynb notebooks.")
    parser.add_argument("--out", default=str(HERE.parent / "notebooks"), help="folder for the notebooks")
    args = parser.parse_args(argv)
    try:
        import jupytext
    except ImportError:
        parser.error("this needs jupytext: pip install -r requirements-notebooks.txt")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(HERE.glob("[0-9][0-9]_*.py")):
        notebook = jupytext.read(path, fmt="py:percent")
        target = out / (path.stem + ".ipynb")
        jupytext.write(notebook, target)
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
