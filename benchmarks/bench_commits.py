"""Training speed of two commits, interleaved in one run, as ratios to the floor.

Exports ``--base`` with ``git archive`` and runs, alternately for that tree
and the working tree (each in a fresh subprocess, ``--repeats`` times):

- BernoulliRBM, MNIST 784-500, batch 100, CD-1, one epoch on
  ``--rows`` rows, float32 and float64, and the floor of the same run (the
  five BLAS products of CD-1 for the same number of batches);
- MLPClassifier 784-500-500-2000-10 (sigmoid, SGD, batch 100), one epoch,
  and its floor (the forward and backward products of each batch).

Each subprocess warms up (Numba's cache load, BLAS threads), then times
three fits (3 RBM epochs, 2 MLP epochs, setup and monitoring included) and
three floors, interleaved, and keeps the fastest of each. Reported: the median ratio epoch /
floor per commit, and the change. Writes the section "Speed against the
previous commit" of ``benchmarks/RESULTS.md``.

    python benchmarks/bench_commits.py --base HEAD~3 --repeats 5
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DEFAULT_MNIST, markdown_table, write_section  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

_CHILD = r'''
import json, sys, time, warnings
import numpy as np
warnings.simplefilter("ignore")
from deepbelief import BernoulliRBM, MLPClassifier
from deepbelief.datasets import load_mnist
mnist, rows, what = sys.argv[1], int(sys.argv[2]), sys.argv[3]
X, y = load_mnist(mnist, "train")
X, y = X[:rows], y[:rows]

def rbm_floor(X, dtype, n_hidden=500, batch=100):
    rng = np.random.default_rng(0)
    W = rng.normal(0, 0.01, (n_hidden, X.shape[1])).astype(dtype)
    V = np.empty((batch, X.shape[1]), dtype); H = np.empty((batch, n_hidden), dtype)
    V1, H1, G, G1 = np.empty_like(V), np.empty_like(H), np.empty_like(W), np.empty_like(W)
    t = time.perf_counter()
    for s in range(0, X.shape[0] - batch + 1, batch):
        np.copyto(V, X[s:s + batch])
        np.matmul(V, W.T, out=H); np.matmul(H, W, out=V1); np.matmul(V1, W.T, out=H1)
        np.matmul(H.T, V, out=G); np.matmul(H1.T, V1, out=G1)
    return time.perf_counter() - t

def mlp_floor(X, sizes, batch=100, dtype=np.float32):
    rng = np.random.default_rng(0)
    widths = [X.shape[1], *sizes]
    Ws = [rng.normal(0, 0.01, (a, b)).astype(dtype) for a, b in zip(widths, widths[1:])]
    acts = [np.empty((batch, w), dtype) for w in widths]
    grads = [np.empty_like(W) for W in Ws]
    t = time.perf_counter()
    for s in range(0, X.shape[0] - batch + 1, batch):
        np.copyto(acts[0], X[s:s + batch])
        for i, W in enumerate(Ws):
            np.matmul(acts[i], W, out=acts[i + 1])
        for i in reversed(range(len(Ws))):
            np.matmul(acts[i].T, acts[i + 1], out=grads[i])
            if i:
                np.matmul(acts[i + 1], Ws[i].T, out=acts[i])
    return time.perf_counter() - t

out = {}
if what.startswith("rbm"):
    dtype = np.float32 if what.endswith("32") else np.float64
    Xd = X.astype(dtype)
    BernoulliRBM(500, batch_size=100, n_iter=1, persistent=False).fit(Xd[:300])  # warm-up
    times, floors = [], []
    for _ in range(3):
        t = time.perf_counter()
        BernoulliRBM(500, batch_size=100, n_iter=3, learning_rate=0.05, persistent=False,
                     random_state=0).fit(Xd)
        times.append((time.perf_counter() - t) / 3)
        floors.append(rbm_floor(Xd, dtype))
    out = {"epoch": min(times), "floor": min(floors)}
else:
    Xd = X.astype(np.float32)
    sizes = (500, 500, 2000)
    MLPClassifier((8,), max_iter=1).fit(Xd[:300], y[:300])  # warm-up
    times, floors = [], []
    for _ in range(3):
        clf = MLPClassifier(sizes, activation="logistic", solver="sgd", batch_size=100,
                            max_iter=2, random_state=0)
        t = time.perf_counter()
        clf.fit(Xd, y)
        times.append((time.perf_counter() - t) / 2)
        floors.append(mlp_floor(Xd, (*sizes, 10)))
    out = {"epoch": min(times), "floor": min(floors)}
print(json.dumps(out))
'''

CASES = ("rbm_f32", "rbm_f64", "mlp")


def run_child(tree, mnist, rows, what, threads):
    env = dict(os.environ, PYTHONPATH=str(tree), OPENBLAS_NUM_THREADS=str(threads),
               NUMBA_NUM_THREADS="1", OMP_NUM_THREADS=str(threads))
    res = subprocess.run([sys.executable, "-c", _CHILD, mnist, str(rows), what], env=env,
                         capture_output=True, text=True, cwd=tempfile.gettempdir())
    if res.returncode:
        raise RuntimeError(res.stderr)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--mnist", default=str(DEFAULT_MNIST))
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    base_rev = subprocess.run(["git", "rev-parse", "--short", args.base], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout.strip()
    head_rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        base_tree = Path(tmp) / "base"
        base_tree.mkdir()
        archive = subprocess.run(["git", "archive", args.base], cwd=ROOT, check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(base_tree)], input=archive, check=True)
        ratios = {(c, t): [] for c in CASES for t in ("base", "new")}
        for r in range(args.repeats):
            for case in CASES:
                for tag, tree in (("base", base_tree), ("new", ROOT)):
                    res = run_child(tree, args.mnist, args.rows, case, args.threads)
                    ratios[(case, tag)].append(res["epoch"] / res["floor"])
                    print(f"repeat {r + 1} {case:8s} {tag:4s} epoch {res['epoch']:.3f}s "
                          f"floor {res['floor']:.3f}s ratio {res['epoch'] / res['floor']:.3f}",
                          flush=True)
    rows = []
    for case in CASES:
        b = statistics.median(ratios[(case, "base")])
        n = statistics.median(ratios[(case, "new")])
        rows.append([case, f"{b:.3f}", f"{n:.3f}", f"{100 * (n / b - 1):+.1f}%"])
    table = markdown_table(["case", f"{base_rev} / floor", f"{head_rev} (+ working tree) / floor",
                            "change"], rows)
    print(table)
    write_section(
        "Speed against the previous commit",
        f"`python benchmarks/bench_commits.py --base {args.base} --repeats {args.repeats} "
        f"--rows {args.rows} --threads {args.threads}`: seconds per epoch of each case on "
        f"{args.rows} MNIST rows (fastest of 3 fits per process), over the floor (the BLAS "
        "products alone, fastest of 3 in the same process); median over "
        f"{args.repeats} processes per commit, the commits alternating.\n\n" + table)


if __name__ == "__main__":
    main()
