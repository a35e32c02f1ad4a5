"""Optimizers that update a list of parameter arrays in place.

``opt.update(params, grads, l2=0.0, l1=0.0)`` applies one step to every
array in ``params`` given the matching ``grads``. Optional ``l2`` and
``l1`` (a scalar, or one value per parameter) add the penalty gradient
:math:`\\lambda_2 w + \\lambda_1\\,\\mathrm{sign}(w)` to each gradient inside
the update kernel. State (velocities, moment estimates) is created on the
first call, one buffer per parameter, and exposed by ``state()`` /
``set_state()`` so that a checkpoint can restore it exactly. The
``learning_rate`` attribute may be changed between steps (schedules do).

References
----------
Sutskever, I., Martens, J., Dahl, G. and Hinton, G. (2013). On the
importance of initialization and momentum in deep learning. ICML.
Duchi, J., Hazan, E. and Singer, Y. (2011). Adaptive subgradient methods
for online learning and stochastic optimization. JMLR 12.
Tieleman, T. and Hinton, G. (2012). Lecture 6.5, RMSProp. Coursera:
Neural Networks for Machine Learning.
Kingma, D. and Ba, J. (2015). Adam: a method for stochastic optimization.
ICLR.
"""

import math
from numbers import Real

import numpy as np

from .._kernels import mlp as _k
from .._param_validation import Interval, check, resolve

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSProp", "Adam", "OPTIMIZERS",
           "get_optimizer"]


def _check(name, value, low_open=False, high=math.inf):
    """``value`` as a float, finite and >= 0 (> 0 with ``low_open``), below ``high``."""
    closed = "neither" if low_open else "left"
    return float(check(name, value, [Interval(Real, 0, high, closed=closed)]))


def _flat(a):
    if not a.flags.c_contiguous:
        raise ValueError("parameters and gradients must be C-contiguous arrays.")
    return a.reshape(-1)


def _per_param(value, n, name):
    if np.ndim(value) == 0:
        return [float(value)] * n
    value = [float(v) for v in value]
    if len(value) != n:
        raise ValueError(f"{name} must be a scalar or have one value per parameter "
                         f"({n}); got {len(value)}.")
    return value


class Optimizer:
    """Base class. Subclasses define ``_slots`` (state buffers per parameter)
    and ``_step(i, w, g, l2, l1, c)``, ``c`` casting scalars to the
    parameters' precision."""

    _slots = ()

    def __init__(self, learning_rate):
        self.learning_rate = _check("learning_rate", learning_rate, low_open=True)
        self.t = 0
        self._state = None

    def update(self, params, grads, l2=0.0, l1=0.0):
        """One step on every array of ``params`` (in place)."""
        if len(params) != len(grads):
            raise ValueError(f"params and grads must have the same length; got "
                             f"{len(params)} and {len(grads)}.")
        l2 = _per_param(l2, len(params), "l2")
        l1 = _per_param(l1, len(params), "l1")
        self.begin_step(params)
        for i, (w, g) in enumerate(zip(params, grads)):
            self.update_one(i, w, g, l2[i], l1[i])

    def begin_step(self, params):
        """Start one step over ``params`` (creates the state on first use).

        With :meth:`update_one` this lets a network update each layer as soon
        as its gradient is known, while its weights are still in cache.
        """
        if self._state is None:
            self._state = {}
        for s in self._slots:
            # a slot appears when first needed (SGD's velocity once momentum > 0)
            if s not in self._state:
                self._state[s] = [np.zeros_like(p) for p in params]
        self.t += 1
        self._begin_step()

    def update_one(self, i, w, g, l2=0.0, l1=0.0):
        """Update parameter number ``i`` of the step begun by :meth:`begin_step`."""
        if w.shape != g.shape:
            raise ValueError(f"params[{i}] and grads[{i}] differ in shape: "
                             f"{w.shape} and {g.shape}.")
        # scalars in the arrays' precision: float32 kernels then run without
        # conversions (twice as fast as with float64 scalars)
        c = w.dtype.type
        self._step(i, _flat(w), _flat(g), c(l2), c(l1), c)

    def _begin_step(self):
        pass

    def state(self):
        """A dict of name -> array (and the step count) describing the state."""
        out = {"t": np.array(self.t), "learning_rate": np.array(self.learning_rate)}
        if self._state is not None:
            for s, arrays in self._state.items():
                for i, a in enumerate(arrays):
                    out[f"{s}_{i}"] = a
        return out

    def set_state(self, state):
        """Restore what ``state()`` returned (buffers are copied)."""
        self.t = int(state["t"])
        self.learning_rate = float(state["learning_rate"])
        slots = sorted({k.rsplit("_", 1)[0] for k in state
                        if k.rsplit("_", 1)[-1].isdigit()})
        if slots:
            self._state = {}
            for s in slots:
                arrays, i = [], 0
                while f"{s}_{i}" in state:
                    arrays.append(np.array(state[f"{s}_{i}"], copy=True, order="C"))
                    i += 1
                self._state[s] = arrays
        else:
            self._state = None

    def __repr__(self):
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items()
                           if not k.startswith("_") and k != "t")
        return f"{type(self).__name__}({params})"


class SGD(Optimizer):
    r"""Stochastic gradient descent with optional (Nesterov) momentum.

    .. math:: v \leftarrow \mu v - \eta g, \qquad
              w \leftarrow w + v \quad\text{(classical)},\qquad
              w \leftarrow w + \mu v - \eta g \quad\text{(Nesterov)}

    which is scikit-learn's formulation; ``momentum=0`` is plain
    :math:`w \leftarrow w - \eta g`.

    Parameters
    ----------
    learning_rate : float, default=0.01
    momentum : float, default=0.9
        In [0, 1). It may be changed between steps (a momentum schedule):
        the velocity is kept from the first step with momentum > 0 on, and
        a step with momentum 0 is then the plain step that also sets it.
    nesterov : bool, default=True
    """

    def __init__(self, learning_rate=0.01, momentum=0.9, nesterov=True):
        super().__init__(learning_rate)
        self.momentum = _check("momentum", momentum, high=1)
        self.nesterov = bool(nesterov)

    # every buffer this optimizer may hold (a checkpoint may carry them)
    all_slots = ("velocity",)

    @property
    def _slots(self):
        # once created (begin_step), the velocity stays in the state
        return ("velocity",) if self.momentum > 0 else ()

    def _step(self, i, w, g, l2, l1, c):
        if "velocity" in self._state:
            v = _flat(self._state["velocity"][i])
            _k.momentum_update(w, g, v, c(self.learning_rate), c(self.momentum),
                               self.nesterov, l2, l1)
        else:
            _k.sgd_update(w, g, c(self.learning_rate), l2, l1)


class Adagrad(Optimizer):
    r"""Adagrad: per-weight rates shrinking with the sum of squared gradients.

    .. math:: G \leftarrow G + g^2, \qquad
              w \leftarrow w - \eta\, g / (\sqrt{G} + \epsilon)

    Parameters
    ----------
    learning_rate : float, default=0.01
    epsilon : float, default=1e-8
    """

    _slots = ("accumulator",)

    def __init__(self, learning_rate=0.01, epsilon=1e-8):
        super().__init__(learning_rate)
        self.epsilon = _check("epsilon", epsilon, low_open=True)

    def _step(self, i, w, g, l2, l1, c):
        _k.adagrad_update(w, g, _flat(self._state["accumulator"][i]),
                          c(self.learning_rate), c(self.epsilon), l2, l1)


class RMSProp(Optimizer):
    r"""RMSProp: rates scaled by a running mean of squared gradients.

    .. math:: s \leftarrow \rho s + (1 - \rho) g^2, \qquad
              w \leftarrow w - \eta\, g / (\sqrt{s} + \epsilon)

    Parameters
    ----------
    learning_rate : float, default=0.001
    rho : float, default=0.9
    epsilon : float, default=1e-8
    """

    _slots = ("accumulator",)

    def __init__(self, learning_rate=0.001, rho=0.9, epsilon=1e-8):
        super().__init__(learning_rate)
        self.rho = _check("rho", rho, high=1)
        self.epsilon = _check("epsilon", epsilon, low_open=True)

    def _step(self, i, w, g, l2, l1, c):
        _k.rmsprop_update(w, g, _flat(self._state["accumulator"][i]),
                          c(self.learning_rate), c(self.rho), c(self.epsilon), l2, l1)


class Adam(Optimizer):
    r"""Adam: bias-corrected moment estimates.

    .. math:: m \leftarrow \beta_1 m + (1-\beta_1) g,\quad
              v \leftarrow \beta_2 v + (1-\beta_2) g^2,\quad
              w \leftarrow w - \eta_t\, m / (\sqrt{v} + \epsilon),\quad
              \eta_t = \eta \frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t}

    (the form of Kingma and Ba's section 2 and scikit-learn's).

    Parameters
    ----------
    learning_rate : float, default=0.001
    beta_1 : float, default=0.9
    beta_2 : float, default=0.999
    epsilon : float, default=1e-8
    """

    _slots = ("m", "v")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        super().__init__(learning_rate)
        self.beta_1 = _check("beta_1", beta_1, high=1)
        self.beta_2 = _check("beta_2", beta_2, high=1)
        self.epsilon = _check("epsilon", epsilon, low_open=True)

    def _begin_step(self):
        self._lr_t = (self.learning_rate * math.sqrt(1 - self.beta_2 ** self.t)
                      / (1 - self.beta_1 ** self.t))

    def _step(self, i, w, g, l2, l1, c):
        _k.adam_update(w, g, _flat(self._state["m"][i]), _flat(self._state["v"][i]),
                       c(self._lr_t), c(self.beta_1), c(self.beta_2), c(self.epsilon),
                       l2, l1)


OPTIMIZERS = {"sgd": SGD, "adagrad": Adagrad, "rmsprop": RMSProp, "adam": Adam}


def get_optimizer(optimizer, **kwargs):
    """Resolve a name (built with ``kwargs``) or an instance to an optimizer."""
    return resolve(optimizer, OPTIMIZERS, "optimizer", Optimizer, **kwargs)
