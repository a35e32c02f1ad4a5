"""GenerativeDBNClassifier (Hinton, Osindero & Teh 2006): the label posterior
against the free energy written out here (and, on a tiny model, against
enumeration of the top hidden states), one up-down step against the
paper's update rules in numpy, class-conditional samples judged by a
separate classifier, and the untied weights of up-down."""

import copy
import warnings

import numpy as np
import pytest
import reference as ref
from scipy.special import expit, logsumexp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

from deepbelief import GenerativeDBNClassifier
from deepbelief._kernels.random import SeedStream
from deepbelief.persistence import load, save


@parametrize_with_checks([GenerativeDBNClassifier((16, 32), n_iter=10, batch_size=10,
                                                  n_iter_updown=2, random_state=0)])
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)
        check(estimator)


def _softmax(scores):
    return np.exp(scores - logsumexp(scores, axis=1, keepdims=True))


def _up_pass(clf, X):
    """The mean-field features, written out from the recognition weights."""
    H = X
    for R, r in clf.recognition_weights_:
        H = expit(H @ R + r)
    return H


@pytest.fixture(scope="module")
def digits(unit_digits):
    X, y = unit_digits
    order = np.random.default_rng(0).permutation(len(X))
    X, y = X[order], y[order]
    return X[:1200], y[:1200], X[1200:], y[1200:]


@pytest.fixture(scope="module")
def greedy(digits):
    """A greedy model whose top RBM is trained long enough to sample from."""
    X, y, _, _ = digits
    return GenerativeDBNClassifier((64, 256), n_iter=[30, 100], n_iter_updown=0,
                                   random_state=0).fit(X, y)


def _fit_tiny(sizes, seed=0, n_classes=3, scale=1.0):
    """A fitted model on random binary data, its arrays then redrawn at ``scale``."""
    rng = np.random.default_rng(seed)
    X = (rng.random((12, 5)) < 0.5).astype(np.float64)
    y = np.arange(12) % n_classes
    with warnings.catch_warnings():  # one epoch on 12 rows: constant features
        warnings.simplefilter("ignore", UserWarning)
        clf = GenerativeDBNClassifier(sizes, n_iter=1, n_iter_updown=0,
                                      random_state=seed).fit(X, y)
    for array in clf._parameters().values():
        array[...] = rng.normal(0, scale, array.shape)
    return clf, X, y


def test_predict_proba_is_the_softmax_of_minus_the_free_energy(digits, greedy):
    X, _, X_test, _ = digits
    clf, X = greedy, X_test[:50]
    top = clf.top_rbm_
    W, U = top.components_, top.class_components_
    b, c, d = top.intercept_visible_, top.intercept_hidden_, top.intercept_class_
    H = _up_pass(clf, X)
    F = np.empty((len(X), len(clf.classes_)))
    for y in range(len(clf.classes_)):
        F[:, y] = -(H @ b) - d[y] - np.logaddexp(0, H @ W.T + U[:, y] + c).sum(axis=1)
    np.testing.assert_allclose(clf.free_energy(X), F, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(clf.predict_proba(X), _softmax(-F), rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[np.argmin(F, axis=1)])


def test_free_energy_enumerates_the_top_hidden_states():
    clf, X, _ = _fit_tiny((3, 4), seed=1)
    top = clf.top_rbm_
    W, U = top.components_, top.class_components_
    b, c, d = top.intercept_visible_, top.intercept_hidden_, top.intercept_class_
    H = _up_pass(clf, X)
    T = ref.binary_states(4)
    F = np.empty((len(X), 3))
    for y in range(3):
        # -E(h, y, t) = t.W h + t.U_y + b.h + c.t + d_y, for every state t
        neg_e = H @ W.T @ T.T + (T @ U[:, y] + T @ c)[None, :] + (H @ b)[:, None] + d[y]
        F[:, y] = -logsumexp(neg_e, axis=1)
    np.testing.assert_allclose(clf.free_energy(X), F, rtol=1e-10)
    np.testing.assert_allclose(clf.predict_proba(X), _softmax(-F), rtol=1e-9)


def _sample_label(P, seed):
    """The softmax group's sample: inverse CDF with one uniform per row."""
    u = ref.uniforms(seed, (len(P), 1))
    return np.eye(P.shape[1])[np.minimum((np.cumsum(P, axis=1) <= u).sum(axis=1),
                                         P.shape[1] - 1)]


def test_one_updown_step_follows_the_papers_rules():
    clf, X, y = _fit_tiny((4, 3, 5), seed=2, scale=0.7)
    clf.set_params(k_updown=2)
    Y = np.eye(3)[y]
    lr, n = 0.1, len(X)
    before = {name: a.copy() for name, a in clf._parameters().items()}
    R = [before[f"recognition_{i}"] for i in range(2)]
    r = [before[f"recognition_bias_{i}"] for i in range(2)]
    G = [before[f"generative_{i}"] for i in range(2)]
    g = [before[f"generative_bias_{i}"] for i in range(2)]
    W, U = before["top_components_"], before["top_class_components_"]
    b, c = before["top_intercept_visible_"], before["top_intercept_hidden_"]
    d = before["top_intercept_class_"]
    loss = clf._updown_step(X.copy(), Y, lr, SeedStream(np.random.default_rng(7)))
    seeds = SeedStream(np.random.default_rng(7))
    # wake: sampled states up
    wake = [X]
    for i in range(2):
        wake.append(ref.bernoulli_sample(wake[i] @ R[i], r[i], seeds())[1])
    # CD-2 in the top RBM from the wake features and the label
    pen = wake[2]
    H0, t = ref.bernoulli_sample(pen @ W.T + Y @ U.T, c, seeds())
    for _ in range(2):
        _, pen_n = ref.bernoulli_sample(t @ W, b, seeds())
        Y_n = _sample_label(_softmax(t @ U + d), seeds())
        Hn, t = ref.bernoulli_sample(pen_n @ W.T + Y_n @ U.T, c, seeds())
    # sleep: sampled states down, probabilities at the pixels
    sleep1 = ref.bernoulli_sample(pen_n @ G[1], g[1], seeds())[1]
    sleep = [expit(sleep1 @ G[0] + g[0]), sleep1, pen_n]
    expected = {
        "top_components_": W + lr * (H0.T @ pen - Hn.T @ pen_n) / n,
        "top_class_components_": U + lr * (H0.T @ Y - Hn.T @ Y_n) / n,
        "top_intercept_visible_": b + lr * (pen - pen_n).mean(0),
        "top_intercept_hidden_": c + lr * (H0 - Hn).mean(0),
        "top_intercept_class_": d + lr * (Y - Y_n).mean(0),
    }
    for i in range(2):
        # generative weights learn from the wake states, recognition ones from sleep
        E = wake[i] - expit(wake[i + 1] @ G[i] + g[i])
        expected[f"generative_{i}"] = G[i] + lr * wake[i + 1].T @ E / n
        expected[f"generative_bias_{i}"] = g[i] + lr * E.mean(0)
        E = sleep[i + 1] - expit(sleep[i] @ R[i] + r[i])
        expected[f"recognition_{i}"] = R[i] + lr * sleep[i].T @ E / n
        expected[f"recognition_bias_{i}"] = r[i] + lr * E.mean(0)
    after = clf._parameters()
    assert set(after) == set(expected)
    for name, value in expected.items():
        np.testing.assert_allclose(after[name], value, rtol=1e-10, atol=1e-12, err_msg=name)
    E = X - expit(wake[1] @ G[0] + g[0])
    assert loss == pytest.approx(np.sum(E ** 2), rel=1e-10)


def test_class_conditional_samples_look_like_their_label(digits, greedy):
    X, y, _, _ = digits
    judge = LogisticRegression(max_iter=2000).fit(X, y)
    labels = np.repeat(greedy.classes_, 20)
    S = greedy.sample(labels, n_gibbs=200, random_state=0)
    assert S.shape == (200, 64) and S.min() >= 0 and S.max() <= 1
    accuracy = np.mean(judge.predict(S) == labels)
    assert accuracy > 0.6, accuracy  # chance is 0.1; measured 0.92


def test_sample_is_seeded_and_draws_binary_states(greedy):
    a = greedy.sample([0, 5, 5], n_gibbs=20, random_state=3)
    np.testing.assert_array_equal(a, greedy.sample([0, 5, 5], n_gibbs=20, random_state=3))
    assert not np.array_equal(a, greedy.sample([0, 5, 5], n_gibbs=20, random_state=4))
    S = greedy.sample([1, 2], n_gibbs=5, downward="sample", random_state=0)
    assert set(np.unique(S)) <= {0.0, 1.0}


def test_updown_unties_the_weights_and_leaves_the_greedy_stack(digits, greedy):
    X, y, _, _ = digits
    (R, r), = greedy.recognition_weights_
    (G, g), = greedy.generative_weights_
    (W_dbn, c_dbn), = greedy.dbn_.layer_weights_
    # greedy: tied, but separate arrays
    np.testing.assert_array_equal(R, G.T)
    np.testing.assert_array_equal(R, W_dbn)
    assert not np.shares_memory(R, G) and not np.shares_memory(G, greedy.dbn_.rbms_[0].components_)
    top_before = greedy.top_rbm_.components_.copy()
    clf = copy.deepcopy(greedy).set_params(warm_start=True, n_iter_updown=3)
    clf.fit(X, y)
    (R2, r2), = clf.recognition_weights_
    (G2, g2), = clf.generative_weights_
    assert clf.n_iter_updown_ == 3 and len(clf.history_["reconstruction_error"]) == 3
    assert np.abs(R2 - R).max() > 1e-3 and np.abs(G2 - G).max() > 1e-3
    assert np.abs(R2 - G2.T).max() > 1e-3  # untied
    assert np.abs(r2 - r).max() > 0 and np.abs(g2 - g).max() > 0
    assert np.abs(clf.top_rbm_.components_ - top_before).max() > 1e-3
    np.testing.assert_array_equal(clf.dbn_.layer_weights_[0][0], W_dbn)  # greedy stack kept


def test_updown_does_not_worsen_the_training_error(digits, greedy):
    X, y, _, _ = digits
    greedy_error = 1 - greedy.score(X, y)
    clf = copy.deepcopy(greedy).set_params(warm_start=True, n_iter_updown=10,
                                           learning_rate_updown=0.03)
    clf.fit(X, y)
    error = 1 - clf.score(X, y)
    # measured: 8.9% greedy, 4.0% after ten epochs
    assert error <= greedy_error + 0.01, (greedy_error, error)
    errors = clf.history_["reconstruction_error"]
    assert errors[-1] < errors[0]


def test_a_single_layer_is_the_top_rbm_on_the_inputs(digits):
    X, y, _, _ = digits
    clf = GenerativeDBNClassifier(32, n_iter=5, n_iter_updown=2, random_state=0).fit(X, y)
    assert clf.dbn_ is None and clf.recognition_weights_ == []
    np.testing.assert_allclose(clf.predict_proba(X[:20]), clf.top_rbm_.predict_proba(X[:20]))
    assert clf.sample([4], n_gibbs=3, random_state=0).shape == (1, 64)
    # up-down's loss: the top RBM's prediction of the pixels from its hidden means
    top = clf.top_rbm_
    W, b = top.components_.copy(), top.intercept_visible_.copy()
    Y = np.eye(10)[y[:30]]
    H0 = expit(X[:30] @ W.T + Y @ top.class_components_.T + top.intercept_hidden_)
    expected = np.sum((X[:30] - expit(H0 @ W + b)) ** 2)
    loss = clf._updown_step(X[:30].copy(), Y, 0.01, SeedStream(np.random.default_rng(0)))
    assert loss == pytest.approx(expected, rel=1e-10)


def test_float32_is_preserved(digits):
    X, y, _, _ = digits
    clf = GenerativeDBNClassifier((16, 32), n_iter=2, n_iter_updown=1,
                                  random_state=0).fit(X.astype(np.float32), y)
    assert all(a.dtype == np.float32 for a in clf._parameters().values())
    assert clf.sample([1], n_gibbs=2, random_state=0).dtype == np.float32
    assert clf.predict_proba(X[:3]).shape == (3, 10)


@pytest.mark.parametrize("params, match", [
    ({"n_iter_updown": -1}, "n_iter_updown"),
    ({"learning_rate_updown": 0.0}, "learning_rate_updown"),
    ({"k_updown": 0}, "k_updown"),
    ({"hidden_layer_sizes": ()}, "hidden_layer_sizes"),
    ({"hidden_layer_sizes": (8, 0)}, "hidden_layer_sizes"),
    ({"learning_rate": [0.1, 0.1, 0.1]}, "learning_rate"),
    ({"batch_size": 0}, "batch_size"),
    ({"momentum": 1.5}, "momentum"),
    ({"init": "nope"}, "init"),
])
def test_bad_parameters_are_named(digits, params, match):
    X, y, _, _ = digits
    clf = GenerativeDBNClassifier(**{"hidden_layer_sizes": (8, 8), "n_iter": 1, **params})
    with pytest.raises(ValueError, match=match):
        clf.fit(X[:50], y[:50])


def test_bad_sample_arguments_are_named(greedy):
    with pytest.raises(ValueError, match="n_gibbs"):
        greedy.sample([1], n_gibbs=-1)
    with pytest.raises(ValueError, match="downward"):
        greedy.sample([1], downward="up")
    with pytest.raises(ValueError, match="not in classes_"):
        greedy.sample([11])
    with pytest.raises(ValueError, match="labels"):
        greedy.sample([])


def test_warm_start_checks_the_data(digits, greedy):
    X, y, _, _ = digits
    clf = copy.deepcopy(greedy).set_params(warm_start=True, n_iter_updown=1)
    with pytest.raises(ValueError, match="features"):
        clf.fit(X[:, :10], y)
    with pytest.raises(ValueError, match="not in classes_"):
        clf.fit(X[:5], np.array([0, 1, 2, 3, 12]))


def test_save_and_load_round_trip(tmp_path, digits):
    X, y, _, _ = digits
    clf = GenerativeDBNClassifier((16, 32), n_iter=2, n_iter_updown=2,
                                  random_state=0).fit(X[:300], y[:300])
    save(clf, tmp_path / "model")
    back = load(tmp_path / "model")
    np.testing.assert_array_equal(back.predict_proba(X[:50]), clf.predict_proba(X[:50]))
    np.testing.assert_array_equal(back.sample([2, 7], n_gibbs=5, random_state=1),
                                  clf.sample([2, 7], n_gibbs=5, random_state=1))
