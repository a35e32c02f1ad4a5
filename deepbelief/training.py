"""What every iterative fit shares.

RBMs, autoencoders and MLPs all train the same way from the outside: epochs
of shuffled mini-batches, a per-epoch record of what was measured, an
optional early stop that restores the best epoch, checkpoints written after
every epoch, a verbose line per epoch and a check that training has not
diverged. Those pieces live here, once.
"""

import contextlib
import json
import os
import re
import sys
import tempfile
import time
import warnings
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_random_state

__all__ = [
    "DivergenceError",
    "DegenerateFitWarning",
    "FitHealth",
    "constant_units",
    "mostly_constant",
    "layer_warnings",
    "make_generator",
    "N_MONITOR",
    "CHUNK_ROWS",
    "row_chunks",
    "map_row_chunks",
    "check_batch_size",
    "minibatch_indices",
    "gather_rows",
    "History",
    "check_finite",
    "EarlyStopping",
    "Checkpointer",
    "EpochTimer",
    "print_epoch",
]


class DivergenceError(ArithmeticError):
    """Raised when training produces a non-finite loss or parameter.

    The estimator keeps the last finite parameters it had, so it can be
    inspected or refitted with a smaller learning rate.
    """


class DegenerateFitWarning(UserWarning):
    """A fit ended in a state that is unlikely to be useful: hidden units
    that no longer depend on the input (dead or saturated), an objective
    that grew by orders of magnitude, exploded weights, or a classifier or
    regressor no better than predicting the training targets' prior.

    The message names the layer, what was measured, the likely cause and
    the remedy.
    """


# A unit is "constant" when its activation varies across the monitoring
# rows by less than this (standard deviation; activations in [0, 1]) or,
# for unbounded units, by less than this fraction of its mean magnitude.
_CONSTANT_STD = 1e-2
# Warn when at least this fraction of a layer's units is constant.
_CONSTANT_FRACTION = 0.5
# An objective (a loss, higher is worse) has diverged when it ends this
# many times above its first-epoch value.
_GROWTH = 1e3
# Weights have exploded when their root mean square exceeds this many
# times max(their initial RMS, 1 / sqrt(fan-in)).
_WEIGHT_GROWTH = 1e3


def constant_units(H, bounded=None):
    """Boolean mask of the columns of ``H`` (activations, samples in rows)
    that barely vary across the samples: a standard deviation below 0.01
    for activations in [-1, 1] (``bounded``; None infers it from ``H``), or
    below 1% of the mean magnitude for unbounded ones."""
    H = np.asarray(H, dtype=np.float64)
    if bounded is None:
        bounded = bool(H.min() >= -1.0 and H.max() <= 1.0)
    std, mean = H.std(axis=0), H.mean(axis=0)
    limit = _CONSTANT_STD if bounded else _CONSTANT_STD * np.maximum(np.abs(mean), 1e-3)
    return std < limit


def mostly_constant(H, bounded=None):
    """Whether most units of ``H`` are constant (see ``constant_units``)."""
    H = np.asarray(H)
    if H.ndim != 2 or H.shape[0] < 2 or H.shape[1] == 0 or not np.all(np.isfinite(H)):
        return False
    return float(constant_units(H, bounded).mean()) >= _CONSTANT_FRACTION


class FitHealth:
    """The checks every trainer runs once at the end of a fit.

    Each check warns (``DegenerateFitWarning``) at most once per fit, with
    a message naming ``where`` (the estimator and layer), the measurement,
    the likely cause and the remedy. The checks are cheap: they look at a
    monitoring batch of activations, a loss curve and the weights.

    Parameters
    ----------
    name : str
        The estimator's class name, used in every message.
    learning_rate : float or None
        The learning rate, quoted in the remedies.
    """

    def __init__(self, name, learning_rate=None):
        self.name = name
        self.learning_rate = learning_rate
        self.messages = []

    def _warn(self, text):
        self.messages.append(text)
        warnings.warn(f"{self.name}: {text}", DegenerateFitWarning, stacklevel=4)

    def _lr(self):
        return ("" if self.learning_rate is None
                else f" (learning_rate={self.learning_rate!r})")

    def units(self, layer, H, bounded=None, remedy=""):
        """Warn when most units of ``layer`` are constant across the rows of
        ``H`` (activations of a monitoring batch, samples in rows).

        ``bounded`` says whether the activations lie in [-1, 1] (logistic,
        tanh, binary units), where "constant" is an absolute spread; None
        infers it from ``H``. ``remedy`` ends the list of remedies (for
        instance ", or centering=True").
        """
        H = np.asarray(H, dtype=np.float64)
        if H.ndim != 2 or H.shape[0] < 2 or H.shape[1] == 0:
            return
        if not np.all(np.isfinite(H)):
            return  # non-finite values are the divergence checks' to report
        if bounded is None:
            bounded = bool(H.min() >= -1.0 and H.max() <= 1.0)
        constant = constant_units(H, bounded)
        std, mean = H.std(axis=0), H.mean(axis=0)
        fraction = float(constant.mean())
        if fraction < _CONSTANT_FRACTION:
            return
        if bounded:
            off = float(np.mean(constant & (mean < 0.01)))
            on = float(np.mean(constant & (mean > 0.99)))
            ways = (f"{off:.0%} switched off (mean activation below 0.01), "
                    f"{on:.0%} saturated on (above 0.99), "
                    f"{fraction - off - on:.0%} stuck at another value")
        else:
            zero = float(np.mean(constant & (np.abs(mean) < 1e-6)))
            ways = f"{zero:.0%} stuck at zero, {fraction - zero:.0%} at another value"
        self._warn(
            f"{layer}: {fraction:.0%} of its {H.shape[1]} units are constant across "
            f"{H.shape[0]} training samples ({ways}); median activation std "
            f"{float(np.median(std)):.2g}. Layers above and any network it "
            "initialises learn from a constant. Likely causes: a learning rate too "
            f"large for the input{self._lr()}, unscaled or dense input, or too few "
            "updates for the data size. Remedies: lower the learning rate, scale the "
            "data (MinMaxScaler for binary units, StandardScaler for Gaussian ones), "
            f"train longer or with smaller batches{remedy}.")

    def objective(self, what, values):
        """Warn when the loss ``values`` (lower is better) ended orders of
        magnitude above its first value."""
        values = [float(v) for v in values if np.isfinite(v)]
        if len(values) < 2 or values[0] <= 0:
            return
        if values[-1] > _GROWTH * values[0]:
            self._warn(
                f"{what} grew from {values[0]:.4g} after the first epoch to "
                f"{values[-1]:.4g}: training diverged. Lower the learning rate"
                f"{self._lr()} and check the input scaling.")

    def weights(self, layer, W, initial_rms=None):
        """Warn when the weights of ``layer`` (fan-in along axis 0 of the
        MLP orientation, or given through ``initial_rms``) exploded."""
        W = np.asarray(W)
        if W.size == 0:
            return
        rms = float(np.sqrt(np.mean(np.square(W, dtype=np.float64))))
        reference = 1.0 / np.sqrt(max(min(W.shape), 1))
        if initial_rms is not None:
            reference = max(reference, float(initial_rms))
        if rms > _WEIGHT_GROWTH * reference:
            self._warn(
                f"{layer}: the weights' root mean square is {rms:.3g}, "
                f"{rms / reference:.0f} times their starting scale: training "
                f"diverged. Lower the learning rate{self._lr()} and check the "
                "input scaling.")

    def chance(self, loss, chance_loss, what):
        """Warn when a supervised fit's training ``loss`` is no better than
        ``chance_loss``, the loss of predicting the training prior."""
        if not (np.isfinite(loss) and np.isfinite(chance_loss)) or chance_loss <= 0:
            return
        if loss >= 0.99 * chance_loss:
            worse = loss > 10 * chance_loss
            self._warn(
                f"the training loss {loss:.4g} is "
                + ("many times worse than" if worse else "no better than")
                + f" {what} ({chance_loss:.4g}): the network has learned nothing "
                "from the inputs. Likely causes: "
                + (f"a learning rate that is too large{self._lr()}" if worse else
                   "vanishing gradients through saturated or constant hidden units "
                   "(for instance features of a pretraining that did not train), "
                   f"or a learning rate that is too large or too small{self._lr()}")
                + ". Remedies: scale the data, change the learning rate, train "
                "longer, or fit without the pretrainer to compare.")


@contextlib.contextmanager
def layer_warnings(prefix):
    """Re-issue the ``DegenerateFitWarning``s raised inside with ``prefix``
    (for instance "DBN layer 1") in front, so that a warning from one layer
    of a stack says which layer it is; other warnings pass through as
    they are."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        if issubclass(w.category, DegenerateFitWarning):
            warnings.warn(f"{prefix}: {w.message}", DegenerateFitWarning, stacklevel=3)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def make_generator(random_state):
    """Return the numpy ``Generator`` that a fit, an augmenter or a sampler
    draws from; every ``random_state`` of the package goes through here.

    - ``None``: seeded from numpy's global ``RandomState`` (which
      ``np.random.seed`` fixes), as scikit-learn's ``check_random_state``;
    - an int in [0, 2**32): the same stream every time;
    - a ``RandomState``: advanced by the four draws that seed a new Generator, so
      that repeated fits with one differ, as in scikit-learn;
    - a ``Generator``: returned as it is (draws advance the caller's stream);
    - a ``SeedSequence``: seeds a new Generator.

    Anything else (a bool, a float, a string) is a ``TypeError``.
    """
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.SeedSequence):
        return np.random.default_rng(random_state)
    if not (random_state is None or isinstance(random_state, np.random.RandomState)
            or (isinstance(random_state, Integral) and not isinstance(random_state, bool))):
        raise TypeError(
            "random_state must be None, an int, or a numpy RandomState, Generator or "
            f"SeedSequence; got {type(random_state).__name__} {random_state!r}."
        )
    if isinstance(random_state, Integral) and not 0 <= random_state < 2**32:
        raise ValueError(f"random_state must be an int in [0, 2**32); got {random_state}.")
    rs = check_random_state(random_state)
    return np.random.default_rng(rs.randint(0, 2**31 - 1, size=4))


def check_batch_size(batch_size, n_samples):
    """Resolve ``batch_size`` to a number of samples per mini-batch.

    Parameters
    ----------
    batch_size : int, "full" or "auto"
        An int >= 1 (1 is stochastic gradient descent), ``"full"`` for
        full-batch gradient descent, or ``"auto"`` for
        ``min(200, n_samples)`` as in scikit-learn's MLP.
    n_samples : int
        Number of training samples; the result never exceeds it.
    """
    if isinstance(batch_size, str):
        if batch_size == "full":
            return int(n_samples)
        if batch_size == "auto":
            return int(min(200, n_samples))
        raise ValueError(
            f'batch_size must be an int >= 1, "full" or "auto"; got {batch_size!r}.'
        )
    if isinstance(batch_size, bool) or not isinstance(batch_size, Integral):
        raise TypeError(
            f'batch_size must be an int >= 1, "full" or "auto"; got '
            f"{type(batch_size).__name__} {batch_size!r}."
        )
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1; got {batch_size}.")
    return int(min(batch_size, n_samples))


def minibatch_indices(n_samples, batch_size, rng, shuffle=True):
    """Split ``range(n_samples)`` into mini-batches of row indices.

    Returns a list of int64 index arrays covering every sample once, each
    of ``batch_size`` rows but the last, which holds the remainder. With
    ``shuffle`` the order is a fresh permutation drawn from ``rng``; no copy
    of the data is made, only of the indices.
    """
    order = rng.permutation(n_samples) if shuffle else np.arange(n_samples)
    return [order[i : i + batch_size] for i in range(0, n_samples, batch_size)]


def gather_rows(X, idx, out):
    """Copy rows ``idx`` of ``X`` (dense or sparse) into ``out[:len(idx)]``.

    Returns the filled view. The buffer is reused across mini-batches so an
    epoch allocates nothing the size of the data.
    """
    view = out[: len(idx)]
    if hasattr(X, "tocsr"):  # scipy sparse
        view[...] = X[idx].toarray()
    else:
        np.take(X, idx, axis=0, out=view)
    return view


class History(dict):
    """Per-epoch records: a dict of equal-length lists.

    ``history.record(loss=0.3, seconds=1.2)`` appends one value per key;
    keys seen for the first time are back-filled with NaN so every list
    keeps one entry per epoch.
    """

    def record(self, **values):
        n = len(next(iter(self.values()))) if self else 0
        for key, value in values.items():
            if key not in self:
                self[key] = [float("nan")] * n
            self[key].append(float(value) if np.ndim(value) == 0 else value)
        for key in self:
            if key not in values:
                self[key].append(float("nan"))

    @property
    def n_epochs(self):
        return len(next(iter(self.values()))) if self else 0


def check_finite(where, learning_rate=None, **values):
    """Raise ``DivergenceError`` if any of ``values`` is not finite.

    ``values`` maps names to scalars or arrays. The message names the
    quantity, where it happened, and the likely cause.
    """
    for name, value in values.items():
        arr = np.asarray(value)
        if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
            hint = (
                f" (learning_rate={learning_rate!r})" if learning_rate is not None else ""
            )
            raise DivergenceError(
                f"Training diverged at {where}: {name} is not finite. The learning "
                f"rate{hint} is most likely too large; lower it (and check the "
                "input scaling). The last finite parameters were kept."
            )


class EarlyStopping:
    """Stop when a monitored score has not improved for a while.

    Parameters
    ----------
    n_iter_no_change : int
        Epochs without an improvement of more than ``tol`` after which
        ``update`` returns True.
    tol : float
        Minimum improvement that counts.
    greater_is_better : bool
        True for scores (accuracy, log-likelihood), False for losses.

    The parameters of the best epoch are kept (as copies) in
    ``best_params`` so that a fit can restore them.
    """

    def __init__(self, n_iter_no_change=10, tol=1e-4, greater_is_better=True):
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.greater_is_better = greater_is_better
        self.best_score = -np.inf if greater_is_better else np.inf
        self.best_epoch = -1
        self.best_params = None
        self._bad_epochs = 0

    def update(self, score, epoch, params):
        """Record ``score`` for ``epoch``; return True when training should stop.

        ``params`` is a dict (or list) of arrays copied when ``score`` is
        the best so far.
        """
        sign = 1.0 if self.greater_is_better else -1.0
        if sign * (score - self.best_score) > 0:
            self.best_params = _copy_params(params)
            self.best_epoch = epoch
        if sign * (score - self.best_score) > self.tol:
            self._bad_epochs = 0
        else:
            self._bad_epochs += 1
        if sign * (score - self.best_score) > 0:
            self.best_score = score
        return self._bad_epochs >= self.n_iter_no_change


def _copy_params(params):
    if isinstance(params, dict):
        return {k: np.array(v, copy=True) for k, v in params.items()}
    return [np.array(v, copy=True) for v in params]


class Checkpointer:
    """Write training state after every epoch, atomically; find the latest.

    Each checkpoint is one ``.npz`` file (loadable with
    ``allow_pickle=False``) holding named arrays plus a JSON string of plain
    metadata (epoch number, random generator state, scalars). A file is
    written to a temporary name and renamed into place, so an interrupted
    write never leaves a truncated checkpoint. ``keep`` bounds how many
    per-epoch files are kept; the best epoch is also copied to
    ``best.npz``.
    """

    _pattern = re.compile(r"^epoch_(\d+)\.npz$")

    def __init__(self, directory, keep=3):
        self.directory = os.fspath(directory)
        self.keep = keep
        os.makedirs(self.directory, exist_ok=True)

    def _write(self, name, arrays, meta):
        payload = {f"a_{k}": np.asarray(v) for k, v in arrays.items()}
        payload["__meta__"] = np.array(json.dumps(meta))
        fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, **payload)
            os.replace(tmp, os.path.join(self.directory, name))
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise

    def save(self, epoch, arrays, meta=None, best=False):
        """Save ``arrays`` (dict name -> ndarray) and ``meta`` for ``epoch``."""
        meta = dict(meta or {})
        meta["epoch"] = int(epoch)
        self._write(f"epoch_{epoch:05d}.npz", arrays, meta)
        if best:
            self._write("best.npz", arrays, meta)
        epochs = self.epochs()
        for old in epochs[: max(0, len(epochs) - self.keep)]:
            os.remove(os.path.join(self.directory, f"epoch_{old:05d}.npz"))

    def epochs(self):
        """Sorted epoch numbers of the checkpoints present."""
        found = []
        for name in os.listdir(self.directory):
            m = self._pattern.match(name)
            if m:
                found.append(int(m.group(1)))
        return sorted(found)

    @staticmethod
    def read(path):
        """Return ``(arrays, meta)`` from a checkpoint file."""
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["__meta__"]))
            arrays = {k[2:]: data[k] for k in data.files if k.startswith("a_")}
        return arrays, meta

    def latest(self):
        """``(arrays, meta)`` of the newest checkpoint, or None."""
        epochs = self.epochs()
        if not epochs:
            return None
        return self.read(os.path.join(self.directory, f"epoch_{epochs[-1]:05d}.npz"))

    def best(self):
        """``(arrays, meta)`` of the best checkpoint, or None."""
        path = os.path.join(self.directory, "best.npz")
        return self.read(path) if os.path.exists(path) else None


def generator_state_to_json(rng):
    """The state of a numpy ``Generator`` as a JSON-able dict."""
    state = rng.bit_generator.state
    return json.loads(json.dumps(state, default=int))


def generator_from_json(state):
    """Rebuild a numpy ``Generator`` from ``generator_state_to_json``'s output."""
    bitgen = getattr(np.random, state["bit_generator"])()
    bitgen.state = state
    return np.random.Generator(bitgen)


class EpochTimer:
    """Wall-clock seconds of one epoch: ``with EpochTimer() as t: ...; t.seconds``."""

    def __enter__(self):
        self._t0 = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self._t0
        return False


def print_epoch(name, epoch, stream=None, **values):
    """Print one summary line for an epoch, e.g.
    ``[BernoulliRBM] Iteration 3, pseudo-likelihood = -80.21, time = 0.52s``.
    """
    parts = [f"{k.replace('_', '-')} = {v:.4g}" if isinstance(v, float) else f"{k} = {v}"
             for k, v in values.items()]
    print(f"[{name}] Iteration {epoch}, " + ", ".join(parts), file=stream or sys.stdout)
    (stream or sys.stdout).flush()


# --------------------------------------------------------------------------
# inference in bounded memory

# Rows of training data on which the per-epoch measurements (reconstruction
# error, pseudo-likelihood, free energy) are taken: enough for a stable
# average, few enough to cost a small fraction of an epoch.
N_MONITOR = 1000
# Rows that transform, predict, free_energy and the like process at once, so
# that memory stays bounded on large (or sparse) inputs.
CHUNK_ROWS = 4096


def row_chunks(X, chunk_rows=None, dtype=None):
    """Yield ``(rows, block)`` over consecutive blocks of at most
    ``chunk_rows`` rows of ``X`` (``CHUNK_ROWS`` when None): ``rows`` is the
    slice of ``X`` the block holds, ``block`` a dense C-contiguous array in
    ``dtype`` (``X``'s when None); a sparse block is densified, one block at
    a time."""
    chunk_rows = CHUNK_ROWS if chunk_rows is None else chunk_rows
    n = X.shape[0]
    for start in range(0, n, chunk_rows):
        rows = slice(start, min(start + chunk_rows, n))
        block = X[rows]
        if sp.issparse(block):
            block = block.toarray()
        yield rows, np.ascontiguousarray(block, dtype=dtype)


def map_row_chunks(fn, X, chunk_rows=None, dtype=None):
    """``fn`` applied to each block of :func:`row_chunks`, the results
    stacked along the first axis (``fn`` maps ``k`` rows to ``k`` rows)."""
    return np.concatenate([fn(block) for _, block in row_chunks(X, chunk_rows, dtype)])
