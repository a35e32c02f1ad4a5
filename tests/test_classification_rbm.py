"""ClassificationRBM (Larochelle & Bengio 2008): the class posterior against
enumeration of every hidden state, the discriminative gradient against
finite differences of the exact conditional log-likelihood, the generative
gradient against a CD-1 step written out in numpy, and the training loop's
services (validation, early stopping, checkpoints, divergence)."""

import warnings

import numpy as np
import pytest
import reference as ref
import scipy.sparse as sp
from scipy.special import expit, logsumexp
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import parametrize_with_checks

from deepbelief import ClassificationRBM
from deepbelief._kernels.random import SeedStream
from deepbelief.classification_rbm import discriminative_gradient, generative_gradient
from deepbelief.training import DivergenceError, make_generator, split_rows


@parametrize_with_checks([ClassificationRBM(n_components=8, n_iter=5, random_state=0)])
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:600] / 16.0, y[:600]


def _tiny(n_features=4, n_hidden=3, n_classes=3, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    X = (rng.random((12, n_features)) < 0.5).astype(np.float64)
    y = np.arange(12) % n_classes
    clf = ClassificationRBM(n_hidden, n_iter=1, random_state=seed).fit(X, y)
    clf.components_[...] = rng.normal(0, scale, (n_hidden, n_features))
    clf.class_components_[...] = rng.normal(0, scale, (n_hidden, n_classes))
    clf.intercept_visible_[...] = rng.normal(0, scale, n_features)
    clf.intercept_hidden_[...] = rng.normal(0, scale, n_hidden)
    clf.intercept_class_[...] = rng.normal(0, scale, n_classes)
    return clf, X, y


def _brute_force_log_joint(clf, X):
    """log sum_h exp(-E(x, y, h)) for every row and class, enumerating h."""
    W, U = clf.components_, clf.class_components_
    b, c, d = clf.intercept_visible_, clf.intercept_hidden_, clf.intercept_class_
    H = ref.binary_states(W.shape[0])  # (2**n_hidden, n_hidden)
    out = np.empty((X.shape[0], U.shape[1]))
    for y in range(U.shape[1]):
        # -E = h.W x + h.U e_y + b.x + c.h + d_y
        neg_e = (X @ W.T @ H.T + (H @ U[:, y])[None, :] + (X @ b)[:, None]
                 + (H @ c)[None, :] + d[y])
        out[:, y] = logsumexp(neg_e, axis=1)
    return out


def _exact_conditional_loglik(clf, X, y):
    log_joint = _brute_force_log_joint(clf, X)
    log_p = log_joint - logsumexp(log_joint, axis=1, keepdims=True)
    return np.mean(log_p[np.arange(len(y)), y])


# ------------------------------------------------------------------ exactness


def test_predict_proba_matches_enumeration_of_hidden_states():
    clf, X, _ = _tiny(scale=2.0)
    log_joint = _brute_force_log_joint(clf, X)
    expected = np.exp(log_joint - logsumexp(log_joint, axis=1, keepdims=True))
    np.testing.assert_allclose(clf.predict_proba(X), expected, rtol=1e-12)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[expected.argmax(1)])
    # F(x, y) = -log sum_h exp(-E(x, y, h))
    y = np.array([0, 1, 2] * 4)
    np.testing.assert_allclose(clf.free_energy(X, y), -log_joint[np.arange(12), y],
                               rtol=1e-12)


def test_predict_proba_is_stable_for_huge_inputs():
    clf, X, _ = _tiny()
    clf.components_[...] *= 1e4
    P = clf.predict_proba(X)
    assert np.all(np.isfinite(P))
    np.testing.assert_allclose(P.sum(axis=1), 1.0)


def test_discriminative_gradient_matches_finite_differences():
    clf, X, y = _tiny(seed=3)
    Y = np.eye(3)[y]
    names = ("components_", "class_components_", "intercept_hidden_", "intercept_class_")
    loglik, grads = discriminative_gradient(
        X, Y, clf.components_, clf.class_components_, clf.intercept_hidden_,
        clf.intercept_class_)
    assert loglik == pytest.approx(_exact_conditional_loglik(clf, X, y), rel=1e-12)
    eps = 1e-6
    for name, grad in zip(names, grads):
        param = getattr(clf, name)
        numeric = np.empty_like(param)
        for i in np.ndindex(param.shape):
            keep = param[i]
            param[i] = keep + eps
            up = _exact_conditional_loglik(clf, X, y)
            param[i] = keep - eps
            down = _exact_conditional_loglik(clf, X, y)
            param[i] = keep
            numeric[i] = (up - down) / (2 * eps)
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8, err_msg=name)


def test_generative_gradient_matches_a_cd1_step_in_numpy():
    clf, X, y = _tiny(seed=4, scale=0.5)
    Y = np.eye(3)[y]
    W, U = clf.components_, clf.class_components_
    b, c, d = clf.intercept_visible_, clf.intercept_hidden_, clf.intercept_class_
    stream = SeedStream(np.random.default_rng(2))
    s_h, s_x, s_y = (stream() for _ in range(3))
    gW, gU, gb, gc, gd = generative_gradient(X, Y, W, U, b, c, d, 1,
                                             SeedStream(np.random.default_rng(2)))
    H0 = expit(X @ W.T + Y @ U.T + c)
    _, h0 = ref.bernoulli_sample(X @ W.T + Y @ U.T, c, s_h)
    _, X1 = ref.bernoulli_sample(h0 @ W, b, s_x)
    # the label group: inverse CDF with one uniform per row
    P = np.exp(h0 @ U + d - logsumexp(h0 @ U + d, axis=1, keepdims=True))
    u = ref.uniforms(s_y, (len(X), 1))
    Y1 = np.eye(3)[np.minimum((np.cumsum(P, axis=1) <= u).sum(axis=1), 2)]
    H1 = expit(X1 @ W.T + Y1 @ U.T + c)
    n = len(X)
    np.testing.assert_allclose(gW, (H0.T @ X - H1.T @ X1) / n, atol=1e-12)
    np.testing.assert_allclose(gU, (H0.T @ Y - H1.T @ Y1) / n, atol=1e-12)
    np.testing.assert_allclose(gb, X.mean(0) - X1.mean(0), atol=1e-12)
    np.testing.assert_allclose(gc, H0.mean(0) - H1.mean(0), atol=1e-12)
    np.testing.assert_allclose(gd, Y.mean(0) - Y1.mean(0), atol=1e-12)


@pytest.mark.parametrize("objective", ["discriminative", "hybrid", "generative"])
def test_one_full_batch_epoch_takes_the_objectives_gradient(objective):
    # one epoch, one batch holding every row: the parameters move by
    # learning_rate times the gradient of the objective
    clf, X, y = _tiny(seed=5, scale=0.5)
    clf.set_params(objective=objective, alpha=0.3, batch_size=12, learning_rate=0.1)
    before = {k: v.copy() for k, v in clf._parameters().items()}
    rng_copy = np.random.default_rng()
    rng_copy.bit_generator.state = clf.random_state_.bit_generator.state
    order = rng_copy.permutation(12)  # the loop's batch order comes first
    Y = np.eye(3)[y]
    _, disc = discriminative_gradient(X, Y, before["components_"],
                                      before["class_components_"],
                                      before["intercept_hidden_"], before["intercept_class_"])
    # the samples of row i of a batch use position i of each seed
    gen = generative_gradient(X[order], Y[order], before["components_"], before["class_components_"],
                              before["intercept_visible_"], before["intercept_hidden_"],
                              before["intercept_class_"], 1, SeedStream(rng_copy))
    zero_b = np.zeros_like(before["intercept_visible_"])
    if objective == "discriminative":
        expected = (disc[0], disc[1], zero_b, disc[2], disc[3])
    elif objective == "generative":
        expected = gen
    else:
        expected = (disc[0] + 0.3 * gen[0], disc[1] + 0.3 * gen[1], 0.3 * gen[2],
                    disc[2] + 0.3 * gen[3], disc[3] + 0.3 * gen[4])
    clf.partial_fit(X, y)
    names = ("components_", "class_components_", "intercept_visible_",
             "intercept_hidden_", "intercept_class_")
    for name, grad in zip(names, expected):
        np.testing.assert_allclose(getattr(clf, name) - before[name], 0.1 * grad,
                                   atol=1e-10, err_msg=name)


# ------------------------------------------------------------------ learning


@pytest.mark.parametrize("objective", ["discriminative", "hybrid", "generative"])
def test_learns_digits(objective):
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    # a multinomial logistic regression scores 0.93 on this split
    clf = ClassificationRBM(64, objective=objective, learning_rate=0.3, random_state=0)
    clf.fit(X[:1000], y[:1000])
    threshold = 0.85 if objective == "generative" else 0.89
    assert clf.score(X[1000:], y[1000:]) > threshold
    losses = clf.history_["loss"]
    assert len(losses) == clf.n_iter_ == 10
    assert losses[-1] < losses[0]


def test_float32_kept_and_same_seed_same_model(digits):
    X, y = digits
    X32 = X[:200].astype(np.float32)
    a = ClassificationRBM(16, n_iter=2, objective="hybrid", random_state=1).fit(X32, y[:200])
    b = ClassificationRBM(16, n_iter=2, objective="hybrid", random_state=1).fit(X32, y[:200])
    assert a.components_.dtype == np.float32
    for name, value in a._parameters().items():
        np.testing.assert_array_equal(value, getattr(b, name))


def test_sparse_input_gives_the_same_model(digits):
    X, y = digits
    a = ClassificationRBM(16, n_iter=2, objective="hybrid", random_state=0).fit(X, y)
    b = ClassificationRBM(16, n_iter=2, objective="hybrid",
                          random_state=0).fit(sp.csr_matrix(X), y)
    np.testing.assert_allclose(a.components_, b.components_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(sp.csr_matrix(X)),
                               rtol=1e-10)


def test_string_labels_and_partial_fit_with_classes(digits):
    X, y = digits
    labels = np.array(["even", "odd"])[y % 2]
    clf = ClassificationRBM(16, random_state=0)
    with pytest.raises(ValueError, match="classes must be given"):
        clf.partial_fit(X[:50], labels[:50])
    clf = ClassificationRBM(16, random_state=0)
    assert clf.partial_fit(X[:50], labels[:50], classes=["odd", "even"]) is clf
    assert list(clf.classes_) == ["even", "odd"]
    for _ in range(5):
        clf.partial_fit(X, labels)
    assert clf.n_iter_ == 6 and len(clf.history_["loss"]) == 6
    assert clf.score(X, labels) > 0.8
    with pytest.raises(ValueError, match="differ from the classes_"):
        clf.partial_fit(X, labels, classes=["a", "b"])
    with pytest.raises(ValueError, match="not in classes_"):
        clf.partial_fit(X[:3], np.array(["even", "odd", "both"]))


def test_validation_and_early_stopping(digits):
    X, y = digits
    clf = ClassificationRBM(32, n_iter=60, learning_rate=0.1, early_stopping=True,
                            n_iter_no_change=3, random_state=0).fit(X, y)
    assert clf.n_iter_ < 60
    scores = clf.history_["validation_score"]
    assert len(scores) == clf.n_iter_
    assert clf.best_epoch_ == int(np.argmax(scores)) + 1
    # the kept parameters are the best epoch's: the held-out rows (the same
    # split the fit drew) score the best recorded accuracy
    _, val = split_rows(len(X), None, True, make_generator(0))
    assert clf.score(X[val], y[val]) == pytest.approx(max(scores))


def test_checkpoint_resume_equals_uninterrupted_run(digits, tmp_path):
    X, y = digits[0][:200], digits[1][:200]
    params = {"n_components": 16, "objective": "hybrid", "random_state": 0, "momentum": 0.5}
    full = ClassificationRBM(n_iter=4, **params).fit(X, y)
    ClassificationRBM(n_iter=2, checkpoint_dir=str(tmp_path), **params).fit(X, y)
    resumed = ClassificationRBM(n_iter=4, checkpoint_dir=str(tmp_path), **params).fit(X, y)
    for name, value in full._parameters().items():
        np.testing.assert_array_equal(value, getattr(resumed, name), err_msg=name)
    assert resumed.history_["loss"] == full.history_["loss"]


def test_divergence_is_reported_and_last_finite_parameters_kept(digits):
    X, y = digits
    clf = ClassificationRBM(16, learning_rate=1e300, n_iter=3, random_state=0)
    with pytest.raises(DivergenceError, match="learning_rate"), np.errstate(all="ignore"):
        clf.fit(X * 1e10, y)
    for value in clf._parameters().values():
        assert np.all(np.isfinite(value))


@pytest.mark.parametrize("param, value, error", [
    ("objective", "joint", ValueError), ("alpha", -1.0, ValueError),
    ("n_components", 0, ValueError), ("n_components", 2.5, TypeError),
    ("learning_rate", 0.0, ValueError), ("batch_size", 0, ValueError),
    ("momentum", 1.0, ValueError), ("k", 0, ValueError),
    ("validation_fraction", 1.0, ValueError), ("early_stopping", "yes", TypeError),
])
def test_bad_parameters_name_themselves(digits, param, value, error):
    X, y = digits
    clf = ClassificationRBM(**{"n_components": 8, "n_iter": 1, param: value})
    with pytest.raises(error, match=param):
        clf.fit(X[:20], y[:20])


def test_clone_and_repr():
    clf = ClassificationRBM(12, objective="hybrid", alpha=0.1)
    assert clone(clf).get_params() == clf.get_params()
    assert "hybrid" in repr(clf)


def test_save_load_round_trip_and_continued_training(digits, tmp_path):
    from deepbelief.persistence import load, save

    X, y = digits
    clf = ClassificationRBM(16, n_iter=2, objective="hybrid", momentum=0.5,
                            validation_fraction=0.2, random_state=0).fit(X, y)
    save(clf, tmp_path / "m.npz")
    loaded = load(tmp_path / "m.npz")
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert loaded.history_ == clf.history_
    clf.partial_fit(X, y)
    loaded.partial_fit(X, y)
    for name, value in clf._parameters().items():
        np.testing.assert_array_equal(getattr(loaded, name), value, err_msg=name)


def test_momentum_and_weight_decay_follow_the_velocity_update():
    # v <- m v + lr (g - wd W) for the weights (g - wd U for U, g alone for
    # the biases); params <- params + v. Two full-batch epochs.
    clf, X, y = _tiny(seed=6, scale=0.5)
    clf.set_params(batch_size=12, learning_rate=0.1, momentum=0.5, weight_decay=0.01)
    Y = np.eye(3)[y]
    names = ("components_", "class_components_", "intercept_hidden_", "intercept_class_")
    params = {name: getattr(clf, name).copy() for name in names}
    velocity = {name: np.zeros_like(value) for name, value in params.items()}
    for _ in range(2):
        _, grads = discriminative_gradient(X, Y, *(params[name] for name in names))
        for name, grad in zip(names, grads):
            if name in ("components_", "class_components_"):
                grad = grad - 0.01 * params[name]
            velocity[name] = 0.5 * velocity[name] + 0.1 * grad
            params[name] = params[name] + velocity[name]
        clf.partial_fit(X, y)
    for name in names:
        np.testing.assert_allclose(getattr(clf, name), params[name], atol=1e-12,
                                   err_msg=name)
