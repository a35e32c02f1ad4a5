"""Counter-based random numbers for kernels.

Every random number a kernel uses is a hash of ``(seed, position)``: the
splitmix64 finaliser applied to ``seed + (position + 1) * golden``. The
caller draws one 64-bit ``seed`` per call from the estimator's numpy
Generator, so results are reproducible from ``random_state`` and do not
depend on how work is split between threads. Unlike a sequential generator
the hash vectorises, which makes sampling a small cost beside the matrix
products.
"""

import numpy as np
from numba import types
from numba.extending import overload

from ._jit import jit
from .mathfn import _bits_f32, _bits_f64

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S12 = np.uint64(12)
_ONE = np.uint64(1)
_ONE_BITS = np.uint64(0x3FF0000000000000)  # the bits of 1.0


@jit(inline="always")
def hash64(seed, position):
    """splitmix64 of ``seed`` and an int ``position``; a uint64."""
    z = seed + (np.uint64(position) + _ONE) * _GOLDEN
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@jit(inline="always")
def uniform(seed, position):
    """A float64 uniform on [0, 1) from ``(seed, position)``, 52 random bits.

    The top 52 bits of the hash become the mantissa of a double in [1, 2),
    from which 1 is subtracted: integer ops and a reinterpretation only, so
    loops that draw uniforms vectorise (AVX2 has no 64-bit integer to
    double conversion).
    """
    bits = (hash64(seed, position) >> _S12) | _ONE_BITS
    return _bits_f64(np.int64(bits)) - 1.0


@jit(inline="always")
def normal(seed, position):
    """A standard normal from ``(seed, position)`` (Box-Muller, cosine branch).

    Uses the uniforms at positions ``2 * position`` and ``2 * position + 1``.
    """
    u1 = 1.0 - uniform(seed, 2 * position)  # in (0, 1]: log is finite
    u2 = uniform(seed, 2 * position + 1)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


_S32 = np.uint64(32)
_S9 = np.uint64(9)
_ONE_BITS_32 = np.uint64(0x3F800000)  # the bits of float32 1.0
_ONE_F32 = np.float32(1.0)


@jit(inline="always")
def _unit_f32(bits32):
    """A float32 uniform on [0, 1) from the top 23 of 32 random bits."""
    return _bits_f32(np.int32((bits32 >> _S9) | _ONE_BITS_32)) - _ONE_F32


@jit(inline="always")
def _row_uniforms_f64(seed, row, out):
    m = out.shape[0]
    base = row * m
    for j in range(m):
        out[j] = uniform(seed, base + j)


@jit(inline="always")
def _row_uniforms_f32(seed, row, out):
    # the float64 stream's uniforms truncated to 23 bits: float32 and float64
    # fits draw the same numbers (a comparison differs only where p falls
    # within 2**-23 below a uniform)
    m = out.shape[0]
    base = row * m
    for j in range(m):
        out[j] = _unit_f32(hash64(seed, base + j) >> _S32)


def row_uniforms(seed, row, out):
    """Fill ``out`` (one row of ``m`` values) with the uniforms of row ``row``.

    Float64 rows take ``uniform(seed, row * m + j)``, 52 bits of
    ``hash64(seed, row * m + j)``; float32 rows take the top 23 of the same
    hash, that uniform truncated to float32. A model trained in float32 then
    sees the random numbers of its float64 twin.
    """
    raise NotImplementedError("row_uniforms runs inside compiled kernels only")


@overload(row_uniforms, inline="always")
def _row_uniforms_overload(seed, row, out):
    if isinstance(out, types.Array) and out.dtype == types.float32:
        return lambda seed, row, out: _row_uniforms_f32(seed, row, out)
    return lambda seed, row, out: _row_uniforms_f64(seed, row, out)


def draw_seed(rng):
    """One uint64 kernel seed drawn from a numpy Generator."""
    return np.uint64(rng.integers(0, 2**64, dtype=np.uint64))


class SeedStream:
    """Kernel seeds drawn from a numpy Generator in blocks.

    Drawing one integer from a Generator costs microseconds; a training
    loop needs several seeds per mini-batch, so they are drawn 1024 at a
    time. The sequence depends only on the Generator's state.
    """

    def __init__(self, rng, block=1024):
        self._rng = rng
        self._block = block
        self._seeds = None
        self._next = block

    def __call__(self):
        if self._next == self._block:
            self._seeds = self._rng.integers(0, 2**64, size=self._block, dtype=np.uint64)
            self._next = 0
        seed = self._seeds[self._next]
        self._next += 1
        return seed
