"""The one ``jit`` decorator every kernel module uses.

Kernels are compiled with ``cache=True`` so that the compile cost is paid
once per machine. When no cache location is writable (a read-only install
without a user cache directory), Numba refuses ``cache=True`` at decoration
time; we then compile without the cache and say so once.
"""

import warnings

from numba import njit

_warned = False


def jit(*args, **kwargs):
    """``numba.njit(cache=True, ...)`` with a fallback to no cache.

    Use as ``@jit`` or ``@jit(inline="always")``. ``fastmath`` is never
    turned on here: kernels must keep NaN and inf visible so that training
    can detect divergence.
    """
    if len(args) == 1 and callable(args[0]) and not kwargs:
        return _compile(args[0], {})

    def decorate(func):
        return _compile(func, kwargs)

    return decorate


def _compile(func, options):
    global _warned
    options = {"error_model": "numpy", **options}
    try:
        return njit(cache=True, **options)(func)
    except RuntimeError as exc:  # no writable cache locator
        if not _warned:
            warnings.warn(f"numba cannot cache compiled kernels ({exc}); compiling without "
                          "the cache. Set NUMBA_CACHE_DIR to a writable folder to keep "
                          "compiled code between runs.",
                          RuntimeWarning,
                          stacklevel=3)
            _warned = True
        return njit(cache=False, **options)(func)
