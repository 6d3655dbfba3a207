"""Run a percent-format tutorial as a real notebook: jupytext converts it, nbclient executes it.

    python tests/run_notebook.py TUTORIAL.py WORKDIR OUT.json

The notebook runs in a fresh IPython kernel whose working directory is WORKDIR, with
matplotlib's inline backend (MPLBACKEND is removed from the kernel's environment), as it
would for a student in JupyterLab. OUT.json receives, per code cell, its printed text,
whether it showed an image, and the error if one was raised (execution stops there).
Needs the optional packages of requirements-notebooks.txt.
"""
import json
import os
import sys

import jupytext
import nbclient
from nbclient.exceptions import CellExecutionError


def run(path, workdir):
    os.environ.pop("MPLBACKEND", None)  # the kernel inherits this environment: let it choose inline
    nb = jupytext.read(path, fmt="py:percent")
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": workdir}})
    error = None
    try:
        client.execute()
    except CellExecutionError as exc:
        error = str(exc)[-3000:]
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outputs = cell.get("outputs", [])
        text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
        images = sum("image/png" in o.get("data", {}) for o in outputs)
        failed = [o for o in outputs if o.get("output_type") == "error"]
        cells.append({"source": cell.source, "stdout": text, "images": images,
                      "error": failed[0].get("ename") if failed else None})
    return {"error": error, "cells": cells}


if __name__ == "__main__":
    tutorial, workdir, out_path = sys.argv[1:4]
    with open(out_path, "w", encoding="utf-8") as fh:
        json.dump(run(tutorial, workdir), fh)
