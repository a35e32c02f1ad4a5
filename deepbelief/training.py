"""What every iterative fit shares.

RBMs, autoencoders and MLPs all train the same way from the outside: epochs
of shuffled mini-batches, a per-epoch record of what was measured, an
optional early stop that restores the best epoch, checkpoints written after
every epoch, a verbose line per epoch and a check that training has not
diverged. Those pieces live here, once.
"""

import contextlib
import hashlib
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

from ._kernels.random import SeedStream
from ._param_validation import Interval, Options, check

__all__ = ["DivergenceError", "DegenerateFitWarning", "FitHealth", "constant_units",
           "mostly_constant", "layer_warnings", "make_generator", "N_MONITOR",
           "CHUNK_ROWS", "row_chunks", "check_batch_size",
           "minibatch_indices", "dense", "gather_rows", "History", "check_finite", "EarlyStopping",
           "CheckpointError", "Checkpointer", "TrainingTask", "fit_loop",
           "estimator_masks", "resume", "fingerprint", "split_rows", "split_validation",
           "column_means", "print_epoch"]


class DivergenceError(ArithmeticError, ValueError):
    """Training produced a non-finite loss or parameter (a ValueError too, as
    in scikit-learn). The estimator keeps its last finite parameters."""


class DegenerateFitWarning(UserWarning):
    """A fit ended unlikely to be useful: hidden units that ignore the input,
    an objective grown by orders of magnitude, exploded weights, or a model no
    better than the training targets' prior. The message names the layer,
    the measurement, the likely cause and the remedy."""


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
    """Mask of the columns of ``H`` (samples in rows) that barely vary: std
    below 0.01 if ``bounded`` in [-1, 1] (None: inferred), else below 1% of
    the mean magnitude."""
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
    """The cheap checks every trainer runs at the end of a fit, on a
    monitoring batch of activations, a loss curve and the weights. Each warns
    (``DegenerateFitWarning``) at most once, prefixed by ``name``;
    ``learning_rate`` (or None) is quoted in the remedies."""

    def __init__(self, name, learning_rate=None):
        self.name = name
        self.learning_rate = learning_rate

    def _warn(self, text):
        warnings.warn(f"{self.name}: {text}", DegenerateFitWarning, stacklevel=4)

    def _lr(self):
        return ("" if self.learning_rate is None
                else f" (learning_rate={self.learning_rate!r})")

    def units(self, layer, H, bounded=None, remedy=""):
        """Warn when most units of ``layer`` are constant across the rows of
        ``H`` (see ``constant_units``); ``remedy`` ends the list of remedies
        (for instance ", or centering=True")."""
        H = np.asarray(H, dtype=np.float64)
        if not mostly_constant(H, bounded):  # non-finite H: the divergence checks'
            return
        if bounded is None:
            bounded = bool(H.min() >= -1.0 and H.max() <= 1.0)
        constant = constant_units(H, bounded)
        std, mean = H.std(axis=0), H.mean(axis=0)
        fraction = float(constant.mean())
        saturated = 0.0
        if bounded:
            off = float(np.mean(constant & (mean < 0.01)))
            on = float(np.mean(constant & (mean > 0.99)))
            saturated = off + on
            ways = (f"{off:.0%} switched off (mean activation below 0.01), "
                    f"{on:.0%} saturated on (above 0.99), "
                    f"{max(0.0, fraction - off - on):.0%} stuck at another value")
        else:
            zero = float(np.mean(constant & (np.abs(mean) < 1e-6)))
            ways = f"{zero:.0%} stuck at zero, {fraction - zero:.0%} at another value"
        # Units stuck between the bounds carry nothing about the input but
        # still pass gradients: backpropagation can train them again.
        effect = ("Layers above and any network it initialises learn from a constant"
                  if not bounded or saturated >= 0.5 * fraction else
                  "They carry nothing about the input to the layers above; a network "
                  "it initialises can still train them (they are not saturated), but "
                  "gets little from their pretraining")
        self._warn(
            f"{layer}: {fraction:.0%} of its {H.shape[1]} units are constant across "
            f"{H.shape[0]} training samples ({ways}); median activation std "
            f"{float(np.median(std)):.2g}. {effect}. Likely causes: a learning rate too "
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

    def chance(self, loss, chance_loss, what, n_samples=None):
        """Warn when a supervised fit's ``loss`` on training samples (the
        fitted network's, on ``n_samples`` of them) is no better than
        ``chance_loss``, the loss of predicting the training prior."""
        if not np.isfinite(chance_loss) or chance_loss <= 0 or np.isnan(loss):
            return
        if loss >= 0.99 * chance_loss:
            worse = loss > 10 * chance_loss
            on = "" if n_samples is None else f" on {n_samples} training samples"
            self._warn(
                f"the fitted network's loss{on} is {loss:.4g}, "
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
    (e.g. "DBN layer 1") in front; other warnings pass through."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        if issubclass(w.category, DegenerateFitWarning):
            warnings.warn(f"{prefix}: {w.message}", DegenerateFitWarning, stacklevel=3)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def make_generator(random_state):
    """The numpy ``Generator`` for a ``random_state`` (every one in the
    package goes through here). None seeds from numpy's global RandomState
    (as ``check_random_state``); an int in [0, 2**32) gives the same stream
    every time; a RandomState is advanced by the four draws that seed the
    Generator, so repeated fits differ; a Generator is returned as it is; a
    SeedSequence seeds a new one. Anything else is a ``TypeError``."""
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
    """Samples per mini-batch, at most ``n_samples``, for an int >= 1,
    ``"full"`` (all) or ``"auto"`` (``min(200, n_samples)``, as scikit-learn)."""
    check("batch_size", batch_size, [Interval(Integral, 1, None),
                                     Options(str, {"full", "auto"})])
    if batch_size == "full":
        return int(n_samples)
    return int(min(200 if batch_size == "auto" else batch_size, n_samples))


def minibatch_indices(n_samples, batch_size, rng, shuffle=True):
    """``range(n_samples)`` as index arrays of ``batch_size`` rows (the last
    holds the remainder), in a fresh permutation from ``rng`` if ``shuffle``."""
    order = rng.permutation(n_samples) if shuffle else np.arange(n_samples)
    return [order[i : i + batch_size] for i in range(0, n_samples, batch_size)]


def dense(X, dtype=None):
    """``X`` (dense or sparse) as a dense C-contiguous array in ``dtype``."""
    return np.ascontiguousarray(X.toarray() if sp.issparse(X) else X, dtype=dtype)


def gather_rows(X, idx, out):
    """Copy rows ``idx`` of ``X`` (dense or sparse) into ``out[:len(idx)]``
    and return that view; the buffer is reused across mini-batches."""
    view = out[: len(idx)]
    if hasattr(X, "tocsr"):  # scipy sparse
        view[...] = X[idx].toarray()
    else:
        np.take(X, idx, axis=0, out=view)
    return view


class History(dict):
    """Per-epoch records, a dict of equal-length lists: ``record(loss=0.3)``
    appends one value per key, back-filling new keys (and missing ones) with NaN."""

    def record(self, **values):
        n = len(next(iter(self.values()))) if self else 0
        for key, value in values.items():
            if key not in self:
                self[key] = [float("nan")] * n
            self[key].append(float(value) if np.ndim(value) == 0 else value)
        for key in self:
            if key not in values:
                self[key].append(float("nan"))


def check_finite(where, learning_rate=None, **values):
    """Raise ``DivergenceError`` naming the first of ``values`` (name -> scalar
    or array) that is not finite."""
    for name, value in values.items():
        arr = np.asarray(value)
        if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
            hint = "" if learning_rate is None else f" (learning_rate={learning_rate!r})"
            raise DivergenceError(
                f"Training diverged at {where}: {name} is not finite. The learning "
                f"rate{hint} is most likely too large; lower it (and check the "
                "input scaling). The parameters of the last finite epoch were restored."
            )


class EarlyStopping:
    """Stop when the record ``monitor`` has not improved by more than ``tol``
    for ``n_iter_no_change`` epochs (``np.inf``: never); ``greater_is_better``
    for scores, not losses. With ``restore_best`` the best epoch's parameters
    are copied to ``best_params``, which the loop restores at the end."""

    def __init__(self, n_iter_no_change=10, tol=1e-4, greater_is_better=True,
                 monitor="validation_score", restore_best=True):
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.greater_is_better = greater_is_better
        self.monitor = monitor
        self.restore_best = restore_best
        self.best_score = -np.inf if greater_is_better else np.inf
        self.best_epoch = -1
        self.best_params = None
        self._bad_epochs = 0

    def update(self, score, epoch, params):
        """Record ``score``; True when training should stop. ``params`` (dict
        or list of arrays) is copied when ``score`` is the best so far."""
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

    def state(self):
        """The counters as plain JSON values (``best_params`` goes with the arrays)."""
        return {"best_score": float(self.best_score), "best_epoch": int(self.best_epoch),
                "bad_epochs": int(self._bad_epochs)}

    def load_state(self, state):
        self.best_score = float(state["best_score"])
        self.best_epoch = int(state["best_epoch"])
        self._bad_epochs = int(state["bad_epochs"])


def _copy_params(params):
    if isinstance(params, dict):
        return {k: np.array(v, copy=True) for k, v in params.items()}
    return [np.array(v, copy=True) for v in params]


class CheckpointError(ValueError):
    """A checkpoint holds another fit's state or arrays that do not fit the
    model; the message names the folder (or file) and what differs."""


# Bumped when the layout of a checkpoint file changes.
_FORMAT = 2


def _digest(arrays, meta_json):
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    h.update(meta_json.encode())
    return h.hexdigest()


class Checkpointer:
    """Training state after every epoch, one ``.npz`` per epoch (read with
    ``allow_pickle=False``): named arrays, JSON metadata (epochs, generator
    states, history, fingerprint) and a SHA-256 digest of both. Files are
    written to a temporary name, fsynced and renamed, so an interrupted write
    never leaves a truncated checkpoint; a file failing its digest is skipped
    with a warning. The newest ``keep`` are kept, the best also as ``best.npz``.
    """

    _pattern = re.compile(r"^epoch_(\d+)\.npz$")

    def __init__(self, directory, keep=3):
        self.directory = os.fspath(directory)
        self.keep = keep
        os.makedirs(self.directory, exist_ok=True)

    def remove_stale(self):
        """Remove temporary files a killed writer left (called on resume)."""
        for name in os.listdir(self.directory):
            if name.endswith(".tmp"):
                with contextlib.suppress(OSError):
                    os.remove(os.path.join(self.directory, name))

    def _write(self, name, arrays, meta):
        arrays = {k: np.asarray(v) for k, v in arrays.items()}
        meta_json = json.dumps(meta)
        payload = {f"a_{k}": v for k, v in arrays.items()}
        payload["__meta__"] = np.array(meta_json)
        payload["__sha256__"] = np.array(_digest(arrays, meta_json))
        fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, **payload)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, os.path.join(self.directory, name))
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise

    def save(self, epoch, arrays, meta=None, best=False):
        """Save ``arrays`` (name -> ndarray) and ``meta`` after ``epoch`` epochs."""
        meta = dict(meta or {})
        meta["epoch"] = int(epoch)
        meta["format"] = _FORMAT
        self._write(f"epoch_{epoch:05d}.npz", arrays, meta)
        if best:
            self._write("best.npz", arrays, meta)
        epochs = self.epochs()
        for old in epochs[: max(0, len(epochs) - self.keep)]:
            os.remove(os.path.join(self.directory, f"epoch_{old:05d}.npz"))

    def epochs(self):
        """Sorted epoch numbers of the checkpoints present."""
        return sorted(int(m.group(1)) for m in map(self._pattern.match,
                                                    os.listdir(self.directory)) if m)

    @staticmethod
    def read(path):
        """``(arrays, meta)`` of a checkpoint file; ``CheckpointError`` when it
        cannot be read or fails its digest."""
        try:
            with np.load(path, allow_pickle=False) as data:
                meta_json = str(data["__meta__"])
                digest = str(data["__sha256__"])
                arrays = {k[2:]: data[k] for k in data.files if k.startswith("a_")}
            meta = json.loads(meta_json)
        except Exception as exc:  # zip, CRC, JSON or missing-entry errors alike
            raise CheckpointError(f"checkpoint {path!r} cannot be read "
                                  f"({type(exc).__name__}: {exc}).") from None
        if _digest(arrays, meta_json) != digest:
            raise CheckpointError(f"checkpoint {path!r} does not match its "
                                  "SHA-256 digest; it is damaged.")
        if not isinstance(meta, dict) or meta.get("format") != _FORMAT:
            raise CheckpointError(f"checkpoint {path!r} was written in another format "
                                  "(by another version of deepbelief); use a new folder.")
        return arrays, meta

    def latest(self):
        """``(arrays, meta)`` of the newest readable checkpoint, or None."""
        for epoch in reversed(self.epochs()):
            path = os.path.join(self.directory, f"epoch_{epoch:05d}.npz")
            try:
                return self.read(path)
            except CheckpointError as exc:
                warnings.warn(f"{exc} Falling back to the previous checkpoint.",
                              RuntimeWarning, stacklevel=2)
        return None

    def best(self):
        """``(arrays, meta)`` of the best checkpoint, or None."""
        path = os.path.join(self.directory, "best.npz")
        return self.read(path) if os.path.exists(path) else None


# Bit generators a checkpoint or model file may name; nothing read from a file is
# looked up as an attribute and called.
BIT_GENERATORS = {cls.__name__: cls for cls in (np.random.PCG64, np.random.PCG64DXSM,
                                                np.random.MT19937, np.random.Philox,
                                                np.random.SFC64)}


def generator_state_to_json(rng):
    """The state of a numpy ``Generator`` as a JSON-able dict."""
    state = rng.bit_generator.state
    return json.loads(json.dumps(state, default=int))


def _checked_bit_generator(state):
    name = state.get("bit_generator") if isinstance(state, dict) else None
    if name not in BIT_GENERATORS:
        raise CheckpointError(f"random generator state names an unknown bit generator "
                              f"{name!r}; expected one of {sorted(BIT_GENERATORS)}.")
    return BIT_GENERATORS[name]


def set_generator_state(rng, state):
    """Put ``state`` into ``rng`` in place, so every holder sees it."""
    kind = _checked_bit_generator(state)
    if not isinstance(rng.bit_generator, kind):
        raise CheckpointError(f"the checkpoint's random generator is {state['bit_generator']} "
                              f"but this fit uses {type(rng.bit_generator).__name__}.")
    try:
        rng.bit_generator.state = state
    except (TypeError, ValueError, KeyError) as exc:
        raise CheckpointError(f"random generator state is invalid: {exc}") from None


# ---------------------------------------------------------------- the loop

# Parameters that never change what a fit computes up to a given epoch: a
# checkpoint resumes across them (to train longer, or quietly).
_RESUMABLE = frozenset({"n_iter", "max_iter", "verbose", "checkpoint_dir", "warm_start",
                        "augment"})
_N_FINGERPRINT_ROWS = 32


def stable_repr(value):
    """``repr`` without the memory addresses of functions and plain objects."""
    text = repr(value)
    if " at 0x" in text:
        return getattr(value, "__qualname__", type(value).__qualname__)
    return text


def fingerprint(estimator, data, resumable=()):
    """What a checkpoint must match to be resumed into a fit (a JSON-able
    dict): every constructor parameter but ``_RESUMABLE`` and ``resumable``
    (``augment`` is a callable whose identity cannot be recorded), and each
    array of ``data``'s shape, dtype and SHA-256 of up to 32 spread rows."""
    skip = _RESUMABLE | set(resumable)
    params = {k: stable_repr(v) for k, v in sorted(estimator.get_params(deep=False).items())
              if k not in skip}
    described = []
    for A in data:
        n = A.shape[0]
        rows = np.unique(np.linspace(0, max(n - 1, 0), min(n, _N_FINGERPRINT_ROWS))
                         .astype(np.int64)) if n else np.zeros(0, np.int64)
        sample = A[rows]
        described.append({"shape": [int(d) for d in A.shape], "dtype": str(A.dtype),
                          "rows_sha256": hashlib.sha256(dense(sample).tobytes()).hexdigest()})
    return {"params": params, "data": described}


def _mismatch(saved, current):
    """Words for how fingerprint ``saved`` differs from ``current``."""
    if not isinstance(saved, dict):
        return ["it holds no fingerprint"]
    diffs = []
    old, new = saved.get("params", {}), current["params"]
    for name in sorted(set(old) | set(new)):
        if old.get(name) != new.get(name):
            diffs.append(f"{name} is {old.get(name, '(absent)')} there and "
                         f"{new.get(name, '(absent)')} here")
    old_data, new_data = saved.get("data", []), current["data"]
    for i, cur in enumerate(new_data):
        was = old_data[i] if i < len(old_data) else None
        what = "X" if i == 0 else "y"
        if was is None:
            diffs.append(f"{what} is absent there")
        elif was.get("shape") != cur["shape"] or was.get("dtype") != cur["dtype"]:
            diffs.append(f"{what} has shape {tuple(was.get('shape', ()))} and dtype "
                         f"{was.get('dtype')} there, {tuple(cur['shape'])} and "
                         f"{cur['dtype']} here")
        elif was.get("rows_sha256") != cur["rows_sha256"]:
            diffs.append(f"{what} has other values (same shape and dtype)")
    return diffs


def check_index_array(name, a, n):
    """Raise ``CheckpointError`` unless ``a`` holds distinct integers in [0, n)."""
    a = np.asarray(a)
    if a.ndim != 1 or a.dtype.kind not in "iu":
        raise CheckpointError(f"{name} must be a 1-d integer array; got dtype {a.dtype} "
                              f"and shape {a.shape}.")
    if a.size and (a.min() < 0 or a.max() >= n or np.unique(a).size != a.size):
        raise CheckpointError(f"{name} must hold distinct indices in [0, {n}).")
    return a


def split_rows(n_samples, fraction, early_stopping, rng, rows=None):
    """Sorted ``(train_idx, val_idx)`` holding out a random ``fraction`` of
    the rows (None: 0.1 with early stopping, else 0), or ``(None, None)``;
    of the indices ``rows`` when given (``n_samples`` is then their number),
    or ``(rows, None)``. Only indices: training gathers its rows per batch (a
    memmap stays on disk)."""
    if rows is not None:
        n_samples = len(rows)
    if fraction is None:
        fraction = 0.1 if early_stopping else 0.0
    n_val = int(round(fraction * n_samples))
    if fraction > 0 and (n_val < 1 or n_val >= n_samples):
        raise ValueError(
            f"validation_fraction={fraction} leaves {n_val} validation samples "
            f"of {n_samples}; at least one must be held out and one kept for training."
        )
    if n_val == 0:
        return rows, None
    order = rng.permutation(n_samples)
    train, val = np.sort(order[n_val:]), np.sort(order[:n_val])
    return (train, val) if rows is None else (rows[train], rows[val])


def split_validation(X, fraction, early_stopping, rng):
    """``(X_train, X_val)`` by :func:`split_rows` (``X_val`` may be None)."""
    train, val = split_rows(X.shape[0], fraction, early_stopping, rng)
    if val is None:
        return X, None
    return X[train], X[val]


def column_means(X, rows=None, chunk=4096):
    """Column means of ``X`` (dense or sparse), or of its ``rows``, in float64,
    reading at most ``chunk`` rows at a time."""
    if rows is None:
        return np.asarray(X.mean(axis=0), dtype=np.float64).ravel()
    total = np.zeros(X.shape[1])
    for start in range(0, len(rows), chunk):
        part = X[rows[start:start + chunk]]
        total += np.asarray(part.sum(axis=0), dtype=np.float64).ravel()
    return total / max(len(rows), 1)


class TrainingTask:
    """An estimator's part in the loop: it sets ``name`` (for messages),
    ``learning_rate`` (quoted on divergence) and ``verbose_keys`` (None: the
    whole record), implements ``params``, ``step`` and ``end_epoch``, and for
    checkpoints the state methods below."""

    name = "model"
    learning_rate = None
    verbose_keys = None

    def params(self):
        """Dict name -> live parameter array (updated in place by ``step``)."""
        raise NotImplementedError

    def begin_epoch(self, epoch):
        """Called before the first mini-batch of ``epoch`` (0-based)."""

    def step(self, idx, learning_rate, momentum):
        """Train on the rows ``idx``; return the batch's summed loss, or None."""
        raise NotImplementedError

    def end_epoch(self, epoch, learning_rate, momentum, loss_sum):
        """The epoch's record (a dict of floats) for the history."""
        raise NotImplementedError

    def state_arrays(self):
        """Every array a resumed fit needs, by name (restored in place)."""
        return self.params()

    def lazy_arrays(self):
        """name -> (shape, dtype) of arrays that may not exist yet."""
        return {}

    def set_lazy(self, name, value):
        """Install a checked copy of lazy array ``name`` from a checkpoint."""

    def check_state(self, arrays):
        """Further checks of restored arrays; raise ``CheckpointError``."""

    def state_meta(self):
        """JSON-able extras for the checkpoint."""
        return {}

    def load_meta(self, meta):
        """Restore what :meth:`state_meta` saved."""

    def generators(self):
        """Dict name -> numpy Generator whose states a checkpoint keeps."""
        return {}

    def weight_masks(self):
        """``[(W, keep), ...]`` the loop multiplies in after every step, or None."""
        return None


class EstimatorTask(TrainingTask):
    """A task training ``self.model``: its ``_parameters()``, its
    ``random_state_`` and a seed stream ``seeds`` drawn from it per epoch."""

    def params(self):
        return self.model._parameters()

    def begin_epoch(self, epoch):
        # A fresh seed stream per epoch: the generator's state at the end of
        # an epoch then determines everything after it, which makes resuming
        # from a checkpoint exact.
        self.seeds = SeedStream(self.model.random_state_)

    def generators(self):
        return {"rng": self.model.random_state_}


def estimator_masks(est, weights):
    """The loop's masks from ``est._weight_masks`` (one boolean keep-mask per
    entry of ``weights``, or None), cast to each weight's dtype."""
    masks = getattr(est, "_weight_masks", None)
    if masks is None:
        return None
    if len(masks) != len(weights):
        raise ValueError(f"_weight_masks has {len(masks)} entries for {len(weights)} "
                         "weight matrices.")
    pairs = []
    for W, keep in zip(weights, masks):
        if keep is None:
            continue
        keep = np.asarray(keep)
        if keep.shape != W.shape:
            raise ValueError(f"a weight mask of shape {keep.shape} does not fit weights "
                             f"of shape {W.shape}.")
        pairs.append((W, keep.astype(W.dtype)))
    return pairs or None


class OptimizerStateMixin:
    """Checkpoint state of a task's ``self.optimizer`` (step count, rate,
    buffers, each checked against its parameter)."""

    def optimizer_arrays(self):
        return {f"opt_{k}": v for k, v in self.optimizer.state().items()}

    def optimizer_lazy(self, params):
        lazy = {"opt_t": ((), np.int64), "opt_learning_rate": ((), np.float64)}
        slots = getattr(self.optimizer, "all_slots", self.optimizer._slots)
        for slot in slots:
            for i, p in enumerate(params):
                lazy[f"opt_{slot}_{i}"] = (p.shape, p.dtype)
        return lazy

    def set_lazy(self, name, value):
        if not hasattr(self, "_optimizer_restored"):
            self._optimizer_restored = {}
        self._optimizer_restored[name[4:]] = value

    def load_optimizer(self):
        restored = getattr(self, "_optimizer_restored", None)
        if restored:
            self.optimizer.set_state(restored)


def _restore(live, saved):
    for name, value in saved.items():
        np.copyto(live[name], value)


def resume(checkpointer, task, *, fingerprint, history, stopper=None):
    """Load the newest good checkpoint into ``task``; return its epochs done,
    or None. Every array is checked (shape, dtype) before anything is written,
    so a foreign file cannot make a kernel go out of bounds; another fit's
    checkpoint raises ``CheckpointError`` naming what differs."""
    checkpointer.remove_stale()
    latest = checkpointer.latest()
    if latest is None:
        return None
    arrays, meta = latest
    where = checkpointer.directory
    diffs = _mismatch(meta.get("fingerprint"), fingerprint)
    if diffs:
        raise CheckpointError(
            f"checkpoint_dir {where!r} holds checkpoints of another fit: "
            + "; ".join(diffs) + ". Use another folder for this fit, or empty it.")
    lazy = task.lazy_arrays()
    live = {k: v for k, v in task.state_arrays().items() if k not in lazy}
    params = task.params()
    restored, extra = {}, {}
    for name, value in arrays.items():
        if name in live:
            want = live[name]
            shape, dtype = want.shape, want.dtype
        elif name.startswith("best__") and name[6:] in params:
            want = params[name[6:]]
            shape, dtype = want.shape, want.dtype
        elif name in lazy:
            shape, dtype = lazy[name]
            dtype = np.dtype(dtype)
        else:
            raise CheckpointError(f"checkpoint in {where!r} holds an unexpected array "
                                  f"{name!r}; it was not written by this model.")
        if value.shape != tuple(shape) or value.dtype != dtype:
            raise CheckpointError(
                f"checkpoint in {where!r}: array {name!r} has shape {value.shape} and "
                f"dtype {value.dtype}; this model needs {tuple(shape)} and {dtype}.")
        (restored if name in live else extra)[name] = value
    missing = sorted(set(live) - set(arrays))
    if missing:
        raise CheckpointError(f"checkpoint in {where!r} lacks the arrays {missing}.")
    task.check_state(arrays)
    epoch = meta.get("epoch")
    if not isinstance(epoch, int) or epoch < 0:
        raise CheckpointError(f"checkpoint in {where!r} has an invalid epoch {epoch!r}.")
    states = meta.get("generators", {})
    for name, rng in task.generators().items():
        if name not in states:
            raise CheckpointError(f"checkpoint in {where!r} lacks the state of the "
                                  f"random generator {name!r}.")
        set_generator_state(rng, states[name])
    _restore(live, restored)
    for name, value in extra.items():
        if not name.startswith("best__"):
            task.set_lazy(name, value.copy())
    if stopper is not None:
        stopper.load_state(meta.get("stopper", stopper.state()))
        best = {k[6:]: v.copy() for k, v in extra.items() if k.startswith("best__")}
        stopper.best_params = best or None
    history.clear()
    history.update({k: list(v) for k, v in meta.get("history", {}).items()})
    task.load_meta(meta.get("task", {}))
    return epoch


def _save(checkpointer, task, epoch, fingerprint, history, stopper, best):
    arrays = dict(task.state_arrays())
    if stopper is not None and stopper.best_params:
        arrays |= {f"best__{k}": v for k, v in stopper.best_params.items()}
    meta = {
        "fingerprint": fingerprint,
        "history": {k: list(v) for k, v in history.items()},
        "generators": {k: generator_state_to_json(g) for k, g in task.generators().items()},
        "stopper": stopper.state() if stopper is not None else None,
        "task": task.state_meta(),
    }
    checkpointer.save(epoch, arrays, meta, best=best)


def _progress_bar(total, description, verbose, unit="batch"):
    """A tqdm bar of ``total`` steps (an epoch's batches, AIS's
    temperatures), or None: needs ``verbose``, tqdm and a terminal
    (``DEEPBELIEF_PROGRESS`` 1 or 0 forces it on or off)."""
    if not verbose:
        return None
    forced = os.environ.get("DEEPBELIEF_PROGRESS")
    if forced == "0" or (forced != "1" and not sys.stderr.isatty()):
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc=description, unit=unit, leave=False,
                file=sys.stderr, dynamic_ncols=True)


def fit_loop(task, *, n_samples, batch_size, rng, start, stop, learning_rate,
             schedule, history, schedule_key="loss", momentum=None, shuffle=True,
             stopper=None, checkpointer=None, fingerprint=None, verbose=0,
             keep_going=None):
    """Train ``task`` for epochs ``start`` to ``stop`` (exclusive); return
    ``(n_epochs_done, stopped)``.

    Each epoch: the rate ``schedule(learning_rate, epoch,
    history[schedule_key])`` and ``momentum(epoch)``; ``task.begin_epoch``;
    ``task.step`` per mini-batch; ``task.end_epoch``'s record plus seconds
    into ``history``; a verbose line; ``stopper`` on
    ``record[stopper.monitor]``; a checkpoint. A non-finite batch loss or
    parameter restores the epoch's starting (last finite) parameters and
    raises ``DivergenceError``. When the stopper fires, ``keep_going(lr)``
    may continue instead (scikit-learn's "adaptive"); its best parameters
    are restored at the end.
    """
    live = task.params()
    snapshot = {k: np.array(v, copy=True) for k, v in live.items()}
    masks = task.weight_masks()
    done, stopped = start, False
    if (stopper is not None and start > 0
            and stopper._bad_epochs >= stopper.n_iter_no_change):
        # Resumed from the checkpoint of the epoch at which the stopper fired:
        # take the decision that run took there instead of training on.
        lr = float(schedule(learning_rate, start - 1,
                            history.get(schedule_key, [])[:start - 1]))
        if keep_going is not None and keep_going(lr):
            stopper._bad_epochs = 0
        else:
            start = stop
            stopped = True
    for epoch in range(start, stop):
        lr = float(schedule(learning_rate, epoch, history.get(schedule_key, [])))
        mom = None if momentum is None else momentum(epoch)
        loss_sum = 0.0
        t0 = time.perf_counter()
        task.begin_epoch(epoch)
        batches = minibatch_indices(n_samples, batch_size, rng, shuffle)
        bar = _progress_bar(len(batches), f"{task.name} epoch {epoch + 1}", verbose)
        for idx in batches:
            loss = task.step(idx, lr, mom)
            if masks is not None:
                for W, keep in masks:
                    np.multiply(W, keep, out=W)
            if bar is not None:
                bar.update()
            if loss is not None:
                if not np.isfinite(loss):
                    _restore(live, snapshot)
                    if bar is not None:
                        bar.close()
                    check_finite(f"epoch {epoch + 1}", lr, loss=loss)
                loss_sum += loss
        if bar is not None:
            bar.close()
        try:
            check_finite(f"epoch {epoch + 1}", lr, **live)
        except DivergenceError:
            _restore(live, snapshot)
            raise
        record = task.end_epoch(epoch, lr, mom, loss_sum)
        seconds = time.perf_counter() - t0
        for name, value in live.items():
            np.copyto(snapshot[name], value)
        done = epoch + 1
        record["seconds"] = seconds
        history.record(**record)
        if verbose:
            keys = task.verbose_keys
            shown = ({k: float(v) for k, v in record.items() if k != "seconds"}
                     if keys is None else
                     {k: float(record[k]) for k in keys if k in record})
            print_epoch(task.name, done, **shown, time=f"{seconds:.2f}s")
        halt = False
        if stopper is not None:
            halt = stopper.update(record[stopper.monitor], epoch,
                                  live if stopper.restore_best else {})
        if checkpointer is not None:
            best = stopper is not None and stopper.best_epoch == epoch
            _save(checkpointer, task, done, fingerprint, history, stopper, best)
        if halt:
            if keep_going is not None and keep_going(lr):
                stopper._bad_epochs = 0
                continue
            if verbose:
                print(f"{stopper.monitor.replace('_', ' ').capitalize()} did not improve "
                      f"more than tol={stopper.tol} for {stopper.n_iter_no_change} "
                      "consecutive epochs. Stopping.")
            stopped = True
            break
    if stopper is not None and stopper.restore_best and stopper.best_params:
        _restore(live, stopper.best_params)
    return done, stopped


def print_epoch(name, epoch, stream=None, **values):
    """Print ``[BernoulliRBM] Iteration 3, pseudo-likelihood = -80.21, time = 0.52s``."""
    parts = [f"{k.replace('_', '-')} = {v:.4g}" if isinstance(v, float) else f"{k} = {v}"
             for k, v in values.items()]
    print(f"[{name}] Iteration {epoch}, " + ", ".join(parts), file=stream or sys.stdout)
    (stream or sys.stdout).flush()


# Training rows the per-epoch measurements are taken on: a stable average at
# a small fraction of an epoch's cost.
N_MONITOR = 1000
# Rows that inference (transform, predict...) processes at once: bounded memory.
CHUNK_ROWS = 4096


def row_chunks(X, chunk_rows=None, dtype=None):
    """Yield ``(rows, block)``: consecutive slices of at most ``chunk_rows``
    rows of ``X`` and those rows as a dense C-contiguous array in ``dtype``."""
    chunk_rows = CHUNK_ROWS if chunk_rows is None else chunk_rows
    n = X.shape[0]
    for start in range(0, n, chunk_rows):
        rows = slice(start, min(start + chunk_rows, n))
        yield rows, dense(X[rows], dtype)
