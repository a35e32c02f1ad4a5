"""Multilayer perceptrons trained by backpropagation: the fine-tuning engine.

:class:`MLPClassifier` and :class:`MLPRegressor` take every parameter of
scikit-learn's MLPs that names the same concept, with its meaning and
default, plus more solvers and schedules, ``init``, ``l1``, dropout,
``max_norm``, per-layer and parametric activations, ``augment``,
``checkpoint_dir``, ``history_``, ``pretrainer`` and ``dtype``.

The matrix products run on numpy's BLAS (``deepbelief._kernels.blas``; its
thread pool is set with ``threadpoolctl`` or ``OPENBLAS_NUM_THREADS``) into
preallocated buffers, the elementwise work in single-threaded Numba kernels
or in-place ufuncs; each layer is updated as soon as its gradient is known,
while its weights are in cache, and mini-batches are gathered into one
reused buffer.
"""

import os
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import (_check_sample_weight, check_is_fitted, column_or_1d,
                                      validate_data)

from . import training
from ._docs import inherit_parameters
from ._kernels import blas
from ._lbfgs import WeightedLoss, fit_lbfgs
from ._kernels import mlp as _k
from ._param_validation import (BOOL, PATH, RANDOM_STATE, Callable, HasMethods, InstanceOf,
                                Interval, LayerSizes, Options, PerLayer, Rule, per_layer,
                                validate_params)
from .nn.activations import ACTIVATIONS, Activation, get_activation
from .nn.initializers import INITIALIZERS, get_initializer
from .nn.layers import (ACTIVATION_LAYERS, Dense, Dropout, Maxout, Network, PReLU,
                        make_activation_layer)
from .nn.losses import BinaryCrossEntropy, CrossEntropy, Poisson, SquaredError
from .nn.optimizers import get_optimizer
from .nn.schedules import (SCHEDULES, InverseTime, ReduceOnPlateau, get_momentum_schedule,
                           get_schedule)
from .rbm import BernoulliRBM

__all__ = ["MLPClassifier", "MLPRegressor"]

# Solver name -> the estimator parameters its optimizer takes.
_SOLVER_ARGS = {
    "sgd": lambda est: dict(momentum=est._momentum_at(0), nesterov=est.nesterovs_momentum),
    "adam": lambda est: dict(beta_1=est.beta_1, beta_2=est.beta_2,
                             epsilon=est.epsilon),
    "adagrad": lambda est: dict(epsilon=est.epsilon),
    "rmsprop": lambda est: dict(rho=est.rho, epsilon=est.epsilon),
}

# Default initialiser for each activation when init="auto".
_AUTO_INIT = {
    "relu": "he_uniform", "leaky_relu": "he_uniform", "elu": "he_uniform",
    "prelu": "he_uniform", "maxout": "he_uniform", "softplus": "he_uniform",
    "sigmoid": "glorot_sigmoid", "logistic": "glorot_sigmoid",
    "tanh": "glorot_uniform", "identity": "glorot_uniform",
    "softmax": "glorot_uniform",
}

_DTYPES = {"float32": np.float32, "float64": np.float64}

# Parameters that may change between a checkpointed run and its resumption.
_RESUMABLE = ("max_iter", "verbose", "checkpoint_dir", "n_iter_no_change", "tol",
              "augment", "warm_start")


def _activation_name(spec):
    if isinstance(spec, str):
        return spec
    if isinstance(spec, PReLU):
        return "prelu"
    if isinstance(spec, Maxout):
        return "maxout"
    return getattr(spec, "name", None)


def _dtype_key(dtype):
    return dtype if isinstance(dtype, str) else np.dtype(dtype).name


_FRACTION = Interval(Real, 0, 1, closed="left")


def _not_lbfgs(est):
    """partial_fit exists for the stochastic solvers only."""
    if est.solver == "lbfgs":
        raise AttributeError("partial_fit is not available with solver='lbfgs' (it "
                             "optimises over the whole data set in one call); use "
                             "solver='adam' or 'sgd' to train incrementally.")
    return True


class _MLPTask(training.OptimizerStateMixin, training.TrainingTask):
    """An MLP's part in the shared training loop: one backpropagation step
    per mini-batch, each layer updated as soon as its gradient is known."""

    weights = None       # per-sample weights of X's rows, or None
    val_weights = None   # those of the validation rows

    def __init__(self, est, net, X, Y, train_idx, val_idx, Xv, Yv, optimizer, rng,
                 aug_rng):
        self.est, self.net, self.X, self.Y = est, net, X, Y
        self.train_idx, self.val_idx, self.Xv, self.Yv = train_idx, val_idx, Xv, Yv
        self.optimizer, self.rng, self.aug_rng = optimizer, rng, aug_rng
        self.name = type(est).__name__
        self.learning_rate = est.learning_rate_init
        dtype = est._dtype
        self.n_train = n_train = len(train_idx)
        self.batch_size = batch_size = est._resolve_batch_size(n_train)
        net.allocate(batch_size, dtype)
        self.x_buf = np.empty((batch_size, X.shape[1]), dtype=dtype)
        self.y_buf = np.empty((batch_size, Y.shape[1]), dtype=dtype)
        # batches index train_idx: X is never copied
        self.identity = n_train == X.shape[0]
        self.l2, self.l1 = est._penalty_coefs(net)
        self.dense_w = dense_w = [layer.W for layer in net.layers if isinstance(layer, Dense)]
        # per layer: (its parameters' positions in net.params, max-norm buffer)
        self.slots, pos = {}, 0
        hidden_w = {id(W) for W in dense_w[:-1]}
        for i, layer in enumerate(net.layers):
            if layer.params:
                norm_buf = (np.empty(layer.W.shape[1], dtype=dtype)
                            if est.max_norm is not None and isinstance(layer, Dense)
                            and id(layer.W) in hidden_w else None)
                self.slots[i] = (range(pos, pos + len(layer.params)), norm_buf)
                pos += len(layer.params)
        # keep-masks of pruned weights (compression.py), applied by the loop
        self.masks = training.estimator_masks(est, dense_w)
        names = {id(a): f"{attr}[{i}]" for attr in ("coefs_", "intercepts_",
                                                    "activation_params_")
                 for i, a in enumerate(getattr(est, attr))}
        self._params = {names.get(id(p), f"param_{j}"): p for j, p in enumerate(net.params)}
        self.is_classifier = isinstance(est, ClassifierMixin)
        self.early = Xv is not None

    def update_layer(self, i):
        layer = self.net.layers[i]
        idx, norm_buf = self.slots[i]
        n = self.n_batch
        for j, w, g in zip(idx, layer.params, layer.grads):
            self.optimizer.update_one(j, w, g, self.l2[j] / n, self.l1[j] / n)
        if norm_buf is not None:
            _k.max_norm(layer.W, self.est.max_norm, norm_buf)

    def params(self):
        return self._params

    def weight_masks(self):
        return self.masks

    def begin_epoch(self, epoch):
        self.err_sum = 0.0

    def step(self, idx, learning_rate, momentum):
        est, optimizer = self.est, self.optimizer
        optimizer.learning_rate = learning_rate
        if momentum is not None:
            optimizer.momentum = momentum
        rows = idx if self.identity else self.train_idx[idx]
        xb = training.gather_rows(self.X, rows, self.x_buf)
        yb = training.gather_rows(self.Y, rows, self.y_buf)
        if est.augment is not None:
            xb = est._augment(xb, self.aug_rng)
        optimizer.begin_step(self.net.params)
        if self.weights is None:
            self.n_batch = len(idx)
            loss, errors = self.net.train_batch(xb, yb, rng=self.rng,
                                                on_layer=self.update_layer)
        else:  # the weighted mean loss: gradients and penalty over the weights' sum
            wb = self.weights[rows]
            self.net.loss.weights = wb
            self.n_batch = float(wb.sum()) or 1.0
            loss, errors = self.net.train_batch(xb, yb, rng=self.rng,
                                                scale=1.0 / self.n_batch,
                                                on_layer=self.update_layer)
            self.net.loss.weights = None
        self.err_sum += errors
        return loss

    def end_epoch(self, epoch, learning_rate, momentum, loss_sum):
        est, n_train = self.est, self.n_train
        est.t_ += n_train
        penalty = 0.0
        if est.alpha or est.l1:
            for W in self.dense_w:
                sq, ab = _k.sum_squares_abs(W)
                penalty += 0.5 * est.alpha * sq + est.l1 * ab
            penalty /= self.batch_size
        if self.weights is None:
            loss = loss_sum / n_train + penalty
        else:
            loss = loss_sum / float(self.weights[self.train_idx].sum()) + penalty
        est.loss_ = loss
        est.loss_curve_.append(loss)
        n_out = self.Y.shape[1]
        record = dict(loss=loss, train_error=self.err_sum / n_train if self.is_classifier
                      else self.err_sum / (n_train * n_out), learning_rate=learning_rate)
        if est.solver == "sgd" and callable(est.momentum):
            record["momentum"] = self.optimizer.momentum
        if self.early:
            Xv, Yv = self.Xv, self.Yv
            v_loss, v_err = est._evaluate(self.net, Xv, Yv)
            self.net.allocate(self.batch_size, est._dtype)
            n_val = Xv.shape[0]
            per_row = self.val_weights is not None or self.is_classifier
            record |= dict(val_loss=v_loss / n_val,
                           val_error=v_err / (n_val if per_row else n_val * Yv.shape[1]))
            if self.val_weights is not None:
                score = est._weighted_score(self.net, Xv, Yv, self.val_weights)
                self.net.allocate(self.batch_size, est._dtype)
            elif self.is_classifier:
                score = 1.0 - v_err / n_val
            else:
                sst = float(np.sum((Yv - Yv.mean(axis=0)) ** 2))
                score = 1.0 - v_err / sst if sst > 0 else 0.0
            est.validation_scores_.append(score)
            record["validation_score"] = score
        est.n_iter_ = epoch + 1
        return record

    def state_arrays(self):
        return (self._params | {"train_idx": self.train_idx, "val_idx": self.val_idx}
                | self.optimizer_arrays())

    def lazy_arrays(self):
        return self.optimizer_lazy(self.net.params)

    def check_state(self, arrays):
        n = self.X.shape[0]
        train = training.check_index_array("train_idx", arrays["train_idx"], n)
        val = training.check_index_array("val_idx", arrays["val_idx"], n)
        if np.intersect1d(train, val).size:
            raise training.CheckpointError("train_idx and val_idx overlap.")

    def state_meta(self):
        est = self.est
        return dict(loss_curve=list(est.loss_curve_),
                    validation_scores=est.validation_scores_, t=int(est.t_))

    def load_meta(self, meta):
        est, scores = self.est, meta["validation_scores"]
        self.load_optimizer()
        est.loss_curve_ = [float(v) for v in meta["loss_curve"]]
        est.validation_scores_ = None if scores is None else [float(v) for v in scores]
        est.t_ = int(meta["t"])

    def generators(self):
        return {"rng": self.rng} | ({} if self.aug_rng is None else {"aug_rng": self.aug_rng})


class _BaseMLP(BaseEstimator):
    """Shared parameters, network construction and the training loop."""

    _loss_class = None
    # Strings that stand for a pretrainer (_resolve_pretrainer builds it).
    _pretrainer_options = ()

    def __init__(self, hidden_layer_sizes=(100,), *, activation="relu", solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000,
                 rho=0.9, init="auto", l1=0.0, dropout=0.0, input_dropout=0.0,
                 max_norm=None, augment=None, pretrainer=None, checkpoint_dir=None,
                 dtype="float32"):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.rho = rho
        self.init = init
        self.l1 = l1
        self.dropout = dropout
        self.input_dropout = input_dropout
        self.max_norm = max_norm
        self.augment = augment
        self.pretrainer = pretrainer
        self.checkpoint_dir = checkpoint_dir
        self.dtype = dtype

    # --------------------------------------------- parameter validation

    _parameter_constraints = {
        "hidden_layer_sizes": [LayerSizes(allow_empty=True)],
        "activation": [PerLayer(Options(str, set(ACTIVATIONS) | set(ACTIVATION_LAYERS)),
                                InstanceOf((Activation, PReLU, Maxout),
                                           "an Activation, PReLU or Maxout"))],
        "solver": [Options(str, set(_SOLVER_ARGS) | {"lbfgs"})],
        "alpha": [Interval(Real, 0, None)],
        "batch_size": [Interval(Integral, 1, None), Options(str, {"auto", "full"})],
        "learning_rate": [Options(str, {"constant", "invscaling", "adaptive"}
                                  | set(SCHEDULES)), Callable()],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None)],
        "max_iter": [Interval(Integral, 1, None)],
        "shuffle": [BOOL],
        "random_state": RANDOM_STATE,
        "tol": [Interval(Real, 0, None)],
        "verbose": [Interval(Integral, 0, None), BOOL],
        "warm_start": [BOOL],
        "momentum": [_FRACTION, Callable()],
        "nesterovs_momentum": [BOOL],
        "early_stopping": [BOOL],
        "validation_fraction": [_FRACTION],
        "beta_1": [_FRACTION],
        "beta_2": [_FRACTION],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        # np.inf: never stop for want of improvement, as in scikit-learn
        "n_iter_no_change": [Interval(Integral, 1, None), Options(Real, {np.inf})],
        "max_fun": [Interval(Integral, 1, None)],
        "rho": [_FRACTION],
        "init": [Options(str, set(INITIALIZERS) | {"auto"}), Callable()],
        "l1": [Interval(Real, 0, None)],
        "dropout": [PerLayer(_FRACTION)],
        "input_dropout": [_FRACTION],
        "max_norm": [None, Interval(Real, 0, None, closed="neither")],
        "augment": [None, Callable()],
        "pretrainer": [HasMethods("fit", kind="an estimator with fit"), None],
        "checkpoint_dir": PATH,
        # None follows the input, as scikit-learn does
        "dtype": [Rule(lambda v: _dtype_key(v) in _DTYPES, "'float32' or 'float64'"), None],
    }

    def _validate_params(self):
        validate_params(self)

    def _check_param_combinations(self):
        if self.early_stopping and self.validation_fraction == 0:
            raise ValueError("validation_fraction must be > 0 when early_stopping "
                             "is True; got 0.")

    def _hidden_sizes(self):
        return LayerSizes(allow_empty=True).resolve(self.hidden_layer_sizes)

    def _resolve_layers(self):
        """The fit's per-layer settings, kept so that predicting reads no
        parameter."""
        self._sizes = self._hidden_sizes()
        n_hidden = len(self._sizes)
        self._dropouts = [float(p) for p in per_layer(self.dropout, n_hidden, "dropout")]
        self._activations = per_layer(self.activation, n_hidden, "activation")
        if self.dtype is None:  # follow the input (set when X is validated)
            self._dtype = (self.coefs_[0].dtype if getattr(self, "coefs_", None)
                           else None)
        else:
            self._dtype = np.dtype(_DTYPES[_dtype_key(self.dtype)])
        if self.solver == "lbfgs":
            self._check_lbfgs()

    def _check_lbfgs(self):
        """The extras that L-BFGS cannot honour, named."""
        clashes = []
        if any(self._dropouts) or self.input_dropout:
            clashes.append("dropout/input_dropout (a stochastic objective)")
        if self.augment is not None:
            clashes.append("augment (new data at every step)")
        if self.max_norm is not None:
            clashes.append("max_norm (a projection after every step)")
        if self.checkpoint_dir is not None:
            clashes.append("checkpoint_dir (L-BFGS runs as one call)")
        if clashes:
            raise ValueError("solver='lbfgs' cannot be combined with "
                             + ", ".join(clashes)
                             + "; use solver='adam' or 'sgd' for these options.")

    def _initializers(self):
        """(hidden layers' initialisers, output layer's initialiser)."""
        n_hidden = len(self._sizes)
        if isinstance(self.init, str) and self.init == "auto":
            inits = [get_initializer(_AUTO_INIT.get(_activation_name(a), "glorot_uniform"))
                     for a in self._activations]
            return inits, get_initializer("glorot_uniform")
        inits = [get_initializer(self.init)] * n_hidden
        return inits, inits[0] if n_hidden else get_initializer(self.init)

    def _loss_type(self):
        """The loss class of the output layer."""
        return self._loss_class

    def _momentum_at(self, epoch):
        """The momentum of one epoch: the float, or the schedule's value."""
        return get_momentum_schedule(self.momentum)(epoch)

    def _schedule(self, n_samples):
        lr = self.learning_rate
        if lr == "invscaling":
            return InverseTime(decay=float(n_samples), power=float(self.power_t))
        if lr == "adaptive":
            return ReduceOnPlateau(factor=0.2, patience=self.n_iter_no_change,
                                   tol=self.tol)
        return get_schedule(lr)

    # ---------------------------------------------------------- network

    def _build_network(self, dtype):
        """Layers around the fitted arrays (shared, updated in place)."""
        layers = []
        if self.input_dropout:
            layers.append(Dropout(self.input_dropout))
        for i, spec in enumerate(self._activations):
            layers.append(Dense(self.coefs_[i], self.intercepts_[i]))
            act = make_activation_layer(spec)
            act.init_params(self._sizes[i], dtype)
            if isinstance(act, PReLU):
                act.params[0] = self.activation_params_[i]
                act.grads[0] = np.zeros_like(act.params[0])
            layers.append(act)
            if self._dropouts[i]:
                layers.append(Dropout(self._dropouts[i]))
        layers.append(Dense(self.coefs_[-1], self.intercepts_[-1]))
        return Network(layers, self._loss_type()())

    def _initialize(self, n_features, n_outputs, rng):
        dtype = self._dtype
        inits, out_init = self._initializers()
        fan_in = n_features
        self.coefs_, self.intercepts_, self.activation_params_ = [], [], []
        for i, spec in enumerate(self._activations):
            act = make_activation_layer(spec)
            width = act.width_in(self._sizes[i])
            self.coefs_.append(inits[i]((fan_in, width), rng, dtype=dtype))
            self.intercepts_.append(np.zeros(width, dtype=dtype))
            act.init_params(self._sizes[i], dtype)
            self.activation_params_.append(act.params[0] if isinstance(act, PReLU)
                                           else np.zeros(0, dtype=dtype))
            fan_in = self._sizes[i]
        self.coefs_.append(out_init((fan_in, n_outputs), rng, dtype=dtype))
        self.intercepts_.append(np.zeros(n_outputs, dtype=dtype))
        self.n_layers_ = len(self._sizes) + 2
        self.n_outputs_ = n_outputs
        name = self._loss_type().activation.name
        self.out_activation_ = "logistic" if name == "sigmoid" else name

    def _resolve_pretrainer(self):
        """An unfitted clone of ``pretrainer`` (the parameter is never changed)."""
        return None if self.pretrainer is None else clone(self.pretrainer)

    def _apply_pretrainer(self, X, incremental=False, rows=None):
        """Fit the pretrainer to the ``rows`` of ``X`` (all when None; a
        pretrainer with ``_fit_rows``, the stacks, reads them without a copy)
        and copy its ``layer_weights_`` into the hidden layers. Under
        ``partial_fit`` (``incremental``) only a ``FrozenEstimator`` is used:
        any other would see the first chunk alone, so pretraining is skipped
        with a warning."""
        if incremental and not isinstance(self.pretrainer, FrozenEstimator):
            warnings.warn(
                f"{type(self).__name__}.partial_fit does not pretrain: fitted to the first "
                "chunk alone, the pretrainer would see a fraction of the data and never "
                "change, so the hidden layers start from random initialisation. To "
                "pretrain on data that arrives in chunks, train a DBN with DBN.partial_fit "
                "over every chunk and pass pretrainer=FrozenEstimator(dbn); or call fit "
                "on the whole data. pretrainer=None trains from random initialisation "
                "without this warning.", UserWarning, stacklevel=4)
            return
        pre = self._resolve_pretrainer()
        if (self.checkpoint_dir is not None and hasattr(pre, "get_params")
                and pre.get_params(deep=False).get("checkpoint_dir", False) is None):
            pre.set_params(checkpoint_dir=os.path.join(os.fspath(self.checkpoint_dir),
                                                       "pretrainer"))
        replace_constant = isinstance(self.pretrainer, str)
        if rows is None or isinstance(pre, FrozenEstimator):
            pre.fit(X, None)  # positional y: sklearn.frozen.FrozenEstimator needs it
        elif hasattr(pre, "_fit_rows"):
            pre._fit_rows(X, rows)
        else:
            pre.fit(X[rows], None)
        weights = getattr(pre, "layer_weights_", None)
        if weights is None:
            raise TypeError("pretrainer must expose layer_weights_ after fit; "
                            f"{type(pre).__name__} does not.")
        weights = list(weights)
        if len(weights) > len(self._sizes):
            raise ValueError(f"pretrainer gave {len(weights)} layers of weights but the "
                             f"network has {len(self._sizes)} hidden layers.")
        checked = [(np.asarray(W), np.asarray(b).reshape(-1)) for W, b in weights]
        for i, (W, b) in enumerate(checked):
            if W.shape != self.coefs_[i].shape or b.shape != self.intercepts_[i].shape:
                raise ValueError(f"pretrainer layer {i} has weights of shape {W.shape} and "
                                 f"bias of shape {b.shape}; hidden layer {i} needs "
                                 f"{self.coefs_[i].shape} and {self.intercepts_[i].shape}.")
        n_useful = self._useful_pretrained_layers(X if rows is None else X[rows[:500]],
                                                  checked, replace_constant)
        for i, (W, b) in enumerate(checked[:n_useful]):
            self.coefs_[i][...] = W
            self.intercepts_[i][...] = b
        self.pretrainer_ = pre

    def _useful_pretrained_layers(self, X, weights, replace_constant, n_rows=500):
        """How many pretrained layers, from the bottom, to use. A layer with
        mostly constant units stalls backpropagation below it: a
        DegenerateFitWarning says so and, with ``replace_constant`` (a
        pretrainer the estimator chose itself, such as "auto"), it and the
        layers above keep their random initialisation."""
        H = training.dense(X[:n_rows], np.float64)
        for i, (W, b) in enumerate(weights):
            spec = self._activations[i]
            if not isinstance(spec, (str, Activation)) or spec in ACTIVATION_LAYERS:
                return len(weights)  # parametric units: no plain forward to check
            with np.errstate(over="ignore", invalid="ignore"):
                Z = blas.gemm(H, W, np.empty((H.shape[0], W.shape[1])))
                H = get_activation(spec).forward(Z + b)
            if training.mostly_constant(H):
                std = float(np.median(H.std(axis=0)))
                if not replace_constant:
                    warnings.warn(
                        f"{type(self).__name__}: the pretrained hidden layer {i} gives "
                        f"constant features on the training data (median std {std:.2g} "
                        "across samples); backpropagation through it will barely move "
                        "the layers below. Check the pretrainer's settings, or fit "
                        "with pretrainer=None to compare.", training.DegenerateFitWarning)
                    return len(weights)
                warnings.warn(
                    f"{type(self).__name__}: the pretrained hidden layer {i} gives "
                    f"constant features on the training data (median std {std:.2g} "
                    f"across samples), so hidden layers {i} to {len(self._sizes) - 1} "
                    "start from random initialisation instead of the pretrainer's "
                    "weights. Pretraining helps little on this data; pretrainer=None "
                    "does the same without its cost.", training.DegenerateFitWarning)
                return i
        return len(weights)

    def _penalty_coefs(self, net):
        """Per-parameter (alpha, l1) for ``net.params``: weights only."""
        weights = {id(layer.W) for layer in net.layers if isinstance(layer, Dense)}
        l2 = [self.alpha if id(p) in weights else 0.0 for p in net.params]
        l1 = [self.l1 if id(p) in weights else 0.0 for p in net.params]
        return np.array(l2), np.array(l1)

    # ---------------------------------------------------------- fitting

    def _validate_Xy(self, X, y, reset):
        dtype = (np.float64, np.float32) if self._dtype is None else self._dtype
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"],
                             multi_output=True, dtype=dtype,
                             y_numeric=isinstance(self, RegressorMixin), reset=reset)
        self._dtype = X.dtype
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if hasattr(X, "tocsr"):
            X = X.tocsr()
        return X, y

    def _evaluate(self, net, X, Y, chunk=1024):
        """(summed loss, errors) of the network on ``X`` without dropout."""
        net.allocate(min(chunk, max(1, X.shape[0])), self._dtype)
        loss = errors = 0.0
        for rows, xb in training.row_chunks(X, net._batch_size, self._dtype):
            Z = net.forward(xb)
            yb = np.ascontiguousarray(Y[rows], dtype=self._dtype)
            l_b, e_b = net.loss.delta(Z, yb, 1.0)
            loss += l_b
            errors += e_b
        return loss, errors

    def _fit(self, X, y, incremental=False, classes=None, sample_weight=None):
        self._validate_params()
        self._resolve_layers()
        first = not (incremental or self.warm_start) or not hasattr(self, "coefs_")
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True: it "
                             "trains one epoch on the data it is given and holds "
                             "nothing out. Use fit, or set early_stopping=False.")
        X, y = self._validate_Xy(X, y, reset=first)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
            if np.any(sample_weight < 0) or not sample_weight.sum() > 0:
                raise ValueError("sample_weight must be non-negative with a positive "
                                 "sum; got values in "
                                 f"[{sample_weight.min()}, {sample_weight.max()}].")
        if (not first and not incremental and isinstance(self, ClassifierMixin)
                and getattr(self, "_label_binarizer", None) is not None
                and not self._label_binarizer.y_type_.startswith("multilabel")):
            got = unique_labels(y)
            if not np.array_equal(got, self.classes_):
                raise ValueError(
                    "warm_start can only be used where `y` has the same classes as in "
                    f"the previous call to fit. Previously got {self.classes_}, `y` has "
                    f"{got}")
        # coefs_ set by hand (no fit yet): the targets' encoding is made now
        Y = self._encode_targets(y, first or (isinstance(self, ClassifierMixin) and not
                                              hasattr(self, "_label_binarizer")), classes)
        n_samples, n_features = X.shape
        rng_state = getattr(self, "_rng", None)
        rng = (training.make_generator(self.random_state)
               if first or rng_state is None else rng_state)
        if not first and not hasattr(self, "activation_params_"):
            self.activation_params_ = [np.zeros(0, dtype=self._dtype)
                                       for _ in self._sizes]

        if first:
            self._initialize(n_features, Y.shape[1], rng)
        elif self.coefs_[0].dtype != self._dtype:
            raise ValueError(f"dtype is {self._dtype.name} but the fitted model is "
                             f"{self.coefs_[0].dtype.name}; refit from scratch.")

        if self.solver == "lbfgs":
            return self._fit_lbfgs(X, Y, sample_weight, first)
        early = self.early_stopping and not incremental
        if early:
            val_idx, train_idx = self._split(y, n_samples, rng)
        else:
            val_idx, train_idx = np.zeros(0, np.int64), np.arange(n_samples)

        aug_rng = rng.spawn(1)[0] if self.augment is not None else None
        net = self._build_network(self._dtype)
        if sample_weight is not None:
            net.loss = WeightedLoss(net.loss)
        if first or not hasattr(self, "_optimizer"):
            self._optimizer = get_optimizer(self.solver,
                                            learning_rate=self.learning_rate_init,
                                            **_SOLVER_ARGS[self.solver](self))
        optimizer = self._optimizer
        schedule = self._schedule(len(train_idx))

        if first or not hasattr(self, "history_"):
            self.history_, self.loss_curve_, self.n_iter_, self.t_ = training.History(), [], 0, 0
            self.validation_scores_ = [] if early else None
            self.best_loss_ = np.inf if not early else None
            self.best_validation_score_ = -np.inf if early else None
        # without early stopping the training loss decides when to stop
        stopper = training.EarlyStopping(
            self.n_iter_no_change, self.tol, greater_is_better=early, restore_best=early,
            monitor="validation_score" if early else "loss")
        best = self.best_validation_score_ if early else self.best_loss_
        if best is not None:
            stopper.best_score = best

        Xv = X[val_idx] if early else None
        Yv = Y[val_idx] if early else None
        self._rng = rng
        task = _MLPTask(self, net, X, Y, train_idx, val_idx, Xv, Yv, optimizer, rng,
                        aug_rng)
        if sample_weight is not None:
            task.weights = sample_weight
            task.val_weights = sample_weight[val_idx] if early else None
        checkpointer = fp = None
        start_epoch = getattr(self, "_epochs_done", self.n_iter_) if not first else 0
        # Pretraining first: it checkpoints itself in checkpoint_dir/pretrainer
        # (a resumed fit reloads it), then fine-tuning's checkpoint replaces
        # the weights it set.
        if first and self.pretrainer is not None and start_epoch == 0:
            self._apply_pretrainer(X, incremental, rows=train_idx if early else None)
        if self.checkpoint_dir is not None and not incremental:
            checkpointer = training.Checkpointer(self.checkpoint_dir)
            fp = training.fingerprint(self, [X, Y])
            resumed = training.resume(checkpointer, task, fingerprint=fp,
                                      history=self.history_, stopper=stopper)
            if resumed is not None:
                start_epoch = self.n_iter_ = resumed

        if incremental:
            end_epoch = start_epoch + 1
        elif first or checkpointer is not None:
            end_epoch = self.max_iter
        else:  # warm start: max_iter more epochs, as in scikit-learn
            end_epoch = start_epoch + self.max_iter
        # overflow is detected, and reported, by the divergence checks
        with np.errstate(over="ignore", invalid="ignore"):
            try:
                self.n_iter_, stopped = training.fit_loop(
                    task, n_samples=len(train_idx), batch_size=task.batch_size, rng=rng,
                    start=start_epoch, stop=end_epoch,
                    learning_rate=self.learning_rate_init,
                    schedule=schedule, history=self.history_, schedule_key="loss",
                    momentum=(get_momentum_schedule(self.momentum)
                              if self.solver == "sgd" else None),
                    shuffle=self.shuffle, stopper=stopper, checkpointer=checkpointer,
                    fingerprint=fp, verbose=self.verbose,
                    keep_going=lambda lr: (self.learning_rate == "adaptive" and not early
                                           and lr > 1e-6))
            except training.DivergenceError as exc:
                if not (early and stopper.best_params):
                    raise training.DivergenceError(
                        "Solver produced non-finite parameter weights. The input data "
                        f"may contain large values and need to be preprocessed. {exc}"
                    ) from None
                # early stopping had a finite best epoch: keep it, as scikit-learn does
                self.validation_scores_.append(float("nan"))
                training._restore(task.params(), stopper.best_params)
                self.n_iter_, stopped = len(self.validation_scores_), True
                warnings.warn(f"{type(self).__name__}: {exc} The weights of the best "
                              "validation epoch were kept.", training.DegenerateFitWarning)
            self._epochs_done = self.n_iter_
            if not first and not incremental and checkpointer is None:
                # warm start: n_iter_ counts this call's epochs, as in scikit-learn
                self.n_iter_ -= start_epoch
            if early:
                self.best_validation_score_ = float(stopper.best_score)
            else:
                self.best_loss_ = float(stopper.best_score)
            if not stopped and not incremental and end_epoch > start_epoch:
                warnings.warn(f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) "
                              "reached and the optimization hasn't converged yet.",
                              ConvergenceWarning)
            if not incremental and end_epoch > start_epoch:
                self._check_health(net, X, Y, train_idx, task.dense_w)
        return self

    def _split(self, y, n_samples, rng):
        n_val = max(1, int(round(self.validation_fraction * n_samples)))
        if n_val >= n_samples:
            raise ValueError(f"validation_fraction={self.validation_fraction} leaves no "
                             f"training samples out of {n_samples}.")
        if n_val < 2:
            raise ValueError(
                f"The validation set is too small: validation_fraction="
                f"{self.validation_fraction} of {n_samples} samples holds out {n_val}, "
                "and early stopping needs at least 2. Increase 'validation_fraction' "
                "or the size of your dataset, or set early_stopping=False.")
        if isinstance(self, ClassifierMixin) and y.ndim == 1:
            labels, counts = np.unique(y, return_counts=True)
            if counts.min() < 2:
                raise ValueError(
                    f"The least populated classes in y have only {counts.min()} member, "
                    "too few for the stratified split of early stopping (at least 2 "
                    "per class). Classes with too few members are: "
                    f"{[str(c) for c in labels[counts < 2]]}")
            # stratified: the same fraction of each class
            val = []
            for cls in np.unique(y):
                idx = np.flatnonzero(y == cls)
                idx = idx[rng.permutation(len(idx))]
                val.append(idx[: int(round(self.validation_fraction * len(idx)))])
            val_idx = np.sort(np.concatenate(val))
            if len(val_idx) == 0:
                val_idx = np.sort(rng.permutation(n_samples)[:n_val])
        else:
            val_idx = np.sort(rng.permutation(n_samples)[:n_val])
        mask = np.ones(n_samples, bool)
        mask[val_idx] = False
        return val_idx.astype(np.int64), np.flatnonzero(mask).astype(np.int64)

    def _weighted_score(self, net, X, Y, weights):
        """Weighted accuracy (classifier) or R^2 (regressor) of ``net``."""
        net.allocate(min(1024, max(1, X.shape[0])), self._dtype)
        Z = np.concatenate([np.array(net.forward(xb)) for _, xb in training.row_chunks(
            X, net._batch_size, self._dtype)]).astype(np.float64)
        Y = np.asarray(Y, dtype=np.float64)
        w = np.asarray(weights, dtype=np.float64)
        if isinstance(self, ClassifierMixin):
            if isinstance(net.loss, WeightedLoss) and isinstance(net.loss.base, CrossEntropy):
                right = np.argmax(Z, axis=1) == np.argmax(Y, axis=1)
            else:
                right = np.all((Z > 0) == (Y > 0.5), axis=1)
            return float(np.dot(w, right) / w.sum())
        mean = np.average(Y, axis=0, weights=w)
        sse = np.dot(w, np.sum((Y - Z) ** 2, axis=1))
        sst = np.dot(w, np.sum((Y - mean) ** 2, axis=1))
        return float(1.0 - sse / sst) if sst > 0 else 0.0

    def _fit_lbfgs(self, X, Y, sample_weight, first):
        """Fit with scipy's L-BFGS-B over all parameters (full batch)."""
        if first:
            if self.pretrainer is not None:
                self._apply_pretrainer(X)
            self.loss_curve_ = []
            self.history_ = training.History()
            self.t_ = 0
        self.validation_scores_ = None
        self.best_validation_score_ = None
        self.best_loss_ = None
        net = self._build_network(self._dtype)
        if sample_weight is not None:
            net.loss = WeightedLoss(net.loss)
        dense_w = [layer.W for layer in net.layers if isinstance(layer, Dense)]
        masks = training.estimator_masks(self, dense_w)
        n_before = len(self.loss_curve_)
        result = fit_lbfgs(self, net, X, Y, sample_weight, masks=masks)
        self.n_iter_ = int(result.nit)
        self.t_ += int(result.nit) * X.shape[0]
        self.loss_ = float(result.fun)
        for loss in self.loss_curve_[n_before:]:
            self.history_.record(loss=loss)
        if not all(np.all(np.isfinite(p)) for p in net.params):
            raise training.DivergenceError(
                "Solver produced non-finite parameter weights. The input data may "
                "contain large values and need to be preprocessed.")
        train_idx = np.arange(X.shape[0])
        if self.loss_curve_:
            self._check_health(net, X, Y, train_idx, dense_w)
        return self

    def _resolve_batch_size(self, n_train):
        return training.check_batch_size(self.batch_size, n_train)

    def _check_health(self, net, X, Y, train_idx, dense_w, n_monitor=500):
        """FitHealth's checks: loss, weights, hidden units, the prior's loss."""
        health = training.FitHealth(type(self).__name__, self.learning_rate_init)
        health.objective("The training loss", self.loss_curve_)
        for i, W in enumerate(dense_w):
            health.weights(f"layer {i}", W)
        rows = np.sort(train_idx[:n_monitor])
        xb = training.dense(X[rows], self._dtype)
        net.allocate(len(rows), self._dtype)
        out, hidden = xb, 0
        with np.errstate(over="ignore", invalid="ignore"):
            for layer in net.layers[:-1]:
                out = layer.forward(out)
                if not isinstance(layer, (Dense, Dropout)):
                    health.units(f"hidden layer {hidden}", out)
                    hidden += 1
            fitted = net.layers[-1].forward(out)
            prior = np.asarray(Y[np.sort(train_idx[:5000])], dtype=np.float64).mean(axis=0)
            Ys = np.asarray(Y[rows], dtype=np.float64)
            loss = getattr(net.loss, "base", net.loss)  # unwrapped sample weighting
            if isinstance(loss, CrossEntropy):
                Z, what = np.log(np.clip(prior, 1e-12, None)), "predicting the class frequencies"
            elif isinstance(loss, Poisson):
                Z, what = np.log(np.clip(prior, 1e-12, None)), "predicting the mean target"
            elif isinstance(loss, BinaryCrossEntropy):
                p = np.clip(prior, 1e-12, 1 - 1e-12)
                Z, what = np.log(p / (1 - p)), "predicting the label frequencies"
            else:
                Z, what = prior, "predicting the mean target"
            Z = np.broadcast_to(Z, Ys.shape).copy()
            chance = float(loss.loss(Ys, Z))
            # the fitted network on the monitored rows, not the last epoch's
            # running loss, which one unstable mini-batch can spike
            fitted_loss = float(loss.loss(Ys, np.asarray(fitted, dtype=np.float64)))
        if len(getattr(self, "classes_", (0, 1))) > 1:  # one class: nothing to beat
            health.chance(fitted_loss, chance, what, n_samples=len(rows))

    def _augment(self, xb, aug_rng):
        out = self.augment(xb, random_state=aug_rng)
        out = np.asarray(out)
        if out.shape != xb.shape:
            raise ValueError(f"augment must return an array of shape {xb.shape}; "
                             f"got {out.shape}.")
        return np.ascontiguousarray(out, dtype=self._dtype)

    # ------------------------------------------------------- prediction

    def _forward(self, X):
        check_is_fitted(self, "coefs_")
        dtype = self.coefs_[0].dtype
        X = validate_data(self, X, accept_sparse=["csr", "csc"], dtype=dtype, reset=False)
        if hasattr(X, "tocsr"):
            X = X.tocsr()
        return self._build_network(dtype).predict(X, chunk_size=1024)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multilayer perceptron classifier trained by backpropagation.

    Softmax outputs and cross-entropy for several classes, one sigmoid output
    for two (as scikit-learn), independent sigmoids for multilabel targets.
    Every scikit-learn ``MLPClassifier`` parameter is accepted with its
    meaning and default.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(100,)
        Units per hidden layer.
    activation : str, Activation, PReLU, Maxout or list of them, default="relu"
        Hidden activation, one for all or one per hidden layer: ``"relu"``,
        ``"sigmoid"`` (``"logistic"``), ``"tanh"``, ``"leaky_relu"``,
        ``"elu"``, ``"softplus"``, ``"identity"``, ``"softmax"``, ``"prelu"``
        (learned slopes), ``"maxout"`` (2 pieces; ``Maxout(k)`` for more).
    solver : {"adam", "sgd", "adagrad", "rmsprop", "lbfgs"}, default="adam"
        ``"lbfgs"`` is scipy's L-BFGS-B over all parameters (full batch),
        bounded by ``max_iter`` iterations and ``max_fun`` evaluations with
        ``tol`` its gradient tolerance; as in scikit-learn it ignores the
        learning rate, momentum and early stopping and has no
        ``partial_fit``; it refuses dropout, ``augment``, ``max_norm`` and
        ``checkpoint_dir``.
    alpha : float, default=1e-4
        L2 penalty; as in scikit-learn its gradient ``alpha * W`` is divided
        by the batch's number of samples.
    batch_size : int, "auto" or "full", default="auto"
        ``"auto"`` is ``min(200, n_samples)``, ``"full"`` full-batch.
    learning_rate : str, Schedule or callable, default="constant"
        ``"constant"``, ``"invscaling"`` (``learning_rate_init / (t+1) **
        power_t``, ``t`` the samples seen), ``"adaptive"`` (divide by 5 after
        ``n_iter_no_change`` epochs without progress), a name from
        :mod:`deepbelief.nn.schedules`, a ``Schedule`` or a callable
        ``f(learning_rate_init, epoch, losses)``; for every solver.
    learning_rate_init : float, default=0.001
    power_t : float, default=0.5
    max_iter : int, default=200
        Maximum number of epochs.
    shuffle : bool, default=True
        Shuffle the samples every epoch.
    random_state : int, RandomState, Generator or None, default=None
    tol : float, default=1e-4
    verbose : bool or int, default=False
        One line per epoch.
    warm_start : bool, default=False
    momentum : float or callable, default=0.9
        Momentum of the ``"sgd"`` solver, in [0, 1), or a schedule
        ``momentum(epoch) -> float`` such as
        :class:`~deepbelief.nn.schedules.LinearRamp` (recorded in
        ``history_["momentum"]``). The update is scikit-learn's
        ``v = momentum * v - lr * grad``, of steady step ``lr / (1 -
        momentum)``; for Hinton's form, scale the rate by ``1 - momentum``
        with a ``learning_rate`` callable.
    nesterovs_momentum : bool, default=True
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data (stratified); stop when
        its accuracy has not improved by ``tol`` for ``n_iter_no_change``
        epochs, and restore the best epoch's weights.
    validation_fraction : float, default=0.1
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
        Adam's parameters (``epsilon`` also Adagrad's and RMSProp's).
    n_iter_no_change : int or np.inf, default=10
        Epochs without improvement before stopping; ``np.inf`` never stops
        early (nor lowers an ``"adaptive"`` rate), as in scikit-learn.
    max_fun : int, default=15000
        Most loss evaluations of ``solver="lbfgs"``.
    rho : float, default=0.9
        RMSProp's decay.
    init : str, Initializer or callable, default="auto"
        Weight initialiser (:mod:`deepbelief.nn.initializers`); ``"auto"``
        is He uniform for rectifiers, Glorot uniform scaled by 4 for
        sigmoid, Glorot uniform otherwise. Biases start at 0.
    l1 : float, default=0.0
        L1 penalty, scaled like ``alpha``.
    dropout : float or list of float, default=0.0
        Probability of dropping each hidden unit in training (classically
        0.5), for all hidden layers or one per layer; inverted dropout, so
        nothing is rescaled at prediction.
    input_dropout : float, default=0.0
        Probability of dropping each input (classically 0.2).
    max_norm : float or None, default=None
        Bound on the L2 norm of each hidden unit's incoming weights.
    augment : callable or None, default=None
        ``augment(X_batch, random_state=rng)`` returning a batch of the same
        shape, applied to every training mini-batch (``rng`` a Generator
        derived from ``random_state``).
    pretrainer : estimator or None, default=None
        An unfitted estimator (DBN or stacked autoencoder), cloned and fitted
        on X; its ``layer_weights_`` (``(W, b)`` pairs, ``W`` of shape
        ``(n_in, n_out)``) initialise the first hidden layers; nested
        parameters are ``pretrainer__<name>``. A fitted one wrapped in
        ``sklearn.frozen.FrozenEstimator`` is used as it is (one pretraining
        for several fine-tunings); ``partial_fit`` uses only such a frozen
        pretrainer and otherwise skips pretraining with a warning.
    <inherited parameters>
    dtype : {"float32", "float64"} or None, default="float32"
        Precision of the weights and computation; None follows the input
        (float32 stays float32, anything else is float64), as scikit-learn.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coefs_, intercepts_ : list of ndarray
        ``coefs_[i]`` has shape ``(n_in, n_out)`` (``n_out * k`` for maxout).
    activation_params_ : list of ndarray
        The learned PReLU slopes of each hidden layer (empty otherwise).
    loss_ : float
    loss_curve_ : list of float
        Training loss per epoch (penalty included).
    validation_scores_ : list of float or None
        Validation accuracy per epoch when ``early_stopping``.
    best_validation_score_, best_loss_ : float or None
    history_ : dict of lists
        Per epoch: ``loss``, ``train_error`` (on the training batches),
        ``val_loss``, ``val_error``, ``learning_rate``, ``seconds``.
    n_iter_ : int
    t_ : int
        Training samples seen.
    n_layers_, n_outputs_ : int
    out_activation_ : str
    pretrainer_ : estimator
        The fitted pretrainer, when one was given.

    Raises
    ------
    deepbelief.training.DivergenceError
        When the loss or a weight becomes non-finite (the last finite
        parameters are kept).

    References
    ----------
    Rumelhart, D., Hinton, G. and Williams, R. (1986). Learning
    representations by back-propagating errors. Nature 323.
    Srivastava, N. et al. (2014). Dropout: a simple way to prevent neural
    networks from overfitting. JMLR 15.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from deepbelief.mlp import MLPClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = MLPClassifier((64,), max_iter=30, random_state=0).fit(X / 16, y)
    >>> clf.score(X / 16, y) > 0.9
    True
    """

    def _encode_targets(self, y, first, classes=None):
        check_classification_targets(y)
        if first:
            self._label_binarizer = LabelBinarizer()
            multilabel = getattr(y, "ndim", 1) == 2 and y.shape[1] > 1
            if classes is not None and not multilabel:
                unknown = sorted(set(unique_labels(y)) - set(np.asarray(classes).tolist()))
                if unknown:
                    raise ValueError(f"y has classes {unknown} that are not in classes="
                                     f"{list(classes)}.")
            self._label_binarizer.fit(y if classes is None or multilabel else classes)
            self.classes_ = self._label_binarizer.classes_
            # one class (as scikit-learn): a single output trained towards 0,
            # and every prediction is that class
        else:
            labels = unique_labels(y)
            if not set(labels) <= set(self.classes_):
                raise ValueError(f"y has classes {sorted(set(labels) - set(self.classes_))}"
                                 f" not seen in the first fit (classes_ = "
                                 f"{list(self.classes_)}).")
        return np.ascontiguousarray(self._label_binarizer.transform(y), dtype=self._dtype)

    def _loss_type(self):
        """Softmax and cross-entropy for one label per sample; independent
        sigmoids for binary and multilabel targets."""
        multiclass = self._label_binarizer.y_type_ == "multiclass"
        return CrossEntropy if multiclass else BinaryCrossEntropy

    def fit(self, X, y, sample_weight=None):
        """Fit the network to ``X`` and labels ``y``.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Class labels, or a label indicator matrix (multilabel).
        sample_weight : array-like of shape (n_samples,) or None
            Weights of the samples in the loss, its gradient and, with
            early stopping, the validation accuracy.

        Returns
        -------
        self : MLPClassifier
        """
        return self._fit(X, y, sample_weight=sample_weight)

    @available_if(_not_lbfgs)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """One epoch over ``X, y``; ``classes`` is required on the first call
        (and, when given later, must be the same classes).

        Returns
        -------
        self : MLPClassifier
        """
        if not hasattr(self, "coefs_"):
            if classes is None:
                raise ValueError("classes must be passed on the first call to "
                                 "partial_fit.")
        elif classes is not None and hasattr(self, "classes_") and not np.array_equal(
                np.unique(classes), self.classes_):
            raise ValueError(f"classes={list(np.unique(classes))} differs from the "
                             f"classes of the first call to partial_fit "
                             f"({list(self.classes_)}).")
        return self._fit(X, y, incremental=True, classes=classes,
                         sample_weight=sample_weight)

    def predict_proba(self, X):
        """Class probabilities, of shape (n_samples, n_classes)."""
        P = self._forward(X)
        if self.n_outputs_ == 1 and self._label_binarizer.y_type_ == "binary":
            P = P.ravel()
            return np.column_stack([1 - P, P])
        return P

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """Predicted class labels."""
        P = self._forward(X)
        if self._label_binarizer.y_type_ == "multiclass":
            return self.classes_[np.argmax(P, axis=1)]
        return self._label_binarizer.inverse_transform(P, threshold=0.5)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multilayer perceptron regressor: identity outputs, squared error.

    Parameters and attributes as :class:`MLPClassifier` (but ``classes_``);
    ``validation_scores_`` holds the validation R^2 early stopping watches.

    Parameters
    ----------
    loss : {"squared_error", "poisson"}, default="squared_error"
        Half the squared error with identity outputs, or the Poisson
        deviance with exponential outputs (non-negative targets, counts).
    <inherited parameters>

    Examples
    --------
    >>> import numpy as np
    >>> from deepbelief.mlp import MLPRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-1, 1, (300, 2))
    >>> y = X[:, 0] ** 2 + X[:, 1]
    >>> reg = MLPRegressor((32,), max_iter=200, random_state=0).fit(X, y)
    >>> reg.score(X, y) > 0.8
    True
    """

    _loss_class = SquaredError

    def __init__(self, hidden_layer_sizes=(100,), *, loss="squared_error", activation="relu",
                 solver="adam", alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, max_fun=15000, rho=0.9, init="auto", l1=0.0,
                 dropout=0.0, input_dropout=0.0, max_norm=None, augment=None,
                 pretrainer=None, checkpoint_dir=None, dtype="float32"):
        super().__init__(
            hidden_layer_sizes, activation=activation, solver=solver, alpha=alpha,
            batch_size=batch_size, learning_rate=learning_rate,
            learning_rate_init=learning_rate_init, power_t=power_t, max_iter=max_iter,
            shuffle=shuffle, random_state=random_state, tol=tol, verbose=verbose,
            warm_start=warm_start, momentum=momentum,
            nesterovs_momentum=nesterovs_momentum, early_stopping=early_stopping,
            validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2,
            epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun, rho=rho,
            init=init, l1=l1, dropout=dropout, input_dropout=input_dropout,
            max_norm=max_norm, augment=augment, pretrainer=pretrainer,
            checkpoint_dir=checkpoint_dir, dtype=dtype)
        self.loss = loss

    _parameter_constraints = {**_BaseMLP._parameter_constraints,
                              "loss": [Options(str, {"squared_error", "poisson"})]}

    def _loss_type(self):
        loss = getattr(self, "loss", "squared_error")
        return Poisson if loss == "poisson" else SquaredError

    def _encode_targets(self, y, first, classes=None):
        if self._loss_type() is Poisson and np.any(np.asarray(y) < 0):
            raise ValueError("loss='poisson' needs non-negative targets; y has values "
                             f"down to {np.min(y)}.")
        self._y_ndim = y.ndim if first else getattr(self, "_y_ndim", y.ndim)
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        if not first and Y.shape[1] != self.n_outputs_:
            raise ValueError(f"y has {Y.shape[1]} outputs; the model was fitted with "
                             f"{self.n_outputs_}.")
        return np.ascontiguousarray(Y, dtype=self._dtype)

    def fit(self, X, y, sample_weight=None):
        """Fit the network to ``X`` and targets ``y``.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,) or None
            Weights of the samples in the loss, its gradient and, with
            early stopping, the validation R^2.

        Returns
        -------
        self : MLPRegressor
        """
        return self._fit(X, y, sample_weight=sample_weight)

    @available_if(_not_lbfgs)
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over ``X, y``.

        Returns
        -------
        self : MLPRegressor
        """
        return self._fit(X, y, incremental=True, sample_weight=sample_weight)

    def predict(self, X):
        """Predicted targets, of shape (n_samples,) or (n_samples, n_outputs)."""
        out = self._forward(X)
        return out.ravel() if self._y_ndim == 1 else out


inherit_parameters(MLPClassifier, BernoulliRBM)  # checkpoint_dir
inherit_parameters(MLPRegressor, MLPClassifier)
