"""Kernels for RBM units and contrastive-divergence statistics.

Every unit kernel takes the output of a matrix product ``A`` (rows are
samples), a bias vector, and buffers to write; the bias add, the
non-linearity and the sampling happen in one pass. ``A`` may be the same
array as an output buffer: each element is read before it is written.
Random numbers come from ``random.uniform``/``random.normal`` hashed at the
element's flat position, so a kernel's result depends only on its seed.
"""

import numpy as np

from ._jit import jit
from .mathfn import _f64_bits, logistic, sigmoid, softplus
from .random import hash64, normal, row_uniforms, uniform

# Unit kernels are called in place (``A`` is ``out``, or ``mean`` is
# ``sample``). Loops that read and write possibly-overlapping arrays fail
# LLVM's runtime alias check and run scalar, 5-8x slower, so each row is
# computed into small private buffers first and then copied out; the copies
# cost little beside the arithmetic. When ``mean`` and ``sample`` are the
# same array, the sample is written last and wins.
#
# Values below TINY are stored as exact zeros. Saturated units give
# probabilities like 1e-40, subnormal in float32 (and their 1/n-scaled
# statistics subnormal in float64 too); a subnormal operand makes every
# floating-point operation that touches it many times slower, and one
# mini-batch of them made a BLAS product 10x slower. A probability of
# 1e-30 and one of 0 are the same for every purpose here.
TINY = 1e-30


@jit
def _store(row, out, i):
    for j in range(row.shape[0]):
        x = row[j]
        out[i, j] = x if abs(x) >= TINY else 0.0


# ---------------------------------------------------------------- Bernoulli


@jit
def bernoulli_mean(A, bias, out):
    """out = sigmoid(A + bias), in the precision of ``A + bias``."""
    n, m = A.shape
    p = np.empty(m, dtype=out.dtype)
    for i in range(n):
        for j in range(m):
            p[j] = logistic(A[i, j] + bias[j])
        _store(p, out, i)


@jit
def bernoulli_sample(A, bias, mean, sample, seed):
    """mean = sigmoid(A + bias); sample = 1 where uniform < mean, else 0.

    The logistic function is computed in the precision of ``A + bias``,
    and the uniforms are ``random.row_uniforms`` in the sample's precision.
    """
    n, m = A.shape
    p = np.empty(m, dtype=mean.dtype)
    s = np.empty(m, dtype=sample.dtype)
    u = np.empty(m, dtype=sample.dtype)
    for i in range(n):
        row_uniforms(seed, i, u)
        for j in range(m):
            pj = logistic(A[i, j] + bias[j])
            p[j] = pj
            s[j] = 1.0 if u[j] < pj else 0.0
        _store(p, mean, i)
        _store(s, sample, i)


@jit
def _row_sum(row):
    # A plain ordered sum: the expensive terms were computed in a loop of
    # their own, which vectorises; a floating-point reduction does not
    # (reordering it would need fastmath).
    s = 0.0
    for j in range(row.shape[0]):
        s += row[j]
    return s


@jit
def bernoulli_log_partition(A, bias, out):
    """out[i] = sum_j log(1 + exp(A[i, j] + bias[j]))."""
    n, m = A.shape
    p = np.empty(m)
    for i in range(n):
        for j in range(m):
            p[j] = softplus(np.float64(A[i, j] + bias[j]))
        out[i] = _row_sum(p)


@jit
def bernoulli_energy(V, bias, out):
    """out[i] = -V[i] . bias (the visible term of the energy)."""
    n, m = V.shape
    for i in range(n):
        s = 0.0
        for j in range(m):
            s += np.float64(V[i, j]) * bias[j]
        out[i] = -s


# ---------------------------------------------------------------- Gaussian


@jit
def gaussian_mean(A, bias, out):
    """out = A + bias (the mean of a unit-variance Gaussian unit)."""
    n, m = A.shape
    p = np.empty(m)
    for i in range(n):
        for j in range(m):
            p[j] = np.float64(A[i, j] + bias[j])
        _store(p, out, i)


@jit
def gaussian_sample(A, bias, mean, sample, seed):
    """mean = A + bias; sample = mean + N(0, 1)."""
    n, m = A.shape
    p = np.empty(m)
    s = np.empty(m)
    for i in range(n):
        base = i * m
        for j in range(m):
            mu = np.float64(A[i, j] + bias[j])
            p[j] = mu
            s[j] = mu + normal(seed, base + j)
        _store(p, mean, i)
        _store(s, sample, i)


@jit
def gaussian_log_partition(A, bias, out):
    """out[i] = sum_j ((A + bias)**2 / 2 + log(2 pi) / 2): unit-variance Gaussians."""
    n, m = A.shape
    half_log_2pi = 0.5 * np.log(2.0 * np.pi)
    for i in range(n):
        s = 0.0
        for j in range(m):
            x = np.float64(A[i, j] + bias[j])
            s += 0.5 * x * x + half_log_2pi
        out[i] = s


@jit
def gaussian_energy(V, bias, out):
    """out[i] = sum_j (V[i, j] - bias[j])**2 / 2."""
    n, m = V.shape
    for i in range(n):
        s = 0.0
        for j in range(m):
            d = np.float64(V[i, j]) - bias[j]
            s += d * d
        out[i] = 0.5 * s


# ----------------------------------------------- noisy rectified linear units


@jit
def relu_mean(A, bias, out):
    """out = max(0, A + bias)."""
    n, m = A.shape
    p = np.empty(m)
    for i in range(n):
        for j in range(m):
            p[j] = max(np.float64(A[i, j] + bias[j]), 0.0)
        _store(p, out, i)


@jit
def relu_sample(A, bias, mean, sample, seed):
    """mean = max(0, x); sample = max(0, x + N(0, sigmoid(x))), x = A + bias."""
    n, m = A.shape
    p = np.empty(m)
    s = np.empty(m)
    for i in range(n):
        base = i * m
        for j in range(m):
            x = np.float64(A[i, j] + bias[j])
            p[j] = max(x, 0.0)
            noisy = x + np.sqrt(sigmoid(x)) * normal(seed, base + j)
            s[j] = max(noisy, 0.0)
        _store(p, mean, i)
        _store(s, sample, i)


@jit
def relu_log_partition(A, bias, out):
    """Free-energy term of stepped sigmoid units, which NReLUs approximate.

    out[i] = sum_j sum_{k>=1} log(1 + exp(x_ij - k + 1/2)), the sum cut
    where its terms fall below e**-36.
    """
    n, m = A.shape
    for i in range(n):
        s = 0.0
        for j in range(m):
            x = np.float64(A[i, j] + bias[j])
            k = 1.0
            while x - k + 0.5 > -36.0:
                s += softplus(x - k + 0.5)
                k += 1.0
        out[i] = s


# ------------------------------------------------------- gradient statistics


@jit
def hidden_statistics(SH, n_pos, n_neg, pos_mean, neg_mean):
    """Scale the stacked hidden statistics in place and take column means.

    ``SH[:n_pos]`` holds the positive-phase hidden means and
    ``SH[n_pos:n_pos + n_neg]`` the negative phase's. Afterwards the first
    block is divided by ``n_pos`` and the second by ``-n_neg``, so that
    ``SV.T @ SH`` is the CD weight gradient in one product.
    """
    m = SH.shape[1]
    for j in range(m):
        pos_mean[j] = 0.0
        neg_mean[j] = 0.0
    inv_pos = 1.0 / n_pos
    inv_neg = -1.0 / n_neg
    for i in range(n_pos):
        for j in range(m):
            pos_mean[j] += SH[i, j]
            SH[i, j] = SH[i, j] * inv_pos
    for i in range(n_pos, n_pos + n_neg):
        for j in range(m):
            neg_mean[j] += SH[i, j]
            SH[i, j] = SH[i, j] * inv_neg
    for j in range(m):
        pos_mean[j] *= inv_pos
        neg_mean[j] *= -inv_neg


@jit
def column_mean_difference(S, n_pos, n_neg, out):
    """out = mean of rows [0, n_pos) minus mean of rows [n_pos, n_pos + n_neg)."""
    m = S.shape[1]
    pos = np.zeros(m)
    neg = np.zeros(m)
    for i in range(n_pos):
        for j in range(m):
            pos[j] += S[i, j]
    for i in range(n_pos, n_pos + n_neg):
        for j in range(m):
            neg[j] += S[i, j]
    for j in range(m):
        out[j] = pos[j] / n_pos - neg[j] / n_neg


@jit
def apply_velocity(W, velocity, decay, l1):
    """velocity -= decay * W + l1 * sign(W); W += velocity (one pass)."""
    w = W.reshape(-1)
    v = velocity.reshape(-1)
    for i in range(w.shape[0]):
        x = w[i]
        step = v[i] - decay * x
        if l1 != 0.0:
            if x > 0:
                step -= l1
            elif x < 0:
                step += l1
        v[i] = step if abs(step) >= TINY else 0.0  # see TINY
        w[i] = x + step


@jit
def l1_shrink(W, amount):
    """W -= amount * sign(W), never crossing zero."""
    w = W.reshape(-1)
    for i in range(w.shape[0]):
        x = w[i]
        if x > amount:
            w[i] = x - amount
        elif x < -amount:
            w[i] = x + amount
        else:
            w[i] = 0.0


@jit
def count_outside_unit_interval(x):
    """How many values of the 1-D array ``x`` lie outside [0, 1] (one pass)."""
    count = 0
    for i in range(x.shape[0]):
        v = x[i]
        count += 1 if (v < 0.0) | (v > 1.0) else 0
    return count


@jit
def squared_error_rows(A, B, out):
    """out[i] = sum_j (A[i, j] - B[i, j])**2."""
    n, m = A.shape
    for i in range(n):
        s = 0.0
        for j in range(m):
            d = np.float64(A[i, j]) - np.float64(B[i, j])
            s += d * d
        out[i] = s


@jit
def flip_bits(V, index, out):
    """out = V with V[i, index[i]] replaced by 1 - V[i, index[i]]."""
    n, m = V.shape
    for i in range(n):
        for j in range(m):
            out[i, j] = V[i, j]
        out[i, index[i]] = 1.0 - V[i, index[i]]


@jit
def row_hash_index(V, seed, n, out):
    """out[i] = a hash of (seed, the values of row i) modulo n.

    Picks a pseudo-random column per row that depends on the row's content
    only, not on its position, so results computed from it do not change
    when rows are reordered or subsetted.
    """
    for i in range(V.shape[0]):
        h = seed
        for j in range(V.shape[1]):
            h = hash64(h, _f64_bits(np.float64(V[i, j])))
        out[i] = np.int64(h % np.uint64(n))


# ------------------------------------------------------------ parallel tempering


@jit
def tempered_visible_sample(X, bias, row_beta, V, energy, seed):
    """Binary visible samples at per-row inverse temperatures.

    ``V[i] = 1[u < sigmoid(row_beta[i] * (X[i] + bias))]`` and
    ``energy[i] = -bias . V[i]``, the visible part of the (untempered)
    energy. ``V`` must not be ``X``.
    """
    n, m = X.shape
    work = np.empty(m)
    for i in range(n):
        base = i * m
        beta = row_beta[i]
        for j in range(m):
            p = sigmoid(beta * (np.float64(X[i, j]) + bias[j]))
            v = 1.0 if uniform(seed, base + j) < p else 0.0
            V[i, j] = v
            work[j] = v * bias[j]
        s = 0.0
        for j in range(m):
            s += work[j]
        energy[i] = -s


@jit
def tempered_hidden_sample(A, bias, row_beta, H, energy, seed):
    """Binary hidden samples at per-row inverse temperatures, and energies.

    With x = A + bias (A = V W^T), ``H[i] = 1[u < sigmoid(row_beta[i] x)]``
    and ``energy[i] -= H[i] . x[i]``, completing the joint energy
    E(v, h) = -b.v - c.h - h.W v of each row's new state. ``H`` must not be
    ``A``.
    """
    n, m = A.shape
    work = np.empty(m)
    for i in range(n):
        base = i * m
        beta = row_beta[i]
        for j in range(m):
            x = np.float64(A[i, j]) + bias[j]
            h = 1.0 if uniform(seed, base + j) < sigmoid(beta * x) else 0.0
            H[i, j] = h
            work[j] = h * x
        s = 0.0
        for j in range(m):
            s += work[j]
        energy[i] -= s


@jit
def swap_replicas(H, energy, betas, n_chains, seed):
    """Metropolis swaps between neighbouring temperatures, for every chain.

    Replica r of chain i is row ``r * n_chains + i`` of ``H`` (its state)
    and ``energy``. For r = 0, 1, ..., R - 2 in turn, the states at
    ``betas[r]`` and ``betas[r + 1]`` are exchanged with probability
    ``min(1, exp((betas[r] - betas[r + 1]) (E_r - E_{r+1})))``, which
    leaves the product of the tempered distributions invariant.
    """
    R = betas.shape[0]
    m = H.shape[1]
    for i in range(n_chains):
        for r in range(R - 1):
            p = r * n_chains + i
            q = p + n_chains
            log_accept = (betas[r] - betas[r + 1]) * (energy[p] - energy[q])
            if log_accept >= 0.0 or uniform(seed, i * (R - 1) + r) < np.exp(log_accept):
                for j in range(m):
                    t = H[p, j]
                    H[p, j] = H[q, j]
                    H[q, j] = t
                t = energy[p]
                energy[p] = energy[q]
                energy[q] = t


@jit
def subtract_outer_pair(M, alpha, u, x, w, z):
    """M -= alpha * (outer(u, x) + outer(w, z)), in one pass.

    The centred RBM's weight gradient is the plain one minus these two
    outer products (the hidden-bias gradient times the visible offsets,
    the hidden offsets times the visible-bias gradient).
    """
    for i in range(M.shape[0]):
        a = alpha * u[i]
        c = alpha * w[i]
        for j in range(M.shape[1]):
            M[i, j] -= a * x[j] + c * z[j]
