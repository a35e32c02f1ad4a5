"""Layers and the feed-forward network engine the MLPs train.

A layer owns its parameters (``params``), the gradients of the last
backward pass (``grads``, same shapes) and buffers for one mini-batch, so
that training allocates nothing per step. Interface:

- ``allocate(batch_size, dtype)``: size the buffers;
- ``forward(X, training=False, rng=None)``: output for the rows of ``X``
  (at most ``batch_size`` of them), a view of a layer buffer;
- ``backward(dY, need_input_grad=True)``: fills ``grads`` and returns the
  gradient with respect to the layer's input (``dY`` may be overwritten).

The matrix products run on numpy's BLAS writing straight into the layer's
buffers (:func:`gemm`, the estimators' one product function, from
``deepbelief._kernels.blas``), and every other pass is either a numpy ufunc
in place or a fused Numba kernel.

References
----------
He, K., Zhang, X., Ren, S. and Sun, J. (2015). Delving deep into
rectifiers (PReLU). ICCV.
Goodfellow, I., Warde-Farley, D., Mirza, M., Courville, A. and Bengio, Y.
(2013). Maxout networks. ICML.
"""

import copy
import math
from numbers import Integral, Real

import numpy as np

from .._kernels import mlp as _k
from .._kernels.blas import gemm
from ..training import row_chunks
from .._param_validation import Interval, check
from .activations import ACTIVATIONS, Activation, get_activation

__all__ = ["gemm", "Dense", "ActivationLayer", "PReLU", "Maxout", "Dropout",
           "Network", "ACTIVATION_LAYERS", "make_activation_layer"]


class Layer:
    params = ()
    grads = ()

    def allocate(self, batch_size, dtype):
        pass

    def __repr__(self):
        return f"{type(self).__name__}()"


class Dense(Layer):
    r"""Fully connected: :math:`Z = X W + b`.

    .. math:: \frac{\partial L}{\partial W} = X^T \delta,\quad
              \frac{\partial L}{\partial b} = \textstyle\sum_i \delta_i,\quad
              \frac{\partial L}{\partial X} = \delta W^T

    Parameters
    ----------
    W : ndarray of shape (n_in, n_out), C-contiguous
    b : ndarray of shape (n_out,)
        Both are used (and updated) in place.
    """

    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.params = [W, b]
        self.grads = [np.zeros_like(W), np.zeros_like(b)]

    @property
    def n_in(self):
        return self.W.shape[0]

    @property
    def n_out(self):
        return self.W.shape[1]

    def allocate(self, batch_size, dtype):
        self._z = np.empty((batch_size, self.n_out), dtype=dtype)
        self._dx = np.empty((batch_size, self.n_in), dtype=dtype)

    def forward(self, X, training=False, rng=None):
        self._x = X
        Z = self._z[: X.shape[0]]
        gemm(X, self.W, Z)
        Z += self.b
        return Z

    def backward(self, dY, need_input_grad=True):
        gemm(self._x.T, dY, self.grads[0])
        _k.column_sums(dY, self.grads[1])
        if not need_input_grad:
            return None
        dX = self._dx[: dY.shape[0]]
        gemm(dY, self.W.T, dX)
        return dX


class ActivationLayer(Layer):
    """An elementwise activation applied in place (its input buffer becomes
    its output; the derivative is taken from the output)."""

    def __init__(self, activation):
        self.activation = get_activation(activation)

    def width_in(self, n_units):
        return n_units

    def init_params(self, n_units, dtype):
        pass

    def forward(self, X, training=False, rng=None):
        self._y = self.activation.forward(X, out=X)
        return self._y

    def backward(self, dY, need_input_grad=True):
        return self.activation.backward(self._y, dY)

    def __repr__(self):
        return f"ActivationLayer({self.activation!r})"


class PReLU(Layer):
    r"""Parametric ReLU with one learned slope per unit.

    .. math:: f(z_j) = \begin{cases} z_j & z_j > 0 \\ a_j z_j & z_j \le 0
              \end{cases},\qquad
              \frac{\partial L}{\partial a_j} = \sum_i \delta_{ij} \min(z_{ij}, 0)

    Parameters
    ----------
    init : float, default=0.25
        Initial slope (He et al., 2015).
    """

    def __init__(self, init=0.25):
        self.init = float(check("init", init, [Interval(Real, None, None)]))
        self.params = []
        self.grads = []

    def width_in(self, n_units):
        return n_units

    def init_params(self, n_units, dtype, alpha=None):
        a = (np.full(n_units, self.init, dtype=dtype) if alpha is None
             else np.ascontiguousarray(alpha, dtype=dtype))
        self.params = [a]
        self.grads = [np.zeros_like(a)]

    def allocate(self, batch_size, dtype):
        self._y = np.empty((batch_size, self.params[0].shape[0]), dtype=dtype)

    def forward(self, X, training=False, rng=None):
        self._z = X
        Y = self._y[: X.shape[0]]
        _k.prelu_forward(X, self.params[0], Y)
        return Y

    def backward(self, dY, need_input_grad=True):
        return _k.prelu_backward(self._z, self.params[0], dY, self.grads[0])

    def __repr__(self):
        return f"PReLU(init={self.init!r})"


class Maxout(Layer):
    r"""Maxout over groups of ``k`` consecutive linear units.

    .. math:: h_j = \max_{c \in \{jk, \dots, jk+k-1\}} z_c

    The preceding :class:`Dense` layer has ``k`` times as many outputs; the
    gradient goes to the winning piece of each group only.

    Parameters
    ----------
    k : int, default=2
        Pieces per unit, >= 1.
    """

    def __init__(self, k=2):
        self.k = int(check("k", k, [Interval(Integral, 1, None)]))
        self.params = []
        self.grads = []

    def width_in(self, n_units):
        return n_units * self.k

    def init_params(self, n_units, dtype):
        self._n_units = n_units

    def allocate(self, batch_size, dtype):
        self._y = np.empty((batch_size, self._n_units), dtype=dtype)
        self._arg = np.empty((batch_size, self._n_units), dtype=np.int64)
        self._dz = np.empty((batch_size, self._n_units * self.k), dtype=dtype)

    def forward(self, X, training=False, rng=None):
        n = X.shape[0]
        return _k.maxout_forward(X, self.k, self._y[:n], self._arg[:n])

    def backward(self, dY, need_input_grad=True):
        n = dY.shape[0]
        return _k.maxout_backward(dY, self._arg[:n], self._dz[:n])

    def __repr__(self):
        return f"Maxout(k={self.k})"


class Dropout(Layer):
    r"""Inverted dropout: in training each unit is kept with probability
    :math:`1 - p` and scaled by :math:`1/(1-p)`; at prediction it is the
    identity.

    ``forward(X, training=True, rng=rng)`` draws a fresh mask;
    ``rng=None`` reuses the last one (a fixed mask, as gradient checks
    need).

    Parameters
    ----------
    p : float
        Drop probability in [0, 1).
    """

    def __init__(self, p):
        self.p = float(p)

    def allocate(self, batch_size, dtype):
        self._mask = np.empty(0, dtype=dtype)
        self._capacity = batch_size
        self._dtype = dtype
        self._y = None

    def forward(self, X, training=False, rng=None):
        if not training or self.p == 0:
            self._active = False
            return X
        self._active = True
        n, m = X.shape
        if self._y is None or self._y.shape[1] != m:
            self._y = np.empty((self._capacity, m), dtype=self._dtype)
            self._mask_full = np.empty((self._capacity, m), dtype=self._dtype)
        if rng is not None:
            mask = self._mask_full[:n]
            rng.random(out=mask, dtype=mask.dtype)
            _k.dropout_mask(mask, self.p)
            self._mask = mask
        Y = self._y[:n]
        np.multiply(X, self._mask, out=Y)
        return Y

    def backward(self, dY, need_input_grad=True):
        if self._active:
            dY *= self._mask
        return dY

    def __repr__(self):
        return f"Dropout(p={self.p!r})"


ACTIVATION_LAYERS = {"prelu": PReLU, "maxout": Maxout}


def make_activation_layer(spec):
    """A fresh activation layer from a name, an :class:`Activation`, or a
    :class:`PReLU` / :class:`Maxout` used as a template."""
    if isinstance(spec, str):
        if spec in ACTIVATION_LAYERS:
            return ACTIVATION_LAYERS[spec]()
        if spec in ACTIVATIONS:
            return ActivationLayer(spec)
        raise ValueError(
            f"activation must be one of {sorted(set(ACTIVATIONS) | set(ACTIVATION_LAYERS))}"
            f", an Activation, PReLU or Maxout; got {spec!r}."
        )
    if isinstance(spec, Activation):
        return ActivationLayer(spec)
    if isinstance(spec, (PReLU, Maxout)):
        return copy.deepcopy(spec)
    raise TypeError("activation must be a str, an Activation, PReLU or Maxout; got "
                    f"{type(spec).__name__}.")


class Network:
    """A stack of layers ending in logits, with a loss on top.

    Parameters
    ----------
    layers : list of Layer
    loss : Loss
        Turns the logits into outputs and gradients.
    """

    def __init__(self, layers, loss):
        self.layers = list(layers)
        self.loss = loss
        self._batch_size = 0
        self._dtype = None

    @property
    def params(self):
        return [p for layer in self.layers for p in layer.params]

    @property
    def grads(self):
        return [g for layer in self.layers for g in layer.grads]

    def allocate(self, batch_size, dtype):
        dtype = np.dtype(dtype)
        if batch_size <= self._batch_size and dtype == self._dtype:
            return
        for layer in self.layers:
            layer.allocate(batch_size, dtype)
        self._batch_size = batch_size
        self._dtype = dtype

    def forward(self, X, training=False, rng=None):
        """Logits for the rows of ``X`` (at most the allocated batch size)."""
        out = X
        for layer in self.layers:
            out = layer.forward(out, training=training, rng=rng)
        return out

    def train_batch(self, X, Y, rng=None, scale=None, on_layer=None):
        """Forward and backward on one batch; fill every layer's ``grads``.

        The gradients are those of the mean loss over the batch (``scale``
        defaults to ``1 / len(X)``). ``on_layer(i)``, if given, is called
        as soon as layer ``i``'s gradients (and its input gradient) are
        computed, last layer first: an optimizer may update that layer there,
        while its weights are still in cache. Returns ``(summed loss, errors)``.
        """
        n = X.shape[0]
        Z = self.forward(X, training=True, rng=rng)
        loss, errors = self.loss.delta(Z, Y, 1.0 / n if scale is None else scale)
        if not math.isfinite(loss):
            return loss, errors
        delta = Z
        for i in range(len(self.layers) - 1, -1, -1):
            delta = self.layers[i].backward(delta, need_input_grad=i > 0)
            if on_layer is not None and self.layers[i].params:
                on_layer(i)
        return loss, errors

    def predict(self, X, chunk_size=1024):
        """Outputs (after the output activation) for any number of rows of
        ``X`` (dense or sparse), ``chunk_size`` rows (or the allocated batch
        size, if larger) at a time."""
        n = X.shape[0]
        dtype = self._dtype if self._dtype is not None else X.dtype
        out = None
        self.allocate(min(max(n, 1), max(chunk_size, self._batch_size)), dtype)
        for rows, xb in row_chunks(X, self._batch_size, dtype):
            Z = self.forward(xb)
            if out is None:
                out = np.empty((n, Z.shape[1]), dtype=dtype)
            self.loss.output(Z, out=out[rows])
        return out
