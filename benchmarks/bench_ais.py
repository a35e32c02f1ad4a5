"""Wall time of AIS on a 784-500 MNIST RBM: row sums against dense products.

The model: BernoulliRBM(500) trained by PCD-1 for 5 epochs on MNIST
binarised by sampling (as in ``bench_likelihood.py``; the model is kept in
``benchmarks/cache/``). Then ``ais_log_partition`` with 100 runs and
Salakhutdinov & Murray's 14,501 inverse temperatures, float32, base rate
from the training pixel means, timed alternately with the binary states'
products as row sums of W (the default) and with every product on BLAS
(``_SPARSE_BELOW = 0``, the previous code path), in the same process, the
median of ``--repeats`` runs each. Both give the same estimate up to
float32 rounding; the table gives both.

Usage::

    python benchmarks/bench_ais.py [--repeats 3] [--n-runs 100]
"""

import argparse
import os
import pickle
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import DEFAULT_MNIST, markdown_table, write_section  # noqa: E402
from bench_likelihood import binarize  # noqa: E402

from deepbelief import BernoulliRBM, ais_log_partition, likelihood  # noqa: E402
from deepbelief.datasets import load_mnist  # noqa: E402

CACHE = Path(__file__).resolve().parent / "cache" / "ais-rbm-pcd1-5.pkl"


def model(X):
    if CACHE.exists():
        with open(CACHE, "rb") as f:
            return pickle.load(f)
    rbm = BernoulliRBM(500, sampler="pcd", k=1, n_iter=5, batch_size=100,
                       learning_rate=0.05, momentum="classic", weight_decay=2e-4,
                       random_state=0).fit(X)
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    with open(CACHE.with_suffix(".partial"), "wb") as f:
        pickle.dump(rbm, f)
    os.replace(CACHE.with_suffix(".partial"), CACHE)
    return rbm


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist", default=str(DEFAULT_MNIST))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--n-runs", type=int, default=100)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    X, _ = load_mnist(args.mnist, subset="train")
    X = binarize(X, "sample", 0)
    rbm = model(X)
    default = likelihood._SPARSE_BELOW
    paths = {"dense products (BLAS)": 0.0, "row sums of W for sparse states": default}
    times = {name: [] for name in paths}
    cpu = {name: [] for name in paths}
    log_z = {}
    ais_log_partition(rbm, n_runs=2, betas=np.linspace(0, 1, 10), X=X[:100])  # compile
    for _ in range(args.repeats):
        for name, limit in paths.items():
            likelihood._SPARSE_BELOW = limit
            w0, c0 = time.perf_counter(), time.process_time()
            est = ais_log_partition(rbm, n_runs=args.n_runs, random_state=0, X=X)
            times[name].append(time.perf_counter() - w0)
            cpu[name].append(time.process_time() - c0)
            log_z[name] = est.log_z
            print(f"{name}: {times[name][-1]:.1f} s wall, {cpu[name][-1]:.1f} s CPU, "
                  f"log Z {est.log_z:.3f}", flush=True)
    likelihood._SPARSE_BELOW = default
    base = np.median(times["dense products (BLAS)"])
    rows = [[name, f"{np.median(times[name]):.1f}", f"{np.median(cpu[name]):.1f}",
             f"{np.median(times[name]) / base:.2f}", f"{log_z[name]:.3f}"] for name in paths]
    table = markdown_table(["products", "AIS wall s (median)", "CPU s", "x dense",
                            "log Z"], rows)
    print(table)
    if not args.no_write:
        threads = os.environ.get("OPENBLAS_NUM_THREADS", "library default")
        body = (f"BernoulliRBM(500), PCD-1, 5 epochs on sampled-binary MNIST; AIS with "
                f"{args.n_runs} runs and 14,501 inverse temperatures, float32, median of "
                f"{args.repeats} runs per path, alternating in one process; "
                f"OPENBLAS_NUM_THREADS={threads}. Row sums are used for a product whose "
                f"binary states have fewer than {default:.0%} of their units on.\n\n"
                + table)
        write_section("bench_ais", body)


if __name__ == "__main__":
    main()
