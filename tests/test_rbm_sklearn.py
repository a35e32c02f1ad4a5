"""BernoulliRBM as a drop-in replacement for scikit-learn's, and the
scikit-learn estimator checks for both RBMs."""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import RandomizedSearchCV
from sklearn.neural_network import BernoulliRBM as SkRBM
from sklearn.pipeline import Pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from deepbelief import BernoulliRBM, GaussianBernoulliRBM


@parametrize_with_checks(
    [BernoulliRBM(n_components=4, n_iter=2, batch_size=10, random_state=0),
     GaussianBernoulliRBM(n_components=4, n_iter=2, batch_size=10, random_state=0)]
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def digits(unit_digits):
    return unit_digits[0].copy()


def test_same_constructor_parameters_and_defaults():
    ours = BernoulliRBM().get_params()
    theirs = SkRBM().get_params()
    for name, value in theirs.items():
        assert ours[name] == value, name


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("sparse", [False, True])
def test_every_public_method_gives_same_shapes_and_dtypes(digits, dtype, sparse):
    X = digits[:200].astype(dtype)
    X_in = sp.csr_matrix(X) if sparse else X
    ours = BernoulliRBM(8, n_iter=2, random_state=0).fit(X_in)
    theirs = SkRBM(8, n_iter=2, random_state=0).fit(X_in)
    for attr in ("components_", "intercept_hidden_", "intercept_visible_", "h_samples_"):
        a, b = getattr(ours, attr), getattr(theirs, attr)
        assert a.shape == b.shape and a.dtype == b.dtype, attr
    assert ours.n_features_in_ == theirs.n_features_in_
    for method in ("transform", "score_samples", "fit_transform"):
        if method == "fit_transform":
            a = BernoulliRBM(8, n_iter=1, random_state=0).fit_transform(X_in)
            b = SkRBM(8, n_iter=1, random_state=0).fit_transform(X_in)
        else:
            a, b = getattr(ours, method)(X_in), getattr(theirs, method)(X_in)
        assert a.shape == b.shape, method
        # scikit-learn's score_samples upcasts sparse float32 input to
        # float64 (dense float32 stays float32); ours keeps the input dtype.
        expected = dtype if (sparse and method == "score_samples") else b.dtype
        assert a.dtype == expected, method
    a, b = ours.gibbs(X), theirs.gibbs(X)
    assert a.shape == b.shape and a.dtype == b.dtype
    assert ours.partial_fit(X_in) is ours
    assert list(ours.get_feature_names_out()) == list(theirs.get_feature_names_out())


def _exact_pseudo_likelihood(model, X):
    W, b, c = model.components_, model.intercept_visible_, model.intercept_hidden_
    A = X @ W.T + c
    F = -X @ b - np.logaddexp(0, A).sum(1)
    total = np.zeros(len(X))
    for i in range(X.shape[1]):
        d = 1 - 2 * X[:, i]
        Fi = -(X @ b + d * b[i]) - np.logaddexp(0, A + d[:, None] * W[:, i]).sum(1)
        total += -np.logaddexp(0, -(Fi - F))
    return total.mean()


def _reconstruction_error(model, X):
    H = expit(X @ model.components_.T + model.intercept_hidden_)
    R = expit(H @ model.components_ + model.intercept_visible_)
    return ((X - R) ** 2).sum(1).mean()


def test_quality_at_least_as_good_as_sklearn(digits):
    # Same data, same settings, same number of epochs; averaged over seeds,
    # measured exactly (pseudo-likelihood over all single-bit flips).
    ours, theirs = [], []
    for seed in range(3):
        a = BernoulliRBM(64, n_iter=10, random_state=seed).fit(digits)
        b = SkRBM(64, n_iter=10, random_state=seed).fit(digits)
        ours.append((_exact_pseudo_likelihood(a, digits), _reconstruction_error(a, digits)))
        theirs.append((_exact_pseudo_likelihood(b, digits), _reconstruction_error(b, digits)))
    ours, theirs = np.mean(ours, 0), np.mean(theirs, 0)
    assert ours[0] >= theirs[0], (ours, theirs)
    assert ours[1] <= theirs[1], (ours, theirs)


# slow; searches over a pipeline are also run by test_mlp and examples/02
@pytest.mark.slow
def test_pipeline_and_random_search(digits):
    y = load_digits().target
    pipe = Pipeline([("rbm", BernoulliRBM(n_iter=10, random_state=0)),
                     ("clf", LogisticRegression(C=100, max_iter=300))])
    search = RandomizedSearchCV(
        pipe, {"rbm__n_components": [32, 64], "rbm__learning_rate": [0.05, 0.1]},
        n_iter=2, cv=2, random_state=0)
    search.fit(digits, y)
    assert search.best_score_ > 0.8
