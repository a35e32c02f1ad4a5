import numpy as np
import pytest

from deepbelief.nn import activations as A
from deepbelief.nn.activations import ACTIVATIONS, get_activation
from reference import numerical_gradient

ALL = [A.Sigmoid(), A.Tanh(), A.ReLU(), A.LeakyReLU(0.1), A.LeakyReLU(2.0), A.ELU(),
       A.ELU(0.5), A.Softplus(), A.Identity(), A.Softmax()]
IDS = [repr(a) for a in ALL]


def _z(seed=0, shape=(6, 5)):
    z = np.random.default_rng(seed).normal(0, 2, size=shape)
    # keep away from the kinks of the piecewise-linear functions
    z[np.abs(z) < 1e-2] = 0.5
    return z


@pytest.mark.parametrize("act", ALL, ids=IDS)
def test_backward_matches_finite_differences(act):
    z = _z()
    g = np.random.default_rng(1).normal(size=z.shape)
    y = act.forward(z)
    analytic = act.backward(y, g.copy())
    numeric = numerical_gradient(lambda z_: np.sum(g * act.forward(z_)), z.copy())
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("act", [a for a in ALL if not isinstance(a, A.Softmax)],
                         ids=[i for a, i in zip(ALL, IDS) if not isinstance(a, A.Softmax)])
def test_derivative_matches_finite_differences(act):
    z = _z(2)
    # elementwise, so d(sum f(z))/dz_i = f'(z_i)
    numeric = numerical_gradient(lambda z_: np.sum(act.forward(z_)), z.copy())
    np.testing.assert_allclose(act.derivative(z), numeric, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("act", ALL, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_in_place_equals_out_of_place(act, dtype):
    z = _z(3).astype(dtype)
    expected = act.forward(z.copy())
    w = z.copy()
    out = act.forward(w, out=w)
    assert out is w and out.dtype == dtype
    np.testing.assert_allclose(out, expected, rtol=1e-6)


def test_values_against_formulas():
    z = np.array([-3.0, -0.5, 0.0, 0.5, 3.0])
    np.testing.assert_allclose(A.sigmoid(z), 1 / (1 + np.exp(-z)))
    np.testing.assert_allclose(A.tanh(z), np.tanh(z))
    np.testing.assert_allclose(A.relu(z), [0, 0, 0, 0.5, 3])
    np.testing.assert_allclose(A.LeakyReLU(0.1)(z), [-0.3, -0.05, 0, 0.5, 3])
    np.testing.assert_allclose(A.elu(z), np.where(z > 0, z, np.exp(z) - 1))
    np.testing.assert_allclose(A.softplus(z), np.log(1 + np.exp(z)))
    np.testing.assert_allclose(A.identity(z), z)
    s = A.softmax(z)
    np.testing.assert_allclose(s, np.exp(z) / np.exp(z).sum())


def test_stable_at_extremes():
    z = np.array([[-1000.0, 0.0, 1000.0]])
    for act in ALL:
        assert np.all(np.isfinite(act.forward(z))), act
    np.testing.assert_allclose(A.softmax(z), [[0, 0, 1]])
    np.testing.assert_allclose(A.softplus(z), [[0, np.log(2), 1000]])


def test_properties_ranges_hold():
    z = np.linspace(-20, 20, 401)
    for name, cls in ACTIVATIONS.items():
        act = cls()
        lo, hi = act.properties["range"]
        y = act.forward(z.reshape(1, -1))
        assert np.all(y >= lo) and np.all(y <= hi), name
        if act.properties["monotonic"]:
            assert np.all(np.diff(y.ravel()) >= 0), name
        if act.properties["identity_near_zero"]:
            np.testing.assert_allclose(act.forward(np.array([1e-4])), [1e-4], rtol=1e-3)


def test_registry():
    assert isinstance(get_activation("logistic"), A.Sigmoid)
    inst = A.LeakyReLU(0.2)
    assert get_activation(inst) is inst
    with pytest.raises(ValueError, match="relu"):
        get_activation("swish")
    with pytest.raises(TypeError):
        get_activation(3)
