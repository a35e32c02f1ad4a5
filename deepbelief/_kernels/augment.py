"""Kernels for image augmentation on flat rows.

An image batch is a C-contiguous 2-D array ``X`` of shape
``(n_images, height * width * channels)``; pixel ``(y, x)``, channel ``c`` of
image ``i`` is ``X[i, (y * width + x) * channels + c]``. Every kernel writes
into an ``out`` buffer of the same shape and dtype and never touches ``X``.
The random offsets, flags and displacement fields are drawn by the caller.
"""

import numpy as np

from deepbelief._kernels._jit import jit

# Border modes of ``shift_images``, by number so that kernels take scalars.
MODE_CONSTANT = 0
MODE_EDGE = 1
MODE_REFLECT = 2


@jit
def _source_index(i, n, mode):
    """Index in ``[0, n)`` to read for the (possibly outside) index ``i``, or -1
    when the constant fill should be used."""
    if 0 <= i < n:
        return i
    if mode == MODE_CONSTANT:
        return -1
    if mode == MODE_EDGE:
        return 0 if i < 0 else n - 1
    # reflect about the edge pixels without repeating them: d c b | a b c d | c b a
    if n == 1:
        return 0
    period = 2 * (n - 1)
    i = i % period
    if i < 0:
        i += period
    if i >= n:
        i = period - i
    return i


@jit
def shift_images(X, height, width, channels, shifts, mode, fill, out):
    """Translate each image by whole pixels.

    ``out[i, y, x] = X[i, y - shifts[i, 0], x - shifts[i, 1]]``: a positive
    shift moves the content down and to the right, like ``np.roll``. Pixels
    read from outside the image follow ``mode``: the constant ``fill``, the
    nearest edge pixel, or the reflection about the edge.
    """
    n_images = X.shape[0]
    for i in range(n_images):
        dy = shifts[i, 0]
        dx = shifts[i, 1]
        for y in range(height):
            sy = _source_index(y - dy, height, mode)
            for x in range(width):
                sx = _source_index(x - dx, width, mode)
                dst = (y * width + x) * channels
                if sy < 0 or sx < 0:
                    for c in range(channels):
                        out[i, dst + c] = fill
                else:
                    src = (sy * width + sx) * channels
                    for c in range(channels):
                        out[i, dst + c] = X[i, src + c]


@jit
def flip_horizontal(X, height, width, channels, flip, out):
    """Mirror left to right the images whose ``flip`` flag is nonzero; copy the
    others unchanged."""
    n_images = X.shape[0]
    row = width * channels
    for i in range(n_images):
        if flip[i]:
            for y in range(height):
                base = y * row
                for x in range(width):
                    dst = base + x * channels
                    src = base + (width - 1 - x) * channels
                    for c in range(channels):
                        out[i, dst + c] = X[i, src + c]
        else:
            for j in range(X.shape[1]):
                out[i, j] = X[i, j]


@jit
def warp_bilinear(X, height, width, channels, dy, dx, fill, out):
    """Resample each image at displaced positions by bilinear interpolation.

    ``out[i, y, x]`` is image ``i`` read at the real position
    ``(y + dy[i, y, x], x + dx[i, y, x])``: the weighted mean of the four
    surrounding pixels, with ``fill`` standing in for pixels outside the
    image. A neighbour of weight zero is not read at all, so a zero
    displacement copies the image exactly (NaN and inf included).
    """
    n_images = X.shape[0]
    row = width * channels
    for i in range(n_images):
        for y in range(height):
            for x in range(width):
                sy = y + np.float64(dy[i, y, x])
                sx = x + np.float64(dx[i, y, x])
                y0f = np.floor(sy)
                x0f = np.floor(sx)
                fy = sy - y0f
                fx = sx - x0f
                y0 = int(y0f)
                x0 = int(x0f)
                dst = (y * width + x) * channels
                if (
                    fy != 0.0
                    and fx != 0.0
                    and 0 <= y0
                    and y0 + 1 < height
                    and 0 <= x0
                    and x0 + 1 < width
                ):
                    # the common case: four neighbours inside, all weighted
                    w00 = (1.0 - fy) * (1.0 - fx)
                    w01 = (1.0 - fy) * fx
                    w10 = fy * (1.0 - fx)
                    w11 = fy * fx
                    top = (y0 * width + x0) * channels
                    bottom = top + row
                    for c in range(channels):
                        out[i, dst + c] = (
                            w00 * X[i, top + c]
                            + w01 * X[i, top + channels + c]
                            + w10 * X[i, bottom + c]
                            + w11 * X[i, bottom + channels + c]
                        )
                    continue
                for c in range(channels):
                    acc = 0.0
                    for k in range(4):
                        yy = y0 + (k >> 1)
                        xx = x0 + (k & 1)
                        wy = fy if (k >> 1) else 1.0 - fy
                        wx = fx if (k & 1) else 1.0 - fx
                        w = wy * wx
                        if w == 0.0:
                            continue
                        if 0 <= yy < height and 0 <= xx < width:
                            acc += w * X[i, (yy * width + xx) * channels + c]
                        else:
                            acc += w * fill
                    out[i, dst + c] = acc
