"""Softmax (one-of-K) units against exact references: scipy's softmax and
logsumexp, enumeration of every state of a small RBM, and a CD step written
out in numpy with the same counter-based uniforms."""

import itertools

import numpy as np
import pytest
import reference as ref
from scipy.special import expit, logsumexp
from scipy.special import softmax as scipy_softmax

from deepbelief._kernels.random import SeedStream
from deepbelief.engine import RBMEngine
from deepbelief.samplers import CD
from deepbelief.units import BernoulliUnits, SoftmaxUnits, get_units


def _one_hot_states(n_groups, K):
    """Every state of n_groups one-of-K groups, as rows (K**n_groups of them)."""
    rows = []
    for choice in itertools.product(range(K), repeat=n_groups):
        v = np.zeros(n_groups * K)
        for g, j in enumerate(choice):
            v[g * K + j] = 1.0
        rows.append(v)
    return np.array(rows)


def _reference_sample(A, bias, K, seed):
    """Inverse-CDF draw per group with uniform(seed, row * n_groups + group)."""
    n, m = A.shape
    G = m // K
    P = scipy_softmax((A + bias).astype(np.float64).reshape(n, G, K), axis=2)
    u = ref.uniforms(seed, (n, G))
    chosen = np.minimum((np.cumsum(P, axis=2) <= u[..., None]).sum(axis=2), K - 1)
    S = np.zeros((n, G, K))
    np.put_along_axis(S, chosen[..., None], 1.0, axis=2)
    return P.reshape(n, m), S.reshape(n, m)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_mean_and_log_partition_match_scipy_per_group(dtype):
    rng = np.random.default_rng(0)
    A = rng.normal(0, 3, (7, 6)).astype(dtype)
    A[0, :3] = [800.0, 799.0, -800.0]  # no overflow
    bias = rng.normal(size=6).astype(dtype)
    units = SoftmaxUnits(group_size=3)
    out = np.empty_like(A)
    units.mean(A, bias, out)
    x = (A.astype(np.float64) + bias.astype(np.float64)).reshape(7, 2, 3)
    tol = 1e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out, scipy_softmax(x, axis=2).reshape(7, 6), rtol=tol,
                               atol=tol)
    log_z = np.empty(7)
    units.log_partition(A, bias, log_z)
    np.testing.assert_allclose(log_z, logsumexp(x, axis=2).sum(axis=1), rtol=1e-12)
    assert np.all(np.isfinite(log_z))
    # in place, as the samplers call it
    B = A.copy()
    units.mean(B, bias, B)
    np.testing.assert_array_equal(B, out)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sample_is_one_hot_and_matches_the_inverse_cdf_reference(dtype):
    rng = np.random.default_rng(1)
    A = rng.normal(0, 2, (50, 8)).astype(dtype)
    bias = rng.normal(size=8).astype(dtype)
    units = SoftmaxUnits(group_size=4)
    mean, sample = np.empty_like(A), np.empty_like(A)
    units.sample(A, bias, mean, sample, np.uint64(12345))
    P, S = _reference_sample(A, bias, 4, 12345)
    np.testing.assert_array_equal(sample, S)
    np.testing.assert_allclose(mean, P, rtol=1e-6, atol=1e-7)
    assert np.all(sample.reshape(50, 2, 4).sum(axis=2) == 1)
    # A, mean and sample may be one buffer (the Gibbs chains do this)
    B = A.copy()
    units.sample(B, bias, B, B, np.uint64(12345))
    np.testing.assert_array_equal(B, S)


def test_sample_frequencies_follow_the_softmax():
    a = np.array([[0.5, -1.0, 2.0, 0.0]])
    A = np.repeat(a, 40_000, axis=0)
    bias = np.zeros(4)
    mean, sample = np.empty_like(A), np.empty_like(A)
    SoftmaxUnits().sample(A, bias, mean, sample, np.uint64(7))
    p = scipy_softmax(a[0])
    # 40,000 draws: each frequency within 5 standard errors
    se = np.sqrt(p * (1 - p) / len(A))
    assert np.all(np.abs(sample.mean(axis=0) - p) < 5 * se)


def _brute_force_free_energy(V, W, b, c, hidden_states):
    neg_energy = V @ b[:, None] + (hidden_states @ c)[None, :] + V @ W.T @ hidden_states.T
    return -logsumexp(neg_energy, axis=1)


def test_free_energy_with_softmax_visible_matches_enumeration():
    rng = np.random.default_rng(2)
    W, b, c = rng.normal(size=(3, 6)), rng.normal(size=6), rng.normal(size=3)
    engine = RBMEngine(W, b, c, SoftmaxUnits(group_size=3), BernoulliUnits())
    V = _one_hot_states(2, 3)
    expected = _brute_force_free_energy(V, W, b, c, ref.binary_states(3))
    np.testing.assert_allclose(engine.free_energy(V), expected, rtol=1e-12)


def test_free_energy_with_softmax_hidden_matches_enumeration():
    rng = np.random.default_rng(3)
    W, b, c = rng.normal(size=(4, 5)), rng.normal(size=5), rng.normal(size=4)
    engine = RBMEngine(W, b, c, BernoulliUnits(), get_units("softmax"))
    V = ref.binary_states(5)
    expected = _brute_force_free_energy(V, W, b, c, _one_hot_states(1, 4))
    np.testing.assert_allclose(engine.free_energy(V), expected, rtol=1e-12)


def test_gibbs_chains_reach_the_exact_distribution_of_a_softmax_visible_rbm():
    # Two groups of three visible units (9 states), four binary hidden units:
    # p(v) by enumeration. 20,000 chains of 50 steps; an exact sampler's
    # expected total variation over 9 states is below 0.01.
    rng = np.random.default_rng(4)
    W, b, c = rng.normal(size=(4, 6)), rng.normal(size=6), rng.normal(size=4)
    engine = RBMEngine(W, b, c, SoftmaxUnits(group_size=3), BernoulliUnits())
    V = _one_hot_states(2, 3)
    log_p = -_brute_force_free_energy(V, W, b, c, ref.binary_states(4))
    p = np.exp(log_p - logsumexp(log_p))
    H = (np.random.default_rng(5).random((20_000, 4)) < 0.5).astype(np.float64)
    samples = engine.run_chains(H, 50, np.random.default_rng(6))
    codes = samples[:, :3].argmax(1) * 3 + samples[:, 3:].argmax(1)
    assert np.all(samples.sum(axis=1) == 2)
    empirical = np.bincount(codes, minlength=9) / len(codes)
    assert 0.5 * np.abs(empirical - p).sum() < 0.03


def test_cd_step_with_softmax_visible_matches_a_numpy_update():
    rng = np.random.default_rng(7)
    W, b, c = rng.normal(0, 0.5, (4, 6)), rng.normal(size=6), rng.normal(size=4)
    V0 = _one_hot_states(2, 3)[rng.integers(0, 9, 5)]
    sampler = CD(np.zeros((5, 4)), k=1)
    engine = RBMEngine(W.copy(), b.copy(), c.copy(), SoftmaxUnits(group_size=3),
                       BernoulliUnits(), sampler)
    engine.start(5, 5)
    stream = SeedStream(np.random.default_rng(8))
    s_h0, s_v, s_h1 = stream(), stream(), stream()
    engine.step(V0, 0.1, 0.0, SeedStream(np.random.default_rng(8)))
    H0 = expit(V0 @ W.T + c)
    _, h0 = ref.bernoulli_sample(V0 @ W.T, c, s_h0)
    _, Vn = _reference_sample(h0 @ W, b, 3, s_v)
    Hn, _ = ref.bernoulli_sample(Vn @ W.T, c, s_h1)
    W2 = W + 0.1 * (H0.T @ V0 - Hn.T @ Vn) / 5
    np.testing.assert_allclose(engine.W, W2, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(engine.b, b + 0.1 * (V0.mean(0) - Vn.mean(0)), atol=1e-12)
    np.testing.assert_allclose(engine.c, c + 0.1 * (H0.mean(0) - Hn.mean(0)), atol=1e-12)


def test_registered_and_bad_group_sizes_are_clear_errors():
    assert isinstance(get_units("softmax"), SoftmaxUnits)
    assert not SoftmaxUnits.binary
    with pytest.raises(ValueError, match="group_size=4"):
        SoftmaxUnits(group_size=4).mean(np.zeros((1, 6)), np.zeros(6), np.zeros((1, 6)))
    with pytest.raises(ValueError, match="group_size must be >= 1"):
        SoftmaxUnits(group_size=0)
    with pytest.raises(TypeError, match="group_size"):
        SoftmaxUnits(group_size=2.5)
    assert repr(SoftmaxUnits(3)) == "SoftmaxUnits(group_size=3)"
