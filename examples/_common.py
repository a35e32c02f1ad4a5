"""What the examples share: command-line options, data, and saving figures.

Every example takes ``--quick`` (a small run for tests and first looks),
``--mnist DIR`` (MNIST's IDX files instead of scikit-learn's bundled 8x8
digits) and ``--out DIR`` (where figures go).
"""

import argparse
import os
import time
from contextlib import contextmanager

import numpy as np


def parse_args(doc, argv=None, extra=None):
    """Parse the common options; ``extra(parser)`` may add more."""
    parser = argparse.ArgumentParser(
        description=doc.strip().splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true",
                        help="a small, fast run (a few seconds)")
    parser.add_argument("--mnist", metavar="DIR", default=None,
                        help="folder holding MNIST's IDX files (default: bundled digits)")
    parser.add_argument("--out", metavar="DIR", default="example_figures",
                        help="folder for the figures (default: %(default)s)")
    if extra is not None:
        extra(parser)
    return parser.parse_args(argv)


def load_data(args, *, n_train=None, n_test=None, random_state=0):
    """Training and test images in [0, 1], labels, and the image shape.

    Digits: scikit-learn's 1,797 8x8 images, 20% held out as the test set
    (stratified). MNIST: the first ``n_train`` training and ``n_test``
    test images (all of them when None) of the given folder.
    """
    if args.mnist is None:
        from sklearn.model_selection import train_test_split

        from deepbelief.datasets import load_digits

        X, y = load_digits()
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=0.2, stratify=y, random_state=random_state)
        if n_train is not None:
            X_train, y_train = X_train[:n_train], y_train[:n_train]
        if n_test is not None:
            X_test, y_test = X_test[:n_test], y_test[:n_test]
        return X_train, X_test, y_train, y_test, (8, 8)
    from deepbelief.datasets import load_mnist

    X_train, y_train = load_mnist(args.mnist, subset="train")
    X_test, y_test = load_mnist(args.mnist, subset="test")
    X_train, y_train = X_train[:n_train], y_train[:n_train]
    X_test, y_test = X_test[:n_test], y_test[:n_test]
    scale = np.float32(1 / 255)
    return (X_train * scale, X_test * scale, y_train.astype(np.int64),
            y_test.astype(np.int64), (28, 28))


def pyplot():
    """matplotlib.pyplot drawing to files only."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(figure, args, name):
    """Write ``figure`` to ``args.out/name`` and say where."""
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, name)
    figure.savefig(path, dpi=80)
    print(f"wrote {path}")
    return path


@contextmanager
def timed(store, key):
    """Store the seconds the block took in ``store[key]``."""
    start = time.perf_counter()
    yield
    store[key] = time.perf_counter() - start
