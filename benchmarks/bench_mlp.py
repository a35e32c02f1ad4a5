"""MLP benchmark on MNIST: seconds per epoch and a dropout quality row.

Speed: a 784-500-500-2000-10 ReLU network, mini-batches of 100, SGD with
Nesterov momentum 0.9, float32, one epoch over the 60,000 training images,
for

- the floor: the bare numpy matrix products one epoch of forward and
  backward passes must do (4 forward products, 4 weight gradients, 3
  input gradients per batch), nothing else;
- deepbelief's ``MLPClassifier``;
- scikit-learn's ``MLPClassifier`` (same network, ``solver="sgd"``).

Each measurement runs in a fresh subprocess (so one library's idle BLAS
threads never compete with another's), the three alternate, and each is
repeated (median reported). Ratios are against the floor and scikit-learn
of the same run.

Quality: 784-800-800-10 ReLU, SGD with momentum, a fixed number of epochs,
with dropout (0.5 hidden, 0.2 input, max-norm 3) and without; test error.

Usage::

    python benchmarks/bench_mlp.py [--repeats 3] [--threads 2] [--epochs 30]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import DEFAULT_MNIST, machine, markdown_table, write_section  # noqa: E402

SIZES = (500, 500, 2000)
BATCH = 100


def load(subset):
    import numpy as np

    from deepbelief.datasets import load_mnist

    X, y = load_mnist(DEFAULT_MNIST, subset)
    return (X / np.float32(255)).astype(np.float32), y


def part_floor(X, y):
    import numpy as np

    rng = np.random.default_rng(0)
    sizes = [X.shape[1], *SIZES, 10]
    W = [rng.normal(0, 0.01, (a, b)).astype(np.float32)
         for a, b in zip(sizes[:-1], sizes[1:])]
    D = [rng.normal(size=(BATCH, s)).astype(np.float32) for s in sizes]
    t0, c0 = time.perf_counter(), time.process_time()
    for start in range(0, X.shape[0], BATCH):
        A = [X[start:start + BATCH]]
        for l in range(4):
            A.append(A[l] @ W[l])
        for l in range(3, -1, -1):
            A[l].T @ D[l + 1]
            if l > 0:
                D[l + 1] @ W[l].T
    return time.perf_counter() - t0, time.process_time() - c0


def _mlp_params():
    return dict(hidden_layer_sizes=SIZES, activation="relu", solver="sgd",
                learning_rate_init=0.01, momentum=0.9, nesterovs_momentum=True,
                batch_size=BATCH, alpha=1e-4, max_iter=1, random_state=0)


def part_deepbelief(X, y):
    import warnings

    from deepbelief.mlp import MLPClassifier

    warnings.simplefilter("ignore")
    # load the compiled kernels first
    MLPClassifier((8,), solver="sgd", max_iter=1).fit(X[:300], y[:300])
    c0 = time.process_time()
    clf = MLPClassifier(**_mlp_params(), dtype="float32").fit(X, y)
    return clf.history_["seconds"][0], time.process_time() - c0


def part_sklearn(X, y):
    import warnings

    from sklearn.neural_network import MLPClassifier

    warnings.simplefilter("ignore")
    clf = MLPClassifier(**_mlp_params())
    t0, c0 = time.perf_counter(), time.process_time()
    clf.fit(X, y)
    return time.perf_counter() - t0, time.process_time() - c0


PARTS = {"floor": part_floor, "deepbelief": part_deepbelief, "sklearn": part_sklearn}


def run_part(name, threads):
    from threadpoolctl import threadpool_limits

    X, y = load("train")
    with threadpool_limits(limits=threads):
        seconds, cpu = PARTS[name](X, y)
    print(json.dumps({"part": name, "seconds": seconds, "cpu": cpu}))


def speed(repeats, threads):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), NUMBA_NUM_THREADS="1")
    times = {name: [] for name in PARTS}
    cpu = {name: [] for name in PARTS}
    for r in range(repeats):
        for name in PARTS:
            out = subprocess.run([sys.executable, __file__, "--part", name,
                                  "--threads", str(threads)],
                                 capture_output=True, text=True, env=env, check=True)
            result = json.loads(out.stdout.strip().splitlines()[-1])
            times[name].append(result["seconds"])
            cpu[name].append(result["cpu"])
            print(f"repeat {r + 1}: {name:10s} {result['seconds']:.2f} s "
                  f"(process CPU {result['cpu']:.2f} s)", flush=True)
    median = {k: statistics.median(v) for k, v in times.items()}
    cpu_median = {k: statistics.median(v) for k, v in cpu.items()}
    return median, times, cpu_median


def quality(epochs):
    import warnings

    import numpy as np

    from deepbelief.mlp import MLPClassifier

    warnings.simplefilter("ignore")
    X, y = load("train")
    Xt, yt = load("test")
    rows = []
    common = dict(hidden_layer_sizes=(800, 800), activation="relu", solver="sgd",
                  momentum=0.9, batch_size=100, learning_rate_init=0.05, alpha=0.0,
                  max_iter=epochs, n_iter_no_change=epochs + 1, random_state=0)
    for label, extra in [("no dropout", {}),
                         ("dropout 0.5 / input 0.2, max-norm 3",
                          dict(dropout=0.5, input_dropout=0.2, max_norm=3.0))]:
        t0 = time.perf_counter()
        clf = MLPClassifier(**common, **extra).fit(X, y)
        minutes = (time.perf_counter() - t0) / 60
        err = 100 * (1 - clf.score(Xt, yt))
        train_err = 100 * (1 - clf.score(X, y))
        print(f"{label}: test error {err:.2f}% (train {train_err:.2f}%), "
              f"{minutes:.1f} min", flush=True)
        rows.append([label, epochs, f"{train_err:.2f}", f"{err:.2f}", f"{minutes:.1f}"])
    del np
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=30,
                        help="epochs of the quality row (0 skips it)")
    parser.add_argument("--part", choices=sorted(PARTS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    # before numpy loads its OpenBLAS: a limit set later would miss a library
    # loaded afterwards, and two spinning BLAS threads on a busy machine crawl
    os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)
    import numpy  # noqa: F401
    if args.part:
        run_part(args.part, args.threads)
        return

    print(machine(), flush=True)
    med, times, cpu = speed(args.repeats, args.threads)
    names = [("floor", "numpy products only (floor)"),
             ("deepbelief", "deepbelief MLPClassifier"),
             ("sklearn", "scikit-learn MLPClassifier")]
    best = {k: min(v) for k, v in times.items()}
    rows = [
        [label, f"{med[k]:.2f}", f"{med[k] / med['floor']:.2f}",
         f"{med[k] / med['sklearn']:.2f}", f"{best[k]:.2f}",
         f"{best[k] / best['floor']:.2f}", f"{cpu[k]:.2f}",
         f"{cpu[k] / cpu['floor']:.2f}", " ".join(f"{t:.2f}" for t in times[k])]
        for k, label in names
    ]
    floor, ours, sk = med["floor"], med["deepbelief"], med["sklearn"]
    body = (
        f"One epoch of MNIST (60,000 images) through 784-500-500-2000-10 ReLU, "
        f"batch {BATCH}, SGD with Nesterov momentum 0.9, float32, {args.threads} "
        f"BLAS thread(s); {args.repeats} runs each, every run in a fresh process, "
        "the three contenders alternating. The floor is the 11 bare numpy matrix "
        "products per batch that any implementation must do. Wall-clock medians "
        "and best runs, and the median process CPU time of the epoch (of the "
        "fit, for the two estimators; less sensitive than wall time to other "
        "load on the machine).\n\n"
        + markdown_table(["", "median s", "x floor", "x scikit-learn", "best s",
                          "best x floor", "CPU s", "CPU x floor", "runs (s)"], rows)
        + f"\n\nMedians: deepbelief is {sk / ours:.2f}x faster than scikit-learn and "
        f"takes {ours / floor:.2f}x the floor; in CPU time "
        f"{cpu['sklearn'] / cpu['deepbelief']:.2f}x and "
        f"{cpu['deepbelief'] / cpu['floor']:.2f}x (targets: >= 2x and <= 1.3x).\n"
    )
    if args.epochs:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=args.threads):
            qrows = quality(args.epochs)
        body += (
            f"\nQuality: 784-800-800-10 ReLU on MNIST, SGD momentum 0.9, learning "
            f"rate 0.05, batch 100, no weight decay, {args.epochs} epochs, no early "
            "stopping; error on the 10,000 test images.\n\n"
            + markdown_table(["network", "epochs", "train error %", "test error %",
                              "minutes"], qrows)
            + "\n"
        )
    write_section("bench_mlp", body)
    print(body)


if __name__ == "__main__":
    main()
