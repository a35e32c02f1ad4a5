"""The parameter tables: the checker itself, then every estimator's table,
each constraint violated in turn."""

import math
from numbers import Integral, Real

import numpy as np
import pytest

import deepbelief._param_validation as pv
from deepbelief import (DBN, Autoencoder, BernoulliRBM, DBNClassifier, DBNRegressor,
                        DeepAutoencoder, GaussianBernoulliRBM, MLPClassifier, MLPRegressor,
                        StackedAutoencoder)
from deepbelief.augmentation import (ColorJitter, ElasticDistortion, GaussianNoise,
                                     HorizontalFlip, PCALighting, RandomCrop, RandomShift)
from deepbelief.preprocessing import GlobalContrastNormalization, ZCAWhitening
from deepbelief.training import DegenerateFitWarning

# ------------------------------------------------------------ the checker


@pytest.mark.parametrize("constraint,value,ok", [
    (pv.Interval(Integral, 1, None), 1, True),
    (pv.Interval(Integral, 1, None), 0, False),
    (pv.Interval(Integral, 1, None), 2.0, False),
    (pv.Interval(Integral, 1, None), True, False),
    (pv.Interval(Integral, 1, None), np.int32(3), True),
    (pv.Interval(Real, 0, 1, closed="left"), 0.0, True),
    (pv.Interval(Real, 0, 1, closed="left"), 1.0, False),
    (pv.Interval(Real, 0, 1, closed="right"), 0.0, False),
    (pv.Interval(Real, 0, 1, closed="right"), 1, True),
    (pv.Interval(Real, 0, 1, closed="neither"), 0.5, True),
    (pv.Interval(Real, 0, 1, closed="both"), 1.0, True),
    (pv.Interval(Real, 0, None), math.inf, True),
    (pv.Interval(Real, 0, math.inf), math.inf, False),
    (pv.Interval(Real, 0, None), math.nan, False),
    (pv.Interval(Real, None, None), math.nan, False),
    (pv.Interval(Real, 0, None), np.float32(2.5), True),
    (pv.Options(str, {"a", "b"}), "a", True),
    (pv.Options(str, {"a", "b"}), "c", False),
    (pv.Options(Real, {math.inf}), math.inf, True),
    (pv.Options(Real, {math.inf}), 5.0, False),
    (pv.InstanceOf(dict), {}, True),
    (pv.InstanceOf(dict), [], False),
    (pv.Callable(), len, True),
    (pv.Callable(), 3, False),
    (pv.HasMethods("fit"), BernoulliRBM(), True),
    (pv.HasMethods("fit"), "fit", False),
    (pv.LayerSizes(), (3, 2), True),
    (pv.LayerSizes(), 4, True),
    (pv.LayerSizes(), (), False),
    (pv.LayerSizes(allow_empty=True), (), True),
    (pv.LayerSizes(), (3, 0), False),
    (pv.LayerSizes(), "3", False),
    (pv.PerLayer(pv.Interval(Real, 0, 1)), 0.5, True),
    (pv.PerLayer(pv.Interval(Real, 0, 1)), [0.5, 0.2], True),
    (pv.PerLayer(pv.Interval(Real, 0, 1)), [0.5, 2.0], False),
    (pv.BOOL, np.bool_(True), True),
    (pv.BOOL, 1, False),
])
def test_constraints_accept_exactly_their_values(constraint, value, ok):
    assert constraint.is_satisfied_by(value) is ok


@pytest.mark.parametrize("constraints,value,error,message", [
    ([pv.Interval(Real, 0, None, closed="neither")], -0.1, ValueError,
     "learning_rate must be > 0; got -0.1."),
    ([pv.Interval(Integral, 0, None)], -1, ValueError, "learning_rate must be >= 0; got -1."),
    ([pv.Interval(Real, 0, 1, closed="left")], 1.0, ValueError,
     "learning_rate must be in [0, 1); got 1.0."),
    ([pv.Interval(Real, 0, 1, closed="right")], 0, ValueError,
     "learning_rate must be in (0, 1]; got 0."),
    ([pv.Interval(Real, None, 1, closed="neither")], 1, ValueError,
     "learning_rate must be < 1; got 1."),
    ([pv.Interval(Real, 0, math.inf)], math.inf, ValueError,
     "learning_rate must be >= 0; got inf."),
    ([pv.Interval(Real, -math.inf, math.inf, closed="neither")], math.nan, ValueError,
     "learning_rate must be finite; got nan."),
    ([pv.Interval(Integral, 1, None)], 2.5, TypeError,
     "learning_rate must be an integer; got 2.5."),
    ([pv.Interval(Integral, 1, None), pv.BOOL], "x", TypeError,
     "learning_rate must be an integer or a bool; got 'x'."),
    ([pv.Interval(Integral, 1, None), pv.Options(str, {"full"})], "half", ValueError,
     "learning_rate must be one of ['full']; got 'half'."),
    ([pv.Interval(Integral, 1, None), pv.Options(str, {"full"})], 0, ValueError,
     "learning_rate must be >= 1; got 0."),
    ([pv.Options(str, {"auto"}), None, pv.HasMethods("fit", kind="an estimator")], 3,
     TypeError, "learning_rate must be 'auto', None or an estimator; got 3."),
    ([pv.PerLayer(pv.Interval(Real, 0, None, closed="neither"))], [0.1, -1.0], ValueError,
     "layer 1: learning_rate must be > 0; got -1.0."),
    ([pv.PerLayer(pv.Interval(Real, 0, None, closed="neither"))], -1.0, ValueError,
     "learning_rate must be > 0; got -1.0."),
    ([pv.LayerSizes()], (3, 0), ValueError, "learning_rate must hold sizes > 0; got 0."),
    ([pv.LayerSizes()], [], ValueError, "learning_rate must name at least one layer; got []."),
    ([pv.Rule(lambda v: v % 2 == 0, "even", types=Integral, kind="an integer")], 3,
     ValueError, "learning_rate must be even; got 3."),
])
def test_messages_name_the_parameter_the_rule_and_the_value(constraints, value, error,
                                                            message):
    with pytest.raises(error) as info:
        pv.check("learning_rate", value, constraints)
    assert str(info.value) == message


def test_check_returns_the_value_and_a_rule_that_raises_is_false():
    assert pv.check("x", 3, [None, pv.Interval(Integral, 0, None)]) == 3
    assert pv.check("x", None, [None, pv.Interval(Integral, 0, None)]) is None
    rule = pv.Rule(lambda v: np.asarray(v, dtype=float).size > 1, "long")
    assert not rule.is_satisfied_by(["a", "b"])


def test_interval_refuses_an_unknown_closure():
    with pytest.raises(ValueError, match="closed must be"):
        pv.Interval(Real, 0, 1, closed="open")


class _Toy:
    _parameter_constraints = {"a": [pv.Interval(Integral, 0, None)], "b": [pv.BOOL]}

    def __init__(self, a=1, b=False):
        self.a, self.b = a, b
        self.combinations = 0

    def _check_param_combinations(self):
        self.combinations += 1
        if self.a == 0 and self.b:
            raise ValueError("a must be > 0 when b is True; got 0.")


def test_validate_params_reads_the_table_then_the_combinations():
    toy = _Toy()
    pv.validate_params(toy)
    assert toy.combinations == 1
    with pytest.raises(TypeError, match="^b must be a bool; got 'yes'.$"):
        pv.validate_params(_Toy(b="yes"))
    with pytest.raises(ValueError, match="when b is True"):
        pv.validate_params(_Toy(a=0, b=True))


def test_nested_validation_skips_and_restores():
    toy = _Toy(a=-1)
    with pv.nested_validation():
        pv.validate_params(toy)
        with pv.nested_validation():
            pass
        pv.validate_params(toy)  # still skipped after the inner block
    with pytest.raises(ValueError, match="a must be >= 0"):
        pv.validate_params(toy)


def test_resolve_builds_names_returns_instances_and_wraps_callables():
    class Base:
        pass

    class Thing(Base):
        def __init__(self, size=1):
            self.size = size

    registry = {"thing": Thing}
    assert pv.resolve("thing", registry, "part", Base, size=3).size == 3
    instance = Thing()
    assert pv.resolve(instance, registry, "part", Base) is instance
    assert pv.resolve(len, registry, "part", Base, wrap_callable=True) is len
    assert pv.resolve(len, registry, "part", Base,
                      wrap_callable=lambda f: ("wrapped", f)) == ("wrapped", len)
    with pytest.raises(ValueError, match=r"^part must be one of \['thing'\], a Base"):
        pv.resolve("other", registry, "part", Base)
    with pytest.raises(TypeError, match="^part must be a str, a Base; got int.$"):
        pv.resolve(3, registry, "part", Base)
    with pytest.raises(TypeError, match="or a callable"):
        pv.resolve(3, registry, "part", Base, wrap_callable=True)


# ------------------------------------------------------------ every table

_X = np.random.default_rng(0).random((12, 12))
_y = np.arange(12) % 2
GRAY = (3, 4)
COLOUR = (2, 2, 3)

# estimator factory, how it is run
ESTIMATORS = {
    "BernoulliRBM": (lambda **p: BernoulliRBM(2, n_iter=1).set_params(**p), "fit"),
    "GaussianBernoulliRBM": (lambda **p: GaussianBernoulliRBM(2, n_iter=1).set_params(**p),
                             "fit"),
    "DBN": (lambda **p: DBN((3, 2), n_iter=1).set_params(**p), "fit"),
    "MLPClassifier": (lambda **p: MLPClassifier((3,), max_iter=1).set_params(**p), "fit_y"),
    "MLPRegressor": (lambda **p: MLPRegressor((3,), max_iter=1).set_params(**p), "fit_y"),
    "DBNClassifier": (lambda **p: DBNClassifier((3,), max_iter=1).set_params(**p), "fit_y"),
    "DBNRegressor": (lambda **p: DBNRegressor((3,), max_iter=1).set_params(**p), "fit_y"),
    "Autoencoder": (lambda **p: Autoencoder(2, n_iter=1).set_params(**p), "fit"),
    "StackedAutoencoder": (lambda **p: StackedAutoencoder((3, 2), n_iter=1).set_params(**p),
                           "fit"),
    "DeepAutoencoder": (lambda **p: DeepAutoencoder((3, 2), max_iter=1).set_params(**p),
                        "fit"),
    "ZCAWhitening": (lambda **p: ZCAWhitening().set_params(**p), "fit"),
    "GlobalContrastNormalization": (
        lambda **p: GlobalContrastNormalization().set_params(**p), "fit"),
    "RandomShift": (lambda **p: RandomShift(GRAY).set_params(**p), "call"),
    "RandomCrop": (lambda **p: RandomCrop(GRAY).set_params(**p), "call"),
    "HorizontalFlip": (lambda **p: HorizontalFlip(GRAY).set_params(**p), "call"),
    "ElasticDistortion": (lambda **p: ElasticDistortion(GRAY).set_params(**p), "call"),
    "GaussianNoise": (lambda **p: GaussianNoise().set_params(**p), "call"),
    "ColorJitter": (lambda **p: ColorJitter(COLOUR).set_params(**p), "call"),
    "PCALighting": (lambda **p: PCALighting(COLOUR).set_params(**p), "fit"),
}
# Parameters the augmenters check against the data (and random_state where the
# stream is made, since the call may override it), not in a table.
_CHECKED_WITH_DATA = {"image_shape", "clip", "eigenvalues", "eigenvectors", "random_state"}


class _Opaque:
    """A value no constraint accepts."""

    def __repr__(self):
        return "<opaque>"


def _outside(constraint):
    """Values just outside one constraint (they may satisfy another)."""
    c = constraint
    if isinstance(c, pv.Interval):
        values = []
        step = 1 if c.type is Integral else 0.5
        if c.low is not None and c.low != -math.inf:
            values.append(c.low if c.closed in ("right", "neither") else c.low - step)
        if c.high is not None:
            values.append(c.high if c.closed in ("left", "neither") else c.high + step)
        if c.type is Integral:
            values.append(1.5)
        return values + [math.nan]
    if isinstance(c, pv.Options):
        return ["not-an-option"] if c.type is str else [-12345.5]
    if isinstance(c, pv.LayerSizes):
        return [0, (3, 0), (2.5,), "3"] + ([] if c.allow_empty else [()])
    if isinstance(c, pv.PerLayer):
        inner = [v for sub in c.constraints for v in _outside(sub)]
        return inner + [[v, v] for v in inner]
    return []


def _bad_values(constraints):
    constraints = [pv._as_constraint(c) for c in constraints]
    candidates = [_Opaque()] + [v for c in constraints for v in _outside(c)]
    bad = []
    for value in candidates:
        if not any(c.is_satisfied_by(value) for c in constraints):
            bad.append(value)
    return bad


def _cases():
    for est_name, (make, how) in ESTIMATORS.items():
        table = type(make())._parameter_constraints
        for param, constraints in table.items():
            for value in _bad_values(constraints):
                yield pytest.param(est_name, param, value,
                                   id=f"{est_name}-{param}-{value!r}"[:90])


_CASES = list(_cases())


def test_every_constraint_of_every_table_gets_a_case():
    per_estimator = {}
    for case in _CASES:
        per_estimator.setdefault(case.values[0], set()).add(case.values[1])
    for est_name, (make, _) in ESTIMATORS.items():
        assert per_estimator[est_name] == set(type(make())._parameter_constraints)


@pytest.mark.parametrize("est_name", ESTIMATORS)
def test_tables_cover_the_parameters(est_name):
    est = ESTIMATORS[est_name][0]()
    params = set(est.get_params(deep=False))
    table = set(type(est)._parameter_constraints)
    assert table <= params
    assert params - table <= _CHECKED_WITH_DATA


def _run(est, how):
    if how == "fit":
        est.fit(_X)
    elif how == "fit_y":
        est.fit(_X, _y)
    else:
        est(_X)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.filterwarnings("ignore", category=DegenerateFitWarning)
@pytest.mark.parametrize("est_name,param,value", _CASES)
def test_bad_parameters_name_themselves(est_name, param, value):
    make, how = ESTIMATORS[est_name]
    est = make(**{param: value})
    with pytest.raises((TypeError, ValueError)) as info:
        _run(est, how)
    assert str(info.value).startswith((f"{param} must", "layer ")), str(info.value)
    assert param in str(info.value)


# ------------------------------------------------------------ once per fit, never at predict


def _spy(monkeypatch):
    seen = []
    real = pv.check

    def check(name, value, constraints):
        seen.append(name)
        return real(name, value, constraints)

    monkeypatch.setattr(pv, "check", check)
    return seen


@pytest.mark.filterwarnings("ignore", category=DegenerateFitWarning)
def test_a_dbn_checks_its_table_once_and_its_rbms_not_again(monkeypatch):
    seen = _spy(monkeypatch)
    DBN((3, 2), n_iter=1, random_state=0).fit(_X)
    assert seen.count("first_layer") == 1
    assert seen.count("learning_rate") == 1
    assert "n_components" not in seen  # an RBM parameter the DBN does not have


@pytest.mark.filterwarnings("ignore", category=DegenerateFitWarning)
def test_a_stacked_autoencoder_checks_its_layers_once(monkeypatch):
    seen = _spy(monkeypatch)
    StackedAutoencoder((3, 2), n_iter=1, random_state=0).fit(_X)
    assert seen.count("learning_rate") == 1
    assert "n_components" not in seen


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.filterwarnings("ignore", category=DegenerateFitWarning)
@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_predict_reads_fitted_state_only(monkeypatch, cls):
    est = cls((3, 2), activation=["tanh", "relu"], max_iter=2, random_state=0).fit(_X, _y)
    expected = est.predict(_X)
    seen = _spy(monkeypatch)
    # parameters changed after fit do not reach predict
    est.set_params(activation="not-an-activation", dropout=2.0, dtype="int8")
    np.testing.assert_array_equal(est.predict(_X), expected)
    assert seen == []
    assert "_loss_class" not in vars(est)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.filterwarnings("ignore", category=DegenerateFitWarning)
@pytest.mark.parametrize("est_name", [n for n, (_, how) in ESTIMATORS.items()
                                      if "verbose" in type(ESTIMATORS[n][0]())
                                      ._parameter_constraints])
def test_verbose_accepts_a_bool(est_name, capsys):
    make, how = ESTIMATORS[est_name]
    _run(make(verbose=True), how)
    assert capsys.readouterr().out  # something was printed
    _run(make(verbose=False), how)
    assert capsys.readouterr().out == ""


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
@pytest.mark.parametrize("learning_rate", ["constant", "adaptive"])
def test_n_iter_no_change_inf_never_stops_early(cls, learning_rate):
    est = cls((3,), n_iter_no_change=np.inf, max_iter=7, tol=1e9, solver="sgd",
              learning_rate=learning_rate, random_state=0)
    est.fit(_X, _y)
    assert est.n_iter_ == 7
    with pytest.raises(ValueError, match=r"^n_iter_no_change must be >= 1 or one of \[inf\]; got 0.$"):
        cls(n_iter_no_change=0).fit(_X, _y)
