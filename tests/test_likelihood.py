"""Partition functions and log-likelihoods against brute force."""

import itertools

import numpy as np
import pytest
from scipy.special import expit, logsumexp
from sklearn.datasets import load_digits
from threadpoolctl import threadpool_limits

import reference as ref
from deepbelief import (
    AISEstimate,
    BernoulliRBM,
    GaussianBernoulliRBM,
    ais_log_partition,
    exact_log_partition,
    log_likelihood,
)
from deepbelief._kernels import likelihood as K
from deepbelief.likelihood import salakhutdinov_murray_betas


def _bernoulli(n_visible, n_hidden, scale=1.0, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = (rng.random((20, n_visible)) < 0.5).astype(dtype)
    rbm = BernoulliRBM(n_hidden, n_iter=0, random_state=seed).fit(X)
    rbm.components_[...] = rng.normal(0, scale, (n_hidden, n_visible))
    rbm.intercept_visible_[...] = rng.normal(0, scale, n_visible)
    rbm.intercept_hidden_[...] = rng.normal(0, scale, n_hidden)
    return rbm


def _brute_force_log_z(rbm):
    """log sum over every (v, h) of exp(-E(v, h))."""
    W = rbm.components_.astype(np.float64)
    b = rbm.intercept_visible_.astype(np.float64)
    c = rbm.intercept_hidden_.astype(np.float64)
    V = ref.binary_states(W.shape[1])
    H = ref.binary_states(W.shape[0])
    neg_energy = (V @ b)[:, None] + (H @ c)[None, :] + V @ W.T @ H.T
    return logsumexp(neg_energy)


@pytest.fixture(scope="module")
def digits_model():
    """A 64-15 RBM trained briefly on binarised digits: realistic weights."""
    X = (load_digits().data[:500] > 7).astype(np.float64)
    rbm = BernoulliRBM(15, n_iter=10, learning_rate=0.05, batch_size=20,
                       random_state=0).fit(X)
    return rbm, X


# ------------------------------------------------------------------ exact


@pytest.mark.parametrize("n_visible,n_hidden", [(6, 4), (4, 7), (5, 5)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_exact_log_partition_matches_sum_over_both_layers(n_visible, n_hidden, dtype):
    # (6, 4) enumerates the hidden layer, (4, 7) the visible one.
    rbm = _bernoulli(n_visible, n_hidden, scale=1.5, dtype=dtype)
    assert exact_log_partition(rbm) == pytest.approx(_brute_force_log_z(rbm), abs=1e-10)


def test_exact_log_partition_is_stable_for_large_parameters():
    rbm = _bernoulli(6, 4, scale=200.0)  # exp(-E) overflows float64 unshifted
    expected = _brute_force_log_z(rbm)
    assert expected > 710
    assert exact_log_partition(rbm) == pytest.approx(expected, rel=1e-12)


def test_exact_log_partition_in_several_blocks(monkeypatch):
    import deepbelief.likelihood as lk

    rbm = _bernoulli(9, 8, scale=0.7)
    whole = exact_log_partition(rbm)
    monkeypatch.setattr(lk, "_BLOCK_ELEMENTS", 37)  # 4 rows per block, 64 blocks
    assert exact_log_partition(rbm) == pytest.approx(whole, abs=1e-11)
    assert whole == pytest.approx(_brute_force_log_z(rbm), abs=1e-10)


def _gaussian(seed=1, sigma=(0.5, 2.0)):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((20, 2))
    rbm = GaussianBernoulliRBM(3, n_iter=0, random_state=0, learn_variance=True).fit(X)
    rbm.components_[...] = rng.normal(0, 1, (3, 2))
    rbm.intercept_visible_[...] = rng.normal(size=2)
    rbm.intercept_hidden_[...] = rng.normal(size=3)
    rbm.sigma_[...] = sigma
    return rbm, X


@pytest.mark.parametrize("sigma", [(1.0, 1.0), (0.5, 2.0)])
def test_gaussian_exact_log_partition_matches_numerical_integral(sigma):
    # Z = int sum_h exp(-E(v, h)) dv on a fine grid, with E written out in
    # the data's units: sum (v - b)^2 / 2 sigma^2 - c.h - h.W (v / sigma).
    rbm, _ = _gaussian(sigma=sigma)
    W, b, c, s = (rbm.components_, rbm.intercept_visible_, rbm.intercept_hidden_,
                  rbm.sigma_)
    H = ref.binary_states(3)
    grid = [np.linspace(b[i] - 14 * s[i] - 6, b[i] + 14 * s[i] + 6, 1201) for i in range(2)]
    V = np.stack(np.meshgrid(*grid, indexing="ij"), -1).reshape(-1, 2)
    neg_e = (-0.5 * (((V - b) / s) ** 2).sum(1)[:, None] + (H @ c)[None, :]
             + (V / s) @ W.T @ H.T)
    cell = np.prod([g[1] - g[0] for g in grid])
    expected = logsumexp(neg_e) + np.log(cell)
    assert exact_log_partition(rbm) == pytest.approx(expected, abs=1e-6)


def test_exact_log_likelihood_normalises():
    rbm = _bernoulli(5, 6, scale=1.0)
    V = ref.binary_states(5)
    per_state = np.array([rbm.log_likelihood(v[None, :], method="exact") for v in V])
    assert np.exp(per_state).sum() == pytest.approx(1.0, abs=1e-12)
    assert rbm.log_likelihood(V, method="exact") == pytest.approx(per_state.mean(), abs=1e-12)


def test_exact_refuses_too_many_units():
    rbm = _bernoulli(30, 28, scale=0.1)
    with pytest.raises(ValueError, match="max_units"):
        exact_log_partition(rbm)


def test_binary_states_and_log_sum_exp_kernels():
    out = np.empty((8, 3))
    K.binary_states(0, out)
    np.testing.assert_array_equal(out, ref.binary_states(3))
    K.binary_states(5, out[:2])
    np.testing.assert_array_equal(out[:2], [[1, 0, 1], [1, 1, 0]])
    x = np.random.default_rng(0).normal(0, 300, 1000)
    assert K.log_sum_exp(x) == pytest.approx(logsumexp(x), rel=1e-14)
    assert K.log_sum_exp(np.array([-np.inf, -np.inf])) == -np.inf


# ------------------------------------------------------------------ AIS kernels


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("m, beta_old, beta_new", [(7, 0.2, 0.5), (2500, 0.0, 1.0),
                                                   (2500, 0.9, 0.90001)])
def test_ais_hidden_kernel_matches_reference(dtype, m, beta_old, beta_new):
    # 2500 units from beta 0 to 1: every ratio (1 + e0) / (1 + e1) is close
    # to 2 for large inputs, so the blocked product must not overflow.
    rng = np.random.default_rng(2)
    A = rng.normal(0, 40 if m > 7 else 4, (5, m)).astype(dtype)
    c = rng.normal(size=m)
    gap = rng.normal(size=5)
    log_w = rng.normal(size=5)
    H = np.empty_like(A)
    x = A.astype(np.float64) + c
    expected_w = log_w + (beta_new - beta_old) * gap + (
        np.logaddexp(0, beta_new * x) - np.logaddexp(0, beta_old * x)).sum(1)
    K.ais_hidden_bernoulli(A, c, beta_old, beta_new, gap, log_w, H, np.empty((2, m)),
                           np.uint64(11))
    scale = np.abs(np.logaddexp(0, beta_new * x)).sum(1) + 1
    assert np.all(np.abs(log_w - expected_w) <= 1e-13 * scale)
    p = expit(beta_new * x)
    np.testing.assert_array_equal(H, ref.sample_uniforms(11, A.shape, dtype) < p)


def test_ais_visible_kernels_match_reference():
    rng = np.random.default_rng(3)
    X = rng.normal(0, 2, (4, 6))
    b_base, b = rng.normal(size=6), rng.normal(size=6)
    V, gap = np.empty_like(X), np.empty(4)
    K.ais_visible_bernoulli(X, 0.3, b_base, b, V, gap, np.empty(6), np.uint64(5))
    p = expit(0.3 * (X + b) + 0.7 * b_base)
    np.testing.assert_array_equal(V, ref.uniforms(5, X.shape) < p)
    np.testing.assert_allclose(gap, V @ (b - b_base), rtol=1e-13)
    # float32: the logistic in float32 (a few ulps), uniforms two per hash
    X32 = X.astype(np.float32)
    V32 = np.empty_like(X32)
    K.ais_visible_bernoulli(X32, 0.3, b_base, b, V32, gap, np.empty(6), np.uint64(5))
    u32 = ref.row_uniforms32(5, X.shape)
    p32 = expit(0.3 * (X32.astype(np.float64) + b) + 0.7 * b_base)
    decided = np.abs(u32 - p32) > 1e-6  # away from the rounding of the logistic
    np.testing.assert_array_equal(V32[decided], (u32 < p32)[decided])
    assert decided.mean() > 0.9
    np.testing.assert_allclose(gap, V32.astype(np.float64) @ (b - b_base), rtol=1e-13)
    K.ais_visible_gaussian(X, 0.3, b_base, b, V, gap, np.empty(6), np.uint64(5))
    np.testing.assert_allclose(V, 0.3 * (X + b) + 0.7 * b_base + ref.normals(5, X.shape),
                               rtol=1e-13)
    expected = 0.5 * (((V - b_base) ** 2) - ((V - b) ** 2)).sum(1)
    np.testing.assert_allclose(gap, expected, rtol=1e-12)


def test_salakhutdinov_murray_schedule():
    betas = salakhutdinov_murray_betas()
    assert betas.shape == (14501,) and betas[0] == 0 and betas[-1] == 1
    steps = np.diff(betas)
    np.testing.assert_allclose(steps[:500], 1e-3, rtol=1e-9)
    np.testing.assert_allclose(steps[500:4500], 1e-4, rtol=1e-7)
    np.testing.assert_allclose(steps[4500:], 1e-5, rtol=1e-6)


# ------------------------------------------------------------------ AIS


def test_ais_matches_exact_on_a_trained_model(digits_model):
    # 100 runs, 3,000 temperatures. The interval is mean(w) +/- 3 standard
    # errors: a false alarm has probability ~0.3% if the runs have
    # equilibrated. Requiring it to be narrower than 0.2 nats and to hold
    # the exact value bounds the error by 0.2 nats; the estimate itself must
    # be within 0.1 nats (the tolerance).
    rbm, X = digits_model
    exact = exact_log_partition(rbm)
    est = ais_log_partition(rbm, n_runs=100, betas=np.linspace(0, 1, 3000),
                            random_state=0, X=X)
    assert isinstance(est, AISEstimate)
    assert est.log_z_low <= exact <= est.log_z_high, (est, exact)
    assert est.log_z_high - est.log_z_low < 0.2
    assert abs(est.log_z - exact) < 0.1
    assert est.effective_sample_size > 20
    ll_exact = rbm.log_likelihood(X, method="exact")
    ll_ais = rbm.log_likelihood(X, n_runs=100, betas=np.linspace(0, 1, 3000),
                                random_state=0)
    assert abs(ll_ais - ll_exact) < 0.1


@pytest.mark.parametrize("n_hidden", [10, pytest.param(20, marks=pytest.mark.slow)])
def test_ais_matches_exact_on_random_models(n_hidden):
    # Random weights of scale 0.3 on 30 visible units, the base model at the
    # RBM's own visible biases (the default); tolerance as above.
    rbm = _bernoulli(30, n_hidden, scale=0.3, seed=n_hidden)
    exact = exact_log_partition(rbm)
    est = ais_log_partition(rbm, n_runs=100, betas=np.linspace(0, 1, 1000), random_state=1)
    assert est.log_z_low <= exact <= est.log_z_high
    assert est.log_z_high - est.log_z_low < 0.2
    assert abs(est.log_z - exact) < 0.1


def test_gaussian_ais_matches_exact():
    rbm, X = _gaussian(sigma=(0.5, 2.0))
    exact = exact_log_partition(rbm)
    est = ais_log_partition(rbm, n_runs=200, betas=np.linspace(0, 1, 2000), random_state=0,
                            X=X, dtype=np.float64)
    assert est.log_z_low <= exact <= est.log_z_high
    assert abs(est.log_z - exact) < 0.1


def test_ais_reproducible_and_independent_of_thread_count(digits_model):
    rbm, X = digits_model
    kwargs = dict(n_runs=20, betas=np.linspace(0, 1, 200), X=X)
    with threadpool_limits(1):
        a = ais_log_partition(rbm, random_state=3, **kwargs)
    with threadpool_limits(2):
        b = ais_log_partition(rbm, random_state=3, **kwargs)
    np.testing.assert_array_equal(a.log_weights, b.log_weights)
    c = ais_log_partition(rbm, random_state=4, **kwargs)
    assert not np.array_equal(a.log_weights, c.log_weights)
    assert a.log_z_base == pytest.approx(
        np.logaddexp(0, np.log(np.clip(X.mean(0), 1e-3, 1 - 1e-3))
                     - np.log1p(-np.clip(X.mean(0), 1e-3, 1 - 1e-3))).sum()
        + 15 * np.log(2))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binary_rows_times_is_the_product(dtype):
    rng = np.random.default_rng(0)
    S = (rng.random((7, 40)) < 0.2).astype(dtype)
    S[0] = 0.0  # a row with no unit on
    S[1] = 1.0  # and one with every unit on
    M = rng.standard_normal((40, 9)).astype(dtype)
    out = np.full((7, 9), np.nan, dtype=dtype)
    K.binary_rows_times(S, M, out)
    expected = S.astype(np.float64) @ M.astype(np.float64)
    np.testing.assert_allclose(out, expected, rtol=1e-5 if dtype == np.float32 else 1e-12,
                               atol=1e-5 if dtype == np.float32 else 1e-12)
    assert np.all(out[0] == 0.0)


def test_ais_row_sums_give_the_dense_products_result(digits_model, monkeypatch):
    # The same run with every product on BLAS and with every product as row
    # sums: in float64 the two differ by rounding only, far too little to
    # flip a sample, so the weights agree to rounding.
    from deepbelief import likelihood
    rbm, X = digits_model
    kwargs = dict(n_runs=20, betas=np.linspace(0, 1, 300), X=X, random_state=2,
                  dtype=np.float64)
    monkeypatch.setattr(likelihood, "_SPARSE_BELOW", 0.0)
    dense = ais_log_partition(rbm, **kwargs)
    monkeypatch.setattr(likelihood, "_SPARSE_BELOW", 1.01)
    sparse = ais_log_partition(rbm, **kwargs)
    np.testing.assert_allclose(sparse.log_weights, dense.log_weights, rtol=1e-10)
    assert not np.array_equal(sparse.log_weights, np.zeros(20))


def test_log_likelihood_reuses_an_estimate(digits_model):
    rbm, X = digits_model
    est = ais_log_partition(rbm, n_runs=10, betas=np.linspace(0, 1, 50), random_state=0)
    expected = -rbm.free_energy(X).mean() - est.log_z
    assert log_likelihood(rbm, X, log_z=est) == pytest.approx(expected, rel=1e-12)
    assert rbm.log_likelihood(X, log_z=est.log_z) == pytest.approx(expected, rel=1e-12)


def test_bad_arguments_raise_clear_errors(digits_model):
    rbm, X = digits_model
    with pytest.raises(ValueError, match="method"):
        log_likelihood(rbm, X, method="bogus")
    with pytest.raises(ValueError, match="betas must start at 0"):
        ais_log_partition(rbm, betas=[0.1, 1.0])
    with pytest.raises(ValueError, match="non-decreasing"):
        ais_log_partition(rbm, betas=[0.0, 0.6, 0.5, 1.0])
    with pytest.raises(ValueError, match="n_runs"):
        ais_log_partition(rbm, n_runs=0)
    with pytest.raises(ValueError, match="not both"):
        ais_log_partition(rbm, X=X, base_rate=np.zeros(64))
    with pytest.raises(ValueError, match="base_rate"):
        ais_log_partition(rbm, base_rate=np.zeros(3))
    relu = BernoulliRBM(4, hidden_unit="relu", n_iter=0).fit(X)
    with pytest.raises(ValueError, match="bernoulli"):
        ais_log_partition(relu)


def test_relu_hidden_exact_log_partition_enumerates_visible():
    rng = np.random.default_rng(0)
    X = (rng.random((20, 6)) < 0.5).astype(np.float64)
    rbm = BernoulliRBM(3, hidden_unit="relu", n_iter=2, random_state=0).fit(X)
    V = np.array(list(itertools.product([0.0, 1.0], repeat=6)))
    assert exact_log_partition(rbm) == pytest.approx(logsumexp(-rbm.free_energy(V)),
                                                     abs=1e-10)
