import numpy as np
import pytest

from deepbelief.nn import losses as L
from deepbelief.nn import regularizers as R


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
    eps = 1e-6
    num = np.zeros_like(z)
    for idx in np.ndindex(z.shape):
        zp, zm = z.copy(), z.copy()
        zp[idx] += eps
        zm[idx] -= eps
        num[idx] = (_naive(loss, y, zp) - _naive(loss, y, zm)) / (2 * eps)
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


def _fd(f, W, eps=1e-6):
    num = np.zeros_like(W)
    for idx in np.ndindex(W.shape):
        Wp, Wm = W.copy(), W.copy()
        Wp[idx] += eps
        Wm[idx] -= eps
        num[idx] = (f(Wp) - f(Wm)) / (2 * eps)
    return num


@pytest.mark.parametrize("reg", [R.L2(0.3), R.L1(0.2)], ids=repr)
def test_penalty_gradients_match_finite_differences(reg):
    W = np.random.default_rng(0).normal(size=(4, 3))
    W[np.abs(W) < 1e-2] = 0.1  # |w| is not differentiable at 0
    np.testing.assert_allclose(reg.gradient(W), _fd(reg.penalty, W), rtol=1e-6,
                               atol=1e-9)


def test_penalty_values():
    W = np.array([[1.0, -2.0], [0.0, 3.0]])
    assert R.L2(0.5).penalty(W) == pytest.approx(0.5 * 0.5 * 14)
    assert R.L1(0.5).penalty(W) == pytest.approx(0.5 * 6)


def test_max_norm_projects_columns_onto_ball():
    rng = np.random.default_rng(0)
    W = rng.normal(size=(20, 6))
    W[:, 0] *= 0.01  # a column already inside the ball
    before = W.copy()
    R.MaxNorm(1.5).project(W)
    norms = np.linalg.norm(W, axis=0)
    assert np.all(norms <= 1.5 + 1e-12)
    np.testing.assert_array_equal(W[:, 0], before[:, 0])
    big = np.linalg.norm(before, axis=0) > 1.5
    np.testing.assert_allclose(norms[big], 1.5)
    # directions are kept
    np.testing.assert_allclose(W[:, big] / norms[big],
                               before[:, big] / np.linalg.norm(before[:, big], axis=0))


def test_max_norm_gradient_of_projection():
    # the projection is w * c / ||w|| outside the ball; check it is that map
    w = np.array([[3.0], [4.0]])
    R.MaxNorm(1.0).project(w)
    np.testing.assert_allclose(w.ravel(), [0.6, 0.8])


def test_dropout_mask_statistics_and_scaling():
    rng = np.random.default_rng(0)
    m = R.dropout_mask((400, 500), 0.3, rng)
    kept = m > 0
    assert kept.mean() == pytest.approx(0.7, abs=0.005)
    np.testing.assert_allclose(m[kept], 1 / 0.7)
    assert m.mean() == pytest.approx(1.0, abs=0.01)  # expectation preserved
    m32 = R.dropout_mask((10, 10), 0.5, rng, dtype=np.float32)
    assert m32.dtype == np.float32


def test_dropout_with_fixed_mask_gradient():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(5, 4))
    G = rng.normal(size=(5, 4))
    mask = R.dropout_mask(X.shape, 0.5, rng)
    analytic = R.dropout_backward(G.copy(), mask)
    f = lambda X_: np.sum(G * R.dropout_forward(X_, mask))  # noqa: E731
    np.testing.assert_allclose(analytic, _fd(f, X), rtol=1e-6, atol=1e-9)


def test_bad_values():
    with pytest.raises(ValueError, match="coef must be >= 0"):
        R.L2(-1)
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\)"):
        R.dropout_mask((2, 2), 1.0, np.random.default_rng())
    with pytest.raises(ValueError, match="loss must be one of"):
        L.get_loss("hinge")
