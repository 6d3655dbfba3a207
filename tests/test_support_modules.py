"""The small support modules: the test photograph (images.py), the statement inventory (inventory.py), where figures go (figures.py)."""
from pathlib import Path

import numpy as np
import pytest

from groupconv import images, inventory
from groupconv.checks import SEED, residual


def test_photograph_is_nearest_neighbour_sampling_of_the_centred_square():
    full = images.photograph(512)  # the crop itself: the sample photograph is 600 x 512
    assert full.shape == (512, 512) and full.dtype == np.float64
    assert 0.0 <= full.min() and full.max() <= 1.0
    # 512 / 128 = 4: pixel i of the small picture is pixel 4 i of the crop, no averaging
    assert residual(images.photograph(128), full[::4, ::4]).exact
    with pytest.raises(ValueError, match="positive integer"):
        images.photograph(True)
    with pytest.raises(ValueError, match="positive integer"):
        images.photograph(0)


def test_integer_image_range_and_dtype():
    f = images.integer_image((3, 50, 50), np.random.default_rng(SEED), low=-2, high=2)
    assert f.dtype == np.int64 and f.min() == -2 and f.max() == 2


def test_inventory_ids_by_section():
    assert inventory.ids(3) == inventory.ids([3]) == ["C1", "C2", "C3", "C4", "C5", "C6"]
    assert len(inventory.ids()) == len(inventory.INVENTORY) == len(set(inventory.ids()))
    with pytest.raises(ValueError, match="sections are numbered"):
        inventory.ids(9)  # section 8 is the hexagonal lattice


def test_figures_dir_follows_the_environment(tmp_path, monkeypatch):
    from groupconv import figures

    target = tmp_path / "pictures"
    monkeypatch.setenv("GROUPCONV_FIGURES", str(target))
    assert figures.figures_dir() == target and target.is_dir()
    monkeypatch.delenv("GROUPCONV_FIGURES")
    assert figures.figures_dir() == figures.REPOSITORY / "figures"  # the repository has tutorials/
    assert figures.display_path(figures.REPOSITORY / "figures" / "x.png") == str(Path("figures") / "x.png")
    assert figures.display_path(target / "x.png") == str(target / "x.png")


def test_random_signal_kinds(rng):
    exact = images.random_signal((3, 4), rng, "exact")
    assert exact.dtype == np.int64 and exact.min() >= -3 and exact.max() <= 3
    assert images.random_signal((3, 4), rng, "float").dtype == np.float64
    with pytest.raises(ValueError, match="'exact' or 'float'"):
        images.random_signal((3, 4), rng, "nonzero")


def test_integer_image_draws_what_integers_low_high_plus_one_draws_and_checks_its_bounds():
    """endpoint=True (which lets high be 2**63 - 1) draws the same numbers as the exclusive high + 1 did."""
    got = images.integer_image((4, 6), np.random.default_rng(SEED), low=-2, high=5)
    assert np.array_equal(got, np.random.default_rng(SEED).integers(-2, 6, size=(4, 6), dtype=np.int64))
    assert images.integer_image(3, np.random.default_rng(SEED), 7, 7).tolist() == [7, 7, 7]
    wide = images.integer_image(1000, np.random.default_rng(SEED), -2**63, 2**63 - 1)
    assert wide.dtype == np.int64 and (wide < 0).any() and (wide > 0).any()
    with pytest.raises(ValueError, match="int64"):
        images.integer_image(3, np.random.default_rng(SEED), 0, 2**63)
    with pytest.raises(TypeError, match="shape"):
        images.integer_image(None, np.random.default_rng(SEED))
