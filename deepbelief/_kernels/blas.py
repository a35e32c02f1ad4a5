"""Every dense matrix product of the estimators, written into buffers we
own.

All products of training, transform, prediction, sampling and likelihood
(RBMs, DBNs, autoencoders, MLPs, AIS) come here. Which library runs them was
measured (``benchmarks/bench_blas.py`` and ``benchmarks/bench_commits.py``,
their sections in ``benchmarks/RESULTS.md``):

- the RBM products (``dot_nt``, ``dot_nn``, ``dot_tn``, the vector products)
  run on scipy's gemm, which takes ``alpha`` and ``beta``, so an RBM's
  learning rate, weight decay and momentum fold into the weight-update
  product (numpy needs a temporary and two more passes over the weights,
  and rounds differently);
- the plain products of :func:`gemm` (``alpha=1``, ``beta=0``: every
  product of the MLPs and autoencoders) run on numpy's matmul, whose newer
  OpenBLAS build takes about 0.86x scipy's time on an MLP mini-batch in
  float32 at one thread and gives bit-identical results on these shapes;
  :func:`gemm` with another ``alpha`` or ``beta`` goes to scipy.

So each training loop keeps to one library, and one BLAS thread pool, per
mini-batch. A C-contiguous (m, n) array is the F-contiguous (n, m)
transpose BLAS expects, so each scipy product is a single ``gemm`` call
with the right transpose flags and no copy of a contiguous operand.
"""

import numpy as np
from scipy.linalg import blas as _blas

__all__ = ["gemm", "dot_nt", "dot_nn", "dot_tn", "matvec", "vecmat"]

_GEMM = {np.dtype(np.float32): _blas.sgemm, np.dtype(np.float64): _blas.dgemm}
_GEMV = {np.dtype(np.float32): _blas.sgemv, np.dtype(np.float64): _blas.dgemv}


def _routine(table, dtype):
    try:
        return table[np.dtype(dtype)]
    except KeyError:
        raise TypeError(f"BLAS products need float32 or float64 arrays; got {dtype}.") from None


def _check_inplace(result, c):
    # f2py silently copies arrays it cannot use as they are (and then
    # returns the copy); a product that did not land in ``out`` would be
    # lost, so refuse loudly.
    if result is not c:
        raise RuntimeError("BLAS product was not written in place; buffers must be "
                           "C-contiguous and of the model's dtype.")


def _product(a, b, out, trans_a, trans_b, alpha, beta):
    """out.T = alpha * op(a) @ op(b) + beta * out.T, Fortran-order BLAS."""
    if out.size == 0:
        return out
    if (b.shape[1] if trans_b else b.shape[0]) == 0:
        # an empty inner dimension: the product is zero (BLAS rejects it)
        if beta == 0:
            out[...] = 0
        else:
            out *= beta
        return out
    c = out.T
    _check_inplace(_routine(_GEMM, out.dtype)(alpha, a, b, beta=beta, c=c,
                                              trans_a=trans_a, trans_b=trans_b,
                                              overwrite_c=1), c)
    return out


def _operand(M, dtype):
    """``(array, trans)`` through which Fortran-order BLAS sees ``M.T``."""
    if M.dtype != dtype:
        M = M.astype(dtype, order="K")
    if M.flags.c_contiguous:
        return M.T, 0
    if M.flags.f_contiguous:
        return M, 1
    return np.ascontiguousarray(M).T, 0


def gemm(A, B, out, alpha=1.0, beta=0.0):
    """``out <- alpha * A @ B + beta * out`` in place; returns ``out``.

    Parameters
    ----------
    A : ndarray of shape (n, k)
    B : ndarray of shape (k, m)
        C- or F-contiguous (a transposed view costs nothing: BLAS is told
        to transpose); other layouts, and another dtype than ``out``'s,
        are copied first.
    out : ndarray of shape (n, m), C-contiguous, float32 or float64
    alpha, beta : float
        With ``beta=0`` the previous contents of ``out`` are ignored.
    """
    if not out.flags.c_contiguous:
        raise ValueError("out must be C-contiguous.")
    if A.ndim != 2 or B.ndim != 2 or A.shape[1] != B.shape[0] \
            or out.shape != (A.shape[0], B.shape[1]):
        raise ValueError(f"gemm needs A (n, k), B (k, m) and out (n, m); got "
                         f"{A.shape}, {B.shape} and {out.shape}.")
    if alpha == 1.0 and beta == 0.0 and A.dtype == B.dtype == out.dtype \
            and out.dtype in _GEMM and A.size and B.size:
        # A plain product goes to numpy's matmul (see the module docstring).
        return np.matmul(A, B, out=out)
    # out is C-contiguous, so BLAS writes out.T = B.T @ A.T.
    a, trans_a = _operand(B, out.dtype)
    b, trans_b = _operand(A, out.dtype)
    return _product(a, b, out, trans_a, trans_b, alpha, beta)


def dot_nt(A, W, out, alpha=1.0, beta=0.0):
    """out = alpha * A @ W.T + beta * out, for A (n, k), W (m, k), out (n, m),
    all C-contiguous."""
    return _product(W.T, A.T, out, 1, 0, alpha, beta)


def dot_nn(A, W, out, alpha=1.0, beta=0.0):
    """out = alpha * A @ W + beta * out, for A (n, k), W (k, m), out (n, m),
    all C-contiguous."""
    return _product(W.T, A.T, out, 0, 0, alpha, beta)


def dot_tn(H, V, out, alpha=1.0, beta=0.0):
    """out = alpha * H.T @ V + beta * out, for H (n, m), V (n, k), out (m, k),
    all C-contiguous."""
    return _product(V.T, H.T, out, 0, 1, alpha, beta)


def matvec(M, x):
    """``M @ x`` (a new vector) for a C-contiguous M (m, n) and x (n,)."""
    x = np.ascontiguousarray(x, dtype=M.dtype)
    return _routine(_GEMV, M.dtype)(1.0, M.T, x, trans=1)


def vecmat(x, M):
    """``x @ M`` (a new vector) for x (m,) and a C-contiguous M (m, n)."""
    x = np.ascontiguousarray(x, dtype=M.dtype)
    return _routine(_GEMV, M.dtype)(1.0, M.T, x, trans=0)
