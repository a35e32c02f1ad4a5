"""What every test module shares: the package under test, thread settings,
data fixtures.

**The installed package is what is tested.** When ``deepbelief`` is
installed as a regular (non-editable) distribution, the checkout that
holds these tests is taken off ``sys.path`` before anything imports the
package: ``python -m pytest`` puts the current folder first on the path,
so from the repository root it would otherwise test the source tree and
not what ``pip install`` put in site-packages, and a packaging mistake (a
module left out of the wheel) could not fail the tests. An editable install
(``pip install -e .``) is the checkout itself and is tested as it is; with
no install at all, whatever ``import deepbelief`` finds is tested. The
session header names the copy under test.

**Threads.** BLAS runs on one thread during the tests (set
``DEEPBELIEF_TEST_BLAS_THREADS`` to change it): the tests' products are
tiny, where threads cost more than they bring, and one thread keeps the
tests from oversubscribing a shared CI machine. The thread-count
invariance tests set their own counts inside.

**Kernels** are not warmed here: Numba caches them on disk after the first
run, and compiling up front would only move that one-time cost from the
first test that needs a kernel into the session's setup.
"""

import json
import os
import sys
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

_CHECKOUT = Path(__file__).resolve().parents[1]


def _is_checkout(entry):
    try:
        return Path(entry or os.getcwd()).resolve() == _CHECKOUT
    except OSError:
        return False


def _installed_distribution():
    """The regular (non-editable) installed ``deepbelief`` distribution found
    on the path without the checkout, or None."""
    path = [p for p in sys.path if not _is_checkout(p)]
    dist = next(iter(metadata.Distribution.discover(name="deepbelief", path=path)), None)
    if dist is None:
        return None
    direct_url = dist.read_text("direct_url.json")
    if direct_url and json.loads(direct_url).get("dir_info", {}).get("editable"):
        return None
    return dist


def _use_installed_package():
    dist = _installed_distribution()
    if dist is None:
        return
    if "deepbelief" in sys.modules:
        raise pytest.UsageError("deepbelief was imported before tests/conftest.py could "
                                "choose the installed copy; run the tests with "
                                "`python -m pytest` from the repository root.")
    sys.path[:] = [p for p in sys.path if not _is_checkout(p)]
    import deepbelief

    expected = Path(dist.locate_file("deepbelief/__init__.py")).resolve()
    if Path(deepbelief.__file__).resolve() != expected:
        raise pytest.UsageError(f"the tests import deepbelief from {deepbelief.__file__}, "
                                f"but pip installed it at {expected}.")


_use_installed_package()


def pytest_report_header(config):
    import deepbelief

    return f"deepbelief under test: {Path(deepbelief.__file__).parent}"


@pytest.fixture(scope="session", autouse=True)
def _blas_threads():
    from threadpoolctl import threadpool_limits

    threads = int(os.environ.get("DEEPBELIEF_TEST_BLAS_THREADS", "1"))
    with threadpool_limits(limits=threads, user_api="blas"):
        yield


@pytest.fixture(scope="session")
def unit_digits():
    """scikit-learn's 1,797 bundled 8x8 digits, pixels scaled to [0, 1]
    (float64, shape (1797, 64)), and their labels. Shared by the session:
    copy before writing into it."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


@pytest.fixture
def small_data():
    """A small random problem, new for each test: ``X`` of shape (60, 8) in
    [0, 1) and 3-class labels ``y`` that depend on ``X``."""
    rng = np.random.default_rng(0)
    X = rng.random((60, 8))
    y = np.digitize(X[:, 0] + X[:, 1], [0.7, 1.3])
    return X, y
