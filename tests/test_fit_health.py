"""Silent failure made loud: the end-of-fit checks every trainer runs, and
the centred RBM that keeps dense inputs from switching a layer off."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits

from deepbelief import (DBN, Autoencoder, BernoulliRBM, DBNClassifier, MLPClassifier,
                        MLPRegressor, StackedAutoencoder)
from deepbelief._kernels import rbm as _k
from deepbelief.training import DegenerateFitWarning, FitHealth


@pytest.fixture(scope="module")
def digits(unit_digits):
    return unit_digits[0].copy(), unit_digits[1]


def dense_digits(seed, n=1000):
    """Digits over uniform noise (Larochelle et al. 2007's "background
    random" construction), four copies side by side: 256 dense features."""
    X = load_digits().data[:n] / 16.0
    rng = np.random.default_rng(seed)
    X = np.where(X > 0, X, rng.random(X.shape))
    return np.hstack([X, X, X, X])


def degenerate_messages(fit):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit()
    return [str(w.message) for w in caught if issubclass(w.category, DegenerateFitWarning)]


# ---------------------------------------------------------------- FitHealth


def test_units_reports_which_way_the_units_are_stuck():
    rng = np.random.default_rng(0)
    H = np.hstack([np.full((50, 6), 1e-4), np.full((50, 2), 0.999),
                   rng.random((50, 2))])
    health = FitHealth("Model")
    with pytest.warns(DegenerateFitWarning) as record:
        health.units("layer 3", H)
    text = str(record[0].message)
    assert text.startswith("Model: layer 3: 80% of its 10 units are constant")
    assert "60% switched off" in text and "20% saturated on" in text


def test_units_never_reports_a_negative_share():
    # 1,957 off and 3 on of 2,000: the float fractions leave -5e-17 for
    # "another value", which printed as "-0%"
    rng = np.random.default_rng(0)
    H = np.hstack([np.full((20, 1957), 1e-4), np.full((20, 3), 0.999),
                   rng.random((20, 40))])
    with pytest.warns(DegenerateFitWarning) as record:
        FitHealth("Model").units("layer", H)
    text = str(record[0].message)
    assert "0% stuck at another value" in text and "-0%" not in text


def test_units_stuck_between_the_bounds_are_said_to_remain_trainable():
    # Saturated units pass no gradient; units stuck near 0.5 still do, so the
    # message says what each kind costs a network they initialise.
    rng = np.random.default_rng(0)
    saturated = np.hstack([np.full((50, 8), 1e-4), rng.random((50, 2))])
    middle = np.hstack([0.5 + 1e-4 * rng.standard_normal((50, 8)), rng.random((50, 2))])
    with pytest.warns(DegenerateFitWarning) as record:
        FitHealth("M").units("layer", saturated)
        FitHealth("M").units("layer", middle)
    first, second = (str(r.message) for r in record)
    assert "learn from a constant" in first and "can still train them" not in first
    assert "80% stuck at another value" in second and "can still train them" in second


def test_units_is_quiet_on_varied_activations_and_on_a_minority_of_dead_units():
    rng = np.random.default_rng(0)
    H = rng.random((100, 20))
    H[:, :9] = 0.0  # 45% dead: below the threshold of a majority
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        FitHealth("Model").units("layer", H)


def test_unbounded_units_are_judged_relative_to_their_scale():
    rng = np.random.default_rng(0)
    big = 1000.0 + rng.standard_normal((100, 10))  # std 1 around 1000: constant
    with pytest.warns(DegenerateFitWarning, match="100% of its 10 units"):
        FitHealth("M").units("codes", big)
    varied = 5.0 * rng.standard_normal((100, 10))
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        FitHealth("M").units("codes", varied)


@pytest.mark.parametrize("values, warns", [([1.0, 10.0, 2e3], True), ([1.0, 0.5, 0.2], False),
                                           ([1.0, 900.0], False), ([0.0, 1e9], False)])
def test_objective_growth(values, warns):
    health = FitHealth("M", learning_rate=0.5)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        health.objective("The loss", values)
    assert bool(caught) == warns
    if warns:
        assert "learning_rate=0.5" in str(caught[0].message)


def test_weights_explosion_is_relative_to_the_fan_in():
    rng = np.random.default_rng(0)
    health = FitHealth("M")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        health.weights("layer 0", rng.standard_normal((100, 50)))  # RMS 1 = 10 / sqrt(100)
    with pytest.warns(DegenerateFitWarning, match="layer 0: the weights' root mean square"):
        health.weights("layer 0", 1e3 * rng.standard_normal((100, 50)))


def test_chance_level_says_no_better_or_many_times_worse():
    with pytest.warns(DegenerateFitWarning, match="no better than predicting"):
        FitHealth("M").chance(1.10, 1.0986, "predicting the class frequencies")
    with pytest.warns(DegenerateFitWarning, match="many times worse"):
        FitHealth("M").chance(1e20, 0.5, "predicting the mean target")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        FitHealth("M").chance(0.3, 1.0986, "predicting the class frequencies")


# ---------------------------------------------------------------- each trainer


def test_rbm_with_an_exploding_learning_rate_says_so(digits):
    X, _ = digits
    messages = degenerate_messages(
        lambda: BernoulliRBM(16, learning_rate=1e9, random_state=0).fit(X))
    assert any("the hidden layer" in m and "constant" in m for m in messages)
    assert any("root mean square" in m and "learning_rate=1000000000.0" in m
               for m in messages)


def test_dbn_names_the_layer(digits):
    X, _ = digits
    messages = degenerate_messages(
        lambda: DBN((16, 8), learning_rate=[1e9, 0.1], batch_size=10, n_iter=10,
                    persistent=[True, False], reconstruction=["sample", "mean"],
                    centering=[False, True], momentum=0.0, weight_decay=0.0,
                    init="normal", random_state=0).fit(X))
    assert messages and all(m.startswith("DBN layer ") for m in messages)
    assert any(m.startswith("DBN layer 0: BernoulliRBM: the weights") for m in messages)


def test_mlp_regressor_that_diverged_without_nan_says_so():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 5))
    y = X @ rng.standard_normal(5)
    messages = degenerate_messages(lambda: MLPRegressor(
        activation="identity", learning_rate_init=1e6, max_iter=20,
        random_state=0).fit(X, y))
    assert any("many times worse than predicting the mean target" in m for m in messages)


def test_mlp_classifier_that_learned_nothing_says_so(digits):
    X, y = digits
    messages = degenerate_messages(lambda: MLPClassifier(
        (8,), activation="sigmoid", solver="sgd", learning_rate_init=1e-7, max_iter=3,
        random_state=0).fit(X, y))
    assert any("no better than predicting the class frequencies" in m for m in messages)


def test_chance_level_is_judged_on_the_fitted_network_not_the_last_epoch(digits):
    # The warning quotes the fitted network's loss on the monitored rows
    # (all 300 here), which scikit-learn's log_loss of predict_proba gives
    # independently; the last epoch's running loss, taken while the weights
    # were still moving, is another number.
    from sklearn.metrics import log_loss

    X, y = digits[0][:300], digits[1][:300]
    clf = MLPClassifier((8,), activation="sigmoid", solver="sgd", learning_rate_init=1e-7,
                        max_iter=3, random_state=0)
    messages = degenerate_messages(lambda: clf.fit(X, y))
    chance = [m for m in messages if "no better than predicting" in m]
    assert len(chance) == 1
    quoted = float(chance[0].split("on 300 training samples is ")[1].split(",")[0])
    expected = log_loss(y, clf.predict_proba(X), labels=clf.classes_)
    assert quoted == pytest.approx(expected, rel=1e-3)


def test_autoencoder_with_constant_codes_says_so(digits):
    X, _ = digits
    messages = degenerate_messages(lambda: Autoencoder(
        16, learning_rate=1e6, n_iter=3, random_state=0).fit(X))
    assert any("the code layer" in m for m in messages)


def test_stacked_autoencoder_names_the_layer(digits):
    X, _ = digits
    messages = degenerate_messages(lambda: StackedAutoencoder(
        (16, 8), learning_rate=[1e6, 0.1], n_iter=2, random_state=0).fit(X))
    assert any(m.startswith("StackedAutoencoder layer 0: Autoencoder:") for m in messages)


@pytest.mark.parametrize("make", [
    lambda: BernoulliRBM(32, random_state=0),
    lambda: BernoulliRBM(32, centering=True, persistent=False, reconstruction="mean",
                         batch_size=20, random_state=0),
    lambda: DBN((32, 16), n_iter=5, random_state=0),
    lambda: Autoencoder(16, n_iter=5, random_state=0),
], ids=["rbm", "centred-rbm", "dbn", "autoencoder"])
def test_healthy_unsupervised_fits_are_quiet(digits, make):
    X, _ = digits
    assert degenerate_messages(lambda: make().fit(X)) == []


@pytest.mark.parametrize("make", [
    lambda: MLPClassifier((32,), max_iter=30, random_state=0),
    lambda: DBNClassifier((32,), max_iter=30, random_state=0),
], ids=["mlp", "dbn-classifier"])
def test_healthy_supervised_fits_are_quiet(digits, make):
    X, y = digits
    assert degenerate_messages(lambda: make().fit(X, y)) == []


# ---------------------------------------------------------------- centring


def test_subtract_outer_pair_matches_numpy():
    rng = np.random.default_rng(0)
    M = rng.standard_normal((5, 7)).astype(np.float32)
    u, w = rng.standard_normal(5), rng.standard_normal(5)
    x, z = rng.standard_normal(7), rng.standard_normal(7)
    expected = M - 0.3 * (np.outer(u, x) + np.outer(w, z))
    _k.subtract_outer_pair(M, 0.3, u, x, w, z)
    np.testing.assert_allclose(M, expected, rtol=1e-6, atol=1e-6)


def test_centred_rbm_starts_at_the_data_means_and_stays_a_plain_rbm(digits):
    X, _ = digits
    rbm = BernoulliRBM(20, centering=True, n_iter=0, random_state=0).fit(X)
    np.testing.assert_allclose(rbm.visible_offset_, X.mean(axis=0))
    np.testing.assert_allclose(rbm.hidden_offset_, 0.5)
    # the centred energy at h = lam, v = mu: visible means equal the data means
    W = rbm.components_.astype(np.float64)
    p = np.clip(X.mean(axis=0), 1e-3, 1 - 1e-3)
    vis = 1 / (1 + np.exp(-(np.full(20, 0.5) @ W + rbm.intercept_visible_)))
    np.testing.assert_allclose(vis, p, rtol=1e-5)
    rbm.set_params(n_iter=3).fit(X)
    H = 1 / (1 + np.exp(-(X @ rbm.components_.T + rbm.intercept_hidden_)))
    np.testing.assert_allclose(rbm.transform(X), H, rtol=1e-5, atol=1e-6)


# seed 0 in the default run, the other two with the slow tests
@pytest.mark.parametrize("seed", [0, pytest.param(1, marks=pytest.mark.slow),
                                  pytest.param(2, marks=pytest.mark.slow)])
def test_centring_trains_dense_inputs_that_the_plain_gradient_does_not(seed):
    X = dense_digits(seed)
    common = dict(n_components=100, learning_rate=0.1, batch_size=100, n_iter=10,
                  momentum="classic", persistent=False, random_state=seed)
    plain = BernoulliRBM(**common).fit(X)
    centred = BernoulliRBM(centering=True, reconstruction="mean", **common).fit(X)
    # measured: plain 20.1-20.2, centred 10.6-10.8 (squared error per row)
    assert (centred.history_["reconstruction_error"][-1]
            < 0.7 * plain.history_["reconstruction_error"][-1])
    assert centred.transform(X).std(axis=0).mean() > 2 * plain.transform(X).std(axis=0).mean()


def test_centred_fit_resumes_from_a_checkpoint_exactly(tmp_path, digits):
    X, _ = digits
    common = dict(n_components=16, centering=True, momentum=0.5, random_state=0)
    whole = BernoulliRBM(n_iter=4, **common).fit(X)
    BernoulliRBM(n_iter=2, checkpoint_dir=tmp_path, **common).fit(X)
    resumed = BernoulliRBM(n_iter=4, checkpoint_dir=tmp_path, **common).fit(X)
    np.testing.assert_array_equal(resumed.components_, whole.components_)
    np.testing.assert_array_equal(resumed.hidden_offset_, whole.hidden_offset_)


@pytest.mark.parametrize("params, error, match", [
    (dict(reconstruction="mean"), ValueError, "needs chains started at the data"),
    (dict(reconstruction="mean", sampler="pcd", persistent=False), ValueError,
     "needs chains started at the data"),
    (dict(reconstruction="expectation"), ValueError, "reconstruction must be one of"),
    (dict(centering="yes"), TypeError, "centering must be a bool"),
])
def test_bad_reconstruction_and_centering_are_refused(digits, params, error, match):
    X, _ = digits
    with pytest.raises(error, match=match):
        BernoulliRBM(4, n_iter=1, **params).fit(X)


def test_mean_reconstruction_lowers_the_noise_of_the_negative_phase(digits):
    X, _ = digits
    errors = {}
    for rec in ("sample", "mean"):
        rbm = BernoulliRBM(64, persistent=False, reconstruction=rec, learning_rate=0.05,
                           batch_size=20, n_iter=10, random_state=0).fit(X)
        errors[rec] = rbm.history_["reconstruction_error"][-1]
    assert errors["mean"] < errors["sample"]


def test_gaussian_rbm_refuses_centering():
    with pytest.raises(ValueError, match="centering needs binary visible units"):
        from deepbelief import GaussianBernoulliRBM
        GaussianBernoulliRBM(4, centering=True, n_iter=1).fit(np.zeros((10, 3)))


def test_automatic_pretraining_that_gives_constant_features_is_replaced():
    from sklearn.datasets import make_classification
    from sklearn.preprocessing import MinMaxScaler
    X, y = make_classification(800, 20, n_informative=10, random_state=0)
    X = MinMaxScaler().fit_transform(X)
    # Measured: the second layer's features have a median std of 0.006 on
    # every fold; fine-tuned from them the network predicts one class.
    clf = DBNClassifier(random_state=0)
    messages = degenerate_messages(lambda: clf.fit(X, y))
    replaced = [m for m in messages if "start from random initialisation" in m]
    assert replaced and "hidden layers 1 to 2" in replaced[0]
    assert clf.score(X, y) > 0.8
    W = clf.pretrainer_.layer_weights_
    np.testing.assert_array_equal(clf.coefs_[0].shape, W[0][0].shape)


def test_a_chosen_pretrainer_with_constant_features_is_kept_with_a_warning(digits):
    X, y = digits
    pre = DBN((8, 4), n_iter=1, batch_size=100, init="normal", random_state=0)
    clf = MLPClassifier((8, 4), activation="sigmoid", pretrainer=pre, max_iter=1,
                        learning_rate_init=1e-12, random_state=0)
    messages = degenerate_messages(lambda: clf.fit(X, y))
    assert any("backpropagation through it will barely move" in m for m in messages)
    np.testing.assert_allclose(clf.coefs_[1], clf.pretrainer_.layer_weights_[1][0],
                               rtol=1e-5, atol=1e-7)
