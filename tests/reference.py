"""Slow, obviously-correct numpy versions of what the kernels compute.

Each function takes the same random numbers the kernel would draw (from
``deepbelief._kernels.random``'s hash, materialised as arrays), so kernels
and references can be compared exactly.
"""

import itertools

import numpy as np
from scipy.special import expit, logsumexp

from deepbelief._kernels._jit import jit
from deepbelief._kernels.mathfn import exp, log, logistic, softplus
from deepbelief._kernels.random import normal, row_uniforms, uniform

# The kernels' scalar functions over whole arrays, to compare with numpy.


@jit
def log_array(x, out):
    """Apply ``log`` elementwise to a 1-D array."""
    for i in range(x.shape[0]):
        out[i] = log(x[i])
    return out


@jit
def softplus_array(x, out):
    """Apply ``softplus`` elementwise to a 1-D array."""
    for i in range(x.shape[0]):
        out[i] = softplus(x[i])
    return out


@jit
def logistic_array(x, out):
    """Apply ``logistic`` elementwise to a 1-D array."""
    for i in range(x.shape[0]):
        out[i] = logistic(x[i])
    return out


@jit
def exp_array(x, out):
    """Apply ``exp`` elementwise to a 1-D array."""
    for i in range(x.shape[0]):
        out[i] = exp(x[i])
    return out


@jit
def fill_row_uniforms(seed, out):
    """Fill each row i of a 2-D ``out`` with ``row_uniforms(seed, i, .)``."""
    for i in range(out.shape[0]):
        row_uniforms(seed, i, out[i])
    return out


@jit
def fill_uniform(seed, offset, out):
    """Fill a 1-D array with ``uniform(seed, offset + i)``."""
    for i in range(out.shape[0]):
        out[i] = uniform(seed, offset + i)
    return out


@jit
def fill_normal(seed, offset, out):
    """Fill a 1-D array with ``normal(seed, offset + i)``."""
    for i in range(out.shape[0]):
        out[i] = normal(seed, offset + i)
    return out




def uniforms(seed, shape):
    return fill_uniform(np.uint64(seed), 0, np.empty(int(np.prod(shape)))).reshape(shape)


def splitmix64(seed, positions):
    """The splitmix64 finaliser of seed + (position + 1) * golden, in numpy."""
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + (positions.astype(np.uint64) + np.uint64(1)) \
            * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def row_uniforms32(seed, shape):
    """The float32 uniforms of ``random.row_uniforms``: the float64 stream's,
    truncated to their top 23 bits."""
    n, m = shape
    h = splitmix64(seed, np.arange(n * m)).reshape(n, m)
    return ((h >> np.uint64(41)).astype(np.float64) / 2**23).astype(np.float32)


def sample_uniforms(seed, shape, dtype):
    """The uniforms a Bernoulli sampling kernel of this precision compares with."""
    if np.dtype(dtype) == np.float32:
        return row_uniforms32(seed, shape)
    return uniforms(seed, shape)


def normals(seed, shape):
    return fill_normal(np.uint64(seed), 0, np.empty(int(np.prod(shape)))).reshape(shape)


def bernoulli_sample(A, bias, seed):
    p = expit((A + bias).astype(np.float64))
    return p, (sample_uniforms(seed, A.shape, A.dtype) < p).astype(np.float64)


def relu_sample(A, bias, seed):
    x = (A + bias).astype(np.float64)
    noisy = x + np.sqrt(expit(x)) * normals(seed, A.shape)
    return np.maximum(x, 0), np.maximum(noisy, 0)


def gaussian_sample(A, bias, seed):
    mu = (A + bias).astype(np.float64)
    return mu, mu + normals(seed, A.shape)


def stepped_sigmoid_log_partition(x, n_terms=400):
    k = np.arange(1, n_terms + 1)
    return np.logaddexp(0, x[..., None] - k + 0.5).sum(axis=-1)


def binary_states(n):
    """All 2**n binary vectors, as rows of a float64 array."""
    return np.array(list(itertools.product([0.0, 1.0], repeat=n)))


def brute_force_free_energy(V, W, b, c):
    """F(v) = -log sum_h exp(-E(v, h)) for a Bernoulli-Bernoulli RBM.

    W has shape (n_hidden, n_visible); E(v, h) = -b.v - c.h - h.W.v.
    """
    H = binary_states(W.shape[0])
    neg_energy = V @ b[:, None] + (H @ c)[None, :] + V @ W.T @ H.T  # (n_v, n_h states)
    return -logsumexp(neg_energy, axis=1)


def exact_visible_distribution(W, b, c):
    """p(v) over all visible states (rows of ``binary_states``), by enumeration."""
    V = binary_states(W.shape[1])
    log_p = -brute_force_free_energy(V, W, b, c)
    return V, np.exp(log_p - logsumexp(log_p))


def cd_update(V0, W, b, c, chain, seeds, lr, k, persistent, momentum=0.0,
              velocity=None, weight_decay=0.0, l1=0.0):
    """One CD-k / PCD-k update for a Bernoulli RBM, written out plainly.

    ``seeds`` is the sequence of kernel seeds the estimator will draw, in
    order. Returns the new (W, b, c, chain, velocity).
    """
    seeds = iter(seeds)
    V0 = V0.astype(np.float64)
    H0 = expit(V0 @ W.T + c)
    if not persistent:
        _, chain = bernoulli_sample(V0 @ W.T, c, next(seeds))
    chain = chain.copy()
    for _ in range(k):
        _, Vn = bernoulli_sample(chain @ W, b, next(seeds))
        Hn, chain = bernoulli_sample(Vn @ W.T, c, next(seeds))
    grad_W = H0.T @ V0 / len(V0) - Hn.T @ Vn / len(Vn)
    grad_b = V0.mean(0) - Vn.mean(0)
    grad_c = H0.mean(0) - Hn.mean(0)
    if momentum > 0:
        velocity = momentum * velocity + lr * grad_W
        velocity = velocity - lr * weight_decay * W - lr * l1 * np.sign(W)
        W = W + velocity
    else:
        W = (1 - lr * weight_decay) * W + lr * grad_W
        if l1 > 0:
            W = np.sign(W) * np.maximum(np.abs(W) - lr * l1, 0)
    return W, b + lr * grad_b, c + lr * grad_c, chain, velocity


def numerical_gradient(f, x, eps=1e-6):
    """Central finite differences of the scalar ``f(x)`` with respect to
    every entry of the float array ``x``.

    ``x`` is perturbed in place, one entry at a time, and restored after
    each, so ``f`` may ignore its argument and read parameters that ``x``
    is a view of (a layer's weights, an estimator's ``coefs_``).
    """
    grad = np.zeros(x.shape, dtype=np.float64)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        up = f(x)
        x[idx] = old - eps
        down = f(x)
        x[idx] = old
        grad[idx] = (up - down) / (2 * eps)
    return grad
