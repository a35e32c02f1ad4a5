"""The L-BFGS solver and per-sample weights of the MLPs."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from deepbelief import DBNClassifier, MLPClassifier, MLPRegressor
from deepbelief._lbfgs import row_losses
from deepbelief.nn.losses import BinaryCrossEntropy, CrossEntropy, SquaredError


def _data(n=60, d=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = X @ rng.normal(size=d) + 0.3 + 0.1 * rng.normal(size=n)
    return X, y


def test_lbfgs_linear_network_reaches_least_squares():
    # identity units, no penalty: the optimum predicts as ordinary least squares
    X, y = _data()
    reg = MLPRegressor((1,), activation="identity", solver="lbfgs", alpha=0.0,
                       tol=1e-10, max_iter=500, dtype="float64", random_state=0).fit(X, y)
    A = np.column_stack([X, np.ones(len(X))])
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    np.testing.assert_allclose(reg.predict(X), A @ coef, rtol=0, atol=1e-4)
    assert reg.n_iter_ == len(reg.loss_curve_) > 0
    assert reg.coefs_[0].dtype == np.float64


def test_lbfgs_integer_weights_equal_repeated_rows():
    X, y = _data(n=40, seed=1)
    w = np.random.default_rng(2).integers(1, 4, size=len(X))
    params = dict(hidden_layer_sizes=(5,), activation="tanh", solver="lbfgs",
                  max_iter=50, dtype="float64", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = MLPRegressor(**params).fit(X, y, sample_weight=w)
        b = MLPRegressor(**params).fit(np.repeat(X, w, axis=0), np.repeat(y, w))
    np.testing.assert_allclose(a.predict(X), b.predict(X), rtol=1e-6, atol=1e-8)


def test_sgd_unit_weights_match_no_weights():
    X, y = _data(n=50, seed=3)
    params = dict(hidden_layer_sizes=(6,), solver="sgd", max_iter=5, batch_size=10,
                  dtype="float64", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = MLPRegressor(**params).fit(X, y, sample_weight=np.ones(len(X)))
        b = MLPRegressor(**params).fit(X, y)
        c = MLPRegressor(**params).fit(X, y, sample_weight=np.r_[np.ones(25), np.zeros(25)])
    np.testing.assert_allclose(a.coefs_[0], b.coefs_[0], rtol=1e-10)
    assert not np.allclose(c.coefs_[0], b.coefs_[0])


@pytest.mark.parametrize("loss", [SquaredError(), CrossEntropy(), BinaryCrossEntropy()])
def test_row_losses_sum_to_kernel_loss(loss):
    rng = np.random.default_rng(4)
    z = rng.normal(size=(7, 3))
    y = np.eye(3)[rng.integers(0, 3, 7)]
    assert np.isclose(row_losses(loss, z, y).sum(), loss.loss(y, z) * len(z), rtol=1e-6)


@pytest.mark.parametrize("extra, word", [({"dropout": 0.2}, "dropout"),
                                         ({"input_dropout": 0.1}, "dropout"),
                                         ({"max_norm": 2.0}, "max_norm"),
                                         ({"augment": lambda X, random_state: X}, "augment")])
def test_lbfgs_names_the_options_it_cannot_honour(extra, word):
    X, y = _data(n=20)
    with pytest.raises(ValueError, match=f"lbfgs.*{word}"):
        MLPRegressor((3,), solver="lbfgs", **extra).fit(X, y)


def test_lbfgs_has_no_partial_fit_and_warns_at_max_iter():
    X, y = _data(n=30)
    reg = MLPRegressor((8,), solver="lbfgs", max_iter=2, random_state=0)
    assert not hasattr(reg, "partial_fit")
    with pytest.raises(AttributeError, match="partial_fit"):
        reg.partial_fit(X, y)
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge"):
        reg.fit(X, y)
    assert reg.n_iter_ == 2


def test_lbfgs_classifier_and_dbn():
    rng = np.random.default_rng(5)
    X = rng.uniform(size=(80, 6))
    y = (X[:, 0] + X[:, 1] > 1).astype(int)
    clf = MLPClassifier((8,), solver="lbfgs", max_iter=200, random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.95
    dbn = DBNClassifier((8,), solver="lbfgs", max_iter=100, random_state=0)
    dbn.fit(X, y)
    assert dbn.score(X, y) > 0.9


def test_sample_weight_errors():
    X, y = _data(n=10)
    with pytest.raises(ValueError, match="sample_weight"):
        MLPRegressor((3,), max_iter=1).fit(X, y, sample_weight=-np.ones(10))
    with pytest.raises(ValueError):
        MLPRegressor((3,), max_iter=1).fit(X, y, sample_weight=np.ones(3))


def test_dtype_none_follows_input():
    X, y = _data(n=20)
    for dtype in (np.float32, np.float64):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            reg = MLPRegressor((3,), max_iter=2, dtype=None).fit(X.astype(dtype), y)
        assert reg.coefs_[0].dtype == dtype and reg.predict(X).dtype == dtype


@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_lbfgs_passes_sample_weight_equivalence_check(Estimator):
    from sklearn.utils import estimator_checks
    check = getattr(estimator_checks, "check_sample_weight_equivalence_on_dense_data",
                    None)
    if check is None:
        pytest.skip("this scikit-learn has no check_sample_weight_equivalence_on_dense_data")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(Estimator.__name__, Estimator((8,), solver="lbfgs", dtype="float64",
                                            random_state=0))
