import itertools
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import parametrize_with_checks

from deepbelief import DBN, BernoulliRBM, DBNClassifier, DBNRegressor, MLPClassifier
from deepbelief.datasets import load_digits


@pytest.fixture(scope="module")
def digits(unit_digits):
    return unit_digits[0][:400].copy(), unit_digits[1][:400]


def _tiny():
    return [
        DBN((5, 3), n_iter=2, batch_size=10, random_state=0),
        DBNClassifier((6, 4), pretrainer=DBN((6, 4), n_iter=1, batch_size=10, random_state=0),
                      max_iter=30, batch_size=20, learning_rate_init=0.1, random_state=0),
        DBNRegressor((5,), pretrainer=DBN((5,), n_iter=1, batch_size=10, random_state=0),
                     max_iter=30, batch_size=20, learning_rate_init=0.01, random_state=0),
    ]


# fit of the DBN estimators takes sample_weight; integer weights equal repeated
# rows only for the full-batch solver='lbfgs' (see test_mlp_lbfgs.py).
_STOCHASTIC_SAMPLE_WEIGHT = {
    "check_sample_weight_equivalence_on_dense_data":
        "mini-batch solvers: integer weights and repeated rows give other batches",
    "check_sample_weight_equivalence_on_sparse_data":
        "mini-batch solvers: integer weights and repeated rows give other batches",
}


@parametrize_with_checks(_tiny(), expected_failed_checks=lambda est: (
    _STOCHASTIC_SAMPLE_WEIGHT if hasattr(est, "solver") else {}))
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)
        check(estimator)


def test_greedy_is_layer_wise(digits):
    X, _ = digits
    dbn = DBN((16, 8, 4), n_iter=2, learning_rate=[0.1, 0.05, 0.05], k=[1, 2, 1],
              random_state=3).fit(X)
    assert [r.n_components for r in dbn.rbms_] == [16, 8, 4]
    assert [r.learning_rate for r in dbn.rbms_] == [0.1, 0.05, 0.05]
    assert [r.k for r in dbn.rbms_] == [1, 2, 1]
    # Refit every RBM by hand, each on the transform of the layers below.
    H = X
    for fitted in dbn.rbms_:
        by_hand = BernoulliRBM(**fitted.get_params()).fit(H)
        np.testing.assert_allclose(by_hand.components_, fitted.components_, rtol=1e-12)
        np.testing.assert_allclose(by_hand.intercept_hidden_, fitted.intercept_hidden_)
        H = by_hand.transform(H)
    np.testing.assert_allclose(dbn.transform(X), H, rtol=1e-12)


def test_layer_weights_orientation(digits):
    X, _ = digits
    dbn = DBN((12, 6), n_iter=1, random_state=0).fit(X)
    H = X
    for (W, b), rbm in zip(dbn.layer_weights_, dbn.rbms_):
        assert W.shape == (rbm.components_.shape[1], rbm.n_components)
        np.testing.assert_allclose(1 / (1 + np.exp(-(H @ W + b))), rbm.transform(H),
                                   rtol=1e-10)
        H = rbm.transform(H)


def test_gaussian_first_layer_and_float32():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 6)).astype(np.float32)
    dbn = DBN((4, 3), first_layer="gaussian", learning_rate=[0.01, 0.1], n_iter=2,
              batch_size=20, learn_variance=True, random_state=0).fit(X)
    assert type(dbn.rbms_[0]).__name__ == "GaussianBernoulliRBM"
    H = dbn.transform(X)
    assert H.dtype == np.float32 and H.shape == (200, 3)
    W, b = dbn.layer_weights_[0]
    h = 1 / (1 + np.exp(-(X @ W + b)))
    np.testing.assert_allclose(h, dbn.rbms_[0].transform(X), rtol=1e-4, atol=1e-6)
    assert dbn.sample(4, n_gibbs=3, random_state=0).shape == (4, 6)


def test_per_layer_errors():
    X = np.random.default_rng(0).random((20, 4))
    with pytest.raises(ValueError, match="n_iter must be one value or a list"):
        DBN((3, 2), n_iter=[1, 2, 3]).fit(X)
    with pytest.raises(ValueError, match="layer 1: learning_rate must be > 0"):
        DBN((3, 2), learning_rate=[0.1, -1.0]).fit(X)
    with pytest.raises(ValueError, match="first_layer must be one of"):
        DBN((3,), first_layer="binary").fit(X)
    with pytest.raises(ValueError, match="hidden_layer_sizes must hold sizes > 0"):
        DBN((3, 0)).fit(X)
    dbn = DBN((3,), n_iter=1).fit(X)
    with pytest.raises(ValueError, match="downward must be one of"):
        dbn.sample(2, downward="up")
    with pytest.raises(ValueError, match="n_samples must be >= 1"):
        dbn.sample(0)


def _exact_marginal(rbm):
    W, b, c = rbm.components_, rbm.intercept_visible_, rbm.intercept_hidden_
    states = np.array(list(itertools.product([0, 1], repeat=W.shape[1])), float)
    # log p*(v) = b.v + sum_j softplus(c_j + W_j v)
    log_p = states @ b + np.logaddexp(0, states @ W.T + c).sum(axis=1)
    p = np.exp(log_p - log_p.max())
    return states, p / p.sum()


def test_sampling_matches_exact_marginal_of_one_rbm():
    rng = np.random.default_rng(0)
    X = (rng.random((300, 4)) < [0.8, 0.2, 0.6, 0.4]).astype(float)
    X[:, 3] = X[:, 0]  # a correlation for the RBM to learn
    # A smooth model, whose Gibbs chains mix within the 60 steps below (the
    # centred, mean-field fit of DBN's defaults is sharper and mixes slower).
    dbn = DBN((3,), n_iter=30, learning_rate=0.1, batch_size=10, centering=False,
              reconstruction="sample", init="normal", random_state=0).fit(X)
    states, p = _exact_marginal(dbn.rbms_[0])
    n = 20000
    V = dbn.sample(n, n_gibbs=60, downward="sample", random_state=1)
    assert set(np.unique(V)) <= {0.0, 1.0}
    codes = V @ (2 ** np.arange(3, -1, -1))
    counts = np.bincount(codes.astype(int), minlength=16)
    expected = n * p
    chi2 = float(np.sum((counts - expected) ** 2 / expected))
    # 15 degrees of freedom: the 0.999 quantile is 37.7.
    assert chi2 < 37.7, (chi2, counts, expected.round())
    # The mean-field downward pass gives E[v | h], whose average is the mean.
    M = dbn.sample(n, n_gibbs=60, downward="mean", random_state=2)
    np.testing.assert_allclose(M.mean(axis=0), p @ states, atol=0.02)


def test_deep_sample_shape_and_range(digits):
    X, _ = digits
    dbn = DBN((20, 10), n_iter=2, random_state=0).fit(X)
    S = dbn.sample(5, n_gibbs=20, random_state=0)
    assert S.shape == (5, 64) and np.all((S >= 0) & (S <= 1))
    np.testing.assert_array_equal(S, dbn.sample(5, n_gibbs=20, random_state=0))


def test_mlp_initial_weights_equal_pretrainer_layer_weights(digits):
    X, y = digits
    pre = DBN((12, 7), n_iter=2, random_state=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        # One epoch at a learning rate of 1e-12 leaves the weights where the
        # pretrainer put them (to within 1e-9).
        clf = MLPClassifier((12, 7), activation="sigmoid", pretrainer=pre, max_iter=1,
                            learning_rate_init=1e-12, solver="sgd", momentum=0.0,
                            dtype="float64", random_state=0).fit(X, y)
    expected = clone(pre).fit(X.astype(np.float64)).layer_weights_
    for i, (W, b) in enumerate(expected):
        np.testing.assert_allclose(clf.pretrainer_.layer_weights_[i][0], W)
        np.testing.assert_allclose(clf.coefs_[i], W, atol=1e-9)
        np.testing.assert_allclose(clf.intercepts_[i], b, atol=1e-9)
    assert clf.coefs_[0].shape == (64, 12) and clf.coefs_[1].shape == (12, 7)


def test_a_frozen_fitted_pretrainer_is_reused_not_refitted(digits):
    # One pretraining serves several fine-tunings through
    # sklearn.frozen.FrozenEstimator: its weights initialise the network and
    # the fitted DBN itself is left untouched.
    from sklearn.frozen import FrozenEstimator

    X, y = digits
    dbn = DBN((12,), n_iter=2, random_state=5).fit(X)
    before = [W.copy() for W, _ in dbn.layer_weights_]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = DBNClassifier((12,), pretrainer=FrozenEstimator(dbn), max_iter=1,
                            learning_rate_init=1e-12, momentum=0.0, dtype="float64",
                            random_state=0).fit(X, y)
    np.testing.assert_allclose(clf.coefs_[0], before[0], atol=1e-9)
    np.testing.assert_array_equal(dbn.layer_weights_[0][0], before[0])
    assert clf.pretrainer_.estimator is dbn


def test_dbn_classifier_defaults_and_auto_pretrainer(digits):
    X, y = digits
    clf = DBNClassifier((16,), max_iter=40, random_state=0)
    params = clf.get_params()
    assert params["activation"] == "sigmoid" and params["solver"] == "sgd"
    assert params["pretrainer"] == "auto"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    assert isinstance(clf.pretrainer_, DBN)
    assert clf.pretrainer == "auto"  # the parameter is left as given
    assert clf.score(X, y) > 0.9


# slow (two worker processes); the nested pretrainer__ parameters are also
# set by the CLI test and listed by test_mlp's get_params test
@pytest.mark.slow
def test_grid_search_over_pretraining_and_fine_tuning(digits):
    X, y = digits
    clf = DBNClassifier((10,), pretrainer=DBN((10,), batch_size=20), max_iter=3,
                        batch_size=50, random_state=0)
    search = GridSearchCV(clf, {"pretrainer__n_iter": [1, 2],
                                "learning_rate_init": [0.05, 0.1]}, cv=2, n_jobs=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X[:200], y[:200])
    assert len(search.cv_results_["params"]) == 4
    assert search.best_estimator_.pretrainer_.n_iter in (1, 2)


def test_pretrainer_without_seed_takes_the_classifier_seed(digits):
    X, y = digits
    fits = []
    for _ in range(2):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf = DBNClassifier((8,), pretrainer=DBN((8,), n_iter=1), max_iter=2,
                                random_state=4).fit(X, y)
        fits.append(clf)
    assert fits[0].pretrainer_.random_state == 4
    assert fits[0].pretrainer.random_state is None
    np.testing.assert_array_equal(fits[0].coefs_[0], fits[1].coefs_[0])


def test_auto_settings_are_the_literature_on_mnist_sized_data():
    from deepbelief.dbn import auto_batch_size, auto_epochs, auto_layer_sizes
    assert auto_layer_sizes(60000) == (500, 500, 2000) == auto_layer_sizes(10000)
    assert auto_batch_size(60000) == 100 and auto_epochs(60000, 100) == 10
    assert auto_epochs(60000, 100, 784) == 10        # MNIST: 6,000 updates


def test_auto_epochs_give_image_data_the_updates_of_mnist():
    from deepbelief.dbn import auto_epochs
    # 10,000 images: 100 batches an epoch, 6,000 updates in 60 epochs
    assert auto_epochs(10000, 100, 784) == 60
    assert auto_epochs(1000, 10, 784) == 60          # the rectangles' 1,000 images
    assert auto_epochs(10000, 100, 392) == 30        # half the width, half the updates
    assert auto_epochs(1437, 14, 64) == 10           # digits: 490 updates, 10 epochs is more
    assert auto_epochs(120, 10, 4) == 25             # iris folds: the 300-update floor


def test_auto_settings_scale_down_for_small_data():
    from deepbelief.dbn import auto_batch_size, auto_epochs, auto_layer_sizes
    assert auto_layer_sizes(1437) == (72, 72, 287)   # digits' training folds
    assert auto_layer_sizes(142) == (32, 32, 32)     # at least 32 units a layer
    assert auto_layer_sizes(1000, 784) == (500, 500, 2000)  # images keep the full width
    assert auto_layer_sizes(1437, 64) == (72, 72, 287)
    assert auto_batch_size(1437) == 14 and auto_batch_size(142) == 10
    assert auto_epochs(142, 10) == 20                # 15 batches an epoch, 300 updates
    assert auto_epochs(1437, 14) == 10               # 103 batches an epoch


def test_dbn_resolves_auto_settings_per_layer():
    X = load_digits()[0][:500]
    dbn = DBN((8, 4), n_iter=["auto", 2], random_state=0).fit(X)
    assert [r.batch_size for r in dbn.rbms_] == [10, 10]
    assert [r.n_iter for r in dbn.rbms_] == [10, 2]
    assert all(r.centering and r.reconstruction == "mean" for r in dbn.rbms_)
    assert dbn.get_params()["batch_size"] == "auto"  # the parameter is left as given


def test_dbn_classifier_defaults_learn_a_small_tabular_data_set():
    from sklearn.datasets import load_wine
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler
    from deepbelief.training import DegenerateFitWarning
    X, y = load_wine(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        scores = cross_val_score(make_pipeline(MinMaxScaler(), DBNClassifier(random_state=0)),
                                 X, y, cv=StratifiedKFold(3, shuffle=True, random_state=0))
    # Measured 0.989 on five folds (scikit-learn's MLP: 0.977); the earlier
    # defaults predicted one class on every fold (0.399).
    assert scores.min() > 0.9, scores


def test_dbn_regressor_defaults_fit_a_small_regression_data_set():
    from sklearn.datasets import load_diabetes
    from sklearn.preprocessing import MinMaxScaler
    X, y = load_diabetes(return_X_y=True)
    X, y = MinMaxScaler().fit_transform(X), (y - y.mean()) / y.std()
    reg = DBNRegressor(random_state=0).fit(X, y)
    # Measured training R² 0.49-0.54 over seeds 0-2 (ordinary least squares:
    # 0.52); the earlier defaults predicted a constant (R² about 0).
    assert reg.score(X, y) > 0.4


@pytest.mark.parametrize("given", ["auto", "unseeded DBN"])
def test_dbn_classifier_fit_builds_one_dbn_and_leaves_its_parameters(digits, monkeypatch,
                                                                     given):
    import functools
    X, y = digits
    pretrainer = "auto" if given == "auto" else DBN((8,), n_iter=1)
    clf = DBNClassifier((8,), pretrainer=pretrainer, max_iter=2, random_state=3)
    built, seen_during_fit = [], []
    original_init, original_fit = DBN.__init__, DBN.fit

    @functools.wraps(original_init)
    def counting_init(self, *args, **kwargs):
        built.append(self)
        original_init(self, *args, **kwargs)

    def recording_fit(self, X, y=None):
        seen_during_fit.append(clf.get_params(deep=False)["pretrainer"])
        return original_fit(self, X, y)

    before = clf.get_params(deep=True)
    monkeypatch.setattr(DBN, "__init__", counting_init)
    monkeypatch.setattr(DBN, "fit", recording_fit)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    after = clf.get_params(deep=True)
    assert after.keys() == before.keys()
    assert all(after[k] is before[k] or after[k] == before[k] for k in before), after
    assert seen_during_fit == [pretrainer]  # not rebound while pretraining either
    assert len(built) == 1 and clf.pretrainer_ is built[0]
    assert clf.pretrainer_.random_state == 3
    if given != "auto":
        assert pretrainer.random_state is None and not hasattr(pretrainer, "rbms_")


def test_dbn_classifier_pretraining_leaves_a_given_generator_alone(digits):
    # The pretrainer works on a copy of random_state, as a clone of it
    # would: the caller's RandomState advances only by the MLP's own draw.
    X, y = digits
    rs_a, rs_b = np.random.RandomState(7), np.random.RandomState(7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        DBNClassifier((8,), max_iter=1, random_state=rs_a).fit(X, y)
        MLPClassifier((8,), max_iter=1, random_state=rs_b).fit(X, y)
    assert rs_a.randint(0, 2**31 - 1) == rs_b.randint(0, 2**31 - 1)


def test_an_mlp_refuses_the_dbn_classes_auto_pretrainer(digits):
    X, y = digits
    with pytest.raises(TypeError, match="pretrainer must be an estimator with fit"):
        MLPClassifier((4,), pretrainer="auto").fit(X, y)
    with pytest.raises(TypeError, match="pretrainer must be an estimator with fit"):
        DBNClassifier((4,), pretrainer="dbn").fit(X, y)


def _pretraining_warnings(fit):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit()
    return [str(w.message) for w in caught if "does not pretrain" in str(w.message)]


def test_partial_fit_does_not_pretrain_on_the_first_chunk_and_says_so(digits):
    X, y = digits
    classes = np.unique(y)
    clf = DBNClassifier((8,), random_state=0)
    messages = _pretraining_warnings(lambda: clf.partial_fit(X[:100], y[:100], classes=classes))
    assert len(messages) == 1 and messages[0].startswith("DBNClassifier.partial_fit does not")
    assert "FrozenEstimator" in messages[0] and "fit" in messages[0]
    assert not hasattr(clf, "pretrainer_")
    # The network starts where one without a pretrainer starts.
    plain = DBNClassifier((8,), pretrainer=None, random_state=0)
    assert _pretraining_warnings(
        lambda: plain.partial_fit(X[:100], y[:100], classes=classes)) == []
    for W, W0 in zip(clf.coefs_, plain.coefs_):
        np.testing.assert_array_equal(W, W0)
    assert _pretraining_warnings(lambda: clf.partial_fit(X[100:], y[100:])) == []
    mlp = MLPClassifier((8,), pretrainer=DBN((8,), n_iter=1), random_state=0)
    messages = _pretraining_warnings(lambda: mlp.partial_fit(X, y, classes=classes))
    assert len(messages) == 1 and messages[0].startswith("MLPClassifier.partial_fit")
    reg = DBNRegressor((8,), random_state=0)
    assert len(_pretraining_warnings(lambda: reg.partial_fit(X, y / 9.0))) == 1


def test_partial_fit_fine_tunes_from_a_dbn_streamed_and_frozen(digits):
    from sklearn.frozen import FrozenEstimator
    X, y = digits
    dbn = DBN((8,), batch_size=10, random_state=1)
    for chunk in np.array_split(X, 4):
        dbn.partial_fit(chunk)
    clf = DBNClassifier((8,), pretrainer=FrozenEstimator(dbn), learning_rate_init=1e-12,
                        momentum=0.0, dtype="float64", random_state=0)
    assert _pretraining_warnings(
        lambda: clf.partial_fit(X[:100], y[:100], classes=np.unique(y))) == []
    assert clf.pretrainer_.estimator is dbn
    W, b = dbn.layer_weights_[0]
    np.testing.assert_allclose(clf.coefs_[0], W, atol=1e-9)
    np.testing.assert_allclose(clf.intercepts_[0], b, atol=1e-9)


def test_score_is_minus_the_stack_reconstruction_error(digits):
    import scipy.sparse as sp
    from scipy.special import expit
    X, _ = digits
    dbn = DBN((16, 6), n_iter=10, batch_size=10, random_state=0).fit(X)
    # up through the hidden means, down through the visible means, in numpy
    H = X
    for rbm in dbn.rbms_:
        H = expit(H @ rbm.components_.T + rbm.intercept_hidden_)
    for rbm in reversed(dbn.rbms_):
        H = expit(H @ rbm.components_ + rbm.intercept_visible_)
    want = -np.mean(np.sum((H - X) ** 2, axis=1))
    assert dbn.score(X) == pytest.approx(want, rel=1e-10)
    assert dbn.score(sp.csr_matrix(X)) == pytest.approx(want, rel=1e-10)
    assert dbn.score(X) == dbn.score(X)  # deterministic
    untrained = DBN((16, 6), n_iter=1, learning_rate=1e-12, batch_size=10,
                    random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        untrained.fit(X)
    assert dbn.score(X) > untrained.score(X) + 1.0
    with pytest.raises(ValueError, match="X has 10 features, but DBN is expecting 64"):
        dbn.score(X[:, :10])


def test_auto_sizes_follow_a_given_pretrainer():
    # the pretrainer's own sizes win over the data-sized ones, so a stack of
    # other sizes is not found mismatched after its pretraining
    from sklearn.frozen import FrozenEstimator

    from deepbelief import StackedAutoencoder
    from deepbelief.dbn import auto_layer_sizes
    X, y = load_digits()
    X, y = X[:200], y[:200]
    sae = StackedAutoencoder((12, 6), n_iter=1, random_state=0)
    clf = DBNClassifier(pretrainer=sae, max_iter=2, random_state=0).fit(X, y)
    assert [W.shape for W in clf.coefs_] == [(64, 12), (12, 6), (6, 10)]
    dbn = DBN(9, n_iter=1, random_state=0).fit(X)
    frozen = DBNClassifier(pretrainer=FrozenEstimator(dbn), max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frozen.fit(X, y)
    assert [W.shape for W in frozen.coefs_] == [(64, 9), (9, 10)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = DBNClassifier(max_iter=1, random_state=0).fit(X, y)   # no pretrainer given
    assert [W.shape[1] for W in plain.coefs_[:-1]] == list(auto_layer_sizes(200, 64))
