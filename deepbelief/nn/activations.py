"""Activation functions, each knowing its derivative.

Every activation is an object with

- ``forward(z, out=None)``: :math:`f(z)` elementwise (row-wise for softmax),
  in place when ``out is z``;
- ``derivative(z)``: :math:`f'(z)` (for softmax, the diagonal of the
  Jacobian; use ``backward`` for the full product);
- ``backward(y, grad)``: the gradient with respect to ``z`` given
  ``y = f(z)`` and the gradient ``grad`` with respect to ``y``, written into
  ``grad``. Every elementwise activation here is monotonic, so its
  derivative is a function of its output and a network need not keep ``z``.

and a ``properties`` dict (range, monotonic, ``f(x) ~ x`` near 0, smooth).
Forward passes are in-place numpy ufuncs, backward passes fused Numba
kernels. PReLU and maxout, which have parameters, are layers in
:mod:`deepbelief.nn.layers`.

References
----------
Glorot, X., Bordes, A. and Bengio, Y. (2011). Deep sparse rectifier neural
networks. AISTATS.
Maas, A., Hannun, A. and Ng, A. (2013). Rectifier nonlinearities improve
neural network acoustic models. ICML.
Clevert, D.-A., Unterthiner, T. and Hochreiter, S. (2016). Fast and
accurate deep network learning by exponential linear units (ELUs). ICLR.
"""

from numbers import Real

import numpy as np

from .._kernels import mlp as _k
from .._param_validation import Interval, ValueObject, check, resolve

__all__ = ["Activation", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "ELU", "Softplus",
           "Identity", "Softmax", "sigmoid", "tanh", "relu", "leaky_relu", "elu",
           "softplus", "identity", "softmax", "ACTIVATIONS", "get_activation"]


def _out(z, out):
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    if out is None:
        return z, np.empty_like(z)
    return z, out


class Activation(ValueObject):
    """Base class of elementwise activations."""

    name = None
    properties = {}

    def forward(self, z, out=None):
        raise NotImplementedError

    def derivative(self, z):
        raise NotImplementedError

    def backward(self, y, grad):
        """Multiply ``grad`` in place by :math:`f'(z)`, computed from ``y = f(z)``."""
        raise NotImplementedError

    def __call__(self, z, out=None):
        return self.forward(z, out=out)


def _as_2d_kernel(kernel, y, grad, *args):
    y2 = np.ascontiguousarray(y)
    if grad.flags.c_contiguous and grad.dtype == y2.dtype:
        kernel(y2, grad, *args)
        return grad
    g = np.ascontiguousarray(grad, dtype=y2.dtype)
    kernel(y2, g, *args)
    grad[...] = g
    return grad


class Sigmoid(Activation):
    r"""Logistic sigmoid.

    .. math:: f(z) = \frac{1}{1 + e^{-z}}, \qquad f'(z) = f(z)(1 - f(z))

    Range (0, 1), monotonic, smooth; :math:`f(z) \approx 1/2 + z/4` near 0
    (not :math:`\approx z`), so it saturates badly when weights are large.
    """

    name = "sigmoid"
    properties = dict(range=(0.0, 1.0), monotonic=True, identity_near_zero=False,
                      smooth=True)

    def forward(self, z, out=None):
        z, out = _out(z, out)
        np.negative(z, out=out)
        with np.errstate(over="ignore"):  # exp(large) = inf gives f = 0, as it should
            np.exp(out, out=out)
        out += 1
        np.reciprocal(out, out=out)
        return out

    def derivative(self, z):
        y = self.forward(z)
        return y * (1 - y)

    def backward(self, y, grad):
        return _as_2d_kernel(_k.sigmoid_backward, y, grad)


class Tanh(Activation):
    r"""Hyperbolic tangent.

    .. math:: f(z) = \tanh z, \qquad f'(z) = 1 - f(z)^2

    Range (-1, 1), monotonic, smooth, zero-centred, :math:`f(z) \approx z`
    near 0.
    """

    name = "tanh"
    properties = dict(range=(-1.0, 1.0), monotonic=True, identity_near_zero=True,
                      smooth=True)

    def forward(self, z, out=None):
        z, out = _out(z, out)
        return np.tanh(z, out=out)

    def derivative(self, z):
        y = np.tanh(z)
        return 1 - y * y

    def backward(self, y, grad):
        return _as_2d_kernel(_k.tanh_backward, y, grad)


class ReLU(Activation):
    r"""Rectified linear unit.

    .. math:: f(z) = \max(0, z), \qquad f'(z) = [z > 0]

    Range [0, inf), monotonic, not differentiable at 0 (the derivative 0 is
    used there), :math:`f(z) = z` for :math:`z > 0`. Does not saturate for
    positive inputs; sparse activations.
    """

    name = "relu"
    properties = dict(range=(0.0, np.inf), monotonic=True, identity_near_zero=False,
                      smooth=False)

    def forward(self, z, out=None):
        z, out = _out(z, out)
        return np.maximum(z, 0, out=out)

    def derivative(self, z):
        return (np.asarray(z) > 0).astype(np.result_type(z, np.float32))

    def backward(self, y, grad):
        return _as_2d_kernel(_k.relu_backward, y, grad)


def _check_positive(name, value):
    return float(check(name, value, [Interval(Real, 0, None, closed="neither")]))


class LeakyReLU(Activation):
    r"""Leaky rectifier with a fixed slope for negative inputs.

    .. math:: f(z) = \begin{cases} z & z > 0 \\ a z & z \le 0 \end{cases},
              \qquad f'(z) = \begin{cases} 1 & z > 0 \\ a & z \le 0 \end{cases}

    Range (-inf, inf), monotonic for ``slope > 0``, :math:`f(z) = z` for
    :math:`z > 0`; negative inputs keep a small gradient.

    Parameters
    ----------
    slope : float, default=0.01
    """

    name = "leaky_relu"
    properties = dict(range=(-np.inf, np.inf), monotonic=True,
                      identity_near_zero=False, smooth=False)

    def __init__(self, slope=0.01):
        self.slope = _check_positive("slope", slope)

    def forward(self, z, out=None):
        z, out = _out(z, out)
        # max(z, a z) equals the piecewise form for 0 < a < 1
        if self.slope <= 1:
            return np.maximum(z, self.slope * z, out=out)
        return _where(z > 0, z, self.slope * z, out)

    def derivative(self, z):
        z = np.asarray(z)
        return np.where(z > 0, 1.0, self.slope).astype(np.result_type(z, np.float32))

    def backward(self, y, grad):
        return _as_2d_kernel(_k.leaky_relu_backward, y, grad, self.slope)


class ELU(Activation):
    r"""Exponential linear unit.

    .. math:: f(z) = \begin{cases} z & z > 0 \\ \alpha (e^z - 1) & z \le 0
              \end{cases}, \qquad
              f'(z) = \begin{cases} 1 & z > 0 \\ f(z) + \alpha & z \le 0
              \end{cases}

    Range :math:`(-\alpha, \infty)`, monotonic, smooth for
    :math:`\alpha = 1`, :math:`f(z) \approx z` near 0 (for
    :math:`\alpha = 1`); mean activations nearer zero than ReLU's.

    Parameters
    ----------
    alpha : float, default=1.0
    """

    name = "elu"
    properties = dict(range=(-1.0, np.inf), monotonic=True, identity_near_zero=True,
                      smooth=True)

    def __init__(self, alpha=1.0):
        self.alpha = _check_positive("alpha", alpha)

    def forward(self, z, out=None):
        z, out = _out(z, out)
        neg = np.expm1(np.minimum(z, 0))
        neg *= self.alpha
        return _where(z > 0, z, neg, out)

    def derivative(self, z):
        z = np.asarray(z)
        return np.where(z > 0, 1.0, self.alpha * np.exp(np.minimum(z, 0))).astype(
            np.result_type(z, np.float32))

    def backward(self, y, grad):
        return _as_2d_kernel(_k.elu_backward, y, grad, self.alpha)


def _where(cond, a, b, out):
    # ``out`` may be ``a`` itself (in place); ``cond`` and ``b`` are computed first
    if out is not a:
        np.copyto(out, a)
    np.copyto(out, b, where=~cond)
    return out


class Softplus(Activation):
    r"""Softplus, a smooth rectifier.

    .. math:: f(z) = \log(1 + e^z), \qquad f'(z) = \sigma(z) = 1 - e^{-f(z)}

    Range (0, inf), monotonic, smooth; :math:`f(0) = \log 2`, so not
    :math:`\approx z` near 0.
    """

    name = "softplus"
    properties = dict(range=(0.0, np.inf), monotonic=True, identity_near_zero=False,
                      smooth=True)

    def forward(self, z, out=None):
        z, out = _out(z, out)
        # log(1 + e^z) = max(z, 0) + log1p(e^-|z|), without overflow
        t = np.abs(z)
        np.negative(t, out=t)
        np.exp(t, out=t)
        np.log1p(t, out=t)
        np.maximum(z, 0, out=out)
        out += t
        return out

    def derivative(self, z):
        return Sigmoid().forward(z)

    def backward(self, y, grad):
        return _as_2d_kernel(_k.softplus_backward, y, grad)


class Identity(Activation):
    r"""Identity: :math:`f(z) = z`, :math:`f'(z) = 1`. Range (-inf, inf),
    monotonic, linear; the output activation of regression networks."""

    name = "identity"
    properties = dict(range=(-np.inf, np.inf), monotonic=True,
                      identity_near_zero=True, smooth=True)

    def forward(self, z, out=None):
        z, out = _out(z, out)
        if out is not z:
            np.copyto(out, z)
        return out

    def derivative(self, z):
        return np.ones_like(np.asarray(z, dtype=np.result_type(z, np.float32)))

    def backward(self, y, grad):
        return grad


class Softmax(Activation):
    r"""Softmax over the last axis.

    .. math:: f(z)_j = \frac{e^{z_j}}{\sum_k e^{z_k}}, \qquad
              \frac{\partial f_j}{\partial z_k} = f_j(\delta_{jk} - f_k)

    Outputs in (0, 1) summing to 1; invariant to adding a constant to every
    :math:`z_j`, computed after subtracting the row maximum so it never
    overflows. ``derivative`` returns the Jacobian's diagonal
    :math:`f_j (1 - f_j)`; ``backward`` applies the full Jacobian.
    """

    name = "softmax"
    properties = dict(range=(0.0, 1.0), monotonic=False, identity_near_zero=False,
                      smooth=True)

    def forward(self, z, out=None):
        z, out = _out(z, out)
        if out is not z:
            np.copyto(out, z)
        work = np.ascontiguousarray(out).reshape(-1, out.shape[-1])
        _k.softmax_rows(work)
        if not np.shares_memory(work, out):
            out[...] = work.reshape(out.shape)
        return out

    def derivative(self, z):
        y = self.forward(z)
        return y * (1 - y)

    def backward(self, y, grad):
        y2 = np.ascontiguousarray(np.atleast_2d(y))
        g = np.ascontiguousarray(np.reshape(grad, y2.shape), dtype=y2.dtype)
        _k.softmax_backward(y2, g)
        if not np.shares_memory(g, grad):
            grad[...] = g.reshape(np.shape(grad))
        return grad


ACTIVATIONS = {"sigmoid": Sigmoid, "logistic": Sigmoid, "tanh": Tanh, "relu": ReLU,
               "leaky_relu": LeakyReLU, "elu": ELU, "softplus": Softplus,
               "identity": Identity, "softmax": Softmax}
"""Names of the elementwise activations; ``"logistic"`` is scikit-learn's
name for the sigmoid. ``"prelu"`` and ``"maxout"`` are layers, see
:data:`deepbelief.nn.layers.ACTIVATION_LAYERS`."""

sigmoid = Sigmoid()
tanh = Tanh()
relu = ReLU()
leaky_relu = LeakyReLU()
elu = ELU()
softplus = Softplus()
identity = Identity()
softmax = Softmax()


def get_activation(activation):
    """Resolve a name or an :class:`Activation` instance to an instance."""
    return resolve(activation, ACTIVATIONS, "activation", Activation)
