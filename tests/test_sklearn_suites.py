"""scikit-learn's own tests of its RBM and MLPs, run against deepbelief.

At collection time this reads the installed scikit-learn's
``neural_network/tests/test_rbm.py`` and ``test_mlp.py``, points their
import of ``BernoulliRBM`` / ``MLPClassifier`` / ``MLPRegressor`` at
deepbelief's classes, executes them, and offers every ``test_*`` function
they define as a test of this module (``test_rbm__<name>``,
``test_mlp__<name>``), parametrisations included. Nothing of their code
is kept in this repository, and a test added by a newer scikit-learn runs
by default.

A test is skipped only when it reads a private attribute of
scikit-learn's implementation or pins numbers that depend on
scikit-learn's own random stream; each skip below says which. Where our
documented design differs on purpose, the classes are given the setting
that follows scikit-learn (see ``_DEFAULTS``), with the reason beside it.
"""

import functools
import inspect
import re
from pathlib import Path

import pytest
import sklearn

import deepbelief

_TESTS = Path(sklearn.__file__).parent / "neural_network" / "tests"

# Private internals or scikit-learn's random numbers, never a missing feature.
_SKIP = {
    "rbm": {
        "test_fit_gibbs": "pins components_ to 4 decimals as scikit-learn's random stream "
                          "trains them ([[0.02649814], [0.02009084]])",
        "test_sample_hiddens": "calls scikit-learn's private _mean_hiddens and "
                               "_sample_hiddens",
        "test_transform": "compares transform with scikit-learn's private _mean_hiddens",
    },
    "mlp": {
        "test_gradient": "calls scikit-learn's private _loss_grad_lbfgs (our gradients "
                         "are checked by finite differences in tests/test_mlp.py)",
        "test_learning_rate_warmstart": "reads scikit-learn's private _optimizer."
                                        "learning_rate",
        "test_adaptive_learning_rate": "reads scikit-learn's private _optimizer."
                                       "learning_rate",
        "test_n_iter_no_change": "reads scikit-learn's private _no_improvement_count",
        "test_n_iter_no_change_inf": "reads scikit-learn's private _no_improvement_count",
        "test_lbfgs_regression_maxfun": "needs the identity (linear) network to take more "
                                        "than 10 loss evaluations from scikit-learn's "
                                        "random start; from ours (zero biases) L-BFGS-B "
                                        "converges in 9 and rightly does not warn",
        "test_early_stopping_stratified": "pins the text of scikit-learn's private label "
                                          "encoding in the message (class 1 shown as "
                                          "'True'); ours names the class as given",
    },
}

# Settings under which our classes behave as scikit-learn's. float32 is our
# MLPs' default for speed; dtype=None follows the input as scikit-learn does.
_DEFAULTS = {
    "MLPClassifier": {"dtype": None},
    "MLPRegressor": {"dtype": None},
}


def _with_defaults(cls):
    extra = _DEFAULTS.get(cls.__name__)
    if not extra:
        return cls
    params = inspect.signature(cls.__init__).parameters
    extra = {k: v for k, v in extra.items() if k in params}

    class Following(cls):
        __doc__ = cls.__doc__

        @functools.wraps(cls.__init__)
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **{**extra, **kwargs})

    # get_params reads the signature, clone must rebuild the same class
    Following.__init__.__signature__ = inspect.signature(cls.__init__)
    # found again by pickle (joblib.dump in test_mlp) under this module's name
    Following.__name__ = cls.__name__
    Following.__qualname__ = f"_Following{cls.__name__}"
    Following.__module__ = __name__
    globals()[Following.__qualname__] = Following
    return Following


def _load(suite, replacements):
    path = _TESTS / f"test_{suite}.py"
    if not path.exists():
        return {}
    source = path.read_text()
    for old, new in replacements:
        source, n = re.subn(old, new, source)
        if n == 0:
            raise RuntimeError(f"scikit-learn's {path.name} no longer contains {old!r}; "
                               "update tests/test_sklearn_suites.py.")
    namespace = {"__name__": f"sklearn_suite_{suite}", "__file__": str(path),
                 "_deepbelief_classes": _CLASSES}
    exec(compile(source, str(path), "exec"), namespace)
    tests = {}
    for name, obj in namespace.items():
        if name.startswith("test_") and callable(obj):
            reason = _SKIP[suite].get(name)
            if reason is not None:
                obj = pytest.mark.skip(reason=reason)(obj)
            tests[f"test_{suite}__{name[5:]}"] = obj
    return tests


_CLASSES = {name: _with_defaults(getattr(deepbelief, name))
            for name in ("BernoulliRBM", "MLPClassifier", "MLPRegressor")}

globals().update(_load("rbm", [
    (r"from sklearn\.neural_network import BernoulliRBM",
     "BernoulliRBM = _deepbelief_classes['BernoulliRBM']"),
]))
globals().update(_load("mlp", [
    (r"from sklearn\.neural_network import MLPClassifier, MLPRegressor",
     "MLPClassifier = _deepbelief_classes['MLPClassifier']; "
     "MLPRegressor = _deepbelief_classes['MLPRegressor']"),
]))


@pytest.fixture
def global_random_seed():
    """scikit-learn's fixture of the same name, at its default seed."""
    return 42


def test_the_suites_were_found():
    names = [k for k in globals() if k.startswith(("test_rbm__", "test_mlp__"))]
    assert sum(k.startswith("test_rbm__") for k in names) >= 10
    assert sum(k.startswith("test_mlp__") for k in names) >= 30
    # every skip still names a test the installed scikit-learn has
    for suite, skips in _SKIP.items():
        for name in skips:
            assert f"test_{suite}__{name[5:]}" in names, f"stale skip {suite}: {name}"
