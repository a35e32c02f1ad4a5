"""A hyper-parameter search on a Dask cluster, with one thread per fit.

Shows joblib's Dask backend running a ``RandomizedSearchCV`` over a
``DBNClassifier`` on a ``LocalCluster`` of two single-threaded worker
processes, with ``deepbelief.parallel`` keeping every fit on its own core:
the workers start with ``worker_env(1)`` (BLAS, OpenMP and Numba at one
thread), and ``ThreadLimits(1)`` sets the same in every task thread of a
running worker. The same search runs first on this process alone
(sequentially, with one BLAS thread, as each worker has), then
on the cluster; it gives the same candidates, scores and ``best_params_``.

Prints the thread counts each worker reports, the seconds of both runs,
their best parameters and scores, and whether every cross-validated score
is the same. On two cores the full run gains less than 2x (1.3x on a busy
two-core machine): each task ships the model and data to a worker, and
other work on the machine takes cores too; with ``--quick`` the fits are
too short to pay for that, and the cluster is slower. Starting the
cluster takes some seconds more, outside both timings. Writes
``distributed_search.png``: the cross-validated accuracy of each candidate
against its learning rate, from both runs, and the wall time of each run.

Needs dask.distributed (``pip install 'deepbelief[distributed]'``); without
it, says so and exits.

Usage: python examples/11_distributed_search.py [--quick] [--mnist DIR] [--out DIR]
"""

import warnings

import numpy as np
from _common import load_data, parse_args, pyplot, save, timed
from scipy.stats import loguniform
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import RandomizedSearchCV
from threadpoolctl import threadpool_limits

from deepbelief import DBN, DBNClassifier
from deepbelief.parallel import thread_counts, worker_env


def main(argv=None):
    args = parse_args(__doc__, argv)
    try:
        from distributed import Client, LocalCluster
        from joblib import parallel_config

        from deepbelief.parallel import ThreadLimits
    except ImportError:
        print("this example needs dask.distributed: pip install 'deepbelief[distributed]'"
              "; nothing was run.")
        return None
    if args.mnist:
        n_train = 2000 if args.quick else 20000
        sizes = (128, 64) if args.quick else (256, 128)
    else:
        n_train = None
        sizes = (64, 32) if args.quick else (128, 64)
    X_train, _, y_train, _, _ = load_data(args, n_train=n_train, n_test=1)
    epochs = 10 if args.quick else 30
    model = DBNClassifier(sizes, max_iter=epochs, batch_size=20, random_state=0,
                          pretrainer=DBN(sizes, n_iter=3 if args.quick else 10,
                                         batch_size=10, learning_rate=0.05))
    search = RandomizedSearchCV(
        model, {"learning_rate_init": loguniform(1e-2, 1.0),
                "pretrainer__learning_rate": loguniform(1e-2, 0.2)},
        n_iter=4 if args.quick else 8, cv=3, random_state=0)
    n_fits = search.n_iter * search.cv + 1

    timing, results = {}, {}
    with warnings.catch_warnings():
        # max_iter is the search's fixed budget per fit, not convergence
        warnings.simplefilter("ignore", ConvergenceWarning)
        with timed(timing, "one process"), threadpool_limits(1):
            results["one process"] = _summary(search.fit(X_train, y_train))

        with LocalCluster(n_workers=2, threads_per_worker=1, env=worker_env(1),
                          dashboard_address=":0") as cluster, Client(cluster) as client:
            client.register_plugin(ThreadLimits(1))
            print("threads on each worker:")
            for address, counts in sorted(client.run(thread_counts).items()):
                print(f"  {address}: {counts}")
            with timed(timing, "Dask, 2 workers"), parallel_config(backend="dask"):
                results["Dask, 2 workers"] = _summary(search.fit(X_train, y_train))

    print(f"\nRandomizedSearchCV over DBNClassifier{sizes}: {search.n_iter} candidates x "
          f"{search.cv} folds + the refit = {n_fits} fits of {len(X_train)} images")
    print(f"{'run':<18}{'seconds':>9}{'best score':>12}  best parameters")
    for name, r in results.items():
        params = ", ".join(f"{k}={v:.3g}" for k, v in sorted(r["best_params"].items()))
        print(f"{name:<18}{timing[name]:>9.1f}{r['best_score']:>12.4f}  {params}")
    one, dask = results.values()
    same = bool(np.array_equal(one["scores"], dask["scores"]))
    print(f"speed-up on the cluster: {timing['one process'] / timing['Dask, 2 workers']:.2f}x"
          f"; the same cross-validated scores in both runs: {same}")

    plt = pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6), layout="constrained",
                                      gridspec_kw={"width_ratios": [2, 1]})
    for (name, r), marker, size in zip(results.items(), ("o", "x"), (60, 40)):
        left.scatter(r["learning_rates"], r["scores"], marker=marker, s=size, label=name)
    left.set_xscale("log")
    left.set_xlabel("learning_rate_init")
    left.set_ylabel("cross-validated accuracy")
    left.set_title("each candidate, from both runs", fontsize=10)
    left.legend(fontsize=8)
    right.bar(list(timing), list(timing.values()), color=["C0", "C1"])
    right.set_ylabel("wall seconds")
    right.set_title(f"{n_fits} fits", fontsize=10)
    save(fig, args, "distributed_search.png")
    return results


def _summary(search):
    cv = search.cv_results_
    return dict(best_params=search.best_params_, best_score=search.best_score_,
                scores=np.asarray(cv["mean_test_score"]),
                learning_rates=np.asarray(cv["param_learning_rate_init"], dtype=float))


if __name__ == "__main__":
    main()
