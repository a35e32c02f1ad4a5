"""Training samplers (CD, PCD, FPCD, parallel tempering): each chain has the
exact stationary distribution on an enumerable model; training with each is
reproducible and independent of the thread count."""

import numpy as np
import pytest
from scipy.special import expit
from sklearn.datasets import load_digits
from threadpoolctl import threadpool_limits

import reference as ref
from deepbelief import BernoulliRBM, GaussianBernoulliRBM
from deepbelief._kernels import blas
from deepbelief._kernels import rbm as k
from deepbelief._kernels.random import SeedStream
from deepbelief.rbm import _Workspace

N_VISIBLE, N_HIDDEN = 5, 4
CODES = 2 ** np.arange(N_VISIBLE - 1, -1, -1)


@pytest.fixture(scope="module")
def digits():
    return (load_digits().data[:300] > 7).astype(np.float64)


def _model(sampler, n_chains, scale=1.0, seed=0, **kwargs):
    rng = np.random.default_rng(seed)
    X = (rng.random((n_chains, N_VISIBLE)) < 0.5).astype(np.float64)
    rbm = BernoulliRBM(N_HIDDEN, n_iter=0, batch_size=n_chains, sampler=sampler,
                       random_state=seed, **kwargs).fit(X)
    rbm.components_[...] = rng.normal(0, scale, (N_HIDDEN, N_VISIBLE))
    rbm.intercept_visible_[...] = rng.normal(0, scale, N_VISIBLE)
    rbm.intercept_hidden_[...] = rng.normal(0, scale, N_HIDDEN)
    rbm._validate_params()
    return rbm, X


def _run_chains(rbm, X, n_steps, keep, seed=1):
    """Run the negative phase ``n_steps`` times; histogram the last ``keep``."""
    n = X.shape[0]
    ws = _Workspace(n, n, N_VISIBLE, N_HIDDEN, np.float64)
    seeds = SeedStream(np.random.default_rng(seed))
    counts = np.zeros(2 ** N_VISIBLE)
    for step in range(n_steps):
        ws.SV[:n] = X
        blas.dot_nt(ws.SV[:n], rbm.components_, ws.SH[:n])
        m = rbm._negative_phase(ws, n, seeds)
        if step >= n_steps - keep:
            counts += np.bincount(ws.SV[n : n + m].astype(int) @ CODES,
                                  minlength=len(counts))
    return counts / counts.sum(), ws


def _tv(p, q):
    return 0.5 * np.abs(p - q).sum()


# With N independent draws over 32 states, an exact sampler's expected total
# variation is about 0.5 * sum_s sqrt(2 p_s / (pi N)) <= 0.5 * sqrt(64 / (pi N)):
# 0.011 for N = 40,000. Successive sweeps of persistent chains are
# correlated, so fewer draws are effectively independent; 0.03 leaves room
# for that while any wrong conditional (or swap rule) gives far more.
TV_BOUND = 0.03


def test_cd_chains_started_at_the_data_reach_the_exact_distribution():
    rbm, X = _model("cd", 4000, k=25)
    _, p = ref.exact_visible_distribution(rbm.components_, rbm.intercept_visible_,
                                          rbm.intercept_hidden_)
    empirical, _ = _run_chains(rbm, X, n_steps=10, keep=10)
    assert _tv(empirical, p) < TV_BOUND


def test_pcd_chains_have_the_exact_stationary_distribution():
    rbm, X = _model("pcd", 2000)
    _, p = ref.exact_visible_distribution(rbm.components_, rbm.intercept_visible_,
                                          rbm.intercept_hidden_)
    empirical, _ = _run_chains(rbm, X, n_steps=60, keep=40)
    assert _tv(empirical, p) < TV_BOUND


def test_fpcd_chains_sample_the_model_plus_fast_parameters():
    # The fantasy particles of FPCD run on regular + fast parameters; with
    # the fast parameters held fixed, that is their stationary distribution.
    rbm, X = _model("fpcd", 2000)
    rng = np.random.default_rng(7)
    rbm._ensure_fast_parameters()
    rbm._fast_W[...] = rng.normal(0, 0.7, rbm._fast_W.shape)
    rbm._fast_b[...] = rng.normal(0, 0.7, N_VISIBLE)
    rbm._fast_c[...] = rng.normal(0, 0.7, N_HIDDEN)
    _, p = ref.exact_visible_distribution(rbm.components_ + rbm._fast_W,
                                          rbm.intercept_visible_ + rbm._fast_b,
                                          rbm.intercept_hidden_ + rbm._fast_c)
    _, p_regular = ref.exact_visible_distribution(rbm.components_, rbm.intercept_visible_,
                                                  rbm.intercept_hidden_)
    assert _tv(p, p_regular) > 0.1  # the test can tell the two apart
    empirical, _ = _run_chains(rbm, X, n_steps=60, keep=40)
    assert _tv(empirical, p) < TV_BOUND


def test_parallel_tempering_replicas_have_their_tempered_distributions():
    # Weights of scale 2.5 give a multimodal model. Replica r samples
    # exp(-beta_r E(v, h)), an RBM with parameters scaled by beta_r; the
    # beta = 1 replica (the one training uses) must match the model.
    betas = np.array([1.0, 0.7, 0.4, 0.0])
    rbm, X = _model("pt", 2000, scale=2.5, pt_betas=betas)
    W, b, c = rbm.components_, rbm.intercept_visible_, rbm.intercept_hidden_
    empirical, ws = _run_chains(rbm, X, n_steps=60, keep=40)
    _, p = ref.exact_visible_distribution(W, b, c)
    assert _tv(empirical, p) < TV_BOUND
    m = 2000
    for r, beta in enumerate(betas):
        _, p_r = ref.exact_visible_distribution(beta * W, beta * b, beta * c)
        codes = ws.pt_V[r * m : (r + 1) * m].astype(int) @ CODES
        q = np.bincount(codes, minlength=32) / m
        assert _tv(q, p_r) < 0.08, r  # one sweep of 2,000 chains: E[TV] ~ 0.05
    np.testing.assert_array_equal(rbm.h_samples_, rbm._pt_hidden[:m])


def test_swap_rule_is_metropolis():
    # Two replicas; the swap probability must be min(1, exp(dbeta * dE)).
    n = 200_000
    betas = np.array([1.0, 0.5])
    H = np.zeros((2 * n, 1))
    H[n:] = 1.0  # replica 1 holds state 1, replica 0 state 0
    energy = np.concatenate([np.full(n, -1.0), np.full(n, 1.0)])
    k.swap_replicas(H, energy, betas, n, np.uint64(3))
    rate = H[:n].mean()
    assert rate == pytest.approx(np.exp(0.5 * (-1.0 - 1.0)), abs=0.005)
    np.testing.assert_array_equal(energy[:n][H[:n, 0] == 1], 1.0)
    H[:] = 0
    H[n:] = 1
    energy = np.concatenate([np.full(n, 1.0), np.full(n, -1.0)])
    k.swap_replicas(H, energy, betas, n, np.uint64(3))
    assert H[:n].mean() == 1.0  # downhill swaps always accepted


def test_tempered_kernels_match_reference():
    rng = np.random.default_rng(4)
    X = rng.normal(0, 2, (6, 5))
    b = rng.normal(size=5)
    row_beta = np.repeat([1.0, 0.5, 0.0], 2)
    V, energy = np.empty_like(X), np.empty(6)
    k.tempered_visible_sample(X, b, row_beta, V, energy, np.uint64(9))
    p = expit(row_beta[:, None] * (X + b))
    np.testing.assert_array_equal(V, ref.uniforms(9, X.shape) < p)
    np.testing.assert_allclose(energy, -V @ b, rtol=1e-13)
    A = rng.normal(0, 2, (6, 3))
    c = rng.normal(size=3)
    H = np.empty_like(A)
    k.tempered_hidden_sample(A, c, row_beta, H, energy, np.uint64(2))
    ph = expit(row_beta[:, None] * (A + c))
    np.testing.assert_array_equal(H, ref.uniforms(2, A.shape) < ph)
    np.testing.assert_allclose(energy, -V @ b - (H * (A + c)).sum(1), rtol=1e-13)


def test_fast_parameters_follow_the_gradient_with_their_own_rate():
    # From zero fast weights, one FPCD step sets fast = fast_lr * gradient,
    # while the regular weights move by lr * gradient.
    rbm, X = _model("fpcd", 10, scale=0.5, fast_learning_rate=0.3, learning_rate=0.1)
    W0, b0, c0 = (rbm.components_.copy(), rbm.intercept_visible_.copy(),
                  rbm.intercept_hidden_.copy())
    ws = _Workspace(10, 10, N_VISIBLE, N_HIDDEN, np.float64)
    ws.SV[:10] = X[:10]
    rbm._cd_step(ws, 10, 0.1, 0.0, SeedStream(np.random.default_rng(0)))
    np.testing.assert_allclose(rbm._fast_W, 3 * (rbm.components_ - W0), rtol=1e-10,
                               atol=1e-14)
    np.testing.assert_allclose(rbm._fast_b, 3 * (rbm.intercept_visible_ - b0), rtol=1e-10)
    np.testing.assert_allclose(rbm._fast_c, 3 * (rbm.intercept_hidden_ - c0), rtol=1e-10)
    fast = rbm._fast_W.copy()
    rbm._cd_step(ws, 10, 0.1, 0.0, SeedStream(np.random.default_rng(1)))
    # the second step decays the first step's fast weights by fast_decay
    W1 = rbm.components_.copy()
    np.testing.assert_allclose(rbm._fast_W - 0.95 * fast,
                               3 * (W1 - (W0 + fast / 3)), rtol=1e-9, atol=1e-13)


# ------------------------------------------------------------------ training


def test_default_sampler_is_unchanged(digits):
    for persistent, name in ((True, "pcd"), (False, "cd")):
        a = BernoulliRBM(16, n_iter=2, persistent=persistent, random_state=0).fit(digits)
        b = BernoulliRBM(16, n_iter=2, sampler=name, persistent=not persistent,
                         random_state=0).fit(digits)
        np.testing.assert_array_equal(a.components_, b.components_)


@pytest.mark.parametrize("sampler,extra", [("fpcd", {}), ("pt", {"pt_betas": 4})])
def test_training_with_each_sampler_is_reproducible_and_learns(digits, sampler, extra):
    untrained = BernoulliRBM(16, n_iter=0, random_state=0).fit(digits)
    with threadpool_limits(1):
        a = BernoulliRBM(16, n_iter=4, sampler=sampler, learning_rate=0.05,
                         random_state=0, **extra).fit(digits)
    with threadpool_limits(2):
        b = BernoulliRBM(16, n_iter=4, sampler=sampler, learning_rate=0.05,
                         random_state=0, **extra).fit(digits)
    np.testing.assert_array_equal(a.components_, b.components_)
    assert np.all(np.isfinite(a.components_))
    assert a.score(digits) > untrained.score(digits) + 5
    c = BernoulliRBM(16, n_iter=1, sampler=sampler, random_state=1, **extra).fit(digits)
    assert not np.array_equal(a.components_, c.components_)


def test_fpcd_checkpoint_resume_equals_uninterrupted_run(digits, tmp_path):
    full = BernoulliRBM(8, n_iter=3, sampler="fpcd", random_state=0).fit(digits)
    BernoulliRBM(8, n_iter=2, sampler="fpcd", random_state=0,
                 checkpoint_dir=tmp_path).fit(digits)
    resumed = BernoulliRBM(8, n_iter=3, sampler="fpcd", random_state=0,
                           checkpoint_dir=tmp_path).fit(digits)
    np.testing.assert_array_equal(full.components_, resumed.components_)


def test_gaussian_rbm_trains_with_fpcd():
    X = np.random.default_rng(0).standard_normal((200, 6))
    rbm = GaussianBernoulliRBM(4, n_iter=3, sampler="fpcd", random_state=0).fit(X)
    assert np.all(np.isfinite(rbm.components_))


@pytest.mark.parametrize("params,error,match", [
    ({"sampler": "gibbs"}, ValueError, "sampler must be"),
    ({"sampler": "pt", "pt_betas": 1}, ValueError, "pt_betas"),
    ({"sampler": "pt", "pt_betas": [0.5, 0.2]}, ValueError, "pt_betas"),
    ({"sampler": "pt", "pt_betas": [1.0, 1.0]}, ValueError, "pt_betas"),
    ({"fast_decay": 1.5}, ValueError, "fast_decay"),
    ({"fast_learning_rate": -1.0}, ValueError, "fast_learning_rate"),
    ({"sampler": "pt", "hidden_unit": "relu"}, ValueError, "binary"),
])
def test_bad_sampler_parameters(digits, params, error, match):
    with pytest.raises(error, match=match):
        BernoulliRBM(4, n_iter=1, **params).fit(digits)


def test_pt_refuses_gaussian_visible_units():
    with pytest.raises(ValueError, match="binary"):
        GaussianBernoulliRBM(4, sampler="pt").fit(np.zeros((5, 3)))
