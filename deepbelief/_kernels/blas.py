"""Matrix products on scipy's BLAS, written into buffers we own.

All arrays are C-contiguous; a C-contiguous (m, n) array is the
F-contiguous (n, m) transpose BLAS expects, so each product is a single
``gemm`` call with the right transpose flags and no copy. ``alpha`` and
``beta`` fold scaling and accumulation (a learning-rate step, weight decay,
momentum) into the product itself. Only scipy's BLAS is used in training
loops, so one BLAS thread pool serves them.
"""

import numpy as np
from scipy.linalg import blas as _blas

_GEMM = {np.dtype(np.float32): _blas.sgemm, np.dtype(np.float64): _blas.dgemm}


def _gemm(dtype):
    try:
        return _GEMM[np.dtype(dtype)]
    except KeyError:
        raise TypeError(f"BLAS products need float32 or float64 arrays; got {dtype}.")


def _check_inplace(result, c):
    # f2py silently copies arrays it cannot use as they are (and then
    # returns the copy); a product that did not land in ``out`` would be
    # lost, so refuse loudly.
    if result is not c:
        raise RuntimeError("BLAS product was not written in place; buffers must be "
                           "C-contiguous and of the model's dtype.")


def dot_nt(A, W, out, alpha=1.0, beta=0.0):
    """out = alpha * A @ W.T + beta * out, for A (n, k), W (m, k), out (n, m)."""
    c = out.T
    _check_inplace(_gemm(out.dtype)(alpha, W.T, A.T, beta=beta, c=c, trans_a=1,
                                    overwrite_c=1), c)
    return out


def dot_nn(A, W, out, alpha=1.0, beta=0.0):
    """out = alpha * A @ W + beta * out, for A (n, k), W (k, m), out (n, m)."""
    c = out.T
    _check_inplace(_gemm(out.dtype)(alpha, W.T, A.T, beta=beta, c=c, overwrite_c=1), c)
    return out


def dot_tn(H, V, out, alpha=1.0, beta=0.0):
    """out = alpha * H.T @ V + beta * out, for H (n, m), V (n, k), out (m, k)."""
    c = out.T
    _check_inplace(_gemm(out.dtype)(alpha, V.T, H.T, beta=beta, c=c, trans_b=1,
                                    overwrite_c=1), c)
    return out
