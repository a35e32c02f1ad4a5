import os
import warnings

import numpy as np
import pytest
from scipy import stats
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import RandomizedSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from deepbelief.mlp import MLPClassifier, MLPRegressor
from deepbelief.nn.layers import Maxout
from deepbelief.training import DivergenceError

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def digits(unit_digits):
    return unit_digits[0][:600].copy(), unit_digits[1][:600]


@parametrize_with_checks(
    [
        MLPClassifier((8,), max_iter=100, learning_rate_init=0.01, random_state=0),
        MLPRegressor((8,), max_iter=100, learning_rate_init=0.01, random_state=0),
    ]
)
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


def test_learns_digits_float32_and_float64(digits):
    X, y = digits
    for dtype in ("float32", "float64"):
        clf = MLPClassifier((32,), max_iter=40, learning_rate_init=0.01, random_state=0,
                            dtype=dtype).fit(X, y)
        assert clf.coefs_[0].dtype == np.dtype(dtype)
        assert clf.predict_proba(X).dtype == np.dtype(dtype)
        assert clf.score(X, y) > 0.95
        assert len(clf.loss_curve_) == clf.n_iter_
        assert set(clf.history_) >= {"loss", "train_error", "learning_rate", "seconds"}


@pytest.mark.parametrize("solver", ["sgd", "adam", "adagrad", "rmsprop"])
def test_solvers(digits, solver):
    X, y = digits
    lr = 0.01 if solver in ("adam", "rmsprop") else 0.05
    clf = MLPClassifier((32,), solver=solver, learning_rate_init=lr, max_iter=25,
                        random_state=0).fit(X, y)
    assert clf.loss_curve_[-1] < clf.loss_curve_[0] / 3


@pytest.mark.parametrize("batch_size", ["full", 1])
def test_batch_size_full_and_stochastic(digits, batch_size):
    X, y = digits
    X, y = X[:200], y[:200]
    clf = MLPClassifier((16,), solver="sgd", learning_rate_init=0.1 if batch_size == "full"
                        else 0.01, batch_size=batch_size, max_iter=5 if batch_size == 1
                        else 60, random_state=0).fit(X, y)
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]


def test_per_layer_activations_prelu_maxout_dropout(digits):
    X, y = digits
    clf = MLPClassifier((24, 16), activation=["prelu", Maxout(3)], dropout=[0.2, 0.1],
                        input_dropout=0.1, max_norm=3.0, max_iter=20,
                        learning_rate_init=0.01,
                        random_state=0).fit(X, y)
    assert clf.coefs_[1].shape == (24, 48)
    assert clf.activation_params_[0].shape == (24,)
    assert not np.allclose(clf.activation_params_[0], 0.25)  # slopes learned
    assert np.all(np.linalg.norm(clf.coefs_[0], axis=0) <= 3.0 + 1e-5)
    assert clf.score(X, y) > 0.9


def test_pipeline_and_randomized_search(digits):
    X, y = digits
    pipe = make_pipeline(StandardScaler(), MLPClassifier((16,), max_iter=15,
                                                         learning_rate_init=0.01,
                                                         random_state=0))
    assert pipe.fit(X, y).score(X, y) > 0.9
    search = RandomizedSearchCV(
        MLPClassifier((16,), max_iter=20, random_state=0),
        {"learning_rate_init": stats.loguniform(1e-2, 5e-2), "alpha": [1e-4, 1e-2],
         "dropout": [0.0, 0.2]},
        n_iter=3, cv=2, random_state=0,
    ).fit(X, y)
    assert search.best_score_ > 0.7
    rsearch = RandomizedSearchCV(MLPRegressor((8,), max_iter=10, random_state=0),
                                 {"alpha": [1e-4, 1e-3]}, n_iter=2, cv=2,
                                 random_state=0).fit(X[:, :20], X[:, 20])
    assert hasattr(rsearch, "best_params_")


def test_l1_zeroes_irrelevant_inputs_l2_does_not():
    rng = np.random.default_rng(0)
    n = 400
    X = rng.normal(size=(n, 10))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)  # inputs 2..9 are irrelevant

    def fit(**kw):
        clf = MLPClassifier((8,), solver="sgd", learning_rate_init=0.05, momentum=0.0,
                            batch_size=50, max_iter=150, tol=0, random_state=0,
                            dtype="float64", **kw).fit(X, y)
        W = np.abs(clf.coefs_[0])
        # share of irrelevant-input weights at (near) zero, largest relevant one
        return np.mean(W[2:] < 1e-2), W[:2].max(), clf.score(X, y)

    l1_zero, l1_rel, l1_acc = fit(alpha=0.0, l1=0.5)
    l2_zero, l2_rel, l2_acc = fit(alpha=0.5, l1=0.0)
    assert l1_acc > 0.95 and l2_acc > 0.95
    assert l1_rel > 0.5 and l2_rel > 0.5
    assert l1_zero > 0.6
    assert l2_zero < 0.1


def test_checkpoint_resume_equals_uninterrupted(tmp_path, digits):
    X, y = digits
    X, y = X[:300], y[:300]

    class Killer:
        """An augmenter that interrupts training in the middle of epoch 4."""

        def __init__(self, at):
            self.at = at
            self.calls = 0

        def __call__(self, Xb, random_state):
            self.calls += 1
            if self.calls == self.at:
                raise KeyboardInterrupt
            return Xb + random_state.normal(0, 0.01, Xb.shape)

    def noise(Xb, random_state):
        return Xb + random_state.normal(0, 0.01, Xb.shape)

    params = dict(hidden_layer_sizes=(16,), solver="sgd", learning_rate_init=0.05,
                  batch_size=50, max_iter=6, random_state=3, dropout=0.2,
                  early_stopping=True, validation_fraction=0.2, n_iter_no_change=50,
                  learning_rate="reduce_on_plateau")
    full = MLPClassifier(**params, augment=noise).fit(X, y)

    batches = int(np.ceil(240 / 50))
    killer = Killer(at=3 * batches + 2)
    with pytest.raises(KeyboardInterrupt):
        MLPClassifier(**params, augment=killer, checkpoint_dir=tmp_path).fit(X, y)
    saved = sorted(os.listdir(tmp_path))
    assert "epoch_00002.npz" in saved and "best.npz" in saved
    resumed = MLPClassifier(**params, augment=noise, checkpoint_dir=tmp_path).fit(X, y)
    assert resumed.n_iter_ == full.n_iter_ == 6
    for a, b in zip(full.coefs_ + full.intercepts_, resumed.coefs_ + resumed.intercepts_):
        np.testing.assert_array_equal(a, b)
    assert full.loss_curve_ == resumed.loss_curve_
    assert full.validation_scores_ == resumed.validation_scores_

    with pytest.raises(ValueError, match="another fit: hidden_layer_sizes is"):
        MLPClassifier(**{**params, "hidden_layer_sizes": (8,)},
                      checkpoint_dir=tmp_path).fit(X, y)


def test_early_stopping_restores_best_epoch(digits):
    X, y = digits
    clf = MLPClassifier((32,), early_stopping=True, n_iter_no_change=3, max_iter=200,
                        learning_rate_init=0.01, random_state=0).fit(X, y)
    assert clf.n_iter_ < 200
    best = int(np.argmax(clf.validation_scores_))
    assert clf.best_validation_score_ == pytest.approx(clf.validation_scores_[best])
    assert len(clf.history_["val_error"]) == clf.n_iter_
    # the restored weights are those after the best epoch, not the last
    refit = clone(clf).set_params(max_iter=best + 1, n_iter_no_change=1000).fit(X, y)
    for a, b in zip(clf.coefs_, refit.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_divergence_raises_and_keeps_finite_parameters(digits):
    X, y = digits
    clf = MLPClassifier((16,), solver="sgd", learning_rate_init=1e6, momentum=0.9,
                        max_iter=5, random_state=0)
    with pytest.raises(DivergenceError, match="learning rate"):
        clf.fit(X * 100, y)
    assert all(np.all(np.isfinite(W)) for W in clf.coefs_ + clf.intercepts_)


class _StubPretrainer(TransformerMixin, BaseEstimator):
    """Pretends to pretrain: fixed weights it records it was fitted for."""

    def __init__(self, sizes=(7, 5), value=0.01):
        self.sizes = sizes
        self.value = value

    def fit(self, X, y=None):
        n_in = X.shape[1]
        self.layer_weights_ = []
        for n in self.sizes:
            self.layer_weights_.append((np.full((n_in, n), self.value),
                                        np.arange(n, dtype=float)))
            n_in = n
        return self

    def transform(self, X):
        return X


def test_pretrainer_initialises_hidden_layers(digits):
    X, y = digits
    clf = MLPClassifier((7, 5), pretrainer=_StubPretrainer(value=0.02), max_iter=1,
                        learning_rate_init=1e-12, dtype="float64", random_state=0)
    assert "pretrainer__value" in clf.get_params()
    clf.fit(X, y)
    assert clf.pretrainer_ is not clf.pretrainer
    np.testing.assert_allclose(clf.coefs_[0], 0.02, atol=1e-8)
    np.testing.assert_allclose(clf.intercepts_[1], np.arange(5), atol=1e-8)
    bad = MLPClassifier((6,), pretrainer=_StubPretrainer(sizes=(7,)), max_iter=1)
    with pytest.raises(ValueError, match="pretrainer layer 0"):
        bad.fit(X, y)


def test_augment_gets_generator_and_only_in_fit(digits):
    X, y = digits
    seen = []

    def augment(Xb, random_state):
        seen.append((Xb.shape, type(random_state)))
        return Xb[::-1].copy()

    clf = MLPClassifier((8,), batch_size=100, max_iter=2, augment=augment,
                        random_state=0).fit(X, y)
    assert len(seen) == 12
    assert all(t is np.random.Generator for _, t in seen)
    clf.predict(X)
    assert len(seen) == 12
    with pytest.raises(ValueError, match="augment must return"):
        clf.set_params(augment=lambda Xb, random_state: Xb[:3]).fit(X, y)


def test_partial_fit_and_warm_start(digits):
    X, y = digits
    clf = MLPClassifier((16,), random_state=0)
    with pytest.raises(ValueError, match="classes"):
        clf.partial_fit(X, y)
    for _ in range(5):
        clf.partial_fit(X, y, classes=np.unique(y))
    assert clf.n_iter_ == 5
    warm = MLPClassifier((16,), max_iter=3, warm_start=True, random_state=0).fit(X, y)
    w0 = warm.coefs_[0].copy()
    warm.fit(X, y)
    assert warm.n_iter_ == 6 and not np.array_equal(w0, warm.coefs_[0])


def test_regressor_multioutput_and_schedules():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (300, 3))
    Y = np.column_stack([X[:, 0] * X[:, 1], np.sin(2 * X[:, 2])])
    for lr in ("invscaling", "adaptive", "step", "exponential"):
        reg = MLPRegressor((32,), solver="sgd", learning_rate=lr, learning_rate_init=0.1,
                           max_iter=60, random_state=0).fit(X, Y)
        assert reg.predict(X).shape == (300, 2)
        assert reg.history_["learning_rate"][-1] <= reg.history_["learning_rate"][0]
    assert reg.score(X, Y) > 0.5


def test_binary_and_multilabel(digits):
    X, y = digits
    clf = MLPClassifier((16,), max_iter=30, random_state=0).fit(X, y % 2)
    assert clf.coefs_[-1].shape[1] == 1 and clf.predict_proba(X).shape == (600, 2)
    Y = np.column_stack([y % 2, y > 4])
    ml = MLPClassifier((16,), max_iter=30, learning_rate_init=0.01,
                       random_state=0).fit(X, Y)
    assert ml.predict(X).shape == (600, 2) and ml.score(X, Y) > 0.8


def test_bad_input_errors(digits):
    X, y = digits
    clf = MLPClassifier((4,), max_iter=2)
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        clf.fit(Xn, y)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        clf.fit(X, y[:-1])
    with pytest.raises(ValueError, match="at least 2 classes"):
        clf.fit(X, np.zeros(len(X)))
    clf.fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :5])
    with pytest.raises(ValueError, match="learning_rate_init must be > 0"):
        MLPClassifier(learning_rate_init=-1).fit(X, y)
    with pytest.raises(ValueError, match="solver"):
        MLPClassifier(solver="lbfgs").fit(X, y)
    with pytest.raises(ValueError, match="dropout must be in"):
        MLPClassifier(dropout=1.0).fit(X, y)
    with pytest.raises(ValueError, match="dtype"):
        MLPClassifier(dtype="float16").fit(X, y)
    with pytest.raises(ValueError, match="activation"):
        MLPClassifier(activation=["relu", "relu"], hidden_layer_sizes=(3,)).fit(X, y)


def test_verbose_prints_one_line_per_epoch(digits, capsys):
    X, y = digits
    MLPClassifier((8,), max_iter=3, verbose=True, random_state=0).fit(X, y)
    lines = [ln for ln in capsys.readouterr().out.splitlines() if "Iteration" in ln]
    assert len(lines) == 3
    assert lines[0].startswith("[MLPClassifier] Iteration 1, loss = ")


def test_pickle_round_trip(digits):
    import pickle

    X, y = digits
    clf = MLPClassifier((8,), activation="prelu", max_iter=3, random_state=0).fit(X, y)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(clf.predict_proba(X), again.predict_proba(X))


def test_momentum_schedule(digits, tmp_path):
    from deepbelief.nn.schedules import LinearRamp

    X, y = digits
    X, y = X[:200], y[:200]
    params = dict(hidden_layer_sizes=(12,), solver="sgd", learning_rate_init=0.02,
                  batch_size=40, random_state=1, tol=0, n_iter_no_change=100,
                  dtype="float64")

    def weights(clf):
        return clf.coefs_ + clf.intercepts_

    def fit(momentum, max_iter, **kw):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return MLPClassifier(**params, momentum=momentum, max_iter=max_iter,
                                 **kw).fit(X, y)

    # a schedule that is constant trains exactly as the float
    for a, b in zip(weights(fit(0.9, 3)), weights(fit(lambda epoch: 0.9, 3))):
        np.testing.assert_array_equal(a, b)
    # a ramp from 0: its first epoch is plain SGD, later epochs use momentum
    ramp = LinearRamp(0.0, 0.9, 2)
    for a, b in zip(weights(fit(0.0, 1)), weights(fit(ramp, 1))):
        np.testing.assert_array_equal(a, b)
    ramped = fit(ramp, 4)
    assert ramped.history_["momentum"] == pytest.approx([0.0, 0.45, 0.9, 0.9])
    for other in (fit(0.0, 4), fit(0.9, 4)):
        assert not np.allclose(weights(other)[0], weights(ramped)[0])
    # resuming from a checkpoint gives the momentum of the epoch it resumes at
    fit(ramp, 2, checkpoint_dir=tmp_path)
    resumed = fit(ramp, 4, checkpoint_dir=tmp_path)
    for a, b in zip(weights(ramped), weights(resumed)):
        np.testing.assert_array_equal(a, b)
    assert resumed.history_["momentum"] == ramped.history_["momentum"]
    with pytest.raises(ValueError, match="momentum schedule must give a number in "
                                         r"\[0, 1\); got 1.0 at epoch 2"):
        fit(lambda epoch: 0.5 if epoch < 2 else 1.0, 4)
    with pytest.raises(ValueError, match="momentum must be in"):
        fit(1.0, 2)
