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
from deepbelief.engine import RBMEngine
from deepbelief.samplers import CD, PCD, SAMPLERS, FastPCD, ParallelTempering
from deepbelief.units import BernoulliUnits

N_VISIBLE, N_HIDDEN = 5, 4
CODES = 2 ** np.arange(N_VISIBLE - 1, -1, -1)


@pytest.fixture(scope="module")
def digits():
    return (load_digits().data[:300] > 7).astype(np.float64)


def _model(sampler, n_chains, scale=1.0, seed=0, **options):
    """An engine on a random 5-4 model, with ``sampler`` on zeroed chains."""
    rng = np.random.default_rng(seed)
    X = (rng.random((n_chains, N_VISIBLE)) < 0.5).astype(np.float64)
    W = rng.normal(0, scale, (N_HIDDEN, N_VISIBLE))
    b = rng.normal(0, scale, N_VISIBLE)
    c = rng.normal(0, scale, N_HIDDEN)
    chains = np.zeros((n_chains, N_HIDDEN))
    engine = RBMEngine(W, b, c, BernoulliUnits(), BernoulliUnits(),
                       sampler(chains, **options))
    engine.start(n_chains, n_chains)
    return engine, X


def _run_chains(engine, X, n_steps, keep, seed=1):
    """Run the negative phase ``n_steps`` times; histogram the last ``keep``."""
    n = X.shape[0]
    ws = engine.workspace
    seeds = SeedStream(np.random.default_rng(seed))
    counts = np.zeros(2 ** N_VISIBLE)
    for step in range(n_steps):
        ws.SV[:n] = X
        blas.dot_nt(ws.SV[:n], engine.W, ws.SH[:n])
        m = engine.sampler.negative_phase(engine, ws, n, seeds)
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
    engine, X = _model(CD, 4000, k=25)
    _, p = ref.exact_visible_distribution(engine.W, engine.b, engine.c)
    empirical, _ = _run_chains(engine, X, n_steps=10, keep=10)
    assert _tv(empirical, p) < TV_BOUND


def test_pcd_chains_have_the_exact_stationary_distribution():
    engine, X = _model(PCD, 2000)
    _, p = ref.exact_visible_distribution(engine.W, engine.b, engine.c)
    empirical, _ = _run_chains(engine, X, n_steps=60, keep=40)
    assert _tv(empirical, p) < TV_BOUND


def test_fpcd_chains_sample_the_model_plus_fast_parameters():
    # The fantasy particles of FPCD run on regular + fast parameters; with
    # the fast parameters held fixed, that is their stationary distribution.
    engine, X = _model(FastPCD, 2000, fast_learning_rate=0.1, fast_decay=0.95)
    rng = np.random.default_rng(7)
    sampler = engine.sampler
    sampler.fast_W = rng.normal(0, 0.7, engine.W.shape)
    sampler.fast_b = rng.normal(0, 0.7, N_VISIBLE)
    sampler.fast_c = rng.normal(0, 0.7, N_HIDDEN)
    W, b, c = engine.W, engine.b, engine.c
    _, p = ref.exact_visible_distribution(W + sampler.fast_W, b + sampler.fast_b,
                                          c + sampler.fast_c)
    _, p_regular = ref.exact_visible_distribution(W, b, c)
    assert _tv(p, p_regular) > 0.1  # the test can tell the two apart
    empirical, _ = _run_chains(engine, X, n_steps=60, keep=40)
    assert _tv(empirical, p) < TV_BOUND


def test_parallel_tempering_replicas_have_their_tempered_distributions():
    # Weights of scale 2.5 give a multimodal model. Replica r samples
    # exp(-beta_r E(v, h)), an RBM with parameters scaled by beta_r; the
    # beta = 1 replica (the one training uses) must match the model.
    betas = np.array([1.0, 0.7, 0.4, 0.0])
    engine, X = _model(ParallelTempering, 2000, scale=2.5, betas=betas)
    W, b, c = engine.W, engine.b, engine.c
    empirical, ws = _run_chains(engine, X, n_steps=60, keep=40)
    _, p = ref.exact_visible_distribution(W, b, c)
    assert _tv(empirical, p) < TV_BOUND
    m = 2000
    for r, beta in enumerate(betas):
        _, p_r = ref.exact_visible_distribution(beta * W, beta * b, beta * c)
        codes = ws.scratch["pt_V"][r * m : (r + 1) * m].astype(int) @ CODES
        q = np.bincount(codes, minlength=32) / m
        assert _tv(q, p_r) < 0.08, r  # one sweep of 2,000 chains: E[TV] ~ 0.05
    np.testing.assert_array_equal(engine.sampler.chains, engine.sampler.replicas[:m])


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
    engine, X = _model(FastPCD, 10, scale=0.5, fast_learning_rate=0.3, fast_decay=0.95)
    sampler = engine.sampler
    W0, b0, c0 = engine.W.copy(), engine.b.copy(), engine.c.copy()
    engine.step(X[:10], 0.1, 0.0, SeedStream(np.random.default_rng(0)))
    np.testing.assert_allclose(sampler.fast_W, 3 * (engine.W - W0), rtol=1e-10,
                               atol=1e-14)
    np.testing.assert_allclose(sampler.fast_b, 3 * (engine.b - b0), rtol=1e-10)
    np.testing.assert_allclose(sampler.fast_c, 3 * (engine.c - c0), rtol=1e-10)
    fast = sampler.fast_W.copy()
    engine.step(X[:10], 0.1, 0.0, SeedStream(np.random.default_rng(1)))
    # the second step decays the first step's fast weights by fast_decay
    W1 = engine.W.copy()
    np.testing.assert_allclose(sampler.fast_W - 0.95 * fast,
                               3 * (W1 - (W0 + fast / 3)), rtol=1e-9, atol=1e-13)


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_sampler_state_round_trips_and_resumes_the_chains_exactly(name):
    # Two steps, or one step, a save through state_arrays/load_state into a
    # fresh sampler on fresh chains, and the second step: the same model.
    options = {"fpcd": dict(fast_learning_rate=0.2, fast_decay=0.9),
               "pt": dict(betas=[1.0, 0.5, 0.0])}.get(name, {})
    cls = SAMPLERS[name]
    X = (np.random.default_rng(2).random((6, N_VISIBLE)) < 0.5).astype(np.float64)
    straight, _ = _model(cls, 6, **options)
    resumed, _ = _model(cls, 6, **options)
    for engine in (straight, resumed):
        engine.step(X, 0.1, 0.0, SeedStream(np.random.default_rng(0)))
    state = {k: v.copy() for k, v in resumed.sampler.state_arrays().items()}
    expected = {"cd": {"h_samples_"}, "pcd": {"h_samples_"},
                "fpcd": {"h_samples_", "_fast_W", "_fast_b", "_fast_c"},
                "pt": {"h_samples_", "_pt_hidden"}}[name]
    assert set(state) == expected
    fresh = cls(np.zeros((6, N_HIDDEN)), **options)
    fresh.load_state(state)
    resumed.sampler = fresh
    for engine in (straight, resumed):
        engine.step(X, 0.1, 0.0, SeedStream(np.random.default_rng(1)))
    np.testing.assert_array_equal(straight.W, resumed.W)
    for key, value in straight.sampler.state_arrays().items():
        np.testing.assert_array_equal(value, resumed.sampler.state_arrays()[key], key)


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


def test_partial_fit_continues_a_model_whose_sampler_state_is_in_old_attributes(digits):
    # Models saved before samplers were objects kept the fast parameters
    # as estimator attributes; partial_fit picks them up from there.
    a = BernoulliRBM(8, sampler="fpcd", random_state=0).partial_fit(digits)
    b = BernoulliRBM(8, sampler="fpcd", random_state=0).partial_fit(digits)
    state = b._sampler.state_arrays()
    del b._sampler
    b._fast_W, b._fast_b, b._fast_c = (state[k].copy()
                                       for k in ("_fast_W", "_fast_b", "_fast_c"))
    a.partial_fit(digits)
    b.partial_fit(digits)
    np.testing.assert_array_equal(a.components_, b.components_)
    np.testing.assert_array_equal(a._sampler.fast_W, b._sampler.fast_W)
