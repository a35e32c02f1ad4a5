"""Kernels for partition functions: exact enumeration and annealed
importance sampling (AIS).

Enumeration: ``binary_states`` writes a block of the 2**n binary states of
one layer; the driver multiplies it with W on BLAS, the other layer's unit
kernel marginalises that layer out, and ``log_sum_exp`` folds the block's
terms into a running total.

AIS: all runs advance together. Per inverse temperature the driver does
one product ``V W^T`` and one ``H W`` (on BLAS, or ``binary_rows_times``
when the binary states are sparse); everything between them is one pass
of a fused kernel here: the log importance weight increment, the
conditional at the new temperature and the sample. Per-row sums go
through a row buffer so that the elementwise loops have no reduction in
them and vectorise.
"""

import numpy as np

from ._jit import jit
from .mathfn import cast_like, exp, logistic
from .random import normal, row_uniforms


@jit
def binary_states(start, out):
    """Row r of ``out`` = the binary digits of ``start + r``, most significant first."""
    n, m = out.shape
    for r in range(n):
        code = start + r
        for j in range(m):
            out[r, j] = (code >> (m - 1 - j)) & 1


@jit
def log_sum_exp(x):
    """log(sum(exp(x))) of a 1-D float64 array, without overflow."""
    top = -np.inf
    for i in range(x.shape[0]):
        if x[i] > top:
            top = x[i]
    if not np.isfinite(top):
        return top
    s = 0.0
    for i in range(x.shape[0]):
        s += exp(x[i] - top)
    return top + np.log(s)


# Per-row reductions use four interleaved accumulators: the additions (or
# multiplications) of one accumulator wait on each other, those of
# different accumulators overlap.


@jit(inline="always")
def _sum4(x):
    m = x.shape[0]
    a0 = a1 = a2 = a3 = 0.0
    j = 0
    while j + 4 <= m:
        a0 += x[j]
        a1 += x[j + 1]
        a2 += x[j + 2]
        a3 += x[j + 3]
        j += 4
    while j < m:
        a0 += x[j]
        j += 1
    return (a0 + a1) + (a2 + a3)


# A product of up to _LOG_BLOCK factors in [1/2, 2] stays inside float64's
# range (2**+-1022), so one log per block replaces one log per factor.
_LOG_BLOCK = 1000


@jit(inline="always")
def _sum_log(x):
    """sum(log(x)) for factors in [1/2, 2], with one log per block of factors."""
    m = x.shape[0]
    total = 0.0
    for start in range(0, m, _LOG_BLOCK):
        stop = min(start + _LOG_BLOCK, m)
        a0 = a1 = a2 = a3 = 1.0
        j = start
        while j + 4 <= stop:
            a0 *= x[j]
            a1 *= x[j + 1]
            a2 *= x[j + 2]
            a3 *= x[j + 3]
            j += 4
        while j < stop:
            a0 *= x[j]
            j += 1
        total += np.log((a0 * a1) * (a2 * a3))
    return total


@jit
def binary_rows_times(S, M, out):
    """``out = S @ M`` for a matrix ``S`` of zeros and ones: each row of
    ``out`` is the sum of the rows of ``M`` that the row of ``S`` selects.

    At the densities of AIS on MNIST (about 13% of the visible units on)
    this is a few times faster than the dense product, which multiplies
    every zero. The rows are summed in order, in ``out``'s precision.
    """
    n, m = S.shape
    k = M.shape[1]
    for r in range(n):
        for j in range(k):
            out[r, j] = 0.0
        for i in range(m):
            if S[r, i] != 0.0:
                for j in range(k):
                    out[r, j] += M[i, j]


@jit
def ais_hidden_bernoulli(A, c, beta_old, beta_new, gap, log_w, H, work, seed):
    """One AIS step's weight update and hidden sample, for binary hidden units.

    With x = A + c (A = V W^T at the current visible states),
    ``log_w[i] += (beta_new - beta_old) * gap[i]
    + sum_j softplus(beta_new x_ij) - softplus(beta_old x_ij)``, the change
    of log p*_beta(v) between the two temperatures (``gap`` holds the
    visible energy difference E_base(v) - E_model(v)); then
    ``H = 1[u < sigmoid(beta_new x)]`` with ``u`` the ``row_uniforms`` of
    H's precision. The weights are computed in float64 whatever the dtype
    of ``A``. ``work`` is a float64 buffer of shape (2, n_hidden). ``H``
    must not be ``A``: an aliased output makes LLVM's overlap check fail
    and the loop run scalar.
    """
    n, m = A.shape
    d_beta = beta_new - beta_old
    ratio = work[0]
    positive = work[1]
    u = np.empty(m, dtype=H.dtype)
    for i in range(n):
        row_uniforms(seed, i, u)
        for j in range(m):
            x = np.float64(A[i, j]) + c[j]
            y1 = beta_new * x
            y0 = beta_old * x
            # softplus(y) = max(y, 0) + log(1 + e**-|y|), and y0, y1 share
            # x's sign: the difference is d_beta max(x, 0) minus the log of
            # (1 + e0) / (1 + e1), a ratio in [1/2, 2].
            e1 = exp(-abs(y1))
            e0 = exp(-abs(y0))
            r1 = 1.0 / (1.0 + e1)
            ratio[j] = (1.0 + e0) * r1
            positive[j] = max(x, 0.0)
            p = r1 if y1 >= 0.0 else e1 * r1
            H[i, j] = 1.0 if u[j] < p else 0.0
        log_w[i] += d_beta * (gap[i] + _sum4(positive)) - _sum_log(ratio)


@jit
def ais_visible_bernoulli(X, beta, bias_base, bias_model, V, gap, work, seed):
    """Binary visible sample at inverse temperature ``beta`` and its energy gap.

    With X = H W, ``V = 1[u < sigmoid(beta X + (1 - beta) b_base + beta b)]``
    (the logistic and ``u``, the ``row_uniforms``, in V's precision) and
    ``gap[i] = E_base(V_i) - E_model(V_i) = (b - b_base) . V_i`` in float64.
    ``V`` must not be ``X`` (see ``ais_hidden_bernoulli``).
    """
    n, m = X.shape
    u = np.empty(m, dtype=V.dtype)
    for i in range(n):
        row_uniforms(seed, i, u)
        for j in range(m):
            x = beta * (np.float64(X[i, j]) + bias_model[j]) + (1.0 - beta) * bias_base[j]
            v = 1.0 if u[j] < logistic(cast_like(x, V)) else 0.0
            V[i, j] = v
            work[j] = v * (bias_model[j] - bias_base[j])
        gap[i] = _sum4(work)


@jit
def ais_visible_gaussian(X, beta, bias_base, bias_model, V, gap, work, seed):
    """Unit-variance Gaussian visible sample at ``beta`` and its energy gap.

    ``V = beta (X + b) + (1 - beta) b_base + N(0, 1)`` and
    ``gap[i] = (|V_i - b_base|**2 - |V_i - b|**2) / 2``. ``V`` must not be
    ``X``.
    """
    n, m = X.shape
    for i in range(n):
        base = i * m
        for j in range(m):
            mu = beta * (np.float64(X[i, j]) + bias_model[j]) + (1.0 - beta) * bias_base[j]
            v = mu + normal(seed, base + j)
            V[i, j] = v
            vr = np.float64(V[i, j])  # the value as stored, so gap matches V
            da = vr - bias_base[j]
            db = vr - bias_model[j]
            work[j] = 0.5 * (da * da - db * db)
        s = 0.0
        for j in range(m):
            s += work[j]
        gap[i] = s
