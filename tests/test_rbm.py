"""RBM estimators: correctness against exact references, determinism,
input validation, monitoring, early stopping and checkpoints."""

import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit
from sklearn.datasets import load_digits
from threadpoolctl import threadpool_limits

import reference as ref
from deepbelief import BernoulliRBM, GaussianBernoulliRBM
from deepbelief._kernels.random import SeedStream
from deepbelief.engine import RBMEngine
from deepbelief.samplers import CD, PCD
from deepbelief.training import DegenerateFitWarning, DivergenceError
from deepbelief.units import BernoulliUnits, GaussianUnits


@pytest.fixture(scope="module")
def digits(unit_digits):
    return unit_digits[0][:300].copy()


def _set_params(rbm, W, b, c):
    rbm.components_[...] = W
    rbm.intercept_visible_[...] = b
    rbm.intercept_hidden_[...] = c


def _tiny_model(n_visible=5, n_hidden=4, seed=0, scale=1.0, **kwargs):
    rng = np.random.default_rng(seed)
    X = (rng.random((20, n_visible)) < 0.5).astype(np.float64)
    rbm = BernoulliRBM(n_hidden, n_iter=1, random_state=seed, **kwargs).fit(X)
    W = rng.normal(0, scale, (n_hidden, n_visible))
    b = rng.normal(0, scale, n_visible)
    c = rng.normal(0, scale, n_hidden)
    _set_params(rbm, W, b, c)
    return rbm, W, b, c


# ------------------------------------------------------------------ exactness


def test_free_energy_matches_brute_force_sum_over_hidden_states():
    rbm, W, b, c = _tiny_model()
    V = ref.binary_states(5)
    np.testing.assert_allclose(rbm.free_energy(V), ref.brute_force_free_energy(V, W, b, c),
                               rtol=1e-12)


def test_gaussian_free_energy_matches_numerical_integral_free_form():
    # F(v) = |v - b|^2/2 - sum_j softplus(c_j + W_j v): check against the
    # brute-force sum over hidden states of exp(-E(v, h)).
    rng = np.random.default_rng(1)
    X = rng.standard_normal((30, 3))
    rbm = GaussianBernoulliRBM(4, n_iter=1, random_state=0).fit(X)
    W, b, c = rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=4)
    _set_params(rbm, W, b, c)
    V = rng.standard_normal((6, 3))
    H = ref.binary_states(4)
    neg_e = -0.5 * ((V - b) ** 2).sum(1)[:, None] + (H @ c)[None, :] + V @ W.T @ H.T
    expected = -np.log(np.exp(neg_e).sum(1))
    np.testing.assert_allclose(rbm.free_energy(V), expected, rtol=1e-10)


def test_gibbs_chain_reaches_the_exact_distribution():
    # 5 visible, 4 hidden: 32 visible states, enumerable. 20,000 chains of
    # 100 steps; the chains mix in a few steps at this weight scale. With
    # N samples over 32 states the expected total variation of an exact
    # sampler is about 0.5 * sum_s sqrt(2 p_s / (pi N)) < 0.02; 0.04 leaves
    # room for noise while catching any error in a conditional.
    rbm, W, b, c = _tiny_model(scale=1.0)
    V, p = ref.exact_visible_distribution(W, b, c)
    samples = rbm.sample(20_000, n_steps=100, random_state=0)
    codes = samples.astype(int) @ (2 ** np.arange(4, -1, -1))
    empirical = np.bincount(codes, minlength=32) / len(codes)
    tv = 0.5 * np.abs(empirical - p).sum()
    assert tv < 0.04, tv


def test_gibbs_step_conditionals():
    # one step from a fixed v: the visible marginal is sum_h p(h|v) p(v'|h),
    # computable exactly on a small model.
    rbm, W, b, c = _tiny_model(n_visible=3, n_hidden=3, scale=1.5)
    v = np.array([[1.0, 0.0, 1.0]])
    H = ref.binary_states(3)
    ph = expit(v @ W.T + c)[0]
    p_h = np.prod(np.where(H == 1, ph, 1 - ph), axis=1)
    V = ref.binary_states(3)
    pv_given_h = expit(H @ W + b)  # (8 h-states, 3)
    p_v = np.array([np.sum(p_h * np.prod(np.where(vv == 1, pv_given_h, 1 - pv_given_h), axis=1))
                    for vv in V])
    out = rbm.gibbs(np.repeat(v, 20_000, axis=0))
    assert out.dtype == bool
    codes = out.astype(int) @ [4, 2, 1]
    empirical = np.bincount(codes, minlength=8) / len(codes)
    assert 0.5 * np.abs(empirical - p_v).sum() < 0.02


def _training_engine(W, b, c, sampler, batch_size, visible=None, **options):
    """An engine that trains copies of (W, b, c) with ``sampler``."""
    engine = RBMEngine(W.copy(), b.copy(), c.copy(), visible or BernoulliUnits(),
                       BernoulliUnits(), sampler, **options)
    engine.start(batch_size, sampler.chains.shape[0])
    return engine


@pytest.mark.parametrize("persistent", [True, False])
@pytest.mark.parametrize("k", [1, 3])
def test_cd_step_matches_reference_update(persistent, k):
    _, W, b, c = _tiny_model(n_visible=6, n_hidden=4, scale=0.5)
    rng = np.random.default_rng(9)
    V0 = (rng.random((4, 6)) < 0.5).astype(np.float64)
    chain = (rng.random((10, 4)) < 0.5).astype(np.float64)
    sampler = (PCD if persistent else CD)(chain.copy(), k=k)
    engine = _training_engine(W, b, c, sampler, 4)
    # the engine draws 2k + 1 seeds (CD) or 2k (PCD), in this order
    stream = SeedStream(np.random.default_rng(5))
    expected_seeds = [stream() for _ in range(2 * k + 1)]
    engine.step(V0, 0.1, 0.0, SeedStream(np.random.default_rng(5)))
    W2, b2, c2, chain2, _ = ref.cd_update(
        V0, W, b, c, chain if persistent else None, expected_seeds, 0.1, k, persistent)
    np.testing.assert_allclose(engine.W, W2, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(engine.b, b2, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(engine.c, c2, rtol=1e-10, atol=1e-12)
    if persistent:
        np.testing.assert_array_equal(sampler.chains, chain2)


def test_step_takes_a_batch_gathered_in_its_own_buffer():
    # A loop may gather the batch into workspace.SV (no copy) or pass any
    # array; the update is the same.
    _, W, b, c = _tiny_model(n_visible=6, n_hidden=4, scale=0.5)
    V0 = (np.random.default_rng(3).random((4, 6)) < 0.5).astype(np.float64)
    engines = [_training_engine(W, b, c, PCD(np.zeros((4, 4))), 4) for _ in range(2)]
    engines[0].step(V0, 0.1, 0.0, SeedStream(np.random.default_rng(1)))
    engines[1].workspace.SV[:4] = V0
    engines[1].step(engines[1].workspace.SV[:4], 0.1, 0.0,
                    SeedStream(np.random.default_rng(1)))
    np.testing.assert_array_equal(engines[0].W, engines[1].W)


def test_gaussian_cd_step_with_scales_matches_reference():
    # CD-1 with visible scales sigma: the states meet W as v / sigma, the
    # visible samples are b + sigma * (h W + N(0, 1)), and the bias
    # gradient is the column-mean difference of v / sigma divided by sigma.
    rng = np.random.default_rng(2)
    n, n_visible, n_hidden, lr = 5, 3, 4, 0.05
    W = rng.normal(0, 0.5, (n_hidden, n_visible))
    b, c = rng.normal(size=n_visible), rng.normal(size=n_hidden)
    sigma = np.array([0.5, 1.0, 2.0])
    V0 = rng.normal(size=(n, n_visible))
    engine = _training_engine(W, b, c, CD(np.zeros((n, n_hidden))), n,
                              visible=GaussianUnits(sigma.copy()))
    stream = SeedStream(np.random.default_rng(8))
    seeds = [stream() for _ in range(3)]
    engine.step(V0, lr, 0.0, SeedStream(np.random.default_rng(8)))
    U0 = V0 / sigma
    H0 = expit(U0 @ W.T + c)
    _, chain = ref.bernoulli_sample(U0 @ W.T, c, seeds[0])
    Vn = b + sigma * (chain @ W + ref.normals(seeds[1], (n, n_visible)))
    Un = Vn / sigma
    Hn = expit(Un @ W.T + c)
    np.testing.assert_allclose(engine.W, W + lr * (H0.T @ U0 - Hn.T @ Un) / n, rtol=1e-10)
    np.testing.assert_allclose(engine.b, b + lr * (U0.mean(0) - Un.mean(0)) / sigma,
                               rtol=1e-10)
    np.testing.assert_allclose(engine.c, c + lr * (H0.mean(0) - Hn.mean(0)), rtol=1e-10)


def _model_at_rest(weight_decay, l1):
    """A 6-4 model, its chains, and an engine with penalties and zero velocities."""
    rbm, W, b, c = _tiny_model(n_visible=6, n_hidden=4, scale=0.5)
    chain = rbm.h_samples_.copy()
    engine = _training_engine(W, b, c, PCD(chain.copy()), 10, weight_decay=weight_decay,
                              l1=l1)
    return engine, W, b, c, chain


@pytest.mark.parametrize("momentum,weight_decay,l1", [(0.0, 0.01, 0.0), (0.0, 0.0, 0.01),
                                                      (0.5, 0.01, 0.01)])
def test_regularised_update_matches_reference(momentum, weight_decay, l1):
    engine, W, b, c, chain = _model_at_rest(weight_decay, l1)
    rng = np.random.default_rng(9)
    V0 = (rng.random((10, 6)) < 0.5).astype(np.float64)
    stream = SeedStream(np.random.default_rng(5))
    seeds = [stream() for _ in range(3)]
    engine.step(V0, 0.1, momentum, SeedStream(np.random.default_rng(5)))
    W2, b2, c2, _, _ = ref.cd_update(V0, W, b, c, chain, seeds, 0.1, 1, True,
                                     momentum=momentum, velocity=np.zeros_like(W),
                                     weight_decay=weight_decay, l1=l1)
    np.testing.assert_allclose(engine.W, W2, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(engine.c, c2, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("l1", [0.0, 0.01])
def test_decay_goes_through_the_momentum(l1):
    # The penalty is part of the step that momentum carries on (as in
    # Hinton's guide and rbm.m): after two steps, W differs from a decay
    # applied outside the velocity by momentum * lr * decay * W.
    momentum, weight_decay, lr = 0.5, 0.01, 0.1
    engine, W, b, c, chain = _model_at_rest(weight_decay, l1)
    rng = np.random.default_rng(9)
    batches = [(rng.random((10, 6)) < 0.5).astype(np.float64) for _ in range(2)]
    velocity = np.zeros_like(W)
    for step, V0 in enumerate(batches):
        stream = SeedStream(np.random.default_rng(20 + step))
        seeds = [stream() for _ in range(3)]
        engine.step(V0, lr, momentum, SeedStream(np.random.default_rng(20 + step)))
        W, b, c, chain, velocity = ref.cd_update(
            V0, W, b, c, chain, seeds, lr, 1, True, momentum=momentum,
            velocity=velocity, weight_decay=weight_decay, l1=l1)
        np.testing.assert_allclose(engine.W, W, rtol=1e-10, atol=1e-12)
        np.testing.assert_array_equal(engine.sampler.chains, chain)


def test_pseudo_likelihood_matches_definition(digits):
    X = (digits > 0.5).astype(np.float64)
    rbm = BernoulliRBM(16, n_iter=2, random_state=0).fit(X)
    flips = np.random.default_rng(0).integers(0, X.shape[1], X.shape[0])
    Xf = X.copy()
    Xf[np.arange(len(X)), flips] = 1 - Xf[np.arange(len(X)), flips]
    W, b, c = rbm.components_, rbm.intercept_visible_, rbm.intercept_hidden_

    def F(V):
        return -V @ b - np.logaddexp(0, V @ W.T + c).sum(1)

    expected = X.shape[1] * np.log(expit(F(Xf) - F(X)))
    engine = RBMEngine(W, b, c, BernoulliUnits(), BernoulliUnits())
    np.testing.assert_allclose(engine.pseudo_likelihood(X, flips), expected, rtol=1e-10)
    # score_samples flips one unit per row, chosen from the row's content
    scores = rbm.score_samples(X)
    order = np.random.default_rng(1).permutation(len(X))
    np.testing.assert_allclose(rbm.score_samples(X[order]), scores[order], rtol=1e-12)
    n = X.shape[1]
    candidates = np.array([X.shape[1] * np.log(expit(F(_flip(X, j)) - F(X))) for j in range(n)])
    matched = np.isclose(candidates, scores[None, :], rtol=1e-10)
    assert matched.any(axis=0).all()


def _flip(X, j):
    out = X.copy()
    out[:, j] = 1 - out[:, j]
    return out


# ------------------------------------------------------------------ training


def _reconstruction_error(rbm, X):
    return float(((rbm.reconstruct(X) - X) ** 2).sum(1).mean())


def test_training_improves_reconstruction_and_pseudo_likelihood(digits):
    untrained = BernoulliRBM(32, n_iter=0, random_state=0).fit(digits)
    rbm = BernoulliRBM(32, n_iter=8, random_state=0).fit(digits)
    assert _reconstruction_error(rbm, digits) < 0.5 * _reconstruction_error(untrained, digits)
    assert rbm.score(digits) > untrained.score(digits) + 5
    pl = rbm.history_["pseudo_likelihood"]
    assert pl[-1] > pl[0]
    assert len(rbm.history_["seconds"]) == rbm.n_iter_ == 8


@pytest.mark.parametrize("options", [
    dict(persistent=False, k=2), dict(momentum="classic", weight_decay=1e-4),
    dict(hidden_unit="relu", learning_rate=0.01), dict(sparsity_cost=0.5, sparsity_target=0.05),
    dict(l1=1e-3), dict(init="glorot_sigmoid"), dict(batch_size="full", n_iter=30),
    dict(learning_rate_schedule="exponential"),
])
def test_options_train_and_stay_finite(digits, options):
    params = dict(n_components=16, n_iter=4, random_state=0)
    params.update(options)
    rbm = BernoulliRBM(**params).fit(digits)
    assert np.all(np.isfinite(rbm.components_))
    params["n_iter"] = 0
    untrained = BernoulliRBM(**params).fit(digits)
    assert _reconstruction_error(rbm, digits) < 0.8 * _reconstruction_error(untrained, digits)


def test_sparsity_lowers_mean_activation(digits):
    base = BernoulliRBM(16, n_iter=5, random_state=0).fit(digits)
    sparse = BernoulliRBM(16, n_iter=5, random_state=0, sparsity_cost=2.0,
                          sparsity_target=0.02).fit(digits)
    assert sparse.transform(digits).mean() < 0.5 * base.transform(digits).mean()


def test_gaussian_rbm_learns_standardised_data():
    X = load_digits().data
    X = (X - X.mean(0)) / (X.std(0) + 0.1)
    rbm = GaussianBernoulliRBM(32, n_iter=5, random_state=0, batch_size=20).fit(X)
    untrained = GaussianBernoulliRBM(32, n_iter=0, random_state=0).fit(X)
    assert _reconstruction_error(rbm, X) < 0.8 * _reconstruction_error(untrained, X)
    learned = GaussianBernoulliRBM(32, n_iter=6, random_state=0, batch_size=20,
                                   learn_variance=True).fit(X)
    assert np.all(learned.sigma_ > 0) and np.any(learned.sigma_ != 1)
    assert learned.transform(X).shape == (len(X), 32)


def test_learned_variance_gradient_matches_finite_differences():
    # The unit type's z = log sigma^2 update is -(<dF/dz>_data - <dF/dz>_model);
    # check its dF/dz against differences of the free energy in z.
    rng = np.random.default_rng(0)
    W, b, c = rng.normal(size=(2, 3)), rng.normal(size=3), rng.normal(size=2)
    sigma = np.array([0.7, 1.3, 1.0])
    log_var = np.log(sigma**2)
    v_data = rng.standard_normal((1, 3))
    v_model = rng.standard_normal((1, 3))

    def F(v, log_var):
        s = np.exp(0.5 * log_var)
        return 0.5 * (((v - b) / s) ** 2).sum() - np.logaddexp(0, (v / s) @ W.T + c).sum()

    def dF(v):
        g = np.zeros(3)
        for i in range(3):
            e = np.zeros(3)
            e[i] = 1e-6
            g[i] = (F(v, log_var + e) - F(v, log_var - e)) / 2e-6
        return g

    expected_step = 1e-3 * -(dF(v_data) - dF(v_model))
    units = GaussianUnits(sigma.copy(), log_var=log_var.copy())
    V = np.vstack([v_data, v_model]) / sigma
    H = expit(V @ W.T + c)
    units.update_parameters(V, H, W, b, 1, 1e-3)
    np.testing.assert_allclose(units.log_var - log_var, expected_step, rtol=1e-5,
                               atol=1e-12)
    np.testing.assert_allclose(units.sigma, np.exp(0.5 * units.log_var), rtol=1e-15)


def test_scaled_gaussian_units_match_their_density():
    # v | a ~ N(b + sigma a, sigma^2), energy sum (v - b)^2 / (2 sigma^2),
    # and log_partition = log of the integral over v of
    # exp(-energy(v) + (v / sigma) a), checked by quadrature per unit.
    from scipy.integrate import quad

    rng = np.random.default_rng(4)
    sigma = np.array([0.5, 1.0, 2.0])
    b = rng.normal(size=3)
    units = GaussianUnits(sigma)
    A = rng.normal(size=(2, 3))
    mean = np.empty_like(A)
    units.mean(A, b, mean)
    np.testing.assert_allclose(mean, b + sigma * A, rtol=1e-15)
    draws = np.repeat(A[:1], 40_000, axis=0)
    sample = np.empty_like(draws)
    units.sample(draws, b, np.empty_like(draws), sample, np.uint64(5))
    np.testing.assert_allclose(sample.mean(0), b + sigma * A[0], atol=4 * 2.0 / 200)
    np.testing.assert_allclose(sample.std(0), sigma, rtol=0.02)
    V = rng.normal(size=(2, 3))
    energy = np.empty(2)
    units.energy(V, b, energy)
    np.testing.assert_allclose(energy, (((V - b) / sigma) ** 2 / 2).sum(1), rtol=1e-13)
    log_z = np.empty(2)
    units.log_partition(A, b, log_z)
    expected = [sum(np.log(quad(lambda v, i=i, a=a: np.exp(
        -(v - b[i]) ** 2 / (2 * sigma[i] ** 2) + v / sigma[i] * a[i]), -60, 60)[0])
        for i in range(3)) + 0.5 * ((b / sigma) ** 2).sum() for a in A]
    # log_partition follows the unit-variance convention of the rescaled
    # states: log int exp(-u^2 / 2 + u (a + b / sigma)) du, plus log sigma.
    np.testing.assert_allclose(log_z, expected, rtol=1e-10)
    assert units.log_volume() == pytest.approx(np.log(sigma).sum(), rel=1e-15)
    np.testing.assert_allclose(units.rescale(V), V / sigma, rtol=1e-15)
    np.testing.assert_allclose(units.bias_gradient(np.ones(3)), 1 / sigma, rtol=1e-15)
    assert type(units.standard) is GaussianUnits and units.standard.sigma is None


def test_scaled_gaussian_free_energy_matches_brute_force():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((30, 3))
    rbm = GaussianBernoulliRBM(4, n_iter=1, random_state=0).fit(X)
    W, b, c = rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=4)
    _set_params(rbm, W, b, c)
    sigma = np.array([0.6, 1.0, 1.7])
    rbm.sigma_[...] = sigma
    V = rng.standard_normal((6, 3))
    H = ref.binary_states(4)
    neg_e = (-0.5 * (((V - b) / sigma) ** 2).sum(1)[:, None] + (H @ c)[None, :]
             + (V / sigma) @ W.T @ H.T)
    np.testing.assert_allclose(rbm.free_energy(V), -np.log(np.exp(neg_e).sum(1)),
                               rtol=1e-10)


def test_gaussian_score_samples_warns_when_the_free_energy_overflows():
    X = np.random.default_rng(0).standard_normal((40, 3))
    rbm = GaussianBernoulliRBM(2, n_iter=1, random_state=0).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.all(np.isfinite(rbm.score_samples(X)))
    with pytest.warns(RuntimeWarning, match="3 of 3 scores are not finite"):
        scores = rbm.score_samples(X[:3] * 1e300)
    assert np.all(scores == -np.inf)


# ------------------------------------------------------------- determinism


def test_same_seed_same_parameters_and_float32_preserved(digits):
    X32 = digits.astype(np.float32)
    a = BernoulliRBM(16, n_iter=3, random_state=42).fit(X32)
    b = BernoulliRBM(16, n_iter=3, random_state=42).fit(X32)
    np.testing.assert_array_equal(a.components_, b.components_)
    assert a.components_.dtype == np.float32
    assert a.transform(X32).dtype == np.float32
    c = BernoulliRBM(16, n_iter=3, random_state=43).fit(X32)
    assert not np.array_equal(a.components_, c.components_)


def test_blas_thread_count_does_not_change_results(digits):
    with threadpool_limits(1):
        a = BernoulliRBM(16, n_iter=2, random_state=1).fit(digits)
    with threadpool_limits(2):
        b = BernoulliRBM(16, n_iter=2, random_state=1).fit(digits)
    np.testing.assert_array_equal(a.components_, b.components_)


_SCRIPT = textwrap.dedent("""
    import numpy as np, sys
    from sklearn.datasets import load_digits
    from deepbelief import BernoulliRBM
    X = load_digits().data[:200] / 16
    rbm = BernoulliRBM(8, n_iter=2, random_state=3).fit(X)
    import numba
    try:
        layer = numba.threading_layer()
    except ValueError:
        layer = "none"
    np.save(sys.argv[1], rbm.components_)
    print(layer)
""")


def test_numba_thread_count_does_not_change_results_and_no_pool_starts(tmp_path):
    # Run in subprocesses with a default environment, as a user would: the
    # results must not depend on NUMBA_NUM_THREADS, and fitting must not
    # start a numba thread pool beside BLAS's (two spinning pools on the
    # same cores slow an epoch down by an order of magnitude).
    outputs = []
    for threads in ("1", "2"):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA", "OMP"))}
        env["NUMBA_NUM_THREADS"] = threads
        path = tmp_path / f"w{threads}.npy"
        proc = subprocess.run([sys.executable, "-c", _SCRIPT, str(path)], env=env,
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip().splitlines()[-1] == "none"
        outputs.append(np.load(path))
    np.testing.assert_array_equal(outputs[0], outputs[1])


def test_sparse_input_gives_the_same_model(digits):
    dense = BernoulliRBM(8, n_iter=2, random_state=0).fit(digits)
    sparse = BernoulliRBM(8, n_iter=2, random_state=0).fit(sp.csr_matrix(digits))
    np.testing.assert_allclose(dense.components_, sparse.components_, rtol=1e-12)
    np.testing.assert_allclose(dense.transform(digits), sparse.transform(sp.csr_matrix(digits)),
                               rtol=1e-10)


# ------------------------------------------------------------ bad input


def test_bad_input_raises_clear_errors(digits):
    rbm = BernoulliRBM(4, n_iter=1)
    bad = digits.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        rbm.fit(bad)
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        rbm.fit(bad)
    with pytest.raises(ValueError, match="0 sample"):
        rbm.fit(np.empty((0, 64)))
    rbm.fit(digits)
    with pytest.raises(ValueError, match="features"):
        rbm.transform(digits[:, :10])


@pytest.mark.parametrize("param,value,error", [
    ("learning_rate", -0.1, ValueError), ("batch_size", 0, ValueError),
    ("k", 0, ValueError), ("momentum", 1.0, ValueError), ("hidden_unit", "tanh", ValueError),
    ("init", "nonsense", ValueError), ("persistent", "yes", TypeError),
    ("validation_fraction", 1.0, ValueError),
])
def test_bad_parameters_name_themselves(digits, param, value, error):
    with pytest.raises(error, match=param):
        BernoulliRBM(4, n_iter=1, **{param: value}).fit(digits)


@pytest.mark.parametrize("value,error", [(0, ValueError), (2.5, TypeError)])
def test_bad_n_components(digits, value, error):
    with pytest.raises(error, match="n_components"):
        BernoulliRBM(value, n_iter=1).fit(digits)


def test_values_outside_unit_interval_warn_but_0_and_1_do_not():
    X = np.array([[0.0, 1.0, 0.5], [1.0, 0.0, 0.0]] * 5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # one update leaves the hidden units constant, which the fit's
        # health check reports; this test is about the value range only
        warnings.simplefilter("ignore", DegenerateFitWarning)
        BernoulliRBM(2, n_iter=1, random_state=0).fit(X)
    X2 = X.copy()
    X2[0, 0], X2[1, 2] = -0.5, 3.0
    with pytest.warns(UserWarning) as record:
        BernoulliRBM(2, n_iter=1, random_state=0).fit(X2)
    message = str(record[0].message)
    assert "[0, 1]" in message and "2 of the" in message
    assert "MinMaxScaler" in message and "GaussianBernoulliRBM" in message


def test_divergence_is_reported_and_last_finite_parameters_kept():
    X = np.random.default_rng(0).standard_normal((100, 5)) * 50
    rbm = GaussianBernoulliRBM(4, learning_rate=50.0, n_iter=50, random_state=0)
    with pytest.raises(DivergenceError, match="learning rate"):
        rbm.fit(X)
    assert np.all(np.isfinite(rbm.components_))


# -------------------------------------------------- monitoring and resuming


def test_validation_monitoring_and_early_stopping(digits):
    rbm = BernoulliRBM(16, n_iter=40, random_state=0, early_stopping=True,
                       n_iter_no_change=2, tol=10.0)
    rbm.fit(digits)
    assert rbm.n_iter_ < 40
    h = rbm.history_
    for key in ("free_energy_gap", "validation_pseudo_likelihood",
                "validation_reconstruction_error"):
        assert len(h[key]) == rbm.n_iter_ and np.all(np.isfinite(h[key]))
    assert 1 <= rbm.best_epoch_ <= rbm.n_iter_
    # the kept parameters are those of the best epoch
    best = np.argmax(h["validation_pseudo_likelihood"]) + 1
    assert rbm.best_epoch_ == best


def test_checkpoint_resume_equals_uninterrupted_run(digits, tmp_path):
    full = BernoulliRBM(8, n_iter=4, random_state=0, momentum=0.5).fit(digits)
    first = BernoulliRBM(8, n_iter=2, random_state=0, momentum=0.5,
                         checkpoint_dir=tmp_path).fit(digits)
    assert sorted(os.listdir(tmp_path))[-1] == "epoch_00002.npz"
    resumed = BernoulliRBM(8, n_iter=4, random_state=0, momentum=0.5,
                           checkpoint_dir=tmp_path).fit(digits)
    assert first.n_iter_ == 2 and resumed.n_iter_ == 4
    np.testing.assert_array_equal(resumed.components_, full.components_)
    np.testing.assert_array_equal(resumed.h_samples_, full.h_samples_)
    assert len(resumed.history_["seconds"]) == 4


def test_partial_fit_returns_self_and_learns(digits):
    rbm = BernoulliRBM(16, random_state=0, batch_size=10)
    assert rbm.partial_fit(digits[:100]) is rbm
    before = rbm.score(digits)
    for _ in range(5):
        rbm.partial_fit(digits)
    assert rbm.score(digits) > before
    with pytest.raises(ValueError, match="features"):
        rbm.partial_fit(digits[:, :5])


def test_sample_returns_binary_states_of_the_right_shape(digits):
    rbm = BernoulliRBM(16, n_iter=2, random_state=0).fit(digits.astype(np.float32))
    S = rbm.sample(7, n_steps=5, random_state=0)
    assert S.shape == (7, 64) and S.dtype == np.float32
    assert set(np.unique(S)) <= {0.0, 1.0}
    np.testing.assert_array_equal(S, rbm.sample(7, n_steps=5, random_state=0))
    assert rbm.reconstruct(digits).shape == digits.shape


def test_learning_rate_schedule_sets_each_epoch_rate(digits):
    rbm = BernoulliRBM(4, n_iter=3, learning_rate=0.2, random_state=0,
                       learning_rate_schedule=lambda lr, epoch, losses: lr / (epoch + 1))
    rbm.fit(digits)
    np.testing.assert_allclose(rbm.history_["learning_rate"], [0.2, 0.1, 0.2 / 3])
    with pytest.raises(ValueError, match="learning_rate_schedule"):
        BernoulliRBM(4, learning_rate_schedule="sometimes").fit(digits)
