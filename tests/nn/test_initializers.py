import math

import numpy as np
import pytest

from deepbelief.nn import initializers as inits
from deepbelief.nn.initializers import INITIALIZERS, Initializer, get_initializer

SHAPE = (400, 300)


def _rng(seed=0):
    return np.random.default_rng(seed)


@pytest.mark.parametrize(
    "name, expected_var",
    [
        ("normal", 0.01**2),
        ("uniform", 0.1**2 / 12),
        ("glorot_uniform", 2.0 / (400 + 300)),
        ("glorot_normal", 2.0 / (400 + 300)),
        ("glorot_sigmoid", 16 * 2.0 / (400 + 300)),
        ("he_normal", 2.0 / 400),
        ("he_uniform", 2.0 / 400),
        ("lecun_normal", 1.0 / 400),
    ],
)
def test_mean_and_variance_match_formula(name, expected_var):
    W = get_initializer(name)(SHAPE, _rng())
    n = W.size
    assert W.shape == SHAPE and W.dtype == np.float64
    # sample mean within 5 standard errors, variance within 3%
    assert abs(W.mean()) < 5 * math.sqrt(expected_var / n)
    assert W.var() == pytest.approx(expected_var, rel=0.03)


@pytest.mark.parametrize("name, r", [
    ("glorot_uniform", math.sqrt(6.0 / 700)),
    ("glorot_sigmoid", 4 * math.sqrt(6.0 / 700)),
    ("he_uniform", math.sqrt(6.0 / 400)),
])
def test_uniform_ranges(name, r):
    W = get_initializer(name)(SHAPE, _rng())
    assert W.min() >= -r and W.max() <= r
    assert W.max() > 0.99 * r and W.min() < -0.99 * r


def test_truncated_normal_within_two_std():
    init = inits.TruncatedNormal(std=0.5, mean=1.0)
    W = init(SHAPE, _rng())
    assert W.min() > 0.0 and W.max() < 2.0
    # variance of a standard normal truncated to (-2, 2)
    a = 2.0
    phi = math.exp(-a * a / 2) / math.sqrt(2 * math.pi)
    Z = math.erf(a / math.sqrt(2))
    var = 1 - 2 * a * phi / Z
    assert W.std() == pytest.approx(0.5 * math.sqrt(var), rel=0.02)
    assert W.mean() == pytest.approx(1.0, abs=0.01)


@pytest.mark.parametrize("shape", [(50, 20), (20, 50), (30, 30)])
def test_orthogonal_is_orthogonal(shape):
    W = inits.Orthogonal(gain=2.0)(shape, _rng())
    k = min(shape)
    G = W.T @ W if shape[0] >= shape[1] else W @ W.T
    np.testing.assert_allclose(G, 4.0 * np.eye(k), atol=1e-10)


def test_zeros():
    assert not get_initializer("zeros")((3, 4), _rng()).any()


def test_default_normal_is_hinton_std():
    assert inits.normal.std == 0.01 and inits.normal.mean == 0.0


@pytest.mark.parametrize("name", sorted(INITIALIZERS))
def test_seeded_dtype_and_reproducible(name):
    a = get_initializer(name)((7, 5), _rng(3), dtype=np.float32)
    b = get_initializer(name)((7, 5), _rng(3), dtype=np.float64)
    assert a.dtype == np.float32 and b.dtype == np.float64
    assert a.flags.c_contiguous
    np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    c = get_initializer(name)((7, 5), _rng(4))
    if name != "zeros":
        assert not np.array_equal(b, c)


def test_get_initializer_accepts_instance_and_callable():
    inst = inits.Normal(std=0.5)
    assert get_initializer(inst) is inst
    f = get_initializer(lambda shape, rng: np.full(shape, 2.0))
    out = f((2, 3), _rng(), dtype=np.float32)
    assert out.dtype == np.float32 and (out == 2).all()
    assert isinstance(f, Initializer)


def test_callable_with_wrong_shape_raises():
    f = get_initializer(lambda shape, rng: np.zeros(3))
    with pytest.raises(ValueError, match="shape"):
        f((2, 3), _rng())


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="glorot_uniform") as info:
        get_initializer("xavier")
    assert "'xavier'" in str(info.value)


@pytest.mark.parametrize("bad", [3, 1.5, None, [1, 2]])
def test_wrong_type_raises_type_error(bad):
    with pytest.raises(TypeError, match="init must be"):
        get_initializer(bad)


def test_bad_parameters():
    with pytest.raises(ValueError, match="std must be > 0"):
        inits.Normal(std=-1)
    with pytest.raises(ValueError, match="high must be > low"):
        inits.Uniform(1, 0)
    with pytest.raises(TypeError, match="rng"):
        inits.normal((2, 2), 0)
