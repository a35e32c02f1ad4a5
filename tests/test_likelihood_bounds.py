"""Reverse AIS (RAISE) and the forward/reverse bracket against enumeration."""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit, logsumexp
from sklearn.datasets import load_digits
from threadpoolctl import threadpool_limits

import reference as ref
from deepbelief import (
    BernoulliRBM,
    GaussianBernoulliRBM,
    LikelihoodBounds,
    RAISEEstimate,
    ais_log_partition,
    exact_log_partition,
    log_likelihood_bounds,
    raise_log_likelihood,
)


def _bernoulli_states(P, S):
    """Row i, column s: the probability of binary state S[s] under independent
    Bernoulli units with probabilities P[i]."""
    return np.exp(np.log(P) @ S.T + np.log1p(-P) @ (1 - S).T)


def _annealing_model(rbm, b_base, betas):
    """The distribution of the last state of forward AIS followed by one more
    Gibbs step at beta = 1, by enumeration: p_0 times the transition matrix
    v -> h -> v of every inverse temperature after the first."""
    W = rbm.components_.astype(np.float64)
    b = rbm.intercept_visible_.astype(np.float64)
    c = rbm.intercept_hidden_.astype(np.float64)
    V = ref.binary_states(W.shape[1])
    H = ref.binary_states(W.shape[0])
    p = _bernoulli_states(expit(b_base)[None, :], V)[0]
    for beta in betas[1:]:
        to_h = _bernoulli_states(expit(beta * (V @ W.T + c)), H)
        to_v = _bernoulli_states(expit(beta * (H @ W + b) + (1 - beta) * b_base), V)
        p = p @ (to_h @ to_v)
    return V, p


def _tiny_model(seed=0, n_visible=4, n_hidden=3):
    rng = np.random.default_rng(seed)
    X = (rng.random((20, n_visible)) < 0.5).astype(np.float64)
    rbm = BernoulliRBM(n_hidden, n_iter=0, random_state=seed).fit(X)
    rbm.components_[...] = rng.normal(0, 1, (n_hidden, n_visible))
    rbm.intercept_visible_[...] = rng.normal(0, 1, n_visible)
    rbm.intercept_hidden_[...] = rng.normal(0, 1, n_hidden)
    return rbm, rng.normal(0, 1, n_visible)


def _model_samples(rbm, n, seed):
    """Exact samples of an RBM with few hidden units: h from its enumerated
    marginal, then v | h."""
    rng = np.random.default_rng(seed)
    W = rbm.components_.astype(np.float64)
    b = rbm.intercept_visible_.astype(np.float64)
    c = rbm.intercept_hidden_.astype(np.float64)
    H = ref.binary_states(W.shape[0])
    log_p_h = H @ c + np.logaddexp(0, H @ W + b).sum(1)
    h = H[rng.choice(len(H), size=n, p=np.exp(log_p_h - logsumexp(log_p_h)))]
    return (rng.random((n, W.shape[1])) < expit(h @ W + b)).astype(np.float64)


@pytest.fixture(scope="module")
def digits_model():
    """A 64-16 RBM trained with PCD on binarised digits (sharp enough that
    short schedules err by nats), 300 exact samples of it and their exact
    log-probabilities. On the model's own samples the annealing model can
    only do worse in expectation (its mean log-probability falls short of
    the model's by a KL divergence), so reverse AIS must come out low."""
    D = (load_digits().data > 7).astype(np.float64)
    rbm = BernoulliRBM(16, n_iter=50, learning_rate=0.1, batch_size=20, sampler="pcd",
                       random_state=0).fit(D)
    X = _model_samples(rbm, 300, seed=1)
    log_p = -rbm.free_energy(X) - exact_log_partition(rbm)
    return rbm, X, log_p, D


# ------------------------------------------------------------------ the weights


@pytest.mark.parametrize("betas", [[0.0, 1.0], [0.0, 0.5, 1.0], [0.0, 0.2, 0.2, 0.7, 1.0]])
def test_mean_weight_is_the_annealing_models_probability(betas):
    # E[w] = p_ann(v) exactly, for any schedule: every state's mean weight
    # over 20,000 runs within 4.5 standard errors of the enumerated p_ann
    # (16 states: a false alarm about once in 10,000). p_ann is not p: the
    # check must tell them apart, so p must be far outside the same band
    # for some state.
    betas = np.array(betas)
    rbm, b_base = _tiny_model()
    V, p_ann = _annealing_model(rbm, b_base, betas)
    assert p_ann.sum() == pytest.approx(1.0, abs=1e-12)
    est = raise_log_likelihood(rbm, V, n_runs=20_000, betas=betas, random_state=1,
                               base_rate=b_base, dtype=np.float64)
    w = np.exp(est.log_weights)
    mean, se = w.mean(1), w.std(1) / np.sqrt(w.shape[1])
    assert np.all(np.abs(mean - p_ann) < 4.5 * se), np.abs(mean - p_ann) / se
    p = np.exp(-rbm.free_energy(V) - exact_log_partition(rbm))
    assert np.max(np.abs(mean - p) / se) > 10


def test_estimate_fields_agree(digits_model):
    rbm, X, _, D = digits_model
    est = raise_log_likelihood(rbm, X[:40], n_runs=3, betas=np.linspace(0, 1, 20),
                               random_state=0, X_base=D)
    assert isinstance(est, RAISEEstimate)
    assert est.log_weights.shape == (40, 3) and est.per_sample.shape == (40,)
    np.testing.assert_allclose(est.per_sample, logsumexp(est.log_weights, axis=1)
                               - np.log(3), rtol=1e-12)
    assert est.log_likelihood == pytest.approx(est.per_sample.mean(), rel=1e-12)
    assert est.standard_error == pytest.approx(
        est.per_sample.std(ddof=1) / np.sqrt(40), rel=1e-12)
    p = np.clip(D.mean(0), 1e-3, 1 - 1e-3)
    assert est.log_z_base == pytest.approx(np.logaddexp(0, np.log(p / (1 - p))).sum()
                                           + 16 * np.log(2), rel=1e-12)


def test_more_runs_per_sample_raise_the_bound(digits_model):
    # log mean w over more runs is, by Jensen's inequality, higher in
    # expectation; on a coarse schedule the difference is large.
    rbm, X, _, D = digits_model
    kwargs = dict(betas=np.linspace(0, 1, 10), random_state=0, X_base=D)
    one = raise_log_likelihood(rbm, X, n_runs=1, **kwargs)
    many = raise_log_likelihood(rbm, X, n_runs=20, **kwargs)
    assert many.log_likelihood > one.log_likelihood + 0.5


# ------------------------------------------------------------------ the bracket


@pytest.mark.parametrize("n_betas", [3, 10, 30])
def test_short_schedules_bracket_the_exact_value(digits_model, n_betas):
    # One reverse run per sample: below the exact mean log p by more than 3
    # standard errors of its per-sample errors (it errs by 0.8 to 5 nats
    # here, 10 to 30 standard errors). Forward AIS errs high only in expectation, by less
    # than one estimate's noise at these lengths: the mean of 20
    # independent forward values must not be below the exact value by more
    # than 3 standard errors of that mean, and must lie above the reverse
    # value.
    rbm, X, log_p, D = digits_model
    exact = log_p.mean()
    rng = np.random.default_rng(0)
    betas = np.linspace(0, 1, n_betas)
    bounds = log_likelihood_bounds(rbm, X, n_runs=100, betas=betas, random_state=rng,
                                   n_reverse_runs=1, X_base=D)
    assert isinstance(bounds, LikelihoodBounds)
    error = bounds.reverse.per_sample - log_p
    assert bounds.lower < exact - 3 * error.std() / np.sqrt(len(error))
    assert bounds.upper == pytest.approx(-rbm.free_energy(X).mean()
                                         - bounds.forward.log_z, rel=1e-12)
    free = -rbm.free_energy(X).mean()
    upper = np.array([bounds.upper] + [
        free - ais_log_partition(rbm, 100, betas, rng, X=D).log_z for _ in range(19)])
    assert upper.mean() > exact - 3 * upper.std(ddof=1) / np.sqrt(len(upper))
    assert upper.mean() > bounds.lower + 0.5


def test_both_converge_as_the_schedule_grows(digits_model):
    # The reverse gap shrinks with every tenfold longer schedule, and at
    # 2,000 temperatures both ends are within 0.1 nats of the exact value
    # (the tolerance of the forward tests in test_likelihood.py).
    rbm, X, log_p, D = digits_model
    exact = log_p.mean()
    gaps = []
    for n_betas in (20, 200, 2000):
        bounds = log_likelihood_bounds(rbm, X, n_runs=100,
                                       betas=np.linspace(0, 1, n_betas), random_state=0,
                                       n_reverse_runs=1, X_base=D)
        gaps.append(exact - bounds.lower)
    assert gaps[0] > gaps[1] > gaps[2] > -0.05, gaps
    assert gaps[2] < 0.1
    assert abs(bounds.upper - exact) < 0.1


def test_gaussian_visible_units_converge_to_exact():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((20, 2))
    rbm = GaussianBernoulliRBM(3, n_iter=0, random_state=0, learn_variance=True).fit(X)
    rbm.components_[...] = rng.normal(0, 1, (3, 2))
    rbm.intercept_visible_[...] = rng.normal(size=2)
    rbm.intercept_hidden_[...] = rng.normal(size=3)
    rbm.sigma_[...] = (0.5, 2.0)
    X_test = rng.standard_normal((200, 2)) * rbm.sigma_ + rbm.intercept_visible_
    exact = rbm.log_likelihood(X_test, method="exact")
    bounds = log_likelihood_bounds(rbm, X_test, n_runs=200, betas=np.linspace(0, 1, 1000),
                                   random_state=0, n_reverse_runs=5, dtype=np.float64)
    assert abs(bounds.lower - exact) < 0.05
    assert abs(bounds.upper - exact) < 0.05


# ------------------------------------------------------------------ reproducibility


def test_reproducible_and_independent_of_thread_count(digits_model):
    rbm, X, _, D = digits_model
    kwargs = dict(n_runs=2, betas=np.linspace(0, 1, 50), X_base=D)
    with threadpool_limits(1):
        a = raise_log_likelihood(rbm, X[:50], random_state=3, **kwargs)
    with threadpool_limits(2):
        b = raise_log_likelihood(rbm, X[:50], random_state=3, **kwargs)
    np.testing.assert_array_equal(a.log_weights, b.log_weights)
    c = raise_log_likelihood(rbm, X[:50], random_state=4, **kwargs)
    assert not np.array_equal(a.log_weights, c.log_weights)
    s = raise_log_likelihood(rbm, sp.csr_matrix(X[:50]), random_state=3, **kwargs)
    np.testing.assert_array_equal(a.log_weights, s.log_weights)


def test_batches_are_independent_runs(digits_model):
    # Another batch size draws other random numbers but estimates the same
    # thing: in float64 the two agree within their noise.
    rbm, X, _, D = digits_model
    kwargs = dict(n_runs=1, betas=np.linspace(0, 1, 500), random_state=0, X_base=D,
                  dtype=np.float64)
    whole = raise_log_likelihood(rbm, X, **kwargs)
    parts = raise_log_likelihood(rbm, X, batch_size=7, **kwargs)
    assert not np.array_equal(whole.log_weights, parts.log_weights)
    diff = whole.per_sample - parts.per_sample
    assert abs(diff.mean()) < 4 * diff.std() / np.sqrt(len(diff))


# ------------------------------------------------------------------ errors


def test_bad_arguments_raise_clear_errors(digits_model):
    rbm, X, _, D = digits_model
    with pytest.raises(ValueError, match="n_runs"):
        raise_log_likelihood(rbm, X, n_runs=0)
    with pytest.raises(ValueError, match="n_runs"):
        raise_log_likelihood(rbm, X, n_runs=True)
    with pytest.raises(ValueError, match="batch_size"):
        raise_log_likelihood(rbm, X, batch_size=0)
    with pytest.raises(ValueError, match="n_reverse_runs"):
        log_likelihood_bounds(rbm, X, n_reverse_runs=-1)
    with pytest.raises(ValueError, match="betas must start at 0"):
        raise_log_likelihood(rbm, X, betas=[0.2, 1.0])
    with pytest.raises(ValueError, match="non-decreasing"):
        raise_log_likelihood(rbm, X, betas=[0.0, 0.7, 0.3, 1.0])
    with pytest.raises(ValueError, match="not both"):
        raise_log_likelihood(rbm, X, X_base=D, base_rate=np.zeros(64))
    with pytest.raises(ValueError, match="not both"):
        log_likelihood_bounds(rbm, X, X_base=D, base_rate=np.zeros(64))
    with pytest.raises(ValueError, match="base_rate"):
        raise_log_likelihood(rbm, X, base_rate=np.zeros(5))
    with pytest.raises(TypeError, match="dtype"):
        raise_log_likelihood(rbm, X, dtype=np.int32)
    with pytest.raises(ValueError, match="features"):
        raise_log_likelihood(rbm, X[:, :10])
    with pytest.raises(ValueError, match="0 sample"):
        raise_log_likelihood(rbm, X[:0])
    relu = BernoulliRBM(4, hidden_unit="relu", n_iter=0).fit(D)
    with pytest.raises(ValueError, match="bernoulli"):
        raise_log_likelihood(relu, D)


def test_verbose_estimates_show_a_progress_bar_and_the_same_numbers(monkeypatch, capsys):
    pytest.importorskip("tqdm")
    from deepbelief import BernoulliRBM, ais_log_partition, raise_log_likelihood
    X = (np.random.default_rng(0).random((40, 12)) < 0.3).astype(float)
    rbm = BernoulliRBM(4, n_iter=2, random_state=0).fit(X)
    kw = dict(betas=np.linspace(0, 1, 30), random_state=0)
    monkeypatch.setenv("DEEPBELIEF_PROGRESS", "1")
    loud = ais_log_partition(rbm, 5, verbose=True, **kw)
    loud_reverse = raise_log_likelihood(rbm, X[:6], 2, verbose=True, **kw)
    err = capsys.readouterr().err
    assert "AIS" in err and "temperature" in err and "reverse AIS" in err
    quiet = ais_log_partition(rbm, 5, **kw)
    assert capsys.readouterr().err == ""
    np.testing.assert_array_equal(loud.log_weights, quiet.log_weights)
    assert loud_reverse.log_likelihood == raise_log_likelihood(rbm, X[:6], 2, **kw).log_likelihood
