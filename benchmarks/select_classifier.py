"""Choosing DBNClassifier's fine-tuning defaults on data that is never reported.

The candidates below were fixed before any of them ran. Each is scored on:

- two of the factors-of-variation sets of ``bench_factors.py``, ``basic``
  and ``bg-rand``, regenerated with seed 1 from MNIST's training images
  only (10,000 training and 2,000 validation examples; the benchmark's sets
  use seed 0, its test split is never built here), by validation error;
- the small classification sets of ``bench_small_data.py`` with the folds
  of shuffle seed 1 (the reported table uses seed 0), by cross-validated
  error.

The rule, fixed in advance: the lowest mean error over the seven sets; a
candidate within 0.2 points of it that is faster wins.

The first selection (all five candidates) ran with 10 pretraining epochs a
layer on the image sets and chose B: at 0.1 (A) the random-background set
ended at chance. Once ``n_iter="auto"`` gave image data the updates of 10
epochs on MNIST (60 epochs on 10,000 images), A and B were compared again
by the same rule (``--candidates A,B``), the pretraining of each image set
shared by both (``sklearn.frozen.FrozenEstimator``: the same pretraining
``DBNClassifier(random_state=0)`` does itself) and cached with
``--cache DIR``.

Usage::

    python benchmarks/select_classifier.py [--candidates A,B] [--cache DIR]
"""

import argparse
import pickle
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_factors  # noqa: E402
from _common import DEFAULT_MNIST, markdown_table, write_section  # noqa: E402
from bench_small_data import SETS, evaluate  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402
from sklearn.frozen import FrozenEstimator  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from deepbelief import DBN, DBNClassifier  # noqa: E402
from deepbelief.dbn import auto_layer_sizes  # noqa: E402
from deepbelief.datasets import load_mnist  # noqa: E402

CANDIDATES = {
    "A SGD 0.1": dict(learning_rate_init=0.1),
    "B SGD 0.03": dict(learning_rate_init=0.03),
    "C SGD 0.01": dict(learning_rate_init=0.01),
    "D Adam 0.001": dict(solver="adam", learning_rate_init=0.001),
    "E Adam 0.0003": dict(solver="adam", learning_rate_init=0.0003),
}
IMAGE_SETS = ("basic", "bg-rand")
TABLE_SETS = ("iris", "wine", "breast_cancer", "digits", "make_classification")


def image_sets():
    X, y = load_mnist(DEFAULT_MNIST, subset="train")
    images = bench_factors.grey_images()
    out = {}
    for k, name in enumerate(IMAGE_SETS):
        rng = np.random.default_rng([1, k])
        Xs, ys = bench_factors.make_set(name, X, y, images, rng, (10000, 2000, 0))
        out[name] = Xs.astype(np.float32), ys
    return out


def pretrained(name, X, cache):
    """The DBN that ``DBNClassifier(random_state=0)`` pretrains on ``X``, and
    its seconds, from ``cache`` when there."""
    path = None if cache is None else Path(cache) / f"select-{name}-seed1-dbn.pkl"
    if path is not None and path.exists():
        with open(path, "rb") as f:
            return pickle.load(f)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        dbn = DBN(auto_layer_sizes(*X.shape), random_state=0).fit(X)
        out = dbn, time.perf_counter() - t0
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:
            pickle.dump(out, f)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", default=None,
                        help="comma-separated first letters (default: all)")
    parser.add_argument("--cache", default=None, help="folder for the pretrained DBNs")
    args = parser.parse_args()
    candidates = CANDIDATES if args.candidates is None else {
        k: v for k, v in CANDIDATES.items() if k[0] in args.candidates.split(",")}
    data = image_sets()
    rows, means, seconds = [], {}, {}
    shared = args.candidates is not None
    with threadpool_limits(1):
        for label, params in candidates.items():
            errors, total = [], 0.0
            for name in IMAGE_SETS:
                X, y = data[name]
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    if shared:  # one pretraining for every candidate, counted in each
                        dbn, pre_s = pretrained(name, X[:10000], args.cache)
                        t0 = time.perf_counter() - pre_s
                        clf = DBNClassifier(pretrainer=FrozenEstimator(dbn), random_state=0,
                                            **params).fit(X[:10000], y[:10000])
                    else:
                        t0 = time.perf_counter()
                        clf = DBNClassifier(random_state=0, **params).fit(X[:10000],
                                                                          y[:10000])
                    total += time.perf_counter() - t0
                errors.append(1.0 - clf.score(X[10000:], y[10000:]))
            for name in TABLE_SETS:
                X, y = SETS[name][0]()
                cv = StratifiedKFold(5, shuffle=True, random_state=1)
                score, _, secs, _ = evaluate(
                    lambda: DBNClassifier(random_state=0, **params), X, y, cv)
                errors.append(1.0 - score)
                total += secs
            means[label], seconds[label] = float(np.mean(errors)), total
            rows.append([label] + [f"{100 * e:.2f}" for e in errors]
                        + [f"{100 * means[label]:.2f}", f"{total:.0f}"])
            print(" | ".join(rows[-1]), flush=True)
    best = min(means.values())
    near = [k for k in means if means[k] <= best + 0.002]
    chosen = min(near, key=lambda k: seconds[k])
    table = markdown_table(["candidate"] + [f"{n} error %" for n in IMAGE_SETS + TABLE_SETS]
                           + ["mean error %", "seconds"], rows)
    print(table)
    print(f"chosen: {chosen}")
    body = ("Validation error of basic and bg-rand (seed-1 sets from MNIST's training "
            "images, 10,000 / 2,000) and 5-fold error of the small sets (shuffle seed 1); "
            "DBNClassifier(random_state=0) with every other default. Rule fixed before the "
            "runs: the lowest mean error; within 0.2 points of it, the fastest. ")
    if shared:
        body += ("Second selection, after n_iter=\"auto\" gave image data 60 pretraining "
                 "epochs (10 before): the first, over five candidates, chose B because A "
                 "ended at chance on bg-rand (89.10% against 25.40%); this one compares "
                 "the two again, each image set pretrained once for both (seconds count "
                 "the pretraining in each). ")
    body += f"**Chosen: {chosen}.**\n\n" + table
    write_section("Choosing DBNClassifier's fine-tuning", body)


if __name__ == "__main__":
    main()
