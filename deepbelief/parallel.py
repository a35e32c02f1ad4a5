"""Thread counts for fits that run side by side: Dask, Ray, joblib workers.

Several fits on the same cores must not each start a full BLAS thread
pool: two multi-threaded BLAS jobs on two cores run many times slower
than one after the other. Each worker should run ``cores / fits`` threads
in its BLAS (the matrix products) and in Numba (whose kernels here are
single-threaded, but whose pool follows the same count).

Three ways to set them, from the most to the least robust:

- Before the worker process starts, through its environment:
  :func:`worker_env` gives the variables (``LocalCluster(env=...)``,
  Ray's ``runtime_env={"env_vars": ...}``; joblib's loky backend sets
  the same ones itself from ``parallel_config(inner_max_num_threads=k)``).
- In a running Dask worker: ``client.register_plugin(ThreadLimits(k))``
  sets the BLAS pools (one per process) and Numba's count in each of the
  worker's task threads (Numba's count is per thread).
- In the process or thread that fits: :func:`limit_threads`, for instance
  through ``client.run(limit_threads, k)`` or at the top of a Ray task.

:func:`thread_counts` reports what a process (and thread) would use.
"""

import os
import threading

import numba
from threadpoolctl import threadpool_info, threadpool_limits

# ThreadLimits, defined when first asked for (it needs distributed), is left
# out so that a star import works without the extra.
__all__ = ["limit_threads", "thread_counts", "worker_env"]

# The variables that BLAS builds, OpenMP and Numba read when they start.
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS",
                "NUMBA_NUM_THREADS")


def _check_n_threads(n_threads):
    if isinstance(n_threads, bool) or not isinstance(n_threads, int) or n_threads < 1:
        raise ValueError(f"n_threads must be an integer >= 1; got {n_threads!r}.")
    return n_threads


def worker_env(n_threads=1):
    """Environment variables that start a worker with ``n_threads`` threads
    in BLAS, OpenMP and Numba.

    Parameters
    ----------
    n_threads : int, default=1
        Threads per fit: the cores a worker is given divided by the fits it
        runs at once (its ``threads_per_worker``).

    Returns
    -------
    env : dict of str to str

    Examples
    --------
    >>> from deepbelief.parallel import worker_env
    >>> worker_env(2)["OPENBLAS_NUM_THREADS"]
    '2'
    """
    n = str(_check_n_threads(n_threads))
    return {name: n for name in _THREAD_VARS}


def limit_threads(n_threads=1):
    """Limit this process's BLAS and OpenMP pools, and Numba in the calling
    thread, to ``n_threads``; returns :func:`thread_counts`.

    The environment variables are set too, so that libraries loaded later
    and child processes follow. Numba cannot go above the count its pool
    started with (``NUMBA_NUM_THREADS``); a larger request is capped there.

    Parameters
    ----------
    n_threads : int, default=1

    Returns
    -------
    counts : dict
        ``{"blas": int or None, "openmp": int or None, "numba": int}``.
    """
    n = _check_n_threads(n_threads)
    os.environ.update(worker_env(n))
    threadpool_limits(limits=n)
    numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
    return thread_counts()


def thread_counts():
    """Threads this process's BLAS and OpenMP pools, and Numba in the
    calling thread, would use: ``{"blas", "openmp", "numba"}`` (None for
    a pool that is not loaded; the largest where several are)."""
    counts = {"blas": None, "openmp": None}
    for pool in threadpool_info():
        api = pool["user_api"]
        if api in counts:
            counts[api] = max(counts[api] or 0, pool["num_threads"])
    counts["numba"] = numba.get_num_threads()
    return counts


def _make_plugin_class():
    from distributed.diagnostics.plugin import WorkerPlugin

    class ThreadLimits(WorkerPlugin):
        """A Dask worker plugin: every task thread of every worker (present
        and future ones) runs BLAS and Numba with ``n_threads`` threads.

        ``client.register_plugin(ThreadLimits(1))``. The BLAS pools are per
        process; Numba's count is per thread, so it is set in each of the
        worker's executor threads (a barrier holds one call on each).

        Parameters
        ----------
        n_threads : int, default=1
            Threads per task: the worker's cores divided by its
            ``nthreads``.
        """

        name = "deepbelief-thread-limits"

        def __init__(self, n_threads=1):
            self.n_threads = _check_n_threads(n_threads)

        def setup(self, worker):
            limit_threads(self.n_threads)
            n = worker.state.nthreads
            barrier = threading.Barrier(n)

            def one_thread():
                barrier.wait(timeout=60)
                return limit_threads(self.n_threads)

            executor = worker.executors["default"]
            futures = [executor.submit(one_thread) for _ in range(n)]
            for future in futures:
                future.result()

    ThreadLimits.__module__ = __name__
    ThreadLimits.__qualname__ = "ThreadLimits"
    return ThreadLimits


def __getattr__(name):
    # distributed is imported only when the plugin is asked for; the class
    # is then kept here so that pickle finds it by name on the workers.
    if name == "ThreadLimits":
        try:
            cls = _make_plugin_class()
        except ImportError as exc:
            raise ImportError("ThreadLimits requires dask.distributed: pip install "
                              "'deepbelief[distributed]'") from exc
        globals()["ThreadLimits"] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
