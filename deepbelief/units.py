"""RBM unit types behind one interface.

Training, free energies and sampling ask a unit type for four things only,
with ``a = A + bias`` (``A`` the product with the other layer):

``mean(A, bias, out)``
    The conditional expectation of the units.
``sample(A, bias, mean, sample, seed)``
    The expectation and a sample in one pass (``seed``: a uint64).
``log_partition(A, bias, out)``
    Per row, the sum over units of ``log sum_x exp(x * a)`` over the unit's
    states: minus this layer's contribution to the free energy.
``energy(V, bias, out)``
    Per row, the energy of this layer's own states as the visible layer
    (``-v . b`` binary, ``|v - b|**2 / 2`` unit-variance Gaussian).

so ``F(v) = visible.energy(v, b) - hidden.log_partition(v W^T, c)``. A unit
type may own a scale (paysage's Gaussian layer): the states meet the weights
as ``v / sigma``. :class:`Units`' methods after these four carry it
(``rescale`` divides by sigma, ``log_volume`` is log prod sigma,
``update_parameters`` learns variances) and are identities for unscaled units.

References
----------
Hinton, G. E. (2010). A practical guide to training restricted Boltzmann
machines. UTML TR 2010-003.
Nair, V. & Hinton, G. E. (2010). Rectified linear units improve restricted
Boltzmann machines. ICML.
"""

from numbers import Integral

import numpy as np
import scipy.sparse as sp

from ._kernels import blas
from ._kernels import rbm as _k
from ._kernels._jit import jit
from ._kernels.random import uniform
from ._param_validation import Interval, check, resolve

__all__ = ["BernoulliUnits", "GaussianUnits", "ReLUUnits", "SoftmaxUnits", "Units",
           "get_units"]


class Units:
    """Base class of RBM unit types. Subclasses bind the four kernels."""

    name = "units"
    binary = False

    def mean(self, A, bias, out):
        raise NotImplementedError

    def sample(self, A, bias, mean, sample, seed):
        raise NotImplementedError

    def log_partition(self, A, bias, out):
        raise NotImplementedError

    def energy(self, V, bias, out):
        raise NotImplementedError(f"{self.name} units cannot be the visible layer.")

    # The scale, for unit types that have one: identities here.
    def rescale(self, X):
        """The states ``X`` (dense or CSR) as they multiply the weights."""
        return X

    def rescale_in_place(self, V):
        """``rescale`` for a dense buffer, written into it."""

    def bias_gradient(self, grad):
        """The bias gradient from the column-mean difference of rescaled states."""
        return grad

    def energy_bias(self, bias):
        """The bias as it enters the energy of the rescaled states."""
        return bias

    def log_volume(self):
        """log of the volume factor the rescaling contributes to Z."""
        return 0.0

    @property
    def standard(self):
        """The unit type that the rescaled states follow."""
        return self

    def update_parameters(self, V, H, W, bias, n_pos, lr):
        """One step on the type's own parameters (none here); ``V`` stacks a
        CD step's rescaled visible states (``n_pos`` data rows first), ``H``
        their hidden means."""

    def __repr__(self):
        return f"{type(self).__name__}()"


class BernoulliUnits(Units):
    """Binary units: p(x = 1 | a) = sigmoid(a)."""

    name = "bernoulli"
    binary = True

    def mean(self, A, bias, out):
        _k.bernoulli_mean(A, bias, out)

    def sample(self, A, bias, mean, sample, seed):
        _k.bernoulli_sample(A, bias, mean, sample, seed)

    def log_partition(self, A, bias, out):
        _k.bernoulli_log_partition(A, bias, out)

    def energy(self, V, bias, out):
        _k.bernoulli_energy(V, bias, out)


class GaussianUnits(Units):
    """Real-valued units: x | a ~ N(a, 1), or with a scale ``sigma`` (held by
    reference), v | a ~ N(b + sigma * a, sigma**2), energy
    ``sum_i (v_i - b_i)**2 / (2 sigma_i**2)`` (Cho, Ilin & Raiko 2011). With
    ``log_var`` (float64 log sigma**2) the variances are learned:
    ``update_parameters`` steps it and writes ``sigma`` from it."""

    name = "gaussian"
    # The learned log-variances are kept in [log 1e-4, log 1e4].
    _LOG_VAR_RANGE = (np.log(1e-4), np.log(1e4))

    def __init__(self, sigma=None, *, log_var=None):
        if log_var is not None and sigma is None:
            raise ValueError("GaussianUnits: log_var needs sigma, the array it sets.")
        self.sigma = sigma
        self.log_var = log_var

    def mean(self, A, bias, out):
        if self.sigma is None:
            _k.gaussian_mean(A, bias, out)
            return
        np.multiply(A, self.sigma, out=out)
        out += bias

    def sample(self, A, bias, mean, sample, seed):
        if self.sigma is None:
            _k.gaussian_sample(A, bias, mean, sample, seed)
            return
        # v | a ~ N(b + sigma * a, sigma^2) = b + sigma * N(a, 1)
        _k.gaussian_sample(A, np.zeros_like(bias), mean, sample, seed)
        for out in (sample,) if mean is sample else (sample, mean):
            out *= self.sigma
            out += bias

    def log_partition(self, A, bias, out):
        if self.sigma is None:
            _k.gaussian_log_partition(A, bias, out)
            return
        # In the rescaled states u = v / sigma, which have unit variance.
        _k.gaussian_log_partition(A, self.energy_bias(bias), out)
        out += self.log_volume()

    def energy(self, V, bias, out):
        if self.sigma is None:
            _k.gaussian_energy(V, bias, out)
            return
        _k.gaussian_energy(np.ascontiguousarray(V / self.sigma), self.energy_bias(bias),
                           out)

    def rescale(self, X):
        if self.sigma is None:
            return X
        if sp.issparse(X):
            return X.multiply(1.0 / self.sigma).tocsr()
        return np.ascontiguousarray(X / self.sigma, dtype=self.sigma.dtype)

    def rescale_in_place(self, V):
        if self.sigma is not None:
            V /= self.sigma

    def bias_gradient(self, grad):
        # The column means of v / sigma differ by 1 / sigma from the bias
        # gradient <(v - b) / sigma^2>_data - <...>_model.
        return grad if self.sigma is None else grad / self.sigma

    def energy_bias(self, bias):
        if self.sigma is None:
            return bias
        return (bias / self.sigma).astype(self.sigma.dtype)

    def log_volume(self):
        # The density of v = sigma * u, u the unit-variance states.
        if self.sigma is None:
            return 0.0
        return float(np.sum(np.log(self.sigma.astype(np.float64))))

    @property
    def standard(self):
        return self if self.sigma is None else GaussianUnits()

    def update_parameters(self, V, H, W, bias, n_pos, lr):
        if self.log_var is None:
            return
        # dF/dz_i for z_i = log sigma_i^2:
        #   -(v_i - b_i)^2 / (2 sigma_i^2) + (v_i / (2 sigma_i)) (W^T h)_i,
        # with V = v / sigma and H the hidden means.
        HW = np.empty_like(V)
        blas.dot_nn(H, W, HW)
        sigma = self.sigma.astype(np.float64)
        u = V.astype(np.float64)
        d = u - bias / sigma
        dF = -0.5 * d * d + 0.5 * u * HW
        grad = -(dF[:n_pos].mean(axis=0) - dF[n_pos:].mean(axis=0))
        self.log_var += lr * grad
        np.clip(self.log_var, *self._LOG_VAR_RANGE, out=self.log_var)
        self.sigma[...] = np.exp(0.5 * self.log_var)

    def __repr__(self):
        return "GaussianUnits()" if self.sigma is None else "GaussianUnits(sigma=...)"


class ReLUUnits(Units):
    """Noisy rectified linear units (Nair & Hinton, 2010), standing for
    infinitely many binary units with bias offsets -1/2, -3/2, ...: sample
    ``max(0, a + N(0, sigmoid(a)))``, mean ``max(0, a)``, the free-energy term
    of the stepped sigmoid units."""

    name = "relu"

    def mean(self, A, bias, out):
        _k.relu_mean(A, bias, out)

    def sample(self, A, bias, mean, sample, seed):
        _k.relu_sample(A, bias, mean, sample, seed)

    def log_partition(self, A, bias, out):
        _k.relu_log_partition(A, bias, out)


@jit
def _softmax_groups(A, bias, mean, sample, group_size, seed, draw):
    """Per row and group of ``group_size`` units, the softmax of ``A + bias``
    into ``mean``; with ``draw``, a one-hot sample into ``sample`` (the
    uniform of group ``g`` of row ``i`` is ``uniform(seed, i * n_groups + g)``).
    ``mean`` and ``sample`` may be ``A`` itself: a group is read whole
    before it is written, the sample last."""
    n, m = A.shape
    n_groups = m // group_size
    p = np.empty(group_size)
    for i in range(n):
        for g in range(n_groups):
            start = g * group_size
            top = -np.inf
            for j in range(group_size):
                a = np.float64(A[i, start + j]) + np.float64(bias[start + j])
                p[j] = a
                top = max(top, a)
            total = 0.0
            for j in range(group_size):
                e = np.exp(p[j] - top)
                p[j] = e
                total += e
            for j in range(group_size):
                p[j] /= total
                mean[i, start + j] = p[j]
            if draw:
                u = uniform(seed, i * n_groups + g)
                chosen = group_size - 1
                acc = 0.0
                for j in range(group_size):
                    acc += p[j]
                    if u < acc:
                        chosen = j
                        break
                for j in range(group_size):
                    sample[i, start + j] = 1.0 if j == chosen else 0.0


@jit
def _softmax_log_partition(A, bias, group_size, out):
    n, m = A.shape
    n_groups = m // group_size
    for i in range(n):
        row = 0.0
        for g in range(n_groups):
            start = g * group_size
            top = -np.inf
            for j in range(group_size):
                a = np.float64(A[i, start + j]) + np.float64(bias[start + j])
                top = max(top, a)
            total = 0.0
            for j in range(group_size):
                total += np.exp(np.float64(A[i, start + j]) + np.float64(bias[start + j])
                                - top)
            row += top + np.log(total)
        out[i] = row


class SoftmaxUnits(Units):
    """One-of-K units (Hinton 2010, section 13.1): consecutive groups of
    ``group_size`` units (None: one group; the layer size must be a multiple),
    exactly one on per group, unit ``j`` with probability softmax(a)_j.
    ``log_partition`` sums ``logsumexp(a)`` over groups (``group_size``
    states each), the visible energy is ``-v . b`` and the CD statistics are
    the means, as for binary units. ``binary`` is False: states that are not
    one-hot have probability zero, so single-bit flips do not apply."""

    name = "softmax"

    def __init__(self, group_size=None):
        check("group_size", group_size, [None, Interval(Integral, 1, None)])
        self.group_size = None if group_size is None else int(group_size)

    def _size(self, m):
        K = m if self.group_size is None else self.group_size
        if K == 0 or m % K:
            raise ValueError(f"SoftmaxUnits: a layer of {m} units cannot be cut into "
                             f"groups of group_size={K}.")
        return K

    def mean(self, A, bias, out):
        _softmax_groups(A, bias, out, out, self._size(A.shape[1]), np.uint64(0), False)

    def sample(self, A, bias, mean, sample, seed):
        _softmax_groups(A, bias, mean, sample, self._size(A.shape[1]), np.uint64(seed),
                        True)

    def log_partition(self, A, bias, out):
        _softmax_log_partition(A, bias, self._size(A.shape[1]), out)

    def energy(self, V, bias, out):
        V = V.toarray() if sp.issparse(V) else V
        np.matmul(np.asarray(V, dtype=np.float64), -np.asarray(bias, dtype=np.float64),
                  out=out)

    def __repr__(self):
        if self.group_size is None:
            return "SoftmaxUnits()"
        return f"SoftmaxUnits(group_size={self.group_size})"


_REGISTRY = {cls.name: cls for cls in (BernoulliUnits, GaussianUnits, ReLUUnits,
                                       SoftmaxUnits)}


def get_units(units, role="hidden"):
    """A unit type from a name of ``_REGISTRY`` or a ``Units`` instance;
    ``role`` ("hidden" or "visible") names it in error messages."""
    return resolve(units, _REGISTRY, f"{role}_unit", Units)
