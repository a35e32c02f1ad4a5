"""Peak memory of RBM, DBN and MLP fits against the size of the data.

Each fit runs in a fresh subprocess on a read-only ``np.memmap`` of
float32 in [0, 1] (784 features, the rows growing), after a warm-up fit
on 500 rows has compiled the kernels. Reported per fit, from
``resource.getrusage`` and ``/proc/self/status``:

- peak RSS (``ru_maxrss``) and its growth over the warm-up's peak; the
  memmap's file pages count in RSS once read, but they are page cache
  the kernel can drop, not memory the fit holds;
- the largest anonymous (private) resident memory seen during the fit
  (sampled every 5 ms by a thread), over the warm-up's: what the fit
  allocated, the figure that must not grow with the data.

Usage::

    python benchmarks/bench_memory.py [--sizes 16,32,64,128] [--small]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import markdown_table, write_section  # noqa: E402

import numpy as np  # noqa: E402

N_FEATURES = 784

_PROBE = textwrap.dedent("""
    import resource, sys, threading, warnings
    import numpy as np
    from deepbelief import DBN, BernoulliRBM, MLPClassifier
    warnings.simplefilter("ignore")
    path, n, d, which = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    X = np.memmap(path, dtype=np.float32, mode="r", shape=(n, d))
    y = np.arange(n) % 10

    def make():
        if which == "BernoulliRBM":
            return BernoulliRBM(64, n_iter=1, batch_size=100, random_state=0)
        if which == "DBN":
            return DBN((64, 32), n_iter=1, batch_size=100, random_state=0)
        return MLPClassifier((64,), max_iter=1, batch_size=100, random_state=0)

    def fit(X, y):
        return make().fit(X) if which in ("BernoulliRBM", "DBN") else make().fit(X, y)

    def anon_kib():
        with open("/proc/self/status") as f:
            return next(int(l.split()[1]) for l in f if l.startswith("RssAnon:"))

    fit(np.ascontiguousarray(X[:500]), y[:500])
    base_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    base_anon = anon_kib()
    top, done = [base_anon], threading.Event()

    def watch():  # the largest anonymous RSS seen, sampled every 5 ms
        while not done.wait(0.005):
            top[0] = max(top[0], anon_kib())

    watcher = threading.Thread(target=watch)
    watcher.start()
    fit(X, y)
    done.set()
    watcher.join()
    top[0] = max(top[0], anon_kib())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(base_peak, peak, base_anon, top[0])
""")


def run(path, n, which):
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "NUMBA_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", _PROBE, str(path), str(n),
                          str(N_FEATURES), which], capture_output=True, text=True,
                         env=env, check=True)
    return [int(v) for v in out.stdout.split()]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="16,32,64,128", help="data sizes in MiB")
    p.add_argument("--small", action="store_true", help="sizes 16,32,64 (busy machine)")
    p.add_argument("--dir", default=None, help="folder for the memmap files")
    args = p.parse_args()
    sizes = [16, 32, 64] if args.small else [int(s) for s in args.sizes.split(",")]
    models = ["BernoulliRBM", "DBN", "MLPClassifier"]
    rows = []
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        rng = np.random.default_rng(0)
        for mib in sizes:
            n = (mib << 20) // (4 * N_FEATURES)
            path = Path(tmp) / f"X{mib}.f32"
            X = np.memmap(path, dtype=np.float32, mode="w+", shape=(n, N_FEATURES))
            for start in range(0, n, 4096):
                stop = min(n, start + 4096)
                X[start:stop] = rng.random((stop - start, N_FEATURES), dtype=np.float32)
            X.flush()
            del X
            for which in models:
                base_peak, peak, base_anon, anon = run(path, n, which)
                rows.append([which, f"{n}", f"{mib}", f"{peak / 1024:.0f}",
                             f"{(peak - base_peak) / 1024:.0f}",
                             f"{(anon - base_anon) / 1024:.0f}"])
                print(rows[-1], flush=True)
            path.unlink()
    rows.sort(key=lambda r: (models.index(r[0]), int(r[1])))
    body = "\n".join([
        ("Settings: --small (sizes 16, 32, 64 MiB; a busy shared machine)."
         if args.small else f"Sizes {sizes} MiB."),
        "",
        "Peak RSS includes the memmap's file pages once read (page cache, "
        "reclaimable); the private column is the largest anonymous resident memory "
        "seen during the fit (sampled every 5 ms), over the warm-up's. RBM and MLP: 1 epoch, 64 "
        "hidden units; DBN: (64, 32), 1 epoch per layer.",
        "",
        markdown_table(["model", "rows", "data MiB", "peak RSS MiB",
                        "peak growth MiB", "private growth MiB"], rows),
    ])
    print(body)
    write_section("bench_memory", body)


if __name__ == "__main__":
    main()
