import numpy as np
import pytest

from deepbelief.plotting import tile_images


def test_tile_images_places_each_image_in_its_cell():
    images = np.arange(6 * 4, dtype=float).reshape(6, 4)
    grid = tile_images(images, n_cols=4, padding=1, scale=False)
    assert grid.shape == (2 * 2 + 1, 4 * 2 + 3)
    np.testing.assert_array_equal(grid[0:2, 0:2], images[0].reshape(2, 2))
    np.testing.assert_array_equal(grid[0:2, 9:11], images[3].reshape(2, 2))
    np.testing.assert_array_equal(grid[3:5, 3:5], images[5].reshape(2, 2))
    # padding and the two empty cells hold the brightest value
    assert np.all(grid[2, :] == images.max())
    assert np.all(grid[3:5, 6:] == images.max())


def test_tile_images_scales_each_tile_to_unit_range():
    rng = np.random.default_rng(0)
    images = rng.normal(size=(3, 9)) * np.array([[1.0], [100.0], [0.01]])
    grid = tile_images(images, n_cols=3, padding=0)
    for col in range(3):
        tile = grid[:, 3 * col : 3 * col + 3]
        assert tile.min() == 0.0 and tile.max() == 1.0


def test_tile_images_constant_tile_and_default_columns():
    grid = tile_images(np.full((5, 4), 3.0), padding=0)
    assert grid.shape == (2 * 2, 3 * 2)  # ceil(sqrt(5)) = 3 columns
    assert np.all(grid[:2, :] == 0.0)


def test_tile_images_accepts_stacks_and_rectangles():
    images = np.zeros((2, 2, 3))
    assert tile_images(images, padding=2).shape == (2, 8)
    assert tile_images(images.reshape(2, 6), image_shape=(2, 3), padding=0).shape == (2, 6)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(images=np.zeros((2, 5))), "perfect square"),
        (dict(images=np.zeros((2, 6)), image_shape=(4, 2)), "multiply"),
        (dict(images=np.zeros(4)), "shape"),
        (dict(images=np.zeros((0, 4))), "at least one"),
        (dict(images=np.zeros((2, 4)), n_cols=0), "n_cols"),
        (dict(images=np.zeros((2, 4)), padding=-1), "padding"),
        (dict(images=np.zeros((2, 2, 2)), image_shape=(1, 4)), "match"),
    ],
)
def test_tile_images_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        tile_images(**kwargs)


def test_tile_images_rejects_non_int_columns():
    with pytest.raises(TypeError, match="n_cols"):
        tile_images(np.zeros((2, 4)), n_cols=1.5)


def test_plotting_imports_without_matplotlib():
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "import deepbelief.plotting as p\n"
        "print(p.tile_images([[0, 1, 2, 3]]).shape)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(2, 2)"
