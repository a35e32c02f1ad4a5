"""Learning-rate schedules.

A schedule is a pure function ``lr = schedule(learning_rate_init, epoch,
losses)`` of the initial rate, the 0-based epoch and the losses so far, so a
run resumed from a checkpoint (which keeps the loss curve) gets the same
rates as an uninterrupted one.
"""

import math
from numbers import Integral, Real

from .._param_validation import Interval, Options, check, resolve

__all__ = ["Schedule", "Constant", "Step", "Exponential", "InverseTime",
           "ReduceOnPlateau", "LinearRamp", "ClassicMomentum", "SCHEDULES",
           "get_schedule", "get_momentum_schedule"]


def _check(name, value, low_open=True, integer=False):
    """``value`` if it is a number (an int with ``integer``) > 0 (>= 0
    without ``low_open``)."""
    kind = Integral if integer else Real
    return check(name, value, [Interval(kind, 0, None, closed="neither" if low_open else "left")])


class Schedule:
    """Base class: ``schedule(learning_rate_init, epoch, losses) -> float``."""

    def __call__(self, learning_rate_init, epoch, losses=()):
        raise NotImplementedError

    def __repr__(self):
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({params})"


class Constant(Schedule):
    r""":math:`\eta_t = \eta_0`."""

    def __call__(self, learning_rate_init, epoch, losses=()):
        return float(learning_rate_init)


class Step(Schedule):
    r"""Multiply the rate by ``factor`` every ``every`` epochs:
    :math:`\eta_t = \eta_0 \cdot \text{factor}^{\lfloor t / \text{every}\rfloor}`.

    Parameters
    ----------
    factor : float, default=0.5
    every : int, default=10
    """

    def __init__(self, factor=0.5, every=10):
        self.factor = float(_check("factor", factor))
        self.every = int(_check("every", every, integer=True))

    def __call__(self, learning_rate_init, epoch, losses=()):
        return learning_rate_init * self.factor ** (epoch // self.every)


class Exponential(Schedule):
    r""":math:`\eta_t = \eta_0 \cdot \text{decay}^t`.

    Parameters
    ----------
    decay : float, default=0.95
    """

    def __init__(self, decay=0.95):
        self.decay = float(_check("decay", decay))

    def __call__(self, learning_rate_init, epoch, losses=()):
        return learning_rate_init * self.decay ** epoch


class InverseTime(Schedule):
    r""":math:`\eta_t = \eta_0 / (1 + \text{decay}\cdot t)^{p}`.

    With ``decay = n_samples`` and ``power = power_t`` this is scikit-learn's
    ``"invscaling"`` (its time step counts samples seen).

    Parameters
    ----------
    decay : float, default=1.0
    power : float, default=1.0
    """

    def __init__(self, decay=1.0, power=1.0):
        self.decay = float(_check("decay", decay, low_open=False))
        self.power = float(_check("power", power, low_open=False))

    def __call__(self, learning_rate_init, epoch, losses=()):
        return learning_rate_init / (1.0 + self.decay * epoch) ** self.power


class ReduceOnPlateau(Schedule):
    r"""Multiply the rate by ``factor`` each time the monitored loss has not
    improved by more than ``tol`` for ``patience`` consecutive epochs.

    Replays the whole loss curve on each call, so it needs no state.
    ``factor=0.2`` is scikit-learn's ``"adaptive"`` (divide by 5).

    Parameters
    ----------
    factor : float, default=0.2
    patience : int, default=2
    tol : float, default=1e-4
    min_learning_rate : float, default=1e-6
    """

    def __init__(self, factor=0.2, patience=2, tol=1e-4, min_learning_rate=1e-6):
        self.factor = float(_check("factor", factor))
        # np.inf: never reduce (scikit-learn's n_iter_no_change=np.inf)
        check("patience", patience, [Interval(Integral, 0, None, closed="neither"),
                                     Options(Real, {math.inf})])
        self.patience = patience if patience == math.inf else int(patience)
        self.tol = float(_check("tol", tol, low_open=False))
        self.min_learning_rate = float(_check("min_learning_rate", min_learning_rate,
                                              low_open=False))

    def __call__(self, learning_rate_init, epoch, losses=()):
        lr = float(learning_rate_init)
        best = math.inf
        bad = 0
        for loss in list(losses)[:epoch]:
            if loss < best - self.tol:
                bad = 0
            else:
                bad += 1
            best = min(best, loss)
            if bad >= self.patience:
                lr = max(lr * self.factor, self.min_learning_rate)
                bad = 0
        return lr


class LinearRamp:
    r"""A value moved linearly from ``start`` to ``stop`` over ``epochs``
    epochs, then held: :math:`v_t = v_0 + (v_1 - v_0)\min(t / T, 1)`.

    Called with the epoch alone (``ramp(epoch)``); it is the form a momentum
    schedule takes (``MLPClassifier(momentum=LinearRamp(0.5, 0.99, 500))``,
    the momentum of Hinton et al. 2012 for dropout fine-tuning).

    Parameters
    ----------
    start : float, default=0.5
    stop : float, default=0.99
    epochs : int, default=500
    """

    def __init__(self, start=0.5, stop=0.99, epochs=500):
        self.start = float(_check("start", start, low_open=False))
        self.stop = float(_check("stop", stop, low_open=False))
        self.epochs = int(_check("epochs", epochs, integer=True))

    def __call__(self, epoch):
        return self.start + (self.stop - self.start) * min(epoch / self.epochs, 1.0)

    __repr__ = Schedule.__repr__


SCHEDULES = {"constant": Constant, "step": Step, "exponential": Exponential,
             "inverse_time": InverseTime, "reduce_on_plateau": ReduceOnPlateau}


def get_schedule(schedule):
    """Resolve a name, a :class:`Schedule` or a callable
    ``f(learning_rate_init, epoch, losses)`` to a schedule."""
    return resolve(schedule, SCHEDULES, "schedule", Schedule, wrap_callable=True)


class ClassicMomentum:
    """Hinton's momentum schedule (A Practical Guide to Training RBMs,
    section 9): ``initial`` while the parameters settle, then ``final``
    from epoch ``switch`` on (0.5, 0.9 and 5 there)."""

    def __init__(self, initial=0.5, final=0.9, switch=5):
        self.initial = float(initial)
        self.final = float(final)
        self.switch = int(switch)

    def __call__(self, epoch):
        return self.initial if epoch < self.switch else self.final

    __repr__ = Schedule.__repr__


def get_momentum_schedule(momentum):
    """``epoch -> momentum`` from a momentum parameter: a number (constant),
    ``"classic"`` (:class:`ClassicMomentum`) or a callable, whose values are
    checked to lie in [0, 1) as they are produced."""
    if isinstance(momentum, str):
        if momentum == "classic":
            return ClassicMomentum()
        raise ValueError(f'momentum must be a number in [0, 1), "classic" or a callable; '
                         f"got {momentum!r}.")
    if callable(momentum):
        def checked(epoch):
            value = momentum(epoch)
            if (isinstance(value, bool) or not isinstance(value, Real)
                    or not 0 <= value < 1):
                raise ValueError(f"momentum schedule must give a number in [0, 1); got "
                                 f"{value!r} at epoch {epoch}.")
            return float(value)
        return checked
    value = float(momentum)
    return lambda epoch: value
