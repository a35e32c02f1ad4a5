"""RBM unit types behind one interface.

An RBM is a pair of unit types joined by a weight matrix. Training, free
energies and sampling only ever ask a unit type for four things, so they
never test which type they hold:

``mean(A, bias, out)``
    The conditional expectation of the units given their total input
    ``A + bias`` (``A`` is the product with the other layer).
``sample(A, bias, mean, sample, seed)``
    The expectation and a sample from the conditional distribution, in one
    pass; ``seed`` is a uint64 drawn from the model's generator.
``log_partition(A, bias, out)``
    Per row, the sum over units of ``log sum_x exp(x * a)`` over the unit's
    states ``x``, with ``a = A + bias``: what marginalising this layer out
    contributes to the free energy, with a minus sign.
``energy(V, bias, out)``
    Per row, the energy term of this layer's own states when it is the
    visible layer: ``-v . b`` for binary units, ``|v - b|**2 / 2`` for
    unit-variance Gaussian units.

The free energy of a visible vector is then
``F(v) = visible.energy(v, b) - hidden.log_partition(v W^T, c)``.

References
----------
Hinton, G. E. (2010). A practical guide to training restricted Boltzmann
machines. UTML TR 2010-003.
Nair, V. & Hinton, G. E. (2010). Rectified linear units improve restricted
Boltzmann machines. ICML.
"""

from ._kernels import rbm as _k
from ._param_validation import resolve

__all__ = ["Units", "BernoulliUnits", "GaussianUnits", "ReLUUnits", "get_units"]


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
    """Real-valued units with unit variance: x | a ~ N(a, 1).

    Data for them should be standardised (zero mean, unit variance per
    feature); ``GaussianBernoulliRBM`` handles other variances by scaling.
    """

    name = "gaussian"

    def mean(self, A, bias, out):
        _k.gaussian_mean(A, bias, out)

    def sample(self, A, bias, mean, sample, seed):
        _k.gaussian_sample(A, bias, mean, sample, seed)

    def log_partition(self, A, bias, out):
        _k.gaussian_log_partition(A, bias, out)

    def energy(self, V, bias, out):
        _k.gaussian_energy(V, bias, out)


class ReLUUnits(Units):
    """Noisy rectified linear units (Nair & Hinton, 2010).

    They stand for an infinite set of binary units sharing weights with bias
    offsets -1/2, -3/2, ...; the sample is ``max(0, a + N(0, sigmoid(a)))``,
    the mean ``max(0, a)``, and the free-energy term is that of the stepped
    sigmoid units they approximate.
    """

    name = "relu"

    def mean(self, A, bias, out):
        _k.relu_mean(A, bias, out)

    def sample(self, A, bias, mean, sample, seed):
        _k.relu_sample(A, bias, mean, sample, seed)

    def log_partition(self, A, bias, out):
        _k.relu_log_partition(A, bias, out)


_REGISTRY = {cls.name: cls for cls in (BernoulliUnits, GaussianUnits, ReLUUnits)}


def get_units(units, role="hidden"):
    """Resolve a unit type from a name or a ``Units`` instance.

    Parameters
    ----------
    units : str or Units
        One of ``"bernoulli"``, ``"gaussian"``, ``"relu"``, or an instance.
    role : {"hidden", "visible"}
        Used only in error messages.
    """
    return resolve(units, _REGISTRY, f"{role}_unit", Units)
