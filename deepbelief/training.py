"""What every iterative fit shares.

RBMs, autoencoders and MLPs all train the same way from the outside: epochs
of shuffled mini-batches, a per-epoch record of what was measured, an
optional early stop that restores the best epoch, checkpoints written after
every epoch, a verbose line per epoch and a check that training has not
diverged. Those pieces live here, once.
"""

import json
import os
import re
import sys
import tempfile
import time
from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state

__all__ = [
    "DivergenceError",
    "make_generator",
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


def make_generator(random_state):
    """Return a numpy ``Generator`` seeded from ``random_state``.

    Accepts what scikit-learn's ``check_random_state`` accepts (None, an
    int, a ``RandomState``) and also a ``Generator``, returned as it is. An
    int gives the same stream every time; a ``RandomState`` is advanced, so
    that repeated fits with one differ, as in scikit-learn.
    """
    if isinstance(random_state, np.random.Generator):
        return random_state
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
