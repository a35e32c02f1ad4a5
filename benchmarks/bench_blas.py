"""numpy's matmul against scipy's BLAS gemm on the products of training.

The package runs every matrix product through one module
(``deepbelief._kernels.blas``); this measures the two candidate
libraries on the shapes that dominate training, so that the choice is a
measurement and not a guess:

- one CD step of an RBM on MNIST (batch 100, 784 visible, 500 hidden, W of
  shape (500, 784)): ``V W^T``, ``H W`` and the weight update
  ``W <- beta W + alpha H^T V``;
- one mini-batch of an MLP layer (batch 100, 784 inputs, 500 units, W of
  shape (784, 500)): ``X W``, ``dY W^T`` and ``X^T dY``;

in float32 and float64, each written into a preallocated C-contiguous
buffer, transposes passed as views (no copies). scipy's gemm takes
``alpha`` and ``beta``, so the RBM update is one call; numpy needs the
product in a temporary, then a scale and an add.

Both libraries are timed interleaved, call by call (the order alternates
each repetition), and each row is the median of ``--repeats`` repetitions
of ``--inner`` calls; the ratio is numpy's median over scipy's. The last
column says whether the two give bit-identical results on these inputs,
and otherwise the largest difference relative to the largest entry.

Usage: python benchmarks/bench_blas.py [--repeats 101] [--inner 3] [--threads 1]
       [--no-write]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from scipy.linalg import blas as scipy_blas
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import blas_libraries, markdown_table, write_section  # noqa: E402

BATCH, N_VISIBLE, N_HIDDEN = 100, 784, 500
ALPHA, BETA = 0.01, 0.9999


def _scipy_gemm(A, B, out, alpha=1.0, beta=0.0):
    """out = alpha A B + beta out with one gemm call, as the package does it:
    a C-contiguous matrix is the F-contiguous transpose BLAS expects."""
    gemm = scipy_blas.sgemm if out.dtype == np.float32 else scipy_blas.dgemm
    a, trans_a = (B.T, 0) if B.flags.c_contiguous else (B, 1)
    b, trans_b = (A.T, 0) if A.flags.c_contiguous else (A, 1)
    c = out.T
    result = gemm(alpha, a, b, beta=beta, c=c, trans_a=trans_a, trans_b=trans_b,
                  overwrite_c=1)
    assert result is c, "gemm copied its output"
    return out


def _numpy_gemm(A, B, out, alpha=1.0, beta=0.0, tmp=None):
    if alpha == 1.0 and beta == 0.0:
        return np.matmul(A, B, out=out)
    np.matmul(A, B, out=tmp)
    tmp *= alpha
    out *= beta
    out += tmp
    return out


def cases(dtype, rng):
    """(group, product, A, B, out shape, alpha, beta) for one dtype."""
    def draw(*shape):
        return rng.random(shape).astype(dtype)

    W_rbm = draw(N_HIDDEN, N_VISIBLE)
    V, H = draw(BATCH, N_VISIBLE), draw(BATCH, N_HIDDEN)
    W_mlp = draw(N_VISIBLE, N_HIDDEN)
    X, dY = draw(BATCH, N_VISIBLE), draw(BATCH, N_HIDDEN)
    return [
        ("RBM", "V W^T: 100x784 @ 784x500", V, W_rbm.T, (BATCH, N_HIDDEN), 1.0, 0.0),
        ("RBM", "H W: 100x500 @ 500x784", H, W_rbm, (BATCH, N_VISIBLE), 1.0, 0.0),
        ("RBM", "W <- b W + a H^T V: 500x100 @ 100x784", H.T, V, (N_HIDDEN, N_VISIBLE),
         ALPHA, BETA),
        ("MLP", "X W: 100x784 @ 784x500", X, W_mlp, (BATCH, N_HIDDEN), 1.0, 0.0),
        ("MLP", "dY W^T: 100x500 @ 500x784", dY, W_mlp.T, (BATCH, N_VISIBLE), 1.0, 0.0),
        ("MLP", "X^T dY: 784x100 @ 100x500", X.T, dY, (N_VISIBLE, N_HIDDEN), 1.0, 0.0),
    ]


def difference(a, b):
    if np.array_equal(a, b):
        return "identical"
    rel = float(np.max(np.abs(a.astype(np.float64) - b)) / np.max(np.abs(b)))
    return f"differ: {rel:.1e} of max"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=101)
    parser.add_argument("--inner", type=int, default=3,
                        help="calls per timed repetition")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads")
    parser.add_argument("--no-write", action="store_true",
                        help="print the table without writing RESULTS.md")
    args = parser.parse_args()
    if args.repeats < 7:
        parser.error("--repeats must be >= 7 for a stable median")

    rng = np.random.default_rng(0)
    rows_in = []
    for dtype in (np.float32, np.float64):
        for group, name, A, B, shape, alpha, beta in cases(dtype, rng):
            start = rng.random(shape).astype(dtype)
            bufs = {"scipy": np.empty(shape, dtype), "numpy": np.empty(shape, dtype)}
            rows_in.append(dict(group=group, name=name, dtype=np.dtype(dtype).name, A=A,
                                B=B, alpha=alpha, beta=beta, start=start, bufs=bufs,
                                tmp=np.empty(shape, dtype),
                                times={"scipy": [], "numpy": []}))

    def run(lib, row):
        out = row["bufs"][lib]
        A, B, alpha, beta = row["A"], row["B"], row["alpha"], row["beta"]
        if lib == "scipy":
            for _ in range(args.inner):
                _scipy_gemm(A, B, out, alpha, beta)
        else:
            tmp = row["tmp"]
            for _ in range(args.inner):
                _numpy_gemm(A, B, out, alpha, beta, tmp)

    with threadpool_limits(args.threads, user_api="blas"):
        # One result each from the same starting buffer, for the comparison.
        for row in rows_in:
            for lib in ("scipy", "numpy"):
                np.copyto(row["bufs"][lib], row["start"])
                if lib == "scipy":
                    _scipy_gemm(row["A"], row["B"], row["bufs"][lib], row["alpha"],
                                row["beta"])
                else:
                    _numpy_gemm(row["A"], row["B"], row["bufs"][lib], row["alpha"],
                                row["beta"], row["tmp"])
            row["same"] = difference(row["bufs"]["numpy"], row["bufs"]["scipy"])
            for lib in ("scipy", "numpy"):  # warm both
                run(lib, row)
        load_before = os.getloadavg()[0]
        # Interleaved call by call: the two libraries of a row are timed
        # within milliseconds of each other, so a change of load hits both.
        for row in rows_in:
            for rep in range(args.repeats):
                order = ("scipy", "numpy") if rep % 2 == 0 else ("numpy", "scipy")
                for lib in order:
                    t0 = time.perf_counter()
                    run(lib, row)
                    row["times"][lib].append((time.perf_counter() - t0) / args.inner)
        load_after = os.getloadavg()[0]

    table = []
    for row in rows_in:
        s = statistics.median(row["times"]["scipy"])
        n = statistics.median(row["times"]["numpy"])
        table.append([row["group"], row["name"], row["dtype"], f"{1e3 * s:.3f}",
                      f"{1e3 * n:.3f}", f"{n / s:.2f}", row["same"]])
    header = ["model", "product", "dtype", "scipy gemm (ms)", "numpy matmul (ms)",
              "numpy / scipy", "results"]
    text = markdown_table(header, table)
    print(text)

    def owner(path):
        return ("numpy's" if "numpy" in path else "scipy's" if "scipy.libs" in path
                else "other")

    libs = "; ".join(f"{owner(i.get('filepath', ''))} OpenBLAS {i.get('version')}"
                     for i in blas_libraries())
    body = (
        f"Each product into a preallocated buffer, {args.threads} BLAS thread(s), median "
        f"of {args.repeats} interleaved repetitions of {args.inner} calls. The machine "
        f"was shared with other jobs while this ran (1-minute load average "
        f"{load_before:.1f} before, {load_after:.1f} after, on {os.cpu_count()} cores), "
        "so single timings are noisy; the ratios, measured side by side, are what "
        f"to read. Libraries: {libs}.\n\n"
        "Decision (`deepbelief/_kernels/blas.py`): the RBMs' products run on "
        "scipy's gemm, which folds the learning rate, weight decay and momentum "
        "into the weight-update product, where numpy needs a temporary and two "
        "more passes (the `W <- b W + a H^T V` rows) and rounds differently. The "
        "plain products of the MLPs and autoencoders run on numpy's matmul: they "
        "give bit-identical results in both libraries, and numpy's newer OpenBLAS "
        "build is faster on float32 products without a transpose (`X W`, `H W`); "
        "float64 products run at the same speed. Each training loop thus uses one "
        "library's thread pool.\n\n"
        f"Run: `python benchmarks/bench_blas.py --repeats {args.repeats} "
        f"--inner {args.inner} --threads {args.threads}`\n\n" + text
    )
    if not args.no_write:
        write_section("bench_blas", body)


if __name__ == "__main__":
    main()
