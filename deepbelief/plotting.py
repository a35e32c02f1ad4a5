"""Pictures of what training does: filters, samples, learning curves, codes.

:func:`tile_images` needs only numpy, so the command line can write sample
grids without matplotlib. The Display classes follow scikit-learn's
plotting API: ``XDisplay.from_estimator(estimator, ...)`` computes what to
draw and calls :meth:`plot`, which draws into a given ``ax`` (or a new
figure) and keeps the ``figure_`` and ``ax_`` it drew on. matplotlib is
imported only when something is drawn; install it with
``pip install "deepbelief[plot]"``.
"""

import math
import numbers

import numpy as np

__all__ = ["tile_images"]


def _check_int(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int; got {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {value}.")
    return int(value)


def _square_shape(n_features):
    side = math.isqrt(n_features)
    if side * side != n_features:
        raise ValueError(
            "image_shape must be given when n_features is not a perfect square; "
            f"got n_features={n_features}."
        )
    return side, side


def _check_image_shape(image_shape, n_features):
    if image_shape is None:
        return _square_shape(n_features)
    if len(image_shape) != 2:
        raise ValueError(f"image_shape must be a pair (height, width); got {image_shape!r}.")
    height = _check_int(image_shape[0], "image_shape[0]", 1)
    width = _check_int(image_shape[1], "image_shape[1]", 1)
    if height * width != n_features:
        raise ValueError(
            f"image_shape must multiply to n_features={n_features}; got {image_shape!r}."
        )
    return height, width


def tile_images(images, image_shape=None, n_cols=None, padding=1, scale=True):
    """Arrange images, or weight vectors, in one 2-D grid.

    Parameters
    ----------
    images : array-like of shape (n_images, n_features) or (n_images, height, width)
        One image per row (flattened row by row) or a stack of images.
    image_shape : tuple of (int, int), default=None
        ``(height, width)`` of each flattened image. By default images are
        taken to be square, which needs ``n_features`` to be a perfect
        square.
    n_cols : int, default=None
        Tiles per row; by default ``ceil(sqrt(n_images))``.
    padding : int, default=1
        Pixels between neighbouring tiles. Padding and any empty cells of
        the last row hold the brightest value of the grid (1 when
        ``scale=True``, the images' maximum otherwise), so dark tiles stand
        apart.
    scale : bool, default=True
        Rescale each tile on its own to [0, 1] (a constant tile becomes 0),
        which shows weight filters whatever their magnitude. With
        ``False`` the values are kept as they are.

    Returns
    -------
    grid : ndarray of shape (n_rows * (height + padding) - padding, n_cols * (width + padding) - padding)
        The tiles, ready for ``imshow`` or for saving as an image. float64.

    Examples
    --------
    >>> import numpy as np
    >>> from deepbelief.plotting import tile_images
    >>> tile_images(np.ones((5, 16)), n_cols=3).shape
    (9, 14)
    """
    images = np.asarray(images, dtype=np.float64)
    if images.ndim == 3:
        if image_shape is not None and tuple(image_shape) != images.shape[1:]:
            raise ValueError(
                f"image_shape must match the images' shape {images.shape[1:]}; "
                f"got {image_shape!r}."
            )
        height, width = images.shape[1:]
    elif images.ndim == 2:
        height, width = _check_image_shape(image_shape, images.shape[1])
        images = images.reshape(images.shape[0], height, width)
    else:
        raise ValueError(
            "images must be of shape (n_images, n_features) or "
            f"(n_images, height, width); got an array of shape {images.shape}."
        )
    n_images = images.shape[0]
    if n_images == 0:
        raise ValueError("images must hold at least one image; got 0.")
    if n_cols is None:
        n_cols = math.ceil(math.sqrt(n_images))
    n_cols = min(_check_int(n_cols, "n_cols", 1), n_images)
    padding = _check_int(padding, "padding", 0)
    n_rows = math.ceil(n_images / n_cols)

    if scale:
        low = images.min(axis=(1, 2), keepdims=True)
        span = images.max(axis=(1, 2), keepdims=True) - low
        span[span == 0] = 1.0
        images = (images - low) / span
        fill = 1.0
    else:
        fill = float(images.max())

    grid = np.full(
        (n_rows * (height + padding) - padding, n_cols * (width + padding) - padding),
        fill,
    )
    for index in range(n_images):
        row, col = divmod(index, n_cols)
        top = row * (height + padding)
        left = col * (width + padding)
        grid[top : top + height, left : left + width] = images[index]
    return grid
