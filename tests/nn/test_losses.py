import numpy as np
import pytest

from deepbelief.nn import losses as L
from reference import numerical_gradient


def _data(loss, seed=0, n=5, k=4):
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 2, size=(n, k))
    if isinstance(loss, L.CrossEntropy):
        y = np.eye(k)[rng.integers(0, k, n)]
    elif isinstance(loss, L.BinaryCrossEntropy):
        y = (rng.random((n, k)) < 0.5).astype(float)
    else:
        y = rng.normal(size=(n, k))
    return y, z


def _naive(loss, y, z):
    """The loss written directly from its definition, in probabilities."""
    if isinstance(loss, L.CrossEntropy):
        p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        return -np.mean(np.sum(y * np.log(p), axis=1))
    if isinstance(loss, L.BinaryCrossEntropy):
        p = 1 / (1 + np.exp(-z))
        return -np.mean(np.sum(y * np.log(p) + (1 - y) * np.log(1 - p), axis=1))
    return np.mean(0.5 * np.sum((z - y) ** 2, axis=1))


LOSSES = [L.CrossEntropy(), L.BinaryCrossEntropy(), L.SquaredError()]


@pytest.mark.parametrize("loss", LOSSES, ids=repr)
def test_loss_value_matches_definition(loss):
    y, z = _data(loss)
    assert loss.loss(y, z) == pytest.approx(_naive(loss, y, z), rel=1e-10)


@pytest.mark.parametrize("loss", LOSSES, ids=repr)
def test_loss_gradient_matches_finite_differences(loss):
    y, z = _data(loss, seed=1)
    g = loss.gradient(y, z)
    num = numerical_gradient(lambda z_: _naive(loss, y, z_), z.copy())
    np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("loss", LOSSES[:2], ids=repr)
def test_cross_entropies_stable_for_huge_logits(loss):
    z = np.array([[800.0, -800.0], [-800.0, 800.0]])
    y = np.array([[1.0, 0.0], [1.0, 0.0]])
    value = loss.loss(y, z)
    assert np.isfinite(value) and value > 700
    assert np.all(np.isfinite(loss.gradient(y, z)))


def test_delta_counts_errors_and_scales():
    z = np.array([[2.0, 0.0, 0.0], [0.0, 2.0, 0.0]])
    y = np.array([[1.0, 0, 0], [1.0, 0, 0]])
    zz = z.copy()
    total, errors = L.cross_entropy.delta(zz, y, 0.5)
    assert errors == 1
    p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    np.testing.assert_allclose(zz, 0.5 * (p - y))
    assert total == pytest.approx(2 * _naive(L.cross_entropy, y, z))


def test_bad_values():
    with pytest.raises(ValueError, match="loss must be one of"):
        L.get_loss("hinge")
