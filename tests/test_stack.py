"""The layer-wise stack that DBN and StackedAutoencoder share."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

import deepbelief.autoencoder as autoencoder_module
import deepbelief.rbm as rbm_module
from deepbelief import DBN, MLPClassifier, StackedAutoencoder
from deepbelief.datasets import load_digits


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits()
    return X[:300], y[:300]


def _counting(monkeypatch, module):
    """Count the calls of ``module.validate_data``."""
    calls = []
    original = module.validate_data

    def counted(*args, **kwargs):
        calls.append(args[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(module, "validate_data", counted)
    return calls


def _fits_validate_only_inside_the_layers(fit_stack, fitted, X, calls):
    """The stack's fit validates in its layers' module exactly as often as
    fitting each layer by hand on its input does, so nothing is validated
    at the layer boundaries; and the refit equals ``fitted``."""
    layers = fitted.rbms_ if hasattr(fitted, "rbms_") else fitted.autoencoders_
    inputs = [X]
    for layer in layers[:-1]:
        inputs.append(layer.transform(inputs[-1]))
    calls.clear()
    for layer, H in zip(layers, inputs):
        type(layer)(**layer.get_params()).fit(H)
    by_hand = len(calls)
    calls.clear()
    refit = fit_stack()
    assert len(calls) == by_hand
    for (W, b), (W0, b0) in zip(refit.layer_weights_, fitted.layer_weights_):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)


def test_one_layer_size_check_for_stacks_and_mlps(digits):
    X, y = digits
    for make in (DBN, StackedAutoencoder):
        with pytest.raises(ValueError,
                           match=r"^hidden_layer_sizes must name at least one layer; got \[\]\.$"):
            make(()).fit(X)
        with pytest.raises(TypeError, match=r"^hidden_layer_sizes must hold ints; got float 2\.5"):
            make((3, 2.5)).fit(X)
    with pytest.raises(ValueError, match=r"^hidden_layer_sizes must hold sizes > 0; got 0\.$"):
        MLPClassifier((3, 0)).fit(X, y)
    with pytest.raises(TypeError, match="hidden_layer_sizes must be an int or a sequence"):
        MLPClassifier(None).fit(X, y)
    # An MLP may have no hidden layer (a linear model); a stack may not.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        assert len(MLPClassifier((), max_iter=2, random_state=0).fit(X, y).coefs_) == 1


def test_one_per_layer_rule_for_stacks_and_mlps(digits):
    X, y = digits
    rule = r"must be one value or a list of one per layer \(2\); got 3 values\.$"
    with pytest.raises(ValueError, match="^n_iter " + rule):
        DBN((3, 2), n_iter=[1, 2, 3]).fit(X)
    with pytest.raises(ValueError, match="^corruption_level " + rule):
        StackedAutoencoder((3, 2), corruption_level=[0.1, 0.2, 0.3]).fit(X)
    with pytest.raises(ValueError, match="^dropout " + rule):
        MLPClassifier((3, 2), dropout=[0.1, 0.2, 0.3]).fit(X, y)


def test_layer_errors_name_the_layer(digits):
    X, _ = digits
    with pytest.raises(ValueError, match="^layer 1: learning_rate must be > 0"):
        DBN((3, 2), learning_rate=[0.1, -1.0]).fit(X)
    with pytest.raises(ValueError, match="^layer 0: corruption must be one of"):
        StackedAutoencoder((3, 2), corruption=["salt", None]).fit(X)
    for make in (DBN, StackedAutoencoder):
        with pytest.raises(ValueError, match=r"^verbose must be >= 0; got -1\.$"):
            make((3,), verbose=-1).fit(X)


@pytest.mark.parametrize("X_kind", ["dense", "float32", "csr"])
def test_dbn_features_are_each_rbms_transform_validated_once(digits, monkeypatch, X_kind):
    X, _ = digits
    dbn = DBN((12, 6, 4), n_iter=1, batch_size=20, random_state=0).fit(X)
    Xt = {"dense": X, "float32": X.astype(np.float32), "csr": sp.csr_matrix(X)}[X_kind]
    expected = Xt
    for rbm in dbn.rbms_:
        expected = rbm.transform(expected)
    calls = _counting(monkeypatch, rbm_module)
    H = dbn.transform(Xt)
    assert calls == []  # the stack validated X; the RBMs did not again
    assert H.dtype == expected.dtype
    np.testing.assert_array_equal(H, expected)
    _fits_validate_only_inside_the_layers(
        lambda: DBN((12, 6, 4), n_iter=1, batch_size=20, random_state=0).fit(X),
        dbn, X, calls)


def test_stacked_autoencoder_features_are_validated_once(digits, monkeypatch):
    X, _ = digits
    sae = StackedAutoencoder((12, 6), n_iter=1, random_state=0).fit(X)
    expected = X.astype(np.float32)
    for ae in sae.autoencoders_:
        expected = ae.transform(expected)
    calls = _counting(monkeypatch, autoencoder_module)
    H = sae.transform(X.astype(np.float32))
    assert calls == []
    assert H.dtype == np.float32
    np.testing.assert_array_equal(H, expected)
    _fits_validate_only_inside_the_layers(
        lambda: StackedAutoencoder((12, 6), n_iter=1, random_state=0).fit(X),
        sae, X, calls)
