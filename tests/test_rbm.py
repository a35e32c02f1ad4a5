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
from deepbelief.rbm import _Workspace
from deepbelief.training import DegenerateFitWarning, DivergenceError


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


@pytest.mark.parametrize("persistent", [True, False])
@pytest.mark.parametrize("k", [1, 3])
def test_cd_step_matches_reference_update(persistent, k):
    rbm, W, b, c = _tiny_model(n_visible=6, n_hidden=4, k=k, persistent=persistent,
                               scale=0.5)
    rbm._validate_params()
    rng = np.random.default_rng(9)
    V0 = (rng.random((4, 6)) < 0.5).astype(np.float64)
    chain = (rng.random((rbm.h_samples_.shape[0], 4)) < 0.5).astype(np.float64)
    rbm.h_samples_ = chain.copy() if persistent else rbm.h_samples_
    ws = _Workspace(4, max(4, rbm.h_samples_.shape[0]), 6, 4, np.float64)
    ws.SV[:4] = V0
    # the estimator draws 2k + 1 seeds (CD) or 2k (PCD), in this order
    stream = SeedStream(np.random.default_rng(5))
    expected_seeds = [stream() for _ in range(2 * k + 1)]
    rbm._cd_step(ws, 4, 0.1, 0.0, SeedStream(np.random.default_rng(5)))
    W2, b2, c2, chain2, _ = ref.cd_update(
        V0, W, b, c, chain if persistent else None, expected_seeds, 0.1, k, persistent)
    np.testing.assert_allclose(rbm.components_, W2, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(rbm.intercept_visible_, b2, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(rbm.intercept_hidden_, c2, rtol=1e-10, atol=1e-12)
    if persistent:
        np.testing.assert_array_equal(rbm.h_samples_, chain2)


def _model_at_rest(momentum, weight_decay, l1):
    """A 6-4 model with penalties set and zero velocities, ready for _cd_step."""
    rbm, W, b, c = _tiny_model(n_visible=6, n_hidden=4, momentum=momentum,
                               weight_decay=weight_decay, l1=l1, scale=0.5)
    rbm._validate_params()
    rbm._velocity = None
    rbm._velocity_b[:] = 0
    rbm._velocity_c[:] = 0
    return rbm, W, b, c


@pytest.mark.parametrize("momentum,weight_decay,l1", [(0.0, 0.01, 0.0), (0.0, 0.0, 0.01),
                                                      (0.5, 0.01, 0.01)])
def test_regularised_update_matches_reference(momentum, weight_decay, l1):
    rbm, W, b, c = _model_at_rest(momentum, weight_decay, l1)
    rng = np.random.default_rng(9)
    V0 = (rng.random((10, 6)) < 0.5).astype(np.float64)
    chain = rbm.h_samples_.copy()
    ws = _Workspace(10, 10, 6, 4, np.float64)
    ws.SV[:10] = V0
    stream = SeedStream(np.random.default_rng(5))
    seeds = [stream() for _ in range(3)]
    rbm._cd_step(ws, 10, 0.1, momentum, SeedStream(np.random.default_rng(5)))
    W2, b2, c2, _, _ = ref.cd_update(V0, W, b, c, chain, seeds, 0.1, 1, True,
                                     momentum=momentum, velocity=np.zeros_like(W),
                                     weight_decay=weight_decay, l1=l1)
    np.testing.assert_allclose(rbm.components_, W2, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(rbm.intercept_hidden_, c2, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("l1", [0.0, 0.01])
def test_decay_goes_through_the_momentum(l1):
    # The penalty is part of the step that momentum carries on (as in
    # Hinton's guide and rbm.m): after two steps, W differs from a decay
    # applied outside the velocity by momentum * lr * decay * W.
    momentum, weight_decay, lr = 0.5, 0.01, 0.1
    rbm, W, b, c = _model_at_rest(momentum, weight_decay, l1)
    rng = np.random.default_rng(9)
    batches = [(rng.random((10, 6)) < 0.5).astype(np.float64) for _ in range(2)]
    chain, velocity = rbm.h_samples_.copy(), np.zeros_like(W)
    ws = _Workspace(10, 10, 6, 4, np.float64)
    for step, V0 in enumerate(batches):
        stream = SeedStream(np.random.default_rng(20 + step))
        seeds = [stream() for _ in range(3)]
        ws.SV[:10] = V0
        rbm._cd_step(ws, 10, lr, momentum, SeedStream(np.random.default_rng(20 + step)))
        W, b, c, chain, velocity = ref.cd_update(
            V0, W, b, c, chain, seeds, lr, 1, True, momentum=momentum,
            velocity=velocity, weight_decay=weight_decay, l1=l1)
        np.testing.assert_allclose(rbm.components_, W, rtol=1e-10, atol=1e-12)
        np.testing.assert_array_equal(rbm.h_samples_, chain)


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
    np.testing.assert_allclose(rbm._pseudo_likelihood_dense(X, flips), expected, rtol=1e-10)
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
    # the estimator's z = log sigma^2 update is -(<dF/dz>_data - <dF/dz>_model);
    # check its dF/dz against differences of free_energy in sigma.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 3))
    rbm = GaussianBernoulliRBM(2, n_iter=1, random_state=0, learn_variance=True,
                               learning_rate=1e-3).fit(X)
    rbm._validate_params()
    W, b, c = rng.normal(size=(2, 3)), rng.normal(size=3), rng.normal(size=2)
    _set_params(rbm, W, b, c)
    sigma = np.array([0.7, 1.3, 1.0])
    rbm.sigma_[...] = sigma
    rbm._log_var = np.log(sigma**2)
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
            g[i] = (F(v, rbm._log_var + e) - F(v, rbm._log_var - e)) / 2e-6
        return g

    expected_step = 1e-3 * -(dF(v_data) - dF(v_model))
    ws = _Workspace(1, 1, 3, 2, np.float64)
    ws.SV[0], ws.SV[1] = v_data[0] / sigma, v_model[0] / sigma
    ws.SH[0] = expit(v_data / sigma @ W.T + c)[0]
    ws.SH[1] = expit(v_model / sigma @ W.T + c)[0]
    before = rbm._log_var.copy()
    rbm._extra_gradients(ws, 1, 1, 1e-3)
    np.testing.assert_allclose(rbm._log_var - before, expected_step, rtol=1e-5, atol=1e-12)


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
