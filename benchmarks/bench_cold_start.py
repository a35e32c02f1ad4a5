"""The first fit after install against the second: Numba's compile cost.

Each estimator is fitted on scikit-learn's digits in a fresh process with
an empty Numba cache folder (``NUMBA_CACHE_DIR``), as after ``pip
install``, then again in a second fresh process with the cache the first
wrote. The import of deepbelief, the fit and the process start are all
timed from outside (wall seconds of the whole subprocess); the same for
``deepbelief demo``. Median of ``--repeats`` pairs.

Usage::

    python benchmarks/bench_cold_start.py [--repeats 3] [--only BernoulliRBM,demo]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import markdown_table, write_section  # noqa: E402

FITS = {
    "BernoulliRBM": "BernoulliRBM(64, n_iter=2, random_state=0).fit(X)",
    "GaussianBernoulliRBM": "GaussianBernoulliRBM(64, n_iter=2, random_state=0).fit(X)",
    "MLPClassifier": "MLPClassifier((64,), max_iter=2, random_state=0).fit(X, y)",
    "DBNClassifier": "DBNClassifier((64, 64), max_iter=2, random_state=0).fit(X, y)",
    "Autoencoder": "Autoencoder(32, n_iter=2, random_state=0).fit(X)",
    "ClassificationRBM": "ClassificationRBM(64, n_iter=2, random_state=0).fit(X, y)",
}
PRELUDE = ("import warnings; warnings.simplefilter('ignore'); "
           "from deepbelief import *; from deepbelief.datasets import load_digits; "
           "X, y = load_digits(); ")
ROOT = Path(__file__).resolve().parents[1]


def timed(command, cache):
    env = {**os.environ, "NUMBA_CACHE_DIR": cache, "DEEPBELIEF_PROGRESS": "0"}
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, cwd=tempfile.gettempdir(),
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", default=None)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    jobs = {name: [sys.executable, "-c", PRELUDE + code] for name, code in FITS.items()}
    jobs["deepbelief demo"] = [sys.executable, "-m", "deepbelief", "demo"]
    jobs["import deepbelief only"] = [sys.executable, "-c", "import deepbelief"]
    if args.only:
        jobs = {k: v for k, v in jobs.items() if k in args.only.split(",")}
    rows = []
    for name, command in jobs.items():
        cold, warm = [], []
        for _ in range(args.repeats):
            with tempfile.TemporaryDirectory() as cache:
                cold.append(timed(command, cache))
                warm.append(timed(command, cache))
        c, w = np.median(cold), np.median(warm)
        rows.append([name, f"{c:.1f}", f"{w:.1f}", f"{c / w:.1f}x"])
        print(" | ".join(rows[-1]), flush=True)
    table = markdown_table(["process", "first run s (empty cache)", "second run s",
                            "first / second"], rows)
    print(table)
    if not args.no_write:
        body = ("Wall seconds of a whole fresh Python process (start, import, fit on "
                "digits) with an empty Numba cache folder and then with the cache the "
                f"first wrote; median of {args.repeats} pairs; thread counts as the "
                f"environment sets them (OPENBLAS_NUM_THREADS="
                f"{os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, NUMBA_NUM_THREADS="
                f"{os.environ.get('NUMBA_NUM_THREADS', 'unset')}).\n\n" + table)
        write_section("bench_cold_start", body)


if __name__ == "__main__":
    main()
