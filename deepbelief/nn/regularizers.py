"""Regularisers: L1 and L2 penalties, max-norm, inverted dropout.

Penalties have ``penalty(W)`` and ``gradient(W)``; max-norm is a
projection applied after each update; dropout is a pair of functions
around a mask. The networks fold the L1 and L2 gradients into the
optimizer's update kernels (no extra pass over the weights), with the
formulas written here.

References
----------
Srivastava, N., Hinton, G., Krizhevsky, A., Sutskever, I. and
Salakhutdinov, R. (2014). Dropout: a simple way to prevent neural networks
from overfitting. JMLR 15.
"""

from numbers import Real

import numpy as np

from .._kernels import mlp as _k
from .._param_validation import Interval, check

__all__ = ["L1", "L2", "MaxNorm", "dropout_mask", "dropout_forward",
           "dropout_backward"]


def _nonneg(name, value):
    return float(check(name, value, [Interval(Real, 0, None)]))


class L2:
    r"""Weight decay: :math:`\Omega(W) = \frac{\lambda}{2}\lVert W\rVert_2^2`,
    :math:`\nabla\Omega = \lambda W`. Shrinks every weight in proportion to
    its size; weights rarely reach exactly zero.

    Parameters
    ----------
    coef : float
        :math:`\lambda \ge 0`.
    """

    def __init__(self, coef):
        self.coef = _nonneg("coef", coef)

    def penalty(self, W):
        return 0.5 * self.coef * float(np.sum(np.square(W, dtype=np.float64)))

    def gradient(self, W):
        return self.coef * np.asarray(W)


class L1:
    r"""Lasso penalty: :math:`\Omega(W) = \lambda \lVert W\rVert_1`,
    :math:`\nabla\Omega = \lambda\,\mathrm{sign}(W)` (0 at 0). Pulls every
    weight towards zero by the same amount, so weights of irrelevant inputs
    end at (or oscillate around) zero: sparse weights, feature selection.

    Parameters
    ----------
    coef : float
        :math:`\lambda \ge 0`.
    """

    def __init__(self, coef):
        self.coef = _nonneg("coef", coef)

    def penalty(self, W):
        return self.coef * float(np.sum(np.abs(W, dtype=np.float64)))

    def gradient(self, W):
        return self.coef * np.sign(W)


class MaxNorm:
    r"""Max-norm constraint: after each update, every unit's incoming
    weight vector (a column of ``W`` of shape ``(n_in, n_out)``) is scaled
    back onto the ball :math:`\lVert w_j\rVert_2 \le c` if it left it
    (Srivastava et al., 2014, with dropout).

    Parameters
    ----------
    c : float
        Largest allowed norm, > 0 (3 to 4 is typical).
    """

    def __init__(self, c):
        self.c = float(check("c", c, [Interval(Real, 0, None, closed="neither")]))

    def project(self, W, buffer=None):
        """Rescale the columns of ``W`` in place; return ``W``."""
        if not W.flags.c_contiguous:
            raise ValueError("W must be C-contiguous to be projected in place.")
        norms = np.empty(W.shape[1], dtype=W.dtype) if buffer is None else buffer
        _k.max_norm(W, self.c, norms)
        return W


def dropout_mask(shape, p, rng, dtype=np.float64, out=None):
    r"""Inverted-dropout scales: each entry is :math:`1/(1-p)` with
    probability :math:`1-p` and 0 otherwise, so the expected activation is
    unchanged and nothing is rescaled at prediction time.

    Parameters
    ----------
    shape : tuple
    p : float
        Probability of dropping a unit, in [0, 1).
    rng : numpy.random.Generator
    out : ndarray, optional
        Buffer of ``shape`` to fill (float32 or float64).
    """
    p = float(check("p", p, [Interval(Real, 0, 1, closed="left")]))
    if out is None:
        out = np.empty(shape, dtype=dtype)
    rng.random(out=out, dtype=out.dtype)
    _k.dropout_mask(out, p)
    return out


def dropout_forward(X, mask, out=None):
    """``X * mask``, the training-time output of a dropout layer."""
    return np.multiply(X, mask, out=out)


def dropout_backward(grad, mask):
    """Gradient through dropout: ``grad * mask`` (in place)."""
    grad *= mask
    return grad
