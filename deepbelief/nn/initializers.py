"""Weight initialisers.

An initialiser breaks the symmetry between units while keeping the
pre-activations near zero, where units are not saturated. Each is a small
class called as ``W = init((fan_in, fan_out), rng, dtype=np.float64)`` with
``rng`` a numpy Generator; values are drawn in float64 and cast, so one seed
gives the same weights in float32 and float64. ``init`` parameters accept a
name registered here, an :class:`Initializer` or any callable ``f(shape,
rng)``; :func:`get_initializer` resolves it.

References
----------
Glorot, X. and Bengio, Y. (2010). Understanding the difficulty of training
deep feedforward neural networks. AISTATS.
He, K., Zhang, X., Ren, S. and Sun, J. (2015). Delving deep into
rectifiers. ICCV.
LeCun, Y., Bottou, L., Orr, G. and Mueller, K.-R. (1998). Efficient
BackProp. Neural Networks: Tricks of the Trade.
Saxe, A., McClelland, J. and Ganguli, S. (2014). Exact solutions to the
nonlinear dynamics of learning in deep linear neural networks. ICLR.
Hinton, G. (2010). A practical guide to training restricted Boltzmann
machines. UTML TR 2010-003.
"""

import math
from numbers import Integral, Real

import numpy as np

from .._param_validation import Interval, ValueObject, check, resolve

__all__ = ["Initializer", "Normal", "TruncatedNormal", "Uniform", "GlorotUniform",
           "GlorotNormal", "GlorotSigmoid", "HeNormal", "HeUniform", "LecunNormal",
           "Orthogonal", "Zeros", "normal", "truncated_normal", "uniform",
           "glorot_uniform", "glorot_normal", "glorot_sigmoid", "he_normal", "he_uniform",
           "lecun_normal", "orthogonal", "zeros", "INITIALIZERS", "get_initializer"]


def _fans(shape):
    """``(fan_in, fan_out)``; a 1-d shape (a bias) counts its length as both."""
    return (shape[0], shape[0]) if len(shape) == 1 else (shape[0], shape[1])


def _check_shape(shape):
    if isinstance(shape, Integral):
        shape = (int(shape),)
    shape = tuple(int(s) for s in shape)
    if len(shape) not in (1, 2) or any(s < 0 for s in shape):
        raise ValueError(f"shape must be (fan_in, fan_out) or (n,) of non-negative ints; "
                         f"got {shape}.")
    return shape


def _positive(name, value):
    return float(check(name, value, [Interval(Real, 0, None, closed="neither")]))


class Initializer(ValueObject):
    """Base class: ``init(shape, rng, dtype=np.float64) -> ndarray``; subclasses
    implement ``_draw(shape, rng)`` returning float64 values."""

    def __call__(self, shape, rng, dtype=np.float64):
        shape = _check_shape(shape)
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy Generator; got {type(rng).__name__}.")
        return np.ascontiguousarray(self._draw(shape, rng), dtype=dtype)

    def _draw(self, shape, rng):  # pragma: no cover - abstract
        raise NotImplementedError


class Normal(Initializer):
    r"""Gaussian weights :math:`W_{ij} \sim N(\text{mean}, \text{std}^2)`.

    The default ``std=0.01`` is the one Hinton's practical guide recommends
    for RBMs, and the one scikit-learn's ``BernoulliRBM`` uses.

    Parameters
    ----------
    std : float, default=0.01
    mean : float, default=0.0
    """

    def __init__(self, std=0.01, mean=0.0):
        self.std = _positive("std", std)
        self.mean = float(mean)

    def _draw(self, shape, rng):
        return rng.normal(self.mean, self.std, size=shape)


class TruncatedNormal(Normal):
    r"""Gaussian weights with every draw beyond two standard deviations redrawn
    (a standard deviation of about :math:`0.88\,\text{std}`).

    Parameters
    ----------
    std : float, default=0.01
    mean : float, default=0.0
    """

    def _draw(self, shape, rng):
        z = rng.standard_normal(size=shape)
        bad = np.abs(z) >= 2.0
        while bad.any():
            z[bad] = rng.standard_normal(size=int(bad.sum()))
            bad = np.abs(z) >= 2.0
        return self.mean + self.std * z


class Uniform(Initializer):
    r"""Uniform weights :math:`W_{ij} \sim U(\text{low}, \text{high})`.

    Parameters
    ----------
    low : float, default=-0.05
    high : float, default=0.05
    """

    def __init__(self, low=-0.05, high=0.05):
        if not high > low:
            raise ValueError(f"high must be > low; got low={low}, high={high}.")
        self.low = float(low)
        self.high = float(high)

    def _draw(self, shape, rng):
        return rng.uniform(self.low, self.high, size=shape)


class GlorotUniform(Initializer):
    r"""Glorot/Xavier uniform, for tanh units.

    .. math:: W_{ij} \sim U(-r, r), \quad
              r = \text{gain}\sqrt{6 / (\text{fan\_in} + \text{fan\_out})}

    which gives :math:`\mathrm{Var}(W) = 2 / (\text{fan\_in} +
    \text{fan\_out})` for ``gain=1``.

    Parameters
    ----------
    gain : float, default=1.0
    """

    _default_gain = 1.0

    def __init__(self, gain=None):
        self.gain = _positive("gain", self._default_gain if gain is None else gain)

    def _draw(self, shape, rng):
        fan_in, fan_out = _fans(shape)
        r = self.gain * math.sqrt(6.0 / max(1, fan_in + fan_out))
        return rng.uniform(-r, r, size=shape)


class GlorotSigmoid(GlorotUniform):
    r"""Glorot uniform scaled for logistic sigmoid units: range :math:`4r`.

    .. math:: W_{ij} \sim U(-4r, 4r), \quad
              r = \sqrt{6 / (\text{fan\_in} + \text{fan\_out})}

    The sigmoid's slope at zero is 1/4 of tanh's, hence the factor 4
    (``gain=4``).

    Parameters
    ----------
    gain : float, default=4.0
    """

    _default_gain = 4.0


class GlorotNormal(Initializer):
    r"""Glorot/Xavier normal: :math:`W_{ij} \sim N(0, \text{gain}^2 \cdot 2 /
    (\text{fan\_in} + \text{fan\_out}))`.

    Parameters
    ----------
    gain : float, default=1.0
    """

    def __init__(self, gain=1.0):
        self.gain = _positive("gain", gain)

    def _draw(self, shape, rng):
        fan_in, fan_out = _fans(shape)
        std = self.gain * math.sqrt(2.0 / max(1, fan_in + fan_out))
        return rng.normal(0.0, std, size=shape)


class HeNormal(Initializer):
    r"""He normal, for ReLU units: :math:`W_{ij} \sim N(0, 2 / \text{fan\_in})`.

    A ReLU zeroes half of its inputs on average, so the variance is twice
    LeCun's to keep the pre-activation variance constant across layers.
    """

    def _draw(self, shape, rng):
        fan_in, _ = _fans(shape)
        return rng.normal(0.0, math.sqrt(2.0 / max(1, fan_in)), size=shape)


class HeUniform(Initializer):
    r"""He uniform, for ReLU units: :math:`W_{ij} \sim U(-r, r)`,
    :math:`r = \sqrt{6 / \text{fan\_in}}` (variance :math:`2/\text{fan\_in}`).
    """

    def _draw(self, shape, rng):
        fan_in, _ = _fans(shape)
        r = math.sqrt(6.0 / max(1, fan_in))
        return rng.uniform(-r, r, size=shape)


class LecunNormal(Initializer):
    r"""LeCun normal: :math:`W_{ij} \sim N(0, 1 / \text{fan\_in})`, which keeps
    unit-variance inputs at unit-variance pre-activations.
    """

    def _draw(self, shape, rng):
        fan_in, _ = _fans(shape)
        return rng.normal(0.0, math.sqrt(1.0 / max(1, fan_in)), size=shape)


class Orthogonal(Initializer):
    r"""A (semi-)orthogonal matrix times ``gain``.

    The Q factor of a Gaussian matrix, signs fixed by R's diagonal so that it
    is uniform over orthogonal matrices (Saxe et al., 2014); the columns are
    orthonormal when ``fan_in >= fan_out``, otherwise the rows.

    Parameters
    ----------
    gain : float, default=1.0
    """

    def __init__(self, gain=1.0):
        self.gain = _positive("gain", gain)

    def _draw(self, shape, rng):
        if len(shape) == 1:
            raise ValueError(f"orthogonal needs a 2-d shape; got {shape}.")
        rows, cols = shape
        flat = rng.standard_normal(size=(max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(flat)
        d = np.sign(np.diag(r))
        d[d == 0] = 1.0
        q = q * d
        if rows < cols:
            q = q.T
        return self.gain * q


class Zeros(Initializer):
    """All zeros. Right for biases; for weights it leaves every unit
    identical, so use it there only when something else breaks the symmetry.
    """

    def _draw(self, shape, rng):
        return np.zeros(shape)


class _CallableInitializer(Initializer):
    """Adapts a user function ``f(shape, rng)`` to the initialiser interface."""

    def __init__(self, func):
        self.func = func

    def __call__(self, shape, rng, dtype=np.float64):
        shape = _check_shape(shape)
        out = np.asarray(self.func(shape, rng))
        if out.shape != shape:
            raise ValueError(f"init {self.func!r} returned an array of shape {out.shape}; "
                             f"expected {shape}.")
        return np.ascontiguousarray(out, dtype=dtype)


INITIALIZERS = {"normal": Normal, "truncated_normal": TruncatedNormal, "uniform": Uniform,
                "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal,
                "glorot_sigmoid": GlorotSigmoid, "he_normal": HeNormal,
                "he_uniform": HeUniform, "lecun_normal": LecunNormal,
                "orthogonal": Orthogonal, "zeros": Zeros}

normal = Normal()
truncated_normal = TruncatedNormal()
uniform = Uniform()
glorot_uniform = GlorotUniform()
glorot_normal = GlorotNormal()
glorot_sigmoid = GlorotSigmoid()
he_normal = HeNormal()
he_uniform = HeUniform()
lecun_normal = LecunNormal()
orthogonal = Orthogonal()
zeros = Zeros()


def get_initializer(init):
    """Resolve ``init`` (a name in :data:`INITIALIZERS`, an :class:`Initializer`,
    returned as it is, or a callable ``f(shape, rng)``) to an Initializer.

    Examples
    --------
    >>> import numpy as np
    >>> W = get_initializer("glorot_uniform")((784, 500), np.random.default_rng(0))
    >>> W.shape
    (784, 500)
    """
    return resolve(init, INITIALIZERS, "init", Initializer,
                   wrap_callable=_CallableInitializer)

