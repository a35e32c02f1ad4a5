"""Every public estimator documents every parameter in its own docstring
(what ``help()`` shows), with the default its signature has."""

import inspect
import re

import pytest
from sklearn.base import BaseEstimator

import deepbelief

ESTIMATORS = [getattr(deepbelief, name) for name in deepbelief.__all__
              if inspect.isclass(getattr(deepbelief, name))
              and issubclass(getattr(deepbelief, name), BaseEstimator)]


def _documented(cls):
    """{name: header line} of the numpydoc Parameters section, read here
    with a plain pattern (independent of deepbelief._docs)."""
    doc = inspect.getdoc(cls) or ""
    start = doc.find("Parameters\n----------\n")
    assert start >= 0, f"{cls.__name__} has no Parameters section"
    body = doc[start:].split("\n", 2)[2]
    end = re.search(r"\n[A-Z][A-Za-z ]+\n-{3,}\n", body)
    body = body[: end.start()] if end else body
    found = {}
    for line in body.splitlines():
        m = re.match(r"^([A-Za-z_]\w*(?:, [A-Za-z_]\w*)*) :(.*)$", line)
        if m:
            names = m.group(1).split(", ")
            for name in names:
                # a header shared by several names lists their defaults together
                found[name] = m.group(2) if len(names) == 1 else ""
    return found


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_every_parameter_is_documented_with_its_default(cls):
    documented = _documented(cls)
    signature = inspect.signature(cls.__init__).parameters
    missing = [p for p in signature if p != "self" and p not in documented]
    assert not missing, f"{cls.__name__} does not document {missing}"
    assert "<inherited parameters>" not in (cls.__doc__ or "")
    for name, header in documented.items():
        if name not in signature or "default=" not in header:
            continue
        text = header.split("default=", 1)[1].strip().rstrip(".")
        default = signature[name].default
        if isinstance(default, (bool, int, float, str, type(None), tuple)):
            try:
                value = eval(text, {"inf": float("inf")})  # noqa: S307 - our own docstrings
            except Exception:  # a default written in words
                continue
            assert value == default, (f"{cls.__name__}.{name}: documented default "
                                      f"{text}, signature {default!r}")


def test_estimators_were_found():
    names = {c.__name__ for c in ESTIMATORS}
    assert {"BernoulliRBM", "GaussianBernoulliRBM", "MLPRegressor", "DBNClassifier",
            "DBNRegressor", "DeepAutoencoder"} <= names
