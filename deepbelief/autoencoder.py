"""Autoencoders: networks trained to reproduce their input.

:class:`Autoencoder` has one hidden layer, denoising and sparse;
:class:`StackedAutoencoder` is a greedy stack of them that, like
:class:`~deepbelief.DBN`, exposes ``layer_weights_`` to initialise a
multilayer perceptron; :class:`DeepAutoencoder` unrolls a pretrained stack
and fine-tunes it. The matrix products run on numpy's BLAS
(``deepbelief._kernels.blas``, as the MLPs' do) into buffers allocated once
per fit; activations, losses and optimizers are those of
:mod:`deepbelief.nn`, and the deep autoencoder is trained by its
:class:`~deepbelief.nn.layers.Network` engine.
"""

import os
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import (BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin,
                          clone)
from sklearn.frozen import FrozenEstimator
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ._docs import inherit_parameters
from ._kernels.blas import gemm
from ._param_validation import (BOOL, PATH, RANDOM_STATE, Callable, HasMethods, InstanceOf,
                                Interval, LayerSizes, Options, PerLayer, validate_params)
from .dbn import DBN
from .mlp import MLPClassifier
from .nn.activations import ACTIVATIONS, Activation, get_activation
from .nn.initializers import INITIALIZERS, get_initializer
from .nn.layers import ActivationLayer, Dense, Network
from .nn.losses import BinaryCrossEntropy, SquaredError
from .nn.optimizers import OPTIMIZERS, get_optimizer
from .nn.schedules import SCHEDULES, get_schedule
from .stack import _LayerwiseStack, check_layer_sizes
from .training import (N_MONITOR, Checkpointer, EarlyStopping, FitHealth, History,
                       OptimizerStateMixin, TrainingTask, check_batch_size, estimator_masks,
                       fingerprint, fit_loop, gather_rows, make_generator, resume,
                       row_chunks, split_rows, split_validation)

__all__ = ["Autoencoder", "StackedAutoencoder", "DeepAutoencoder"]

# Output activation -> the loss it is trained with.
_OUTPUT_LOSSES = {"sigmoid": BinaryCrossEntropy, "identity": SquaredError}

_ACTIVATION = [Options(str, set(ACTIVATIONS)), InstanceOf(Activation)]
_INIT = [Options(str, set(INITIALIZERS)), Callable()]
_VERBOSE = [Interval(Integral, 0, None), BOOL]
_SCHEDULE = [Options(str, set(SCHEDULES)), Callable()]
# the training-loop parameters both autoencoders share
_LOOP = {
    "early_stopping": [BOOL],
    # np.inf: never stop for want of improvement, as in scikit-learn
    "n_iter_no_change": [Interval(Integral, 1, None), Options(Real, {np.inf})],
    "tol": [Interval(Real, 0, None)],
    "checkpoint_dir": PATH,
}


def _check_codes(X):
    """Codes given to inverse_transform: a finite, non-empty 2-D float array
    (NaN, inf, None and empty input are refused, naming the problem)."""
    return check_array(X, dtype=(np.float64, np.float32), ensure_all_finite=True,
                       input_name="X")


def _apply(X, W, b, activation):
    """``activation(X @ W + b)`` for any number of rows, in bounded memory."""
    out = np.empty((X.shape[0], W.shape[1]), dtype=W.dtype)
    for rows, block in row_chunks(X, dtype=W.dtype):
        Z = out[rows]
        gemm(block, W, Z)
        Z += b
        get_activation(activation).forward(Z, out=Z)
    return out


def _initial_weights(init, widths, dtype, rng, tied=False):
    """Weights from ``init`` for the encoder of layer ``widths`` and its
    mirror-image decoder (the encoder's transposes when ``tied``), and zero
    biases."""
    init = get_initializer(init)
    coefs = [init((n_in, n_out), rng, dtype=dtype) for n_in, n_out in zip(widths, widths[1:])]
    coefs += [np.ascontiguousarray(W.T) if tied else init(W.shape[::-1], rng, dtype=dtype)
              for W in coefs[::-1]]
    return coefs, [np.zeros(W.shape[1], dtype=dtype) for W in coefs]


def _monitor_rows(X, rng, rows=None):
    """Up to N_MONITOR training rows (of ``rows`` when given), in order, for
    the per-epoch error."""
    n = X.shape[0] if rows is None else len(rows)
    idx = np.sort(rng.choice(n, min(n, N_MONITOR), replace=False))
    return X[idx if rows is None else rows[idx]]


class _ReconstructionTask(OptimizerStateMixin, TrainingTask):
    """An autoencoder's part in the shared training loop: ``step_fn(xb, rng)``
    trains on one batch gathered from the ``rows`` of X (all when None) and
    returns its summed loss."""

    verbose_keys = ("loss", "reconstruction_error", "validation_reconstruction_error")

    def __init__(self, est, X, rows, batch_size, params, step_fn, monitor, X_val, rng):
        self.est, self.X, self.rows, self.rng = est, X, rows, rng
        self.n_samples = X.shape[0] if rows is None else len(rows)
        self.step_fn, self.monitor, self.X_val = step_fn, monitor, X_val
        self.optimizer = est._optimizer
        self.name = getattr(est, "_log_name", type(est).__name__)
        self.learning_rate = getattr(est, est._loop_params[0])
        self.x_buf = np.empty((batch_size, X.shape[1]), dtype=X.dtype)
        self.param_list = params
        names = {}
        for attr in ("coefs_", "intercepts_"):
            for i, a in enumerate(getattr(est, attr)):
                names.setdefault(id(a), f"{attr}[{i}]")
        self._params = {names.get(id(p), f"param_{j}"): p for j, p in enumerate(params)}

    def params(self):
        return self._params

    def step(self, idx, learning_rate, momentum):
        self.optimizer.learning_rate = learning_rate
        if momentum is not None:
            self.optimizer.momentum = momentum
        rows = idx if self.rows is None else self.rows[idx]
        return self.step_fn(gather_rows(self.X, rows, self.x_buf), self.rng)

    def end_epoch(self, epoch, learning_rate, momentum, loss_sum):
        self.est.n_iter_ = epoch + 1
        record = {"loss": loss_sum / self.n_samples,
                  "reconstruction_error": self.est._reconstruction_error(self.monitor),
                  "learning_rate": learning_rate}
        if self.X_val is not None:
            err = self.est._reconstruction_error(self.X_val)
            record["validation_reconstruction_error"] = err
            record["validation_score"] = -err
        return record

    def state_arrays(self):
        return self._params | self.optimizer_arrays()

    def lazy_arrays(self):
        return self.optimizer_lazy(self.param_list)

    def load_meta(self, meta):
        self.load_optimizer()

    def generators(self):
        return {"rng": self.rng}

    def weight_masks(self):
        return estimator_masks(self.est, self.est.coefs_)


class _ReconstructionScoreMixin:
    """``score(X)``: minus the mean squared reconstruction error per sample."""

    def score(self, X, y=None):
        """Negative mean squared reconstruction error per sample (higher is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : Ignored

        Returns
        -------
        score : float
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        R = self.inverse_transform(self.transform(X))
        return -float(np.mean(np.sum((R - X) ** 2, axis=1)))


class _BaseAutoencoder(_ReconstructionScoreMixin, ClassNamePrefixFeaturesOutMixin,
                       TransformerMixin, BaseEstimator):
    """What both autoencoders share. ``coefs_`` and ``intercepts_`` hold the
    encoder then the mirror-image decoder; a subclass gives
    ``_activations(n_layers)`` (the activation after each layer but the
    output), ``_start_stream(X)`` (the weights of a first ``partial_fit``)
    and ``_train``, and ``_loop_params`` names its initial learning rate,
    epochs and schedule parameters."""

    _loop_params = ()
    _weight_names = None  # for the health warnings; "layer i" by default

    def partial_fit(self, X, y=None):
        """Train for one epoch of mini-batches over the chunk ``X``.

        The first call (on an unfitted model) creates the network for X's
        features and seeds the generator from ``random_state``; each call
        makes one epoch over X in shuffled mini-batches, continuing the
        optimizer's state (momentum, Adam's moments). ``n_iter_``, the
        learning-rate schedule and ``history_`` (one record, the
        reconstruction error on the chunk) advance once per call. The number
        of epochs, early stopping, held-out rows and checkpoints do not
        apply: the caller chooses the passes over the chunks. After ``fit``,
        calls continue the fitted model; X must keep the first call's
        features.

        Pretraining needs the whole data: a :class:`DeepAutoencoder`'s first
        call uses its pretrainer only when it is fitted and wrapped in
        ``sklearn.frozen.FrozenEstimator``; any other (the default "auto"
        included) is skipped with a warning, the network starting from
        random weights. To stream the whole model, train
        ``DBN(...).partial_fit`` over the chunks, then
        ``DeepAutoencoder(pretrainer=FrozenEstimator(dbn))``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            One chunk of training data.
        y : Ignored

        Returns
        -------
        self : object
        """
        validate_params(self)
        first = not hasattr(self, "coefs_")
        X = self._validate_X(X, reset=first)
        if first:
            self._rng = make_generator(self.random_state)
            self._start_stream(X)
            self.history_ = History()
            self.n_iter_ = 0
        elif X.dtype != self.coefs_[0].dtype:
            X = X.astype(self.coefs_[0].dtype)
        if getattr(self, "_optimizer", None) is None:  # a model fitted with no epochs
            self._optimizer = self._new_optimizer()
        self._train(X, None, X, self._rng, incremental=True)
        return self

    def _new_optimizer(self):
        kwargs = {"learning_rate": getattr(self, self._loop_params[0])}
        if self.solver == "sgd":
            kwargs.update(momentum=self.momentum, nesterov=False)
        return get_optimizer(self.solver, **kwargs)

    def _validate_X(self, X, reset):
        X = validate_data(self, X, reset=reset, dtype=(np.float64, np.float32))
        X = np.ascontiguousarray(X)
        if X.shape[0] == 0:
            raise ValueError("X has 0 samples; at least one is needed to fit.")
        return X

    def _run(self, X, X_val, data, rng, params, step, batch_size, incremental, rows=None,
             monitor=None):
        """Run the shared loop with early stopping and checkpoints, then
        check the fit's health. ``incremental`` (partial_fit) runs one more
        epoch after the ``n_iter_`` done, appended to ``history_``, without
        early stopping, checkpoints or health check. Training reads the
        ``rows`` of X (all when None), gathered batch by batch."""
        learning_rate, epochs, schedule = (getattr(self, p) for p in self._loop_params)
        if monitor is None:
            monitor = _monitor_rows(X, rng, rows)
        task = _ReconstructionTask(self, X, rows, batch_size, params, step, monitor, X_val, rng)
        momentum = self.momentum if self.solver == "sgd" else None
        loop = dict(n_samples=task.n_samples, batch_size=batch_size, rng=rng,
                    learning_rate=learning_rate, schedule=get_schedule(schedule),
                    schedule_key="loss", verbose=self.verbose,
                    momentum=None if momentum is None else (lambda epoch: float(momentum)))
        if incremental:
            start = self.n_iter_
            self.n_iter_, _ = fit_loop(task, start=start, stop=start + 1,
                                       history=self.history_, **loop)
            return
        self.history_ = History()
        self.n_iter_ = start = 0
        stopper = checkpointer = fp = None
        if self.early_stopping:
            stopper = EarlyStopping(self.n_iter_no_change, self.tol, greater_is_better=True)
        if self.checkpoint_dir is not None:
            checkpointer = Checkpointer(self.checkpoint_dir)
            fp = fingerprint(self, [data])
            resumed = resume(checkpointer, task, fingerprint=fp, history=self.history_,
                             stopper=stopper)
            if resumed is not None:
                start = self.n_iter_ = resumed
        self.n_iter_, _ = fit_loop(task, start=start, stop=epochs, history=self.history_,
                                   stopper=stopper, checkpointer=checkpointer,
                                   fingerprint=fp, **loop)
        if stopper is not None and stopper.best_params is not None:
            self.best_epoch_ = stopper.best_epoch + 1
        if self.n_iter_:
            self._check_health(monitor)

    def _check_health(self, monitor):
        """Warn when the codes ended constant, the loss grew by orders of
        magnitude or the weights exploded (see FitHealth)."""
        health = FitHealth(type(self).__name__, getattr(self, self._loop_params[0]))
        with np.errstate(over="ignore", invalid="ignore"):
            H = self._encode(monitor)
        health.units("the code layer", H)
        health.objective("The training loss", self.history_["loss"])
        names = self._weight_names or [f"layer {i}" for i in range(len(self.coefs_))]
        for name, W in zip(names, self.coefs_):  # a tied decoder is still a view here
            health.weights(name, np.ascontiguousarray(W))

    def _encode(self, X):
        n = len(self.coefs_) // 2
        acts = self._activations(n)
        for i in range(n):
            X = _apply(X, self.coefs_[i], self.intercepts_[i], acts[i])
        return X

    def _decode(self, H):
        n = len(self.coefs_) // 2
        acts = self._activations(n) + [self.output_activation]
        for i in range(n, 2 * n):
            H = _apply(H, self.coefs_[i], self.intercepts_[i], acts[i])
        return H

    def _reconstruction_error(self, X):
        """Mean squared reconstruction error per row of the clean X."""
        R = self._decode(self._encode(X))
        return float(np.mean(np.sum((R - X) ** 2, axis=1)))

    def transform(self, X):
        """Codes of X: the code layer's activations (without corruption).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        codes : ndarray of shape (n_samples, n_codes)
            ``n_codes`` is ``n_components`` of an Autoencoder and
            ``hidden_layer_sizes[-1]`` of a DeepAutoencoder.
        """
        check_is_fitted(self, "coefs_")
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        return self._encode(X).astype(X.dtype, copy=False)

    def inverse_transform(self, X):
        """Reconstructions decoded from codes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_codes)
            Codes, as ``transform`` gives them.

        Returns
        -------
        X_reconstructed : ndarray of shape (n_samples, n_features_in_)
        """
        check_is_fitted(self, "coefs_")
        H = _check_codes(X)
        n_code = self.coefs_[len(self.coefs_) // 2].shape[0]
        if H.ndim != 2 or H.shape[1] != n_code:
            raise ValueError(f"X must have {n_code} columns (codes); got shape {H.shape}.")
        return self._decode(H)

    @property
    def _n_features_out(self):
        return self.coefs_[len(self.coefs_) // 2].shape[0]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class Autoencoder(_BaseAutoencoder):
    r"""One-hidden-layer autoencoder: denoising, sparse, tied or untied.

    The code of a sample is :math:`h = f(\tilde x W_1 + b_1)` for a
    corrupted copy :math:`\tilde x` of the input, the reconstruction
    :math:`\hat x = g(h W_2 + b_2)` with :math:`W_2 = W_1^T` when the
    weights are tied, and training minimises by mini-batch gradient descent

    .. math:: \frac1n \sum_i L(x_i, \hat x_i)
              + \frac{\alpha}{2} \lVert W \rVert^2
              + \beta \sum_j \mathrm{KL}(\rho \,\Vert\, \hat\rho_j)

    with :math:`L` the cross-entropy for sigmoid outputs (data in [0, 1])
    or half the squared error for linear outputs, and :math:`\hat\rho_j`
    the mean activation of hidden unit :math:`j` over the mini-batch.

    Parameters
    ----------
    n_components : int, default=256
        Number of hidden units.
    activation : str, default="sigmoid"
        Hidden activation (a name from :mod:`deepbelief.nn.activations`).
    output_activation : {"sigmoid", "identity"}, default="sigmoid"
        "sigmoid" with cross-entropy for data in [0, 1]; "identity" with
        squared error for real-valued data.
    tied_weights : bool, default=True
        Decode with the transpose of the encoder's weights.
    corruption : {"masking", "gaussian"} or None, default="masking"
        Denoising: set a random ``corruption_level`` fraction of each
        input's values to 0, or add Gaussian noise of standard deviation
        ``corruption_level``. The clean input is the target.
    corruption_level : float, default=0.0
        0 trains an ordinary autoencoder.
    sparsity_target : float, default=0.05
        Target mean activation :math:`\rho` of the hidden units (for
        activations with range (0, 1)).
    sparsity_cost : float, default=0.0
        Weight :math:`\beta` of the sparsity penalty (0 turns it off).
    alpha : float, default=0.0
        L2 penalty on the weights.
    solver : {"sgd", "adam", "adagrad", "rmsprop"}, default="sgd"
    learning_rate : float, default=0.1
    momentum : float, default=0.9
        Classical momentum of "sgd".
    batch_size : int, default=20
    n_iter : int, default=10
        Epochs.
    init : str or callable, default="glorot_sigmoid"
        Weight initialiser (:mod:`deepbelief.nn.initializers`).
    learning_rate_schedule : str, Schedule or callable, default="constant"
        Learning-rate schedule (see :mod:`deepbelief.nn.schedules`), given
        the loss curve.
    validation_fraction : float in [0, 1) or None, default=None
        Share of the rows held out to monitor the reconstruction error
        (None: 0.1 with ``early_stopping``, else none).
    early_stopping : bool, default=False
        Stop when the held-out reconstruction error has not improved by
        ``tol`` for ``n_iter_no_change`` epochs, and restore the best epoch.
    n_iter_no_change : int, default=5
    tol : float, default=1e-4
    <inherited parameters>
    verbose : int or bool, default=0
    random_state : int, RandomState instance, Generator or None, default=None

    Attributes
    ----------
    coefs_ : list of two ndarray
        Encoder weights of shape (n_features, n_components) and decoder
        weights of shape (n_components, n_features).
    intercepts_ : list of two ndarray
    layer_weights_ : list of one (W, b)
        The encoder in :class:`~deepbelief.mlp.MLPClassifier`'s orientation.
    decoder_weights_ : list of one (W, b)
    history_ : dict of lists
        Per epoch: loss (the objective on the training batches),
        reconstruction_error (mean squared error per sample on up to 1000
        clean training rows), learning_rate, seconds; with held-out rows
        also validation_reconstruction_error and validation_score (its
        negative, the early-stopping criterion).
    best_epoch_ : int
        With ``early_stopping``: the epoch (1-based) whose parameters were
        kept.
    n_iter_ : int
    n_features_in_ : int

    References
    ----------
    Vincent, P., Larochelle, H., Bengio, Y. & Manzagol, P.-A. (2008).
    Extracting and composing robust features with denoising autoencoders.
    ICML.

    Ng, A. (2011). Sparse autoencoder. CS294A lecture notes, Stanford.

    Examples
    --------
    >>> from deepbelief import Autoencoder
    >>> from deepbelief.datasets import load_digits
    >>> X, _ = load_digits()
    >>> ae = Autoencoder(32, corruption_level=0.2, n_iter=3, random_state=0).fit(X)
    >>> ae.transform(X).shape
    (1797, 32)
    """

    def __init__(self, n_components=256, *, activation="sigmoid", output_activation="sigmoid",
                 tied_weights=True, corruption="masking", corruption_level=0.0,
                 sparsity_target=0.05, sparsity_cost=0.0, alpha=0.0, solver="sgd",
                 learning_rate=0.1, momentum=0.9, batch_size=20, n_iter=10,
                 init="glorot_sigmoid", learning_rate_schedule="constant",
                 validation_fraction=None, early_stopping=False, n_iter_no_change=5, tol=1e-4,
                 checkpoint_dir=None, verbose=0, random_state=None):
        self.n_components = n_components
        self.activation = activation
        self.output_activation = output_activation
        self.tied_weights = tied_weights
        self.corruption = corruption
        self.corruption_level = corruption_level
        self.sparsity_target = sparsity_target
        self.sparsity_cost = sparsity_cost
        self.alpha = alpha
        self.solver = solver
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.batch_size = batch_size
        self.n_iter = n_iter
        self.init = init
        self.learning_rate_schedule = learning_rate_schedule
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.checkpoint_dir = checkpoint_dir
        self.verbose = verbose
        self.random_state = random_state

    _parameter_constraints = {
        "n_components": [Interval(Integral, 1, None)],
        "activation": _ACTIVATION,
        "output_activation": [Options(str, list(_OUTPUT_LOSSES))],
        "tied_weights": [BOOL],
        "corruption": [Options(str, ["masking", "gaussian"]), None],
        "corruption_level": [Interval(Real, 0, None)],
        "sparsity_target": [Interval(Real, 0, 1, closed="neither")],
        "sparsity_cost": [Interval(Real, 0, None)],
        "alpha": [Interval(Real, 0, None)],
        "solver": [Options(str, set(OPTIMIZERS))],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "batch_size": [Interval(Integral, 1, None)],
        "n_iter": [Interval(Integral, 0, None)],
        "init": _INIT,
        "learning_rate_schedule": _SCHEDULE,
        "validation_fraction": [None, Interval(Real, 0, 1, closed="left")],
        **_LOOP,
        "verbose": _VERBOSE,
        "random_state": RANDOM_STATE,
    }
    _loop_params = ("learning_rate", "n_iter", "learning_rate_schedule")
    _weight_names = ("the encoder weights", "the decoder weights")

    def _check_param_combinations(self):
        if self.corruption == "masking" and self.corruption_level >= 1:
            raise ValueError("corruption_level must be < 1 with corruption='masking' (the "
                             f"fraction of inputs set to 0); got {self.corruption_level}.")

    def _activations(self, n_layers):
        return [self.activation]

    # ------------------------------------------------------------ fitting

    def fit(self, X, y=None):
        """Fit the autoencoder to X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : Ignored

        Returns
        -------
        self : Autoencoder
        """
        return self._fit_rows(X, None)

    def _fit_rows(self, X, rows):
        """``fit`` on the ``rows`` of X (all when None); the training rows are
        gathered batch by batch, never copied (a memmap stays on disk)."""
        validate_params(self)
        X = self._validate_X(X, reset=True)
        rng = make_generator(self.random_state)
        self._initialize(X.shape[1], X.dtype, rng)
        train, val = split_rows(X.shape[0], self.validation_fraction, self.early_stopping,
                                rng, rows)
        self._optimizer = self._new_optimizer()
        self._train(X, None if val is None else X[val], X, rng, rows=train)
        self._rng = rng
        return self

    def _start_stream(self, X):
        self._initialize(X.shape[1], X.dtype, self._rng)

    def _initialize(self, n_features, dtype, rng):
        coefs, self.intercepts_ = _initial_weights(self.init, [n_features, self.n_components],
                                                   dtype, rng, tied=self.tied_weights)
        self.coefs_ = [np.ascontiguousarray(W) for W in coefs]

    def _params(self):
        """The arrays the optimizer updates, in a fixed order (its state is
        kept per position): the decoder's weights only when untied."""
        (W1, W2), (b1, b2) = self.coefs_, self.intercepts_
        return [W1, b1, b2] if self.tied_weights else [W1, b1, W2, b2]

    def _train(self, X, X_val, data, rng, incremental=False, rows=None):
        params = self._params()
        n_samples = X.shape[0] if rows is None else len(rows)
        n_features, dtype = X.shape[1], X.dtype
        W1, W2 = self.coefs_
        b1, b2 = self.intercepts_
        if self.tied_weights:  # decode with the encoder's weights as they train
            W2 = self.coefs_[1] = W1.T
        batch_size = check_batch_size(self.batch_size, n_samples)
        act = get_activation(self.activation)
        loss = _OUTPUT_LOSSES[self.output_activation]()
        xc_buf = np.empty((batch_size, n_features), dtype=dtype)
        H_buf = np.empty((batch_size, self.n_components), dtype=dtype)
        dH_buf = np.empty_like(H_buf)
        Z_buf = np.empty_like(xc_buf)
        gW1 = np.empty_like(W1)
        gW2 = np.empty((self.n_components, n_features), dtype=dtype)
        gb1, gb2 = np.empty_like(b1), np.empty_like(b2)
        grads = [gW1, gb1, gb2] if self.tied_weights else [gW1, gb1, gW2, gb2]
        l2 = [self.alpha if p.ndim == 2 else 0.0 for p in params]
        optimizer = self._optimizer
        rho, beta = float(self.sparsity_target), float(self.sparsity_cost)

        def step(xb, rng):
            n = xb.shape[0]
            xc = self._corrupt(xb, xc_buf[:n], rng)
            H = H_buf[:n]
            gemm(xc, W1, H)
            H += b1
            act.forward(H, out=H)
            Z = Z_buf[:n]
            gemm(H, W2, Z)
            Z += b2
            batch_loss, _ = loss.delta(Z, xb, 1.0 / n)
            gemm(H.T, Z, gW2)
            np.sum(Z, axis=0, out=gb2)
            dH = dH_buf[:n]
            gemm(Z, W2.T, dH)
            if beta:
                rho_hat = np.clip(H.mean(axis=0, dtype=np.float64), 1e-6, 1 - 1e-6)
                batch_loss += n * beta * float(np.sum(
                    rho * np.log(rho / rho_hat)
                    + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))))
                dH += (beta / n * (-rho / rho_hat + (1 - rho) / (1 - rho_hat))
                       ).astype(dtype)
            act.backward(H, dH)
            gemm(xc.T, dH, gW1)
            np.sum(dH, axis=0, out=gb1)
            if self.tied_weights:
                np.add(gW1, gW2.T, out=gW1)
            optimizer.update(params, grads, l2=l2)
            return batch_loss

        try:
            self._run(X, X_val, data, rng, params, step, batch_size, incremental, rows=rows)
        finally:
            if self.tied_weights:
                self.coefs_[1] = np.ascontiguousarray(W1.T)

    def _corrupt(self, X, out, rng):
        level = float(self.corruption_level)
        if self.corruption is None or level == 0:
            return X
        if self.corruption == "masking":
            keep = rng.random(X.shape, dtype=X.dtype) >= level
            np.multiply(X, keep, out=out)
        else:
            rng.standard_normal(X.shape, dtype=X.dtype, out=out)
            out *= level
            out += X
        return out

    # ------------------------------------------------------------ public

    @property
    def layer_weights_(self):
        check_is_fitted(self, "coefs_")
        return [(self.coefs_[0], self.intercepts_[0])]

    @property
    def decoder_weights_(self):
        check_is_fitted(self, "coefs_")
        return [(self.coefs_[1], self.intercepts_[1])]

    @property
    def _n_features_out(self):
        return self.n_components


# Autoencoder settings that StackedAutoencoder takes per layer.
_AE_PER_LAYER = ("activation", "tied_weights", "corruption", "corruption_level",
                 "sparsity_target", "sparsity_cost", "alpha", "learning_rate",
                 "batch_size", "n_iter", "init")


class StackedAutoencoder(_ReconstructionScoreMixin, _LayerwiseStack):
    """Autoencoders stacked and trained greedily, layer by layer.

    Layer 0 is an :class:`Autoencoder` fitted to ``X``; layer ``i`` is one
    fitted to the (clean) codes of layers ``0 .. i-1``. Each layer's
    output activation matches what it reconstructs: ``output_activation``
    for the data, the activation of the layer below otherwise (cross-entropy
    for sigmoid codes, squared error for others). Settings given as a list
    hold one value per layer. The defaults are those of the stacked
    denoising autoencoder of Vincent et al. (2010) on MNIST: three sigmoid
    layers, masking noise, tied weights, plain SGD.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(1000, 1000, 1000)
    <inherited parameters>
    output_activation : {"sigmoid", "identity"}, default="sigmoid"
        Output of the first layer's decoder (the data's range).
    checkpoint_dir : str, path or None, default=None
        Checkpoint every layer's training, layer ``i`` in the subfolder
        ``layer_<i>``: an interrupted fit resumes in the layer it had reached
        (finished layers reload their last checkpoint instead of training
        again). See ``BernoulliRBM``'s ``checkpoint_dir`` for the rules.
    verbose : int or bool, default=0
    random_state : int, RandomState instance, Generator or None, default=None
        Layer ``i`` gets the ``i``-th integer drawn from it, recorded as
        ``autoencoders_[i].random_state``.

    Attributes
    ----------
    autoencoders_ : list of Autoencoder
    layer_weights_ : list of (W, b)
        Encoders in :class:`~deepbelief.mlp.MLPClassifier`'s orientation.
    decoder_weights_ : list of (W, b)
        Decoders, ``W`` of shape ``(n_out, n_in)``.
    n_features_in_ : int

    References
    ----------
    Vincent, P., Larochelle, H., Lajoie, I., Bengio, Y. & Manzagol, P.-A.
    (2010). Stacked denoising autoencoders: learning useful representations
    in a deep network with a local denoising criterion. JMLR 11.

    Examples
    --------
    >>> from deepbelief import StackedAutoencoder
    >>> from deepbelief.datasets import load_digits
    >>> X, _ = load_digits()
    >>> sae = StackedAutoencoder((32, 16), n_iter=2, random_state=0).fit(X)
    >>> sae.transform(X).shape
    (1797, 16)
    """

    def __init__(self, hidden_layer_sizes=(1000, 1000, 1000), *, activation="sigmoid",
                 output_activation="sigmoid", tied_weights=True, corruption="masking",
                 corruption_level=0.1, sparsity_target=0.05, sparsity_cost=0.0, alpha=0.0,
                 learning_rate=0.1, batch_size=20, n_iter=10, init="glorot_sigmoid",
                 solver="sgd", momentum=0.0, checkpoint_dir=None, feature_dir=None, verbose=0,
                 random_state=None):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.output_activation = output_activation
        self.tied_weights = tied_weights
        self.corruption = corruption
        self.corruption_level = corruption_level
        self.sparsity_target = sparsity_target
        self.sparsity_cost = sparsity_cost
        self.alpha = alpha
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_iter = n_iter
        self.init = init
        self.solver = solver
        self.momentum = momentum
        self.checkpoint_dir = checkpoint_dir
        self.feature_dir = feature_dir
        self.verbose = verbose
        self.random_state = random_state

    _PER_LAYER = _AE_PER_LAYER
    _layers_attr = "autoencoders_"
    _layer_class = Autoencoder

    _parameter_constraints = {
        "hidden_layer_sizes": [LayerSizes()],
        **{name: [PerLayer(*Autoencoder._parameter_constraints[name])]
           for name in _AE_PER_LAYER},
        **{name: Autoencoder._parameter_constraints[name]
           for name in ("output_activation", "solver", "momentum", "checkpoint_dir",
                        "verbose", "random_state")},
        "feature_dir": PATH,
    }

    def _make_layer(self, i, n_units, params, below, n_samples):
        # Each decoder's output matches what it reconstructs: the data, or
        # the codes of the layer below.
        output = self.output_activation if below is None else (
            "sigmoid" if below.activation in ("sigmoid", "logistic") else "identity")
        return Autoencoder(n_units, output_activation=output, solver=self.solver,
                           momentum=self.momentum, **params)

    def _layer_features(self, ae, X):
        """What ``ae.transform(X)`` gives, without validating ``X`` again."""
        return ae._encode(X).astype(X.dtype, copy=False)

    def inverse_transform(self, X):
        """Reconstructions from top-layer codes, decoded layer by layer.

        Parameters
        ----------
        X : array-like of shape (n_samples, hidden_layer_sizes[-1])

        Returns
        -------
        X_reconstructed : ndarray of shape (n_samples, n_features_in_)
        """
        check_is_fitted(self, "autoencoders_")
        H = _check_codes(X)
        for ae in reversed(self.autoencoders_):
            H = ae.inverse_transform(H)
        return H


class DeepAutoencoder(_BaseAutoencoder):
    """Deep autoencoder unrolled from a pretrained stack, then fine-tuned.

    A stack of layers (a :class:`~deepbelief.DBN` by default) is pretrained
    greedily; its layers become the encoder, their transposes (with the
    visible biases) the mirror-image decoder, and the whole network is
    fine-tuned by backpropagation to reconstruct its input. As in Hinton &
    Salakhutdinov (2006), the hidden layers are logistic and the code layer
    linear (its RBM has Gaussian hidden units with a smaller learning rate);
    the output is logistic with cross-entropy for data in [0, 1].

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(1000, 500, 250, 30)
        The encoder's layers; the last is the code.
    pretrainer : "auto", estimator or None, default="auto"
        "auto" is a :class:`~deepbelief.DBN` with these sizes, the code
        layer's RBM with "gaussian" hidden units and learning rate 0.001
        when ``code_activation="identity"`` (0.1 for the others), and
        ``random_state``. Or an unfitted estimator exposing
        ``layer_weights_`` (and ideally ``decoder_weights_``) after fit,
        such as a DBN or :class:`StackedAutoencoder`, reachable as
        ``pretrainer__<name>``; None starts from random weights.
    activation : str, default="sigmoid"
        Activation of every hidden layer but the code.
    code_activation : str, default="identity"
    learning_rate_init : float, default=0.01
    max_iter : int, default=10
        Epochs of fine-tuning.
    init : str or callable, default="glorot_sigmoid"
        Initialiser of the layers the pretrainer does not provide.
    learning_rate : str, Schedule or callable, default="constant"
        Learning-rate schedule of the fine-tuning (see
        :mod:`deepbelief.nn.schedules`), given the loss curve.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows and stop when their
        reconstruction error has not improved by ``tol`` for
        ``n_iter_no_change`` epochs, restoring the best epoch.
    validation_fraction : float in (0, 1), default=0.1
    <inherited parameters>

    Attributes
    ----------
    coefs_ : list of ndarray
        Encoder then decoder weights, ``coefs_[i]`` of shape ``(n_in, n_out)``.
    intercepts_ : list of ndarray
    pretrainer_ : estimator or None
    pretrained_reconstruction_error_ : float
        Mean squared reconstruction error per sample (on up to 1000
        training rows) of the unrolled network before fine-tuning.
    history_ : dict of lists
        Per epoch: loss, reconstruction_error (as above), learning_rate,
        seconds; with ``early_stopping`` also validation_reconstruction_error
        and validation_score.
    best_epoch_ : int
        With ``early_stopping``: the epoch (1-based) whose parameters were
        kept.
    n_iter_ : int
    n_features_in_ : int

    References
    ----------
    Hinton, G. E. & Salakhutdinov, R. R. (2006). Reducing the dimensionality
    of data with neural networks. Science 313.

    Examples
    --------
    >>> from deepbelief import DeepAutoencoder
    >>> from deepbelief.datasets import load_digits
    >>> X, _ = load_digits()
    >>> dae = DeepAutoencoder((32, 8), max_iter=2, random_state=0).fit(X)
    >>> dae.transform(X).shape
    (1797, 8)
    >>> dae.inverse_transform(dae.transform(X)).shape
    (1797, 64)
    """

    def __init__(self, hidden_layer_sizes=(1000, 500, 250, 30), *, pretrainer="auto",
                 activation="sigmoid", code_activation="identity", output_activation="sigmoid",
                 solver="sgd", learning_rate_init=0.01, momentum=0.9, batch_size=100,
                 max_iter=10, alpha=0.0, init="glorot_sigmoid", learning_rate="constant",
                 early_stopping=False, validation_fraction=0.1, n_iter_no_change=10, tol=1e-4,
                 checkpoint_dir=None, verbose=0, random_state=None):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.pretrainer = pretrainer
        self.activation = activation
        self.code_activation = code_activation
        self.output_activation = output_activation
        self.solver = solver
        self.learning_rate_init = learning_rate_init
        self.momentum = momentum
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.alpha = alpha
        self.init = init
        self.learning_rate = learning_rate
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.checkpoint_dir = checkpoint_dir
        self.verbose = verbose
        self.random_state = random_state

    _parameter_constraints = {
        "hidden_layer_sizes": [LayerSizes()],
        "pretrainer": [Options(str, {"auto"}), None,
                       HasMethods("fit", kind="an estimator with fit and layer_weights_")],
        "activation": _ACTIVATION,
        "code_activation": _ACTIVATION,
        "output_activation": [Options(str, list(_OUTPUT_LOSSES))],
        "solver": [Options(str, set(OPTIMIZERS))],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "batch_size": [Interval(Integral, 1, None)],
        "max_iter": [Interval(Integral, 0, None)],
        "alpha": [Interval(Real, 0, None)],
        "init": _INIT,
        "learning_rate": _SCHEDULE,
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        **_LOOP,
        "verbose": _VERBOSE,
        "random_state": RANDOM_STATE,
    }
    _loop_params = ("learning_rate_init", "max_iter", "learning_rate")

    def _auto_pretrainer(self, sizes):
        linear_code = self.code_activation == "identity"
        n = len(sizes)
        units = ["bernoulli"] * (n - 1) + ["gaussian" if linear_code else "bernoulli"]
        rates = [0.1] * (n - 1) + [0.001 if linear_code else 0.1]
        first = "bernoulli" if self.output_activation == "sigmoid" else "gaussian"
        if first == "gaussian":
            rates[0] = min(rates[0], 0.001)
        return DBN(sizes, first_layer=first, hidden_unit=units, learning_rate=rates,
                   random_state=self.random_state)

    def _activations(self, n_layers):
        """Activation after each Dense layer of the unrolled network (the last
        is the loss's)."""
        hidden = [self.activation] * (n_layers - 1)
        return hidden + [self.code_activation] + hidden

    def fit(self, X, y=None):
        """Pretrain, unroll and fine-tune on reconstruction.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : Ignored

        Returns
        -------
        self : DeepAutoencoder
        """
        validate_params(self)
        X = self._validate_X(X, reset=True)
        rng = make_generator(self.random_state)
        coefs, intercepts = self._initial_weights(X, rng)
        pre = self.pretrainer
        if isinstance(pre, str):
            pre = self._auto_pretrainer(check_layer_sizes(self.hidden_layer_sizes))
        elif pre is not None:
            pre = clone(pre)
        if pre is not None:
            if (self.checkpoint_dir is not None and hasattr(pre, "get_params")
                    and pre.get_params(deep=False).get("checkpoint_dir", False) is None):
                # pretraining checkpoints itself, and reloads when resumed
                pre.set_params(checkpoint_dir=os.path.join(os.fspath(self.checkpoint_dir),
                                                           "pretrainer"))
            pre.fit(X)
        self._set_weights(pre, coefs, intercepts, X.dtype)
        X_train, X_val = (split_validation(X, self.validation_fraction, True, rng)
                          if self.early_stopping else (X, None))
        self._optimizer = self._new_optimizer()
        self._train(X_train, X_val, X, rng)
        self._rng = rng
        return self

    def _start_stream(self, X):
        coefs, intercepts = self._initial_weights(X, self._rng)
        pre = self.pretrainer
        if isinstance(pre, FrozenEstimator):
            pre.fit(X, None)
        elif pre is not None:
            warnings.warn(
                f"{type(self).__name__}.partial_fit does not pretrain: fitted to the "
                "first chunk alone, the pretrainer would see a fraction of the data, "
                "so the network starts from random weights. To pretrain on data that "
                "arrives in chunks, train a DBN with DBN.partial_fit over every chunk "
                "and pass pretrainer=FrozenEstimator(dbn); or call fit on the whole "
                "data. pretrainer=None starts from random weights without this "
                "warning.", UserWarning, stacklevel=3)
            pre = None
        self._set_weights(pre, coefs, intercepts, X.dtype)

    def _initial_weights(self, X, rng):
        widths = [X.shape[1]] + check_layer_sizes(self.hidden_layer_sizes)
        return _initial_weights(self.init, widths, X.dtype, rng)

    def _set_weights(self, pre, coefs, intercepts, dtype):
        """The fitted arrays: ``coefs`` and ``intercepts`` with the layers of
        the fitted pretrainer ``pre`` (if any) unrolled into them."""
        if pre is not None:
            self._unroll(pre, coefs, intercepts)
        self.pretrainer_ = pre
        self.coefs_ = [np.ascontiguousarray(W, dtype=dtype) for W in coefs]
        self.intercepts_ = [np.ascontiguousarray(b, dtype=dtype) for b in intercepts]

    def _unroll(self, pre, coefs, intercepts):
        encoders = list(getattr(pre, "layer_weights_", None) or [])
        if not encoders:
            raise TypeError("pretrainer must expose layer_weights_ after fit; "
                            f"{type(pre).__name__} does not.")
        n = len(coefs) // 2
        if len(encoders) > n:
            raise ValueError(f"pretrainer gave {len(encoders)} layers of weights but "
                             f"hidden_layer_sizes has {n}.")
        decoders = getattr(pre, "decoder_weights_", None)
        for i, (W, b) in enumerate(encoders):
            W, b = np.asarray(W), np.asarray(b).reshape(-1)
            if W.shape != coefs[i].shape or b.shape != intercepts[i].shape:
                raise ValueError(f"pretrainer layer {i} has weights of shape {W.shape} "
                                 f"and bias of shape {b.shape}; the encoder needs "
                                 f"{coefs[i].shape} and {intercepts[i].shape}.")
            coefs[i], intercepts[i] = W, b
            j = 2 * n - 1 - i  # the mirror-image decoder layer
            if decoders is not None:
                W_dec, b_dec = decoders[i]
                coefs[j], intercepts[j] = np.asarray(W_dec), np.asarray(b_dec).reshape(-1)
            else:
                coefs[j], intercepts[j] = W.T, np.zeros(W.shape[0])

    def _build_network(self):
        """The unrolled network around the fitted arrays (updated in place)."""
        acts = self._activations(len(self.coefs_) // 2)
        layers = []
        for i, (W, b) in enumerate(zip(self.coefs_, self.intercepts_)):
            layers.append(Dense(W, b))
            if i < len(acts):
                layers.append(ActivationLayer(acts[i]))
        return Network(layers, _OUTPUT_LOSSES[self.output_activation]())

    def _train(self, X, X_val, data, rng, incremental=False):
        batch_size = check_batch_size(self.batch_size, X.shape[0])
        net = self._build_network()
        net.allocate(batch_size, X.dtype)
        params, grads = net.params, net.grads
        l2 = [self.alpha if p.ndim == 2 else 0.0 for p in params]
        optimizer = self._optimizer

        def step(xb, rng):
            loss, _ = net.train_batch(xb, xb)
            if np.isfinite(loss):
                optimizer.update(params, grads, l2=l2)
            return loss

        monitor = _monitor_rows(X, rng)
        if not (incremental and self.n_iter_):
            self.pretrained_reconstruction_error_ = self._reconstruction_error(monitor)
        self._run(X, X_val, data, rng, params, step, batch_size, incremental, monitor=monitor)


inherit_parameters(Autoencoder, MLPClassifier)
inherit_parameters(StackedAutoencoder, Autoencoder, DBN, per_layer=_AE_PER_LAYER)
inherit_parameters(DeepAutoencoder, Autoencoder)
