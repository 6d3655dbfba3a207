"""Shared test set-up: one seeded random generator; figures go to a temporary folder, never over the committed ones."""
import os

import numpy as np
import pytest
from hypothesis import settings

from groupconv.checks import SEED

# Property tests (hypothesis): the same examples on every run and machine, no example database written into the
# working tree, and no per-example deadline (these machines are shared; speed is measured in benchmarks/).
settings.register_profile("groupconv", derandomize=True, database=None, deadline=None, print_blob=True)
settings.load_profile("groupconv")


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
