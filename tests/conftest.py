"""Shared test set-up: one seeded random generator; figures go to a temporary folder, never over the committed ones."""
import os

import numpy as np
import pytest

from groupconv.checks import SEED


@pytest.fixture
def rng():
    """A fresh generator with the project's seed for every test (groupconv.checks.SEED)."""
    return np.random.default_rng(SEED)


@pytest.fixture(autouse=True, scope="session")
def figures_in_a_temporary_folder(tmp_path_factory):
    """Tutorials run by the tests (some with deliberately planted bugs) write their pictures here."""
    folder = tmp_path_factory.mktemp("figures")
    old = os.environ.get("GROUPCONV_FIGURES")
    os.environ["GROUPCONV_FIGURES"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("GROUPCONV_FIGURES", None)
    else:
        os.environ["GROUPCONV_FIGURES"] = old
