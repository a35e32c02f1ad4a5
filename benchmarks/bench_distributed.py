"""Fits on Dask workers: a search over DBNClassifier candidates, and an
Incremental fit over dask chunks.

1. ``RandomizedSearchCV`` of 8 DBNClassifier candidates on digits (scaled
   to [0, 1], 3-fold): in this process (``n_jobs=1``), on joblib's default
   backend (loky) with ``n_jobs=2``, and under
   ``joblib.parallel_config(backend="dask")`` on a ``LocalCluster`` of 1
   and of 2 single-threaded worker processes (BLAS and Numba at 1 thread
   through ``deepbelief.parallel.worker_env``). Wall time, speed-up over
   ``n_jobs=1``, and whether ``best_params_`` matches.
2. An MLPClassifier on a MNIST subset: a plain ``fit`` of E epochs against
   ``dask_ml.wrappers.Incremental`` driving ``partial_fit`` over a dask
   array of chunks, E passes, on a 1-worker LocalCluster; test accuracy
   and wall time of both, and the bytes sent per chunk and per fit.

Usage::

    python benchmarks/bench_distributed.py [--small] [--n-train 10000] [--epochs 5]
"""

import argparse
import os
import pickle
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import markdown_table, mnist_split, write_section  # noqa: E402

import numpy as np  # noqa: E402
from joblib import parallel_config  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import RandomizedSearchCV  # noqa: E402

from deepbelief import DBN, DBNClassifier, MLPClassifier  # noqa: E402
from deepbelief.parallel import worker_env  # noqa: E402


def search(n_jobs, args):
    est = DBNClassifier((args.hidden,), max_iter=args.max_iter, random_state=0,
                        pretrainer=DBN((args.hidden,), n_iter=2, random_state=0))
    grid = {"learning_rate_init": [0.03, 0.1, 0.3], "alpha": [1e-5, 1e-4, 1e-3],
            "pretrainer__n_iter": [1, 2, 4], "pretrainer__learning_rate": [0.05, 0.1]}
    return RandomizedSearchCV(est, grid, n_iter=8, cv=3, random_state=0, n_jobs=n_jobs)


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def cluster(n_workers):
    from distributed import Client, LocalCluster
    c = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                     host="127.0.0.1", dashboard_address=None, env=worker_env(1))
    return c, Client(c)


def bench_search(args):
    data = load_digits()
    X, y = data.data / 16.0, data.target
    if args.small:
        X, y = X[:600], y[:600]
    rows, base = [], None
    ref, t = timed(lambda: search(1, args).fit(X, y))
    base = t
    rows.append(["this process, n_jobs=1", f"{t:.1f}", "1.00", "yes"])
    res, t = timed(lambda: search(2, args).fit(X, y))
    rows.append(["joblib default (loky), n_jobs=2", f"{t:.1f}", f"{base / t:.2f}",
                 "yes" if res.best_params_ == ref.best_params_ else "no"])
    for n in (1, 2):
        c, client = cluster(n)
        try:
            client.run(lambda: None)  # workers up before the clock starts
            with parallel_config(backend="dask"):
                res, t = timed(lambda: search(-1, args).fit(X, y))
        finally:
            client.close()
            c.close()
        rows.append([f"dask LocalCluster, {n} worker{'s' * (n > 1)} x 1 thread",
                     f"{t:.1f}", f"{base / t:.2f}",
                     "yes" if res.best_params_ == ref.best_params_ else "no"])
    est_bytes = len(pickle.dumps(ref.best_estimator_))
    return rows, X, ref, est_bytes


def bench_incremental(args):
    import dask.array as da
    from dask_ml.wrappers import Incremental
    X, y, Xt, yt = mnist_split(limit=args.n_train)
    Xt, yt = Xt[:args.n_test], yt[:args.n_test]

    def make():
        return MLPClassifier((args.mlp_hidden,), batch_size=100, learning_rate_init=0.05,
                             max_iter=args.epochs, random_state=0)

    plain, t_plain = timed(lambda: make().fit(X, y))
    acc_plain = plain.score(Xt, yt)
    c, client = cluster(1)
    try:
        Xd = client.persist(da.from_array(X, chunks=(args.chunk, X.shape[1])))
        yd = client.persist(da.from_array(y, chunks=args.chunk))
        client.run(lambda: None)

        def passes():
            inc = Incremental(make(), shuffle_blocks=False)
            for _ in range(args.epochs):
                inc.partial_fit(Xd, yd, classes=np.arange(10))
            return inc

        inc, t_inc = timed(passes)
    finally:
        client.close()
        c.close()
    acc_inc = inc.estimator_.score(Xt, yt)
    n_chunks = -(-X.shape[0] // args.chunk)
    rows = [["plain fit", f"{t_plain:.1f}", f"{acc_plain:.4f}"],
            [f"Incremental, {n_chunks} chunks of {args.chunk} x {args.epochs} passes",
             f"{t_inc:.1f}", f"{acc_inc:.4f}"]]
    model_bytes = len(pickle.dumps(inc.estimator_))
    chunk_bytes = args.chunk * X.shape[1] * X.dtype.itemsize
    return rows, model_bytes, chunk_bytes, n_chunks


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--small", action="store_true",
                   help="600 digits, short fits: for a busy machine")
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--max-iter", type=int, default=30)
    p.add_argument("--n-train", type=int, default=10000)
    p.add_argument("--n-test", type=int, default=10000)
    p.add_argument("--chunk", type=int, default=2000)
    p.add_argument("--mlp-hidden", type=int, default=256)
    p.add_argument("--epochs", type=int, default=5)
    args = p.parse_args()
    if args.small:
        args.max_iter, args.n_train, args.n_test = 10, 6000, 2000
        args.mlp_hidden, args.epochs = 64, 3
    warnings.simplefilter("ignore")
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ.setdefault(name, "1")

    search_rows, X, ref, est_bytes = bench_search(args)
    inc_rows, model_bytes, chunk_bytes, n_chunks = bench_incremental(args)
    body = [
        ("Settings: --small (a busy shared machine: 2 cores under a load of about 10, "
         "so the wall times are inflated and noisy; the ratios are the figures to read)."
         if args.small else "Settings: defaults."),
        "",
        f"RandomizedSearchCV, 8 DBNClassifier({args.hidden},) candidates, 3-fold, "
        f"{X.shape[0]} digits, max_iter={args.max_iter} (24 fits and a refit); "
        f"best {ref.best_params_}, score {ref.best_score_:.4f}:",
        "",
        markdown_table(["backend", "wall s", "speed-up", "same best_params_"], search_rows),
        "",
        f"Sent per search fit: the pickled estimator ({est_bytes / 1024:.0f} KiB fitted) "
        f"and the data ({X.nbytes / 1024:.0f} KiB of float64, once per worker when "
        "scattered, else with every task).",
        "",
        f"Incremental MLPClassifier({args.mlp_hidden},) on {args.n_train} MNIST "
        f"images, {args.epochs} epochs, test accuracy on {args.n_test}:",
        "",
        markdown_table(["fit", "wall s", "test accuracy"], inc_rows),
        "",
        f"Sent per chunk step: the model ({model_bytes / 1024:.0f} KiB pickled) goes to "
        f"the worker holding the chunk ({chunk_bytes / 1024:.0f} KiB) and back; "
        f"{n_chunks} steps per pass.",
    ]
    text = "\n".join(body)
    print(text)
    write_section("bench_distributed", text)


if __name__ == "__main__":
    main()
