"""Data sets: the IDX (MNIST-format) reader and the bundled digits.

``load_mnist`` reads the four MNIST files from any folder, gzip-compressed
or raw. ``load_digits`` wraps scikit-learn's bundled 8x8 digits, scaled to
[0, 1], for examples and tests that must not need a download.
"""

import gzip
import math
import os
import struct

import numpy as np

__all__ = ["read_idx", "load_mnist", "load_digits", "MNIST_FILES"]

# IDX type codes (third byte of the magic number); multi-byte types are big-endian.
_IDX_TYPES = {0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"),
              0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}

MNIST_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
               "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def _open(path):
    with open(path, "rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gzipped else open(path, "rb")


def read_idx(path):
    """Read one IDX file (gzip-compressed or raw) into a numpy array.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    array : ndarray
        Of the shape and type the header declares (native byte order).

    Raises
    ------
    ValueError
        For a wrong magic number, or data of another size than the header's.
    """
    path = os.fspath(path)
    try:
        with _open(path) as f:
            data = f.read()
    except (OSError, EOFError) as exc:
        raise ValueError(f"{path}: cannot be read as an IDX file ({exc}).") from exc
    if len(data) < 4:
        raise ValueError(f"{path}: too short to be an IDX file ({len(data)} bytes).")
    zero, type_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or type_code not in _IDX_TYPES or ndim == 0:
        raise ValueError(f"{path}: not an IDX file (magic number 0x{data[:4].hex()}; "
                         "expected 0x0000, a type code and the number of dimensions).")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{path}: truncated IDX header.")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    dtype = _IDX_TYPES[type_code]
    expected = math.prod(shape) * dtype.itemsize  # Python ints: no overflow
    actual = len(data) - header
    if actual != expected:
        raise ValueError(f"{path}: the header declares shape {shape} ({expected} bytes "
                         f"of data) but the file holds {actual} bytes; it is truncated "
                         "or mislabelled.")
    array = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="))


def _find(folder, stem):
    for name in (stem + ".gz", stem, stem.replace("-idx", ".idx")):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            return path
    raise FileNotFoundError(f"MNIST file {stem!r} (or {stem + '.gz'!r}) not found in "
                            f"folder {folder!r}.")


def load_mnist(path, subset="train", *, flatten=True):
    """Load MNIST images and labels from a folder of IDX files.

    Parameters
    ----------
    path : str or path-like
        Folder holding ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
        ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``, each
        optionally gzip-compressed (``.gz``).
    subset : {"train", "test"}, default="train"
        The 60,000 training or 10,000 test images.
    flatten : bool, default=True
        Return images as rows of 784 pixels; otherwise of shape (28, 28).

    Returns
    -------
    X : ndarray of uint8, shape (n_samples, 784) or (n_samples, 28, 28)
        Grey levels 0-255; divide by 255 for values in [0, 1].
    y : ndarray of uint8, shape (n_samples,)
        Digit labels.

    Examples
    --------
    >>> X, y = load_mnist("../shared/data/mnist", "test")  # doctest: +SKIP
    >>> X.shape, y.shape  # doctest: +SKIP
    ((10000, 784), (10000,))
    """
    if subset not in MNIST_FILES:
        raise ValueError(f'subset must be "train" or "test"; got {subset!r}.')
    folder = os.fspath(path)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"MNIST folder {folder!r} does not exist.")
    images_path, labels_path = (_find(folder, stem) for stem in MNIST_FILES[subset])
    X, y = read_idx(images_path), read_idx(labels_path)
    if X.ndim != 3 or y.ndim != 1:
        raise ValueError(f"{images_path} must hold a 3-D image array and {labels_path} "
                         f"a 1-D label array; got {X.ndim}-D and {y.ndim}-D.")
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"{images_path} holds {X.shape[0]} images but {labels_path} holds "
                         f"{y.shape[0]} labels.")
    if flatten:
        X = X.reshape(X.shape[0], -1)
    return X, y


def load_digits(*, return_images=False):
    """scikit-learn's bundled 8x8 digits, scaled to [0, 1].

    Parameters
    ----------
    return_images : bool, default=False
        Return images of shape (8, 8) instead of rows of 64 pixels.

    Returns
    -------
    X : ndarray of float64, shape (1797, 64) or (1797, 8, 8)
    y : ndarray of int, shape (1797,)
    """
    from sklearn.datasets import load_digits as _sk_load_digits

    data = _sk_load_digits()
    X = data.data / 16.0
    if return_images:
        X = X.reshape(-1, 8, 8)
    return X, data.target
