"""Loss functions, computed from the output layer's pre-activations.

Each loss pairs with its output activation (softmax, sigmoid, identity) and
is evaluated from the logits ``z``, never from probabilities, so that it
stays finite where ``p`` rounds to 0 or 1. For all three pairs the gradient
with respect to ``z`` is :math:`(p - y)` per sample, which is what the
networks backpropagate.

Each loss object offers

- ``output(z)``: the output activation, e.g. class probabilities;
- ``loss(y, z)``: the mean over samples of the summed per-output loss;
- ``gradient(y, z)``: :math:`\\partial\\,` ``loss`` :math:`/ \\partial z`;
- ``delta(z, y, scale)``: the fused version the networks use, writing
  ``scale`` times the gradient of the *summed* loss into ``z`` in place and
  returning ``(summed loss, errors)``.
"""

import numpy as np

from .._kernels import mlp as _k
from .._param_validation import resolve
from .activations import Identity, Sigmoid, Softmax

__all__ = ["Loss", "SquaredError", "CrossEntropy", "BinaryCrossEntropy", "Poisson",
           "squared_error", "cross_entropy", "binary_cross_entropy", "LOSSES", "get_loss"]


def _pair(y, z):
    z = np.atleast_2d(np.asarray(z, dtype=np.result_type(z, np.float32)))
    y = np.asarray(y, dtype=z.dtype).reshape(z.shape)
    return y, z


class Loss:
    """Base class; subclasses set ``activation`` and ``_kernel``."""

    name = None
    activation = None
    _kernel = None

    def output(self, z, out=None):
        return self.activation.forward(z, out=out)

    def delta(self, z, y, scale=1.0):
        """Overwrite ``z`` with ``scale * d(sum loss)/dz``; return (sum loss, errors)."""
        return self._kernel(z, y, scale)

    def loss(self, y, z):
        y, z = _pair(y, z)
        total, _ = self._kernel(np.array(z, order="C"), np.ascontiguousarray(y), 1.0)
        return total / z.shape[0]

    def gradient(self, y, z):
        y, z = _pair(y, z)
        g = np.array(z, order="C")
        self._kernel(g, np.ascontiguousarray(y), 1.0 / z.shape[0])
        return g

    def __call__(self, y, z):
        return self.loss(y, z)

    def __repr__(self):
        return f"{type(self).__name__}()"


class SquaredError(Loss):
    r"""Half the squared error, with identity outputs (regression).

    .. math:: L = \frac{1}{n}\sum_i \tfrac12 \lVert z_i - y_i \rVert^2,
              \qquad \frac{\partial L}{\partial z_i} = \frac{z_i - y_i}{n}

    ``errors`` from ``delta`` is the summed squared error.
    """

    name = "squared_error"
    activation = Identity()
    _kernel = staticmethod(_k.squared_error_delta)


class CrossEntropy(Loss):
    r"""Cross-entropy with softmax outputs (one-of-K classification).

    .. math:: L = -\frac{1}{n}\sum_i \sum_k y_{ik} \log p_{ik},\quad
              \log p_{ik} = z_{ik} - \log\sum_j e^{z_{ij}},\qquad
              \frac{\partial L}{\partial z_i} = \frac{p_i - y_i}{n}

    The log-sum-exp is shifted by the row maximum. ``errors`` from
    ``delta`` counts rows whose arg-max differs from the target's.
    """

    name = "cross_entropy"
    activation = Softmax()
    _kernel = staticmethod(_k.softmax_cross_entropy_delta)


class BinaryCrossEntropy(Loss):
    r"""Cross-entropy with independent sigmoid outputs (binary, multilabel).

    .. math:: L = \frac{1}{n}\sum_i \sum_k \left[\log(1 + e^{z_{ik}})
              - y_{ik} z_{ik}\right], \qquad
              \frac{\partial L}{\partial z_i} = \frac{\sigma(z_i) - y_i}{n}

    with :math:`\log(1 + e^z) = \max(z, 0) + \log(1 + e^{-|z|})`.
    ``errors`` from ``delta`` counts rows with any output on the wrong side
    of 1/2.
    """

    name = "binary_cross_entropy"
    activation = Sigmoid()
    _kernel = staticmethod(_k.sigmoid_cross_entropy_delta)


class _Exp:
    """The exponential output of Poisson regression (means are positive)."""

    name = "exp"

    def forward(self, z, out=None):
        return np.exp(z, out=out)


def _poisson_delta(Z, Y, scale):
    with np.errstate(over="ignore"):
        mu = np.exp(Z)
    with np.errstate(divide="ignore", invalid="ignore"):
        ylogy = np.where(Y > 0, Y * np.log(np.where(Y > 0, Y, 1)), 0.0)
    loss = float(np.sum(ylogy - Y * Z - Y + mu))
    errors = float(np.sum((mu - Y) ** 2))
    np.multiply(mu - Y, scale, out=Z)
    return loss, errors


class Poisson(Loss):
    r"""Poisson deviance (half of it), with exponential outputs (counts).

    .. math:: L = \frac{1}{n}\sum_i \sum_k \left[y_{ik}\log y_{ik} - y_{ik} z_{ik}
              - y_{ik} + e^{z_{ik}}\right], \qquad
              \frac{\partial L}{\partial z_i} = \frac{e^{z_i} - y_i}{n}

    Targets must be non-negative. ``errors`` from ``delta`` is the summed
    squared error of the means ``exp(z)``.
    """

    name = "poisson"
    activation = _Exp()
    _kernel = staticmethod(_poisson_delta)


squared_error = SquaredError()
cross_entropy = CrossEntropy()
binary_cross_entropy = BinaryCrossEntropy()

LOSSES = {
    "squared_error": SquaredError,
    "cross_entropy": CrossEntropy,
    "binary_cross_entropy": BinaryCrossEntropy,
    "poisson": Poisson,
}


def get_loss(loss):
    """Resolve a name or a :class:`Loss` instance to an instance."""
    return resolve(loss, LOSSES, "loss", Loss)
