"""Declarative parameter checks.

An estimator lists, in a class attribute ``_parameter_constraints``, the
constraints each of its parameters may satisfy (a value is valid when it
satisfies any one of them); :func:`validate_params` checks the table once,
at the top of ``fit`` and ``partial_fit``. Errors are one sentence naming
the parameter, the rule and the value received: a ``TypeError`` when no
constraint accepts the value's type, a ``ValueError`` otherwise, as in
``"learning_rate must be > 0; got -0.1."``.

Rules that tie several parameters together stay with the estimator, in a
``_check_param_combinations`` method that :func:`validate_params` calls
after the table.
"""

import contextvars
import math
import os
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np

__all__ = ["Interval", "Options", "Literal", "InstanceOf", "Callable", "HasMethods", "Rule",
           "PerLayer", "per_layer", "LayerSizes", "BOOL", "RANDOM_STATE", "PATH", "check",
           "resolve", "validate_params", "nested_validation", "ValueObject"]

_SKIP = contextvars.ContextVar("deepbelief_skip_validation", default=False)


_KINDS = {str: "a str", Real: "a number", Integral: "an integer"}


def _show(value):
    if isinstance(value, Real) and not isinstance(value, (bool, np.bool_)):
        return str(value)
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _number(value):
    return f"{value:g}" if isinstance(value, float) else str(value)


class Constraint:
    """A rule a value may satisfy. ``kind`` names the accepted type (for the
    TypeError), ``rule`` the condition on a value of that type."""

    kind = "a value"

    def is_satisfied_by(self, value):
        raise NotImplementedError

    def accepts_type(self, value):
        return self.is_satisfied_by(value)

    def rule(self):
        return self.kind

    def error(self, name, value):
        """The error for a value of the accepted type, or None for the default."""
        return None


class _NoneConstraint(Constraint):
    kind = "None"

    def is_satisfied_by(self, value):
        return value is None


class Interval(Constraint):
    """A number of ``type`` (``Integral`` or ``Real``; never a bool) between
    ``low`` and ``high`` (None: unbounded); ``closed`` is "left", "right",
    "both" or "neither". NaN is never inside."""

    def __init__(self, type, low, high, *, closed="left"):
        if closed not in ("left", "right", "both", "neither"):
            raise ValueError(f"closed must be 'left', 'right', 'both' or 'neither'; "
                             f"got {closed!r}.")
        self.type, self.low, self.high, self.closed = type, low, high, closed
        self.kind = _KINDS[type]

    def accepts_type(self, value):
        return isinstance(value, self.type) and not isinstance(value, (bool, np.bool_))

    def _closed(self):
        return self.closed in ("left", "both"), self.closed in ("right", "both")

    def is_satisfied_by(self, value):
        if not self.accepts_type(value) or value != value:  # NaN is never inside
            return False
        left, right = self._closed()
        return ((self.low is None or (value >= self.low if left else value > self.low))
                and (self.high is None or (value <= self.high if right else value < self.high)))

    def rule(self):
        # an infinite bound excludes only infinity: the rule reads one-sided
        (left, right), inf = self._closed(), (None, -math.inf, math.inf)
        low, high = _number(self.low), _number(self.high)
        if self.low not in inf and self.high not in inf:
            return f"in {'[' if left else '('}{low}, {high}{']' if right else ')'}"
        if self.low not in inf:
            return f"{'>=' if left else '>'} {low}"
        if self.high not in inf:
            return f"{'<=' if right else '<'} {high}"
        return self.kind if self.low is None and self.high is None else "finite"


class Options(Constraint):
    """One of the values ``options``, of ``type``."""

    def __init__(self, type, options):
        self.type = type
        self.options = sorted(options, key=repr) if isinstance(options, (set, frozenset)) \
            else list(options)
        if type is str and len(self.options) == 1:
            self.kind = repr(self.options[0])
        else:
            self.kind = _KINDS.get(type, f"a {type.__name__}")

    accepts_type = Interval.accepts_type

    def is_satisfied_by(self, value):
        return self.accepts_type(value) and any(value == o for o in self.options)

    def rule(self):
        return f"one of {self.options}"


class Literal(Constraint):
    """Exactly ``value``; any other value is of the wrong type (a TypeError),
    as when a string stands beside estimators."""

    def __init__(self, value):
        self.value, self.kind = value, repr(value)

    def is_satisfied_by(self, value):
        return type(value) is type(self.value) and value == self.value


class InstanceOf(Constraint):
    """An instance of ``types``; ``kind`` names them in messages."""

    def __init__(self, types, kind=None):
        self.types = types
        names = types if isinstance(types, tuple) else (types,)
        self.kind = kind or " or ".join(f"a {t.__name__}" for t in names)

    def is_satisfied_by(self, value):
        return isinstance(value, self.types)


class Callable(Constraint):
    kind = "a callable"

    def is_satisfied_by(self, value):
        return callable(value)


class HasMethods(Constraint):
    """An object with the methods ``names`` (an estimator, for instance)."""

    def __init__(self, *names, kind=None):
        self.names = names
        self.kind = kind or "an object with " + " and ".join(names)

    def is_satisfied_by(self, value):
        return all(callable(getattr(value, n, None)) for n in self.names)


class Rule(Constraint):
    """A value of ``types`` for which ``test(value)`` is true; ``rule`` says
    what that means. A test that raises counts as false."""

    def __init__(self, test, rule, *, types=object, kind="a value"):
        self.test, self._rule, self.types, self.kind = test, rule, types, kind

    def accepts_type(self, value):
        return isinstance(value, self.types)

    def is_satisfied_by(self, value):
        try:
            return self.accepts_type(value) and bool(self.test(value))
        except (TypeError, ValueError):
            return False

    def rule(self):
        return self._rule


class LayerSizes(Constraint):
    """Hidden layer sizes: an int >= 1 or a sequence of them (empty only
    with ``allow_empty``). :meth:`resolve` gives the list."""

    kind = "an int or a sequence of ints"

    def __init__(self, allow_empty=False):
        self.allow_empty = allow_empty

    def accepts_type(self, value):
        return not isinstance(value, (str, bool, np.bool_)) and (
            isinstance(value, Integral) or hasattr(value, "__iter__"))

    def is_satisfied_by(self, value):
        return self.accepts_type(value) and self.error("", value) is None

    def error(self, name, value):
        sizes = [value] if isinstance(value, Integral) else list(value)
        if not sizes and not self.allow_empty:
            return ValueError(f"{name} must name at least one layer; got {sizes!r}.")
        for s in sizes:
            if isinstance(s, (bool, np.bool_)) or not isinstance(s, Integral):
                return TypeError(f"{name} must hold ints; got {type(s).__name__} {s!r}.")
            if s < 1:
                return ValueError(f"{name} must hold sizes > 0; got {s}.")
        return None

    def resolve(self, value, name="hidden_layer_sizes"):
        check(name, value, [self])
        return [int(s) for s in ([value] if isinstance(value, Integral) else value)]


class PerLayer(Constraint):
    """One value for every layer, or a list or tuple of one per layer, each
    satisfying ``constraints`` (the count is checked where the number of
    layers is known)."""

    def __init__(self, *constraints):
        self.constraints = [_as_constraint(c) for c in constraints]
        self.kind = _join(c.kind for c in self.constraints)

    def accepts_type(self, value):
        return True

    def is_satisfied_by(self, value):
        values = value if isinstance(value, (list, tuple)) else [value]
        return all(any(c.is_satisfied_by(v) for c in self.constraints) for v in values)

    def error(self, name, value):
        if not isinstance(value, (list, tuple)):
            return _error(name, value, self.constraints)
        for i, v in enumerate(value):
            exc = _error(name, v, self.constraints)
            if exc is not None:
                return type(exc)(f"layer {i}: {exc}")
        return None


BOOL = InstanceOf((bool, np.bool_), "a bool")
"""A bool (numpy's included)."""
RANDOM_STATE = [None, Interval(Integral, 0, None),
                InstanceOf((np.random.RandomState, np.random.Generator,
                            np.random.SeedSequence),
                           "a RandomState, a Generator or a SeedSequence")]
"""What ``random_state`` accepts."""
PATH = [None, InstanceOf((str, os.PathLike), "a path")]
"""A folder or file name, or None."""


def per_layer(value, n_layers, name):
    """One value per layer from a :class:`PerLayer` parameter: a list or
    tuple of ``n_layers`` values, or one value repeated."""
    if isinstance(value, (list, tuple)):
        if len(value) != n_layers:
            raise ValueError(f"{name} must be one value or a list of one per layer "
                             f"({n_layers}); got {len(value)} values.")
        return list(value)
    return [value] * n_layers


def _as_constraint(c):
    return _NoneConstraint() if c is None else c


def _join(words):
    words = list(dict.fromkeys(words))
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _error(name, value, constraints):
    """The error for ``value`` under ``constraints``, or None when one holds."""
    if any(c.is_satisfied_by(value) for c in constraints):
        return None
    typed = [c for c in constraints if c.accepts_type(value)]
    if not typed:
        return TypeError(f"{name} must be {_join(c.kind for c in constraints)}; "
                         f"got {_show(value)}.")
    for c in typed:
        exc = c.error(name, value)
        if exc is not None:
            return exc
    return ValueError(f"{name} must be {_join(c.rule() for c in typed)}; got {_show(value)}.")


def check(name, value, constraints):
    """Raise the TypeError or ValueError for ``value`` unless one of
    ``constraints`` holds; return ``value``."""
    exc = _error(name, value, [_as_constraint(c) for c in constraints])
    if exc is not None:
        raise exc
    return value


@contextmanager
def nested_validation():
    """Skip :func:`validate_params` while active: for estimators built and
    validated by an enclosing one (the RBMs of a DBN, for instance)."""
    token = _SKIP.set(True)
    try:
        yield
    finally:
        _SKIP.reset(token)


def validate_params(estimator):
    """Check ``estimator``'s parameters against its ``_parameter_constraints``
    table, then its ``_check_param_combinations`` if it has one."""
    if _SKIP.get():
        return
    for name, constraints in type(estimator)._parameter_constraints.items():
        check(name, getattr(estimator, name), constraints)
    combinations = getattr(estimator, "_check_param_combinations", None)
    if combinations is not None:
        combinations()


def resolve(value, registry, kind, base, *, wrap_callable=None, **kwargs):
    """The object a registry parameter stands for: a name in ``registry``
    (built with ``kwargs``), an instance of ``base`` (returned as it is) or,
    with ``wrap_callable``, any callable (returned wrapped by it; ``True``
    returns it as it is). ``kind`` names the parameter in errors."""
    article = "an" if base.__name__[0] in "AEIOU" else "a"
    others = f"{article} {base.__name__}" + (" or a callable" if wrap_callable else "")
    if isinstance(value, str):
        if value not in registry:
            raise ValueError(f"{kind} must be one of {sorted(registry)}, {others}; "
                             f"got {value!r}.")
        return registry[value](**kwargs)
    if isinstance(value, base):
        return value
    if wrap_callable is not None and callable(value):
        return value if wrap_callable is True else wrap_callable(value)
    raise TypeError(f"{kind} must be a str, {others}; got {type(value).__name__}.")


class ValueObject:
    """``repr``, equality and hash from the attributes, for parameter objects
    (initialisers, activations) that hold nothing but their parameters."""

    def __repr__(self):
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({params})"

    def __eq__(self, other):
        return type(self) is type(other) and vars(self) == vars(other)

    def __hash__(self):
        return hash((type(self).__name__, tuple(sorted(vars(self).items()))))
