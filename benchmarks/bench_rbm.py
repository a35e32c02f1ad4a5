"""RBM training speed on MNIST: deepbelief vs scikit-learn vs the BLAS floor.

For MNIST (60,000 x 784 in [0, 1]), 500 hidden units, batch size 100, one
epoch of CD-1 and of PCD-1, in float32 and float64, this measures in one
run:

- deepbelief's ``BernoulliRBM`` (seconds per epoch),
- scikit-learn's ``BernoulliRBM`` (PCD-1 only: it has no CD-k; its epoch is
  timed for both rows, since CD-1 and PCD-1 do the same products),
- the floor: the five matrix products one CD-1 step must do
  (v W^T, h W, v' W^T, and the two gradient products), on preallocated
  numpy arrays, for the same number of mini-batches.

Each is the median of ``--repeats`` runs; ratios are against the floor of
the same run, so a noisy machine moves all three together. Then, so that
speed is not bought with quality, both libraries train 5 epochs (PCD-1,
float32) and their exact pseudo-likelihood (averaged over all 784 bit
flips) and reconstruction error are measured on 2,000 test images.

Usage: python benchmarks/bench_rbm.py [--mnist DIR] [--repeats 3] [--quick]
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DEFAULT_MNIST, markdown_table, write_section  # noqa: E402

from deepbelief import BernoulliRBM  # noqa: E402
from deepbelief.datasets import load_mnist  # noqa: E402


def floor_epoch(X, n_hidden, batch_size, dtype):
    """The five products of CD-1 over one epoch, nothing else."""
    rng = np.random.default_rng(0)
    W = rng.normal(0, 0.01, (n_hidden, X.shape[1])).astype(dtype)
    V = np.empty((batch_size, X.shape[1]), dtype)
    H = np.empty((batch_size, n_hidden), dtype)
    V1 = np.empty_like(V)
    H1 = np.empty_like(H)
    G = np.empty_like(W)
    G1 = np.empty_like(W)
    for start in range(0, X.shape[0] - batch_size + 1, batch_size):
        np.copyto(V, X[start : start + batch_size])
        np.matmul(V, W.T, out=H)
        np.matmul(H, W, out=V1)
        np.matmul(V1, W.T, out=H1)
        np.matmul(H.T, V, out=G)
        np.matmul(H1.T, V1, out=G1)


def exact_pseudo_likelihood(model, X):
    W = model.components_.astype(np.float64)
    b = model.intercept_visible_.astype(np.float64)
    c = model.intercept_hidden_.astype(np.float64)
    X = X.astype(np.float64)
    A = X @ W.T + c
    F = -X @ b - np.logaddexp(0, A).sum(1)
    total = np.zeros(len(X))
    for i in range(X.shape[1]):
        d = 1 - 2 * X[:, i]
        Fi = -(X @ b + d * b[i]) - np.logaddexp(0, A + d[:, None] * W[:, i]).sum(1)
        total += -np.logaddexp(0, -(Fi - F))
    return float(total.mean())


def reconstruction_error(model, X):
    from scipy.special import expit

    W = model.components_.astype(np.float64)
    H = expit(X @ W.T + model.intercept_hidden_)
    R = expit(H @ W + model.intercept_visible_)
    return float(((X - R) ** 2).sum(1).mean())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist", default=str(DEFAULT_MNIST))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS threads for every contender (default: the library's)")
    parser.add_argument("--quick", action="store_true",
                        help="10,000 training images, 1 repeat, 2 quality epochs")
    args = parser.parse_args()
    from sklearn.neural_network import BernoulliRBM as SkRBM
    from threadpoolctl import threadpool_limits

    if args.threads is not None:
        threadpool_limits(args.threads)

    X_all, _ = load_mnist(args.mnist, "train")
    X_test, _ = load_mnist(args.mnist, "test")
    if args.quick:
        X_all = X_all[:10_000]
        args.repeats = 1
    n_hidden, batch = 500, 100
    rows = []
    for dtype in (np.float32, np.float64):
        X = (X_all / 255.0).astype(dtype)
        # compile kernels for this dtype outside the timings
        BernoulliRBM(n_hidden, batch_size=batch, n_iter=1, random_state=0).fit(X[:500])
        jobs = {
            "floor": lambda: floor_epoch(X, n_hidden, batch, dtype),
            "sklearn": lambda: SkRBM(n_hidden, batch_size=batch, n_iter=1,
                                     random_state=0).fit(X),
            "CD-1": lambda: BernoulliRBM(n_hidden, batch_size=batch, n_iter=1, random_state=0,
                                         persistent=False).fit(X),
            "PCD-1": lambda: BernoulliRBM(n_hidden, batch_size=batch, n_iter=1,
                                          random_state=0).fit(X),
            "PCD-1, momentum 0.9": lambda: BernoulliRBM(
                n_hidden, batch_size=batch, n_iter=1, random_state=0, momentum=0.9).fit(X),
        }
        # Interleave the jobs within each repeat, so that a change in the
        # machine's load falls on all of them alike; ratios are taken within
        # a repeat, then their median. Wall and process CPU time are both
        # recorded: with one BLAS thread, CPU time is what the job itself
        # used, and much less sensitive to other processes than wall time.
        wall = {name: [] for name in jobs}
        cpu = {name: [] for name in jobs}
        for _ in range(args.repeats):
            for name, job in jobs.items():
                c0, t0 = time.process_time(), time.perf_counter()
                job()
                wall[name].append(time.perf_counter() - t0)
                cpu[name].append(time.process_time() - c0)

        def ratio(times, a, b):
            return statistics.median(x / y for x, y in zip(times[a], times[b]))

        for name in ("CD-1", "PCD-1", "PCD-1, momentum 0.9"):
            rows.append([
                np.dtype(dtype).name, name,
                f"{statistics.median(wall[name]):.2f}",
                f"{statistics.median(wall['sklearn']):.2f}",
                f"{statistics.median(wall['floor']):.2f}",
                f"{ratio(wall, name, 'floor'):.2f}x", f"{ratio(wall, 'sklearn', 'floor'):.2f}x",
                f"{ratio(wall, 'sklearn', name):.2f}x",
                f"{ratio(cpu, name, 'floor'):.2f}x", f"{ratio(cpu, 'sklearn', name):.2f}x",
            ])
            print(rows[-1], {k: [round(t, 2) for t in v] for k, v in wall.items()},
                  {k: [round(t, 2) for t in v] for k, v in cpu.items()}, flush=True)
    header = ["dtype", "algorithm", "deepbelief s/epoch", "sklearn s/epoch", "floor s/epoch",
              "deepbelief / floor", "sklearn / floor", "speed-up vs sklearn",
              "CPU: deepbelief / floor", "CPU: speed-up vs sklearn"]
    speed = markdown_table(header, rows)

    epochs = 2 if args.quick else 5
    X = (X_all / 255.0).astype(np.float32)
    Xt = (X_test[:2000] / 255.0).astype(np.float64)
    quality = []
    for seed in (0, 1):
        t0 = time.perf_counter()
        ours = BernoulliRBM(n_hidden, batch_size=batch, n_iter=epochs, random_state=seed).fit(X)
        t_ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        sk = SkRBM(n_hidden, batch_size=batch, n_iter=epochs, random_state=seed).fit(X)
        t_sk = time.perf_counter() - t0
        quality.append((exact_pseudo_likelihood(ours, Xt), exact_pseudo_likelihood(sk, Xt),
                        reconstruction_error(ours, Xt), reconstruction_error(sk, Xt),
                        t_ours, t_sk))
        print("quality", seed, quality[-1], flush=True)
    q = np.mean(quality, axis=0)
    qrows = [["deepbelief", f"{q[0]:.2f}", f"{q[2]:.2f}", f"{q[4]:.1f}"],
             ["scikit-learn", f"{q[1]:.2f}", f"{q[3]:.2f}", f"{q[5]:.1f}"]]
    qtable = markdown_table(["library", "pseudo-likelihood (nats)",
                             "reconstruction error", "seconds"], qrows)
    n_train = X_all.shape[0]
    body = (
        f"MNIST, {n_train} training images scaled to [0, 1], 784-{n_hidden}, batch {batch}, "
        "learning rate 0.1; seconds are wall-clock; the CPU columns are ratios of process "
        f"CPU time (meaningful with one BLAS thread); {args.repeats} repeats of one epoch each, the jobs "
        "interleaved within a repeat; seconds are medians, ratios are medians of the "
        "per-repeat ratios. The floor is "
        "the five matrix products of one CD-1 step (numpy matmul into preallocated "
        "arrays) over the same mini-batches. scikit-learn's BernoulliRBM only does PCD-1; "
        "its epoch stands in every row (it has no momentum). Momentum costs one extra pass "
        "over W per mini-batch (velocity and weights updated together).\n\n" + speed + "\n\n"
        f"Quality after {epochs} epochs of PCD-1 (float32), mean over seeds 0 and 1, on the "
        "first 2,000 test images: exact pseudo-likelihood (mean over all 784 single-bit "
        "flips, higher is better) and squared reconstruction error per image (mean-field, "
        "lower is better).\n\n" + qtable
    )
    if args.threads is not None:
        body = f"BLAS threads: {args.threads} for every contender.\n\n" + body
    if args.quick:
        body = "(--quick run: 10,000 training images, one repeat)\n\n" + body
    name = "bench_rbm" if args.threads is None else f"bench_rbm ({args.threads} BLAS thread)"
    if args.quick:
        name += " (quick)"
    write_section(name, body)
    print(speed)
    print(qtable)


if __name__ == "__main__":
    main()
