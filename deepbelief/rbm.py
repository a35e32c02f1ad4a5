"""Restricted Boltzmann Machines trained by contrastive divergence.

``BernoulliRBM`` is a faster drop-in replacement for scikit-learn's, with
the RBM literature's training options as keyword-only extras;
``GaussianBernoulliRBM`` has real-valued visible units. ``fit`` validates;
the engine (``deepbelief.engine``, with a sampler) owns the buffers and runs
a CD-1 step as four BLAS products, Numba kernels fusing everything between.
"""

import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ._docs import inherit_parameters
from ._kernels import blas
from ._kernels import rbm as _k
from ._kernels.random import draw_seed
from ._param_validation import (BOOL, PATH, RANDOM_STATE, Callable, InstanceOf, Interval,
                                Options, Rule, check, validate_params)
from .engine import RBMEngine
from .nn.initializers import INITIALIZERS, get_initializer
from .nn.schedules import SCHEDULES, get_momentum_schedule, get_schedule
from .samplers import SAMPLERS as _SAMPLERS
from .training import (N_MONITOR, Checkpointer, EarlyStopping, EstimatorTask, FitHealth,
                       History, check_batch_size, dense, fingerprint, fit_loop, gather_rows,
                       make_generator, column_means, resume, row_chunks, split_rows)
from .units import _REGISTRY as _UNITS
from .units import BernoulliUnits, GaussianUnits, Units, get_units

__all__ = ["BernoulliRBM", "GaussianBernoulliRBM"]

# How the visible units of the negative phase's last Gibbs step are set.
_RECONSTRUCTIONS = ("sample", "mean")


def _decreasing_betas(betas):
    betas = np.asarray(betas, dtype=np.float64)
    return (betas.ndim == 1 and betas.shape[0] >= 2 and betas[0] == 1.0
            and np.all(np.diff(betas) < 0) and betas[-1] >= 0)


_INIT = [Options(str, set(INITIALIZERS)), Callable()]
_SCHEDULE = [Options(str, set(SCHEDULES)), Callable()]
_UNIT_TYPES = [Options(str, set(_UNITS)), InstanceOf(Units)]


class _RBMTask(EstimatorTask):
    """An RBM's part in the shared training loop: one CD step per batch."""

    verbose_keys = ("pseudo_likelihood", "reconstruction_error", "free_energy_gap")

    def __init__(self, rbm, X, batch_size, monitor, rows=None):
        self.model, self.X, self.monitor, self.rows = rbm, X, monitor, rows
        self.name = getattr(rbm, "_log_name", type(rbm).__name__)
        self.learning_rate = rbm.learning_rate
        if rbm.verbose is True or rbm.verbose == 1:  # scikit-learn's line
            self.verbose_keys = ("pseudo_likelihood",)
        self.batch_size = batch_size
        self.engine = None  # built at the first epoch, after any resume

    def begin_epoch(self, epoch):
        if self.engine is None:
            self.engine = self.model._training_engine(self.batch_size)
        super().begin_epoch(epoch)

    def step(self, idx, learning_rate, momentum):
        V = gather_rows(self.X, idx if self.rows is None else self.rows[idx],
                        self.engine.workspace.SV)
        self.engine.step(V, learning_rate, momentum, self.seeds)

    def end_epoch(self, epoch, learning_rate, momentum, loss_sum):
        self.model._n_epochs_done = epoch + 1
        record = {"learning_rate": learning_rate, "momentum": momentum}
        if self.monitor:
            record.update(self.model._epoch_metrics())
        return record

    def state_arrays(self):
        return self.model._state_arrays()

    def lazy_arrays(self):
        rbm = self.model
        W = rbm.components_
        n_hidden, n_visible = W.shape
        lazy = {"_velocity": (W.shape, W.dtype), "_fast_W": (W.shape, W.dtype),
                "_fast_b": ((n_visible,), np.float64), "_fast_c": ((n_hidden,), np.float64)}
        if rbm._sampler_name() == "pt":
            n_rows = rbm._pt_betas().shape[0] * rbm.h_samples_.shape[0]
            lazy["_pt_hidden"] = ((n_rows, n_hidden), W.dtype)
        lazy["_bias64_visible"] = ((n_visible,), np.float64)
        lazy["_bias64_hidden"] = ((n_hidden,), np.float64)
        return lazy

    def set_lazy(self, name, value):
        if name == "_velocity":
            self.model._velocity = value
        elif name.startswith("_bias64_"):
            rbm = self.model
            masters = list(getattr(rbm, "_bias64", None) or (None, None))
            masters[0 if name.endswith("visible") else 1] = value
            rbm._bias64 = tuple(masters)
        else:  # the sampler's (fast parameters, tempered replicas)
            self.model._sampler.load_state({name: value})


class _BaseRBM(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """The machinery shared by every RBM; subclasses fix the visible units."""

    _visible_units = BernoulliUnits()

    def __init__(self, n_components=256, *, learning_rate=0.1, batch_size=10, n_iter=10,
                 verbose=0, random_state=None, k=1, persistent=True, momentum=0.0,
                 weight_decay=0.0, l1=0.0, sparsity_target=0.1, sparsity_cost=0.0,
                 init="normal", learning_rate_schedule="constant", hidden_unit="bernoulli",
                 validation_fraction=None, early_stopping=False, n_iter_no_change=5,
                 tol=1e-4, checkpoint_dir=None, sampler=None, fast_learning_rate=None,
                 fast_decay=0.95, pt_betas=10, reconstruction="sample", centering=False):
        self.n_components = n_components
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_iter = n_iter
        self.verbose = verbose
        self.random_state = random_state
        self.k = k
        self.persistent = persistent
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.l1 = l1
        self.sparsity_target = sparsity_target
        self.sparsity_cost = sparsity_cost
        self.init = init
        self.learning_rate_schedule = learning_rate_schedule
        self.hidden_unit = hidden_unit
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.checkpoint_dir = checkpoint_dir
        self.sampler = sampler
        self.fast_learning_rate = fast_learning_rate
        self.fast_decay = fast_decay
        self.pt_betas = pt_betas
        self.reconstruction = reconstruction
        self.centering = centering

    # ------------------------------------------------------------ validation

    _parameter_constraints = {
        "n_components": [Interval(Integral, 1, None)],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None), Options(str, {"full"})],
        "n_iter": [Interval(Integral, 0, None)],
        "verbose": [Interval(Integral, 0, None), BOOL],
        "random_state": RANDOM_STATE,
        "k": [Interval(Integral, 1, None)],
        "persistent": [BOOL],
        "momentum": [Interval(Real, 0, 1, closed="left"), Options(str, {"classic"})],
        "weight_decay": [Interval(Real, 0, None)],
        "l1": [Interval(Real, 0, None)],
        "sparsity_target": [Interval(Real, 0, 1, closed="right")],
        "sparsity_cost": [Interval(Real, 0, None)],
        "init": _INIT,
        "learning_rate_schedule": _SCHEDULE,
        "hidden_unit": _UNIT_TYPES,
        "validation_fraction": [None, Interval(Real, 0, 1, closed="left")],
        "early_stopping": [BOOL],
        "n_iter_no_change": [Interval(Integral, 1, None)],
        "tol": [Interval(Real, 0, None)],
        "checkpoint_dir": PATH,
        "sampler": [None, Options(str, set(_SAMPLERS))],
        "fast_learning_rate": [None, Interval(Real, 0, None)],
        "fast_decay": [Interval(Real, 0, 1, closed="both")],
        "pt_betas": [Interval(Integral, 2, None),
                     Rule(_decreasing_betas, "a decreasing sequence of at least 2 inverse "
                          "temperatures from 1 down to >= 0", types=(list, tuple, np.ndarray),
                          kind="a sequence of numbers")],
        "reconstruction": [Options(str, _RECONSTRUCTIONS)],
        "centering": [BOOL],
    }

    def _validate_params(self):
        validate_params(self)

    def _check_param_combinations(self):
        if self.early_stopping and self.validation_fraction == 0:
            raise ValueError("early_stopping needs validation data; validation_fraction "
                             "must be > 0 (or None for 0.1); got 0.")
        if self.reconstruction == "mean" and self._sampler_name() != "cd":
            raise ValueError(
                'reconstruction="mean" needs chains started at the data (sampler="cd" '
                f"or persistent=False); got sampler {self._sampler_name()!r}, whose "
                "persistent chains must be sampled.")
        if self.centering and not self._visible.binary:
            raise ValueError(
                "centering needs binary visible units; standardise real-valued data "
                "instead (StandardScaler), which gives it the zero mean centring would.")
        if self._sampler_name() == "pt" and not (self._visible.binary
                                                  and self._hidden.binary):
            raise ValueError("sampler='pt' needs binary visible and hidden units; this "
                             f"model has {self._visible.name} visible and "
                             f"{self._hidden.name} hidden units.")

    # Unit objects and resolved options are looked up when needed rather
    # than stored, so that a fitted estimator holds only arrays and plain
    # values (pickle, clone and joblib never meet a function object).
    @property
    def _hidden(self):
        return get_units(self.hidden_unit, "hidden")

    @property
    def _visible(self):
        return self._visible_units

    def _validate_input(self, X, reset):
        dtype = (np.float64, np.float32)
        if not reset:
            dtype = self.components_.dtype
        X = validate_data(self, X, accept_sparse="csr", dtype=dtype, reset=reset)
        if X.shape[0] == 0:
            raise ValueError("X has 0 samples; at least one is needed to fit.")
        if sp.issparse(X):
            X.sort_indices()
        else:
            X = np.ascontiguousarray(X)
        self._check_value_range(X)
        return X

    def _check_value_range(self, X):
        values = X.data if sp.issparse(X) else X
        outside = _k.count_outside_unit_interval(values.reshape(-1))
        if outside:
            warnings.warn(f"{type(self).__name__} expects values in [0, 1] (probabilities "
                          f"or binary data); {outside} of the input values lie outside "
                          "[0, 1]. Scale the data with sklearn.preprocessing.MinMaxScaler, "
                          "or use GaussianBernoulliRBM for real-valued data.",
                          UserWarning, stacklevel=4)

    # ------------------------------------------------------------ fitting

    def fit(self, X, y=None):
        """Fit the model to the data X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : Ignored

        Returns
        -------
        self : object
        """
        return self._fit_rows(X, None)

    def _fit_rows(self, X, rows):
        """``fit`` on the ``rows`` of X (all when None), gathered batch by
        batch: a stack pretraining on a split never copies its rows."""
        self._validate_params()
        X = self._validate_input(X, reset=True)
        rng = make_generator(self.random_state)
        # held-out rows by index: the training rows are gathered per batch,
        # never copied (a memmap stays on disk)
        train_rows, val_rows = split_rows(X.shape[0], self.validation_fraction,
                                          self.early_stopping, rng, rows)
        n_train = X.shape[0] if train_rows is None else len(train_rows)
        self._initialize(n_train, X.shape[1], X.dtype, rng)
        self._initialize_offsets(X, train_rows)
        self._prepare_monitor(X, train_rows, val_rows, rng)
        self.random_state_ = rng
        self._train(X, 0, self.n_iter, data=X, rows=train_rows)
        del self._monitor, self._validation  # only needed while training
        return self

    def partial_fit(self, X, y=None):
        """Fit the model to X in one epoch of mini-batches (the first call
        creates the model, later ones continue training it).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : Ignored

        Returns
        -------
        self : object
        """
        first = not hasattr(self, "components_")
        self._validate_params()
        X = self._validate_input(X, reset=first)
        if first:
            rng = make_generator(self.random_state)
            self.random_state_ = rng
            self._initialize(*X.shape, X.dtype, rng)
            self._initialize_offsets(X)
            self.history_ = History()
            self._n_epochs_done = 0
        self._train(X, self._n_epochs_done, self._n_epochs_done + 1, monitor=False)
        return self

    def _initialize(self, n_samples, n_features, dtype, rng):
        n_hidden = self.n_components
        init = get_initializer(self.init)
        W = init((n_features, n_hidden), rng, dtype=np.float64).T
        self.components_ = np.ascontiguousarray(W, dtype=dtype)
        self._initial_rms = float(np.sqrt(np.mean(np.square(W))))
        self.intercept_hidden_ = np.zeros(n_hidden, dtype=dtype)
        self.intercept_visible_ = np.zeros(n_features, dtype=dtype)
        n_chains = self.batch_size if isinstance(self.batch_size, Integral) else n_samples
        self.h_samples_ = np.zeros((n_chains, n_hidden), dtype=dtype)
        self._velocity = None
        self._bias64 = None
        self._velocity_b = np.zeros(n_features)
        self._velocity_c = np.zeros(n_hidden)
        self._q = np.full(n_hidden, float(self.sparsity_target))
        self._sampler = self._make_sampler()
        self._n_epochs_done = 0
        self._initialize_extra(n_features, dtype)

    def _initialize_offsets(self, X, rows=None):
        """A centred RBM's offsets and starting biases (Melchior et al. 2016):
        the visible offsets are the data's column means, the hidden ones
        start at 0.5, the visible biases at the log-odds of the means."""
        if not self.centering:
            return
        mean = column_means(X, rows)
        self.visible_offset_ = mean
        self.hidden_offset_ = np.full(self.n_components, 0.5)
        p = np.clip(mean, 1e-3, 1.0 - 1e-3)
        W = self.components_.astype(np.float64)
        self.intercept_visible_[...] = (np.log(p / (1.0 - p))
                                        - blas.vecmat(self.hidden_offset_, W))
        self.intercept_hidden_[...] = -blas.matvec(W, mean)

    def _initialize_extra(self, n_features, dtype):
        """Hook for subclasses with more parameters."""

    def _prepare_monitor(self, X, train_rows, val_rows, rng):
        n = X.shape[0] if train_rows is None else len(train_rows)
        idx = np.sort(rng.choice(n, size=min(n, N_MONITOR), replace=False))
        self._monitor = self._dense(X[idx if train_rows is None else train_rows[idx]])
        self._validation = None if val_rows is None else self._dense(X[val_rows])
        n_features = X.shape[1]
        self._flip_monitor = rng.integers(0, n_features, self._monitor.shape[0])
        if self._validation is not None:
            self._flip_validation = rng.integers(0, n_features, self._validation.shape[0])
        self.history_ = History()

    def _dense(self, X):
        return dense(X, self.components_.dtype)

    def _train(self, X, start, stop, monitor=True, data=None, rows=None):
        """Epochs ``start`` to ``stop`` on the ``rows`` of X (all when None)
        through the shared loop; ``data`` (the whole fit input) enables
        checkpoints and their fingerprint."""
        n_samples = X.shape[0] if rows is None else len(rows)
        batch_size = check_batch_size(self.batch_size, n_samples)
        task = _RBMTask(self, X, batch_size, monitor, rows)
        stopper = None
        if monitor and self.early_stopping:
            stopper = EarlyStopping(self.n_iter_no_change, self.tol, greater_is_better=True)
        checkpointer = fp = None
        if self.checkpoint_dir is not None and data is not None:
            checkpointer = Checkpointer(self.checkpoint_dir)
            fp = fingerprint(self, [data])
            resumed = resume(checkpointer, task, fingerprint=fp,
                             history=self.history_, stopper=stopper)
            if resumed is not None:
                start = self._n_epochs_done = resumed
        done, _ = fit_loop(
            task, n_samples=n_samples, batch_size=batch_size, rng=self.random_state_,
            start=start, stop=stop, learning_rate=self.learning_rate,
            schedule=get_schedule(self.learning_rate_schedule),
            schedule_key="reconstruction_error", history=self.history_,
            momentum=get_momentum_schedule(self.momentum), stopper=stopper,
            checkpointer=checkpointer, fingerprint=fp, verbose=self.verbose)
        if stopper is not None and stopper.best_params is not None:
            self.best_epoch_ = stopper.best_epoch + 1
        self.n_iter_ = self._n_epochs_done = done
        if monitor and stop > start:
            self._check_health()

    def _check_health(self):
        """FitHealth's checks: hidden units, reconstruction error, weights."""
        health = FitHealth(type(self).__name__, self.learning_rate)
        with np.errstate(over="ignore", invalid="ignore"):
            H = self._engine().hidden_means(self._monitor)
        remedy = ("" if self.centering or not self._visible.binary
                  else ", or centre the gradient (BernoulliRBM(centering=True))")
        health.units("the hidden layer", H, bounded=self._hidden.binary, remedy=remedy)
        health.objective("The reconstruction error",
                         self.history_.get("reconstruction_error", []))
        health.weights("the weights", self.components_.T,
                       initial_rms=getattr(self, "_initial_rms", None))

    # ------------------------------------------------------------ engine

    def _sampler_name(self):
        if self.sampler is None:
            return "pcd" if self.persistent else "cd"
        return self.sampler

    def _pt_betas(self):
        if isinstance(self.pt_betas, Integral):
            return np.linspace(1.0, 0.0, int(self.pt_betas))
        return np.asarray(self.pt_betas, dtype=np.float64)

    def _make_sampler(self):
        """The sampler the parameters ask for, on the chains ``h_samples_``."""
        name = self._sampler_name()
        options = {"k": self.k, "reconstruction": self.reconstruction}
        if name == "fpcd":
            options["fast_learning_rate"] = (self.learning_rate
                                             if self.fast_learning_rate is None
                                             else self.fast_learning_rate)
            options["fast_decay"] = self.fast_decay
        elif name == "pt":
            options["betas"] = self._pt_betas()
        return _SAMPLERS[name](self.h_samples_, **options)

    def _visible_layer(self):
        """The visible unit type with its fitted scale, if it has one."""
        return self._visible

    def _engine(self):
        """An RBMEngine around the fitted arrays (for inference)."""
        return RBMEngine(self.components_, self.intercept_visible_,
                         self.intercept_hidden_, self._visible_layer(), self._hidden)

    def _training_engine(self, batch_size):
        """An RBMEngine that trains the fitted arrays in place, with buffers
        for mini-batches of ``batch_size`` rows. The sampler is rebuilt from
        the current parameters and takes over the previous one's state."""
        previous = self.__dict__.get("_sampler")
        if previous is not None:
            state = previous.state_arrays()
        else:  # a model saved before samplers were objects kept their state here
            state = {name: value for name, value in vars(self).items()
                     if name in ("_fast_W", "_fast_b", "_fast_c", "_pt_hidden")
                     and value is not None}
        self._sampler = self._make_sampler()
        self._sampler.load_state(state)
        if self._velocity is None and not (isinstance(self.momentum, Real)
                                           and self.momentum == 0):
            self._velocity = np.zeros_like(self.components_)
        sparsity = None
        if self.sparsity_cost > 0:
            sparsity = (self.sparsity_cost, self.sparsity_target, self._q)
        offsets = None
        if self.centering:
            offsets = (self.visible_offset_, self.hidden_offset_)
        engine = RBMEngine(
            self.components_, self.intercept_visible_, self.intercept_hidden_,
            self._visible_layer(), self._hidden, self._sampler, offsets=offsets,
            velocities=(self._velocity, self._velocity_b, self._velocity_c),
            weight_decay=self.weight_decay, l1=self.l1, sparsity=sparsity,
            bias_masters=self._bias_masters())
        engine.start(batch_size, self.h_samples_.shape[0])
        return engine

    def _bias_masters(self):
        """A float32 model's float64 copies of its biases (see RBMEngine),
        made anew when the biases no longer round from them (a fresh fit, a
        restored best epoch, parameters set by hand); None in float64."""
        if self.components_.dtype == np.float64:
            return None
        b, c = self.intercept_visible_, self.intercept_hidden_
        masters = getattr(self, "_bias64", None)
        if (masters is None or any(m is None for m in masters)
                or masters[0].shape != b.shape or masters[1].shape != c.shape
                or not np.array_equal(masters[0].astype(b.dtype), b)
                or not np.array_equal(masters[1].astype(c.dtype), c)):
            masters = (b.astype(np.float64), c.astype(np.float64))
            self._bias64 = masters
        return masters

    # ------------------------------------------------------------ state

    def _parameters(self, copy=False):
        params = {"components_": self.components_, "intercept_hidden_": self.intercept_hidden_,
                  "intercept_visible_": self.intercept_visible_}
        return {k: v.copy() for k, v in params.items()} if copy else params

    def _state_arrays(self):
        state = {**self._parameters(), **self._sampler.state_arrays(), "_q": self._q,
                 "_velocity_b": self._velocity_b, "_velocity_c": self._velocity_c}
        if self.centering:
            state["visible_offset_"] = self.visible_offset_
            state["hidden_offset_"] = self.hidden_offset_
        if self._velocity is not None:
            state["_velocity"] = self._velocity
        masters = getattr(self, "_bias64", None)
        if masters is not None:
            state["_bias64_visible"], state["_bias64_hidden"] = masters
        return state

    # ------------------------------------------------------------ monitoring

    def _epoch_metrics(self):
        mon, engine = self._monitor, self._engine()
        fe_train = float(np.mean(engine.free_energy(mon)))
        metrics = {"reconstruction_error": float(np.mean(engine.reconstruction_error(mon))),
                   "free_energy": fe_train}
        pl = engine.pseudo_likelihood(mon, self._flip_monitor)
        if pl is not None:
            metrics["pseudo_likelihood"] = float(np.mean(pl))
        if self._validation is not None:
            val = self._validation
            err = float(np.mean(engine.reconstruction_error(val)))
            metrics["validation_reconstruction_error"] = err
            metrics["free_energy_gap"] = float(np.mean(engine.free_energy(val))) - fe_train
            pl = engine.pseudo_likelihood(val, self._flip_validation)
            if pl is not None:
                metrics["validation_pseudo_likelihood"] = float(np.mean(pl))
                metrics["validation_score"] = metrics["validation_pseudo_likelihood"]
            else:
                metrics["validation_score"] = -err
        return metrics

    def _chunks(self, X):
        return (block for _, block in row_chunks(X, dtype=self.components_.dtype))

    def _fitted_input(self, X):
        check_is_fitted(self)
        return validate_data(self, X, accept_sparse="csr", reset=False,
                             dtype=(np.float64, np.float32))

    # ------------------------------------------------------------ public

    def transform(self, X):
        """Compute the hidden layer activation probabilities, P(h=1|v=X).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        h : ndarray of shape (n_samples, n_components)
            Latent representations of the data (conditional means of the
            hidden units), in X's dtype.
        """
        X = self._fitted_input(X)
        self._check_value_range(X)
        dtype = X.dtype
        engine = self._engine()
        if sp.issparse(X):
            H = engine.hidden_means(X.astype(self.components_.dtype))
        else:
            H = np.concatenate([engine.hidden_means(c) for c in self._chunks(X)])
        return H.astype(dtype, copy=False)

    def free_energy(self, X):
        """Free energy F(v) of each sample: p(v) is proportional to exp(-F(v)).

        .. math:: F(v) = E_v(v) - \\sum_j \\log \\sum_{h_j} e^{h_j (c_j + W_j v)}

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        free_energy : ndarray of shape (n_samples,)
        """
        X = self._fitted_input(X)
        engine = self._engine()
        return np.concatenate([engine.free_energy(c) for c in self._chunks(X)])

    def reconstruct(self, X):
        """Mean-field reconstruction E[v | E[h | X]].

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        X_reconstructed : ndarray of shape (n_samples, n_features)
        """
        X = self._fitted_input(X)
        dtype = X.dtype
        engine = self._engine()
        R = np.concatenate([
            engine.visible_means(engine.hidden_means(c)) for c in self._chunks(X)
        ])
        return R.astype(dtype, copy=False)

    def gibbs(self, v):
        """Perform one Gibbs sampling step.

        Parameters
        ----------
        v : ndarray of shape (n_samples, n_features)
            Values of the visible layer to start from.

        Returns
        -------
        v_new : ndarray of shape (n_samples, n_features)
            Values of the visible layer after one Gibbs step (boolean for
            binary visible units, as scikit-learn's BernoulliRBM returns).
        """
        v = self._fitted_input(v)
        if not hasattr(self, "random_state_"):
            self.random_state_ = make_generator(self.random_state)
        V = self._engine().gibbs(self._dense(v), self.random_state_)
        if self._visible_units.binary:
            return V.astype(bool)
        return V.astype(v.dtype, copy=False)

    def sample(self, n_samples=1, n_steps=1000, *, random_state=None):
        """Draw visible samples by ``n_steps`` Gibbs steps of independent
        chains started from uniformly random binary hidden states.

        Parameters
        ----------
        n_samples : int, default=1
            Number of independent chains (rows returned).
        n_steps : int, default=1000
            Gibbs steps per chain.
        random_state : int, RandomState, Generator or None, default=None
            Seed of the chains.

        Returns
        -------
        V : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        check("n_samples", n_samples, [Interval(Integral, 1, None)])
        check("n_steps", n_steps, [Interval(Integral, 1, None)])
        rng = make_generator(random_state)
        W = self.components_
        H = (rng.random((n_samples, W.shape[0])) < 0.5).astype(W.dtype)
        engine = self._engine()
        V = engine.run_chains(H, n_steps - 1, rng)
        return engine.visible_sample(H, draw_seed(rng), out=V)

    def score_samples(self, X):
        """Pseudo-likelihood of each sample (binary visible units).

        As in scikit-learn, ``n_features * log(sigmoid(F(v_flipped) -
        F(v)))`` with one visible unit flipped, chosen by hashing the
        sample's values with ``random_state`` (so not by its position in X).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        pseudo_likelihood : ndarray of shape (n_samples,)
        """
        X = self._fitted_input(X)
        self._check_value_range(X)
        seed = draw_seed(make_generator(self.random_state))
        engine = self._engine()
        out = []
        for chunk in self._chunks(X):
            flips = np.empty(chunk.shape[0], dtype=np.int64)
            _k.row_hash_index(chunk, seed, chunk.shape[1], flips)
            out.append(engine.pseudo_likelihood(chunk, flips))
        return np.concatenate(out).astype(X.dtype, copy=False)

    def score(self, X, y=None):
        """Mean of ``score_samples(X)``: higher is better.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : Ignored

        Returns
        -------
        score : float
        """
        return float(np.mean(self.score_samples(X)))

    def log_likelihood(self, X, method="ais", **kwargs):
        """Mean log-probability of the rows of X, in nats per sample.

        ``-mean(F(X)) - log Z``, log Z exact (up to about 25 units in the
        smaller binary layer) or by AIS, which tends to give too high a value
        (see ``deepbelief.likelihood``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        method : {"ais", "exact"}, default="ais"
        **kwargs
            Passed on to ``deepbelief.likelihood.log_likelihood`` (``log_z``,
            ``n_runs``, ``betas``, ``random_state``, ``base_rate``, ``max_units``).

        Returns
        -------
        log_likelihood : float
        """
        from .likelihood import log_likelihood

        check_is_fitted(self)
        return log_likelihood(self, X, method=method, **kwargs)

    @property
    def _n_features_out(self):
        return self.components_.shape[0]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class BernoulliRBM(_BaseRBM):
    """Bernoulli Restricted Boltzmann Machine, trained by (persistent) CD.

    A drop-in replacement for ``sklearn.neural_network.BernoulliRBM`` (same
    parameters, defaults, attributes, methods, shapes and dtypes). Binary
    visible units for data in [0, 1]; binary (or noisy rectified) hidden
    units. The energy of a joint state is

    .. math:: E(v, h) = -b^T v - c^T h - h^T W v

    and training follows the log-likelihood gradient approximated by
    contrastive divergence: positive statistics from the data, negative ones
    from Gibbs chains (``sampler``; PCD by default, as in scikit-learn).

    Parameters
    ----------
    n_components : int, default=256
        Number of hidden units.
    learning_rate : float, default=0.1
        Step size of the updates (gradients are mini-batch means).
    batch_size : int or "full", default=10
        Examples per mini-batch (also the number of persistent chains).
    n_iter : int, default=10
        Epochs over the training data.
    verbose : int or bool, default=0
        Print one line per epoch when > 0.
    random_state : int, RandomState instance, Generator or None, default=None
        Seeds initialisation, shuffling and sampling; the same seed gives the
        same parameters whatever the thread count.
    k : int, default=1
        Gibbs steps per update (CD-k / PCD-k).
    persistent : bool, default=True
        Persistent chains (PCD, Tieleman 2008) when True, chains started at
        the data (CD-k, Hinton 2002) when False.
    momentum : float or "classic", default=0.0
        Momentum of the updates; "classic" is 0.5 for 5 epochs, then 0.9.
    weight_decay : float, default=0.0
        L2 penalty on the weights, part of each step (with momentum the
        velocity carries it too, as in Hinton's guide).
    l1 : float, default=0.0
        L1 penalty on the weights.
    sparsity_target : float, default=0.1
        Target mean activation of the hidden units.
    sparsity_cost : float, default=0.0
        Strength of the sparsity penalty (0 turns it off).
    init : str, Initializer or callable, default="normal"
        Weight initialiser (``deepbelief.nn.initializers``); "normal" is
        N(0, 0.01), as in scikit-learn and Hinton's guide.
    learning_rate_schedule : str, Schedule or callable, default="constant"
        The learning rate of each epoch: a name from
        ``deepbelief.nn.schedules`` ("reduce_on_plateau" watches the
        reconstruction error), a ``Schedule``, or a callable
        ``(learning_rate, epoch, losses) -> rate``.
    hidden_unit : {"bernoulli", "relu"}, default="bernoulli"
        Binary, or noisy rectified linear hidden units (Nair & Hinton 2010).
    validation_fraction : float or None, default=None
        Fraction of the data held out to monitor over-fitting (free-energy
        gap, validation pseudo-likelihood). None means 0.1 with early
        stopping and 0 otherwise.
    early_stopping : bool, default=False
        Stop when the validation pseudo-likelihood has not improved by
        ``tol`` for ``n_iter_no_change`` epochs, and keep the best epoch.
    n_iter_no_change : int, default=5
        Patience of early stopping, in epochs.
    tol : float, default=1e-4
        Improvement that resets the patience.
    checkpoint_dir : str, path or None, default=None
        Where to save the training state after every epoch (atomically, with
        a SHA-256 digest; the best epoch also as ``best.npz``). ``fit``
        resumes from the latest good checkpoint there if it belongs to this
        fit: the same parameters (all but the number of epochs, ``verbose``,
        ``warm_start`` and ``augment``) and the same data (shape, dtype, a
        sample of rows); otherwise it raises ``CheckpointError`` naming what
        differs. Give each fit its own folder: clones in a search that share
        one fail loudly.
    sampler : {"cd", "pcd", "fpcd", "pt"} or None, default=None
        The negative phase; when set it takes precedence over
        ``persistent`` (None: "pcd" if ``persistent`` else "cd"). "cd": ``k``
        Gibbs steps from the data (Hinton 2002); "pcd": ``k`` steps of
        persistent chains (Tieleman 2008); "fpcd": persistent chains run on
        the parameters plus fast parameters that learn from the same
        gradient with their own rate and decay, pushing the chains out of
        the modes just visited (Tieleman & Hinton 2009); "pt": parallel
        tempering (Desjardins et al. 2010), ``R = len(pt_betas)`` replicas at
        inverse temperatures ``pt_betas`` take ``k`` steps each, then
        neighbours swap with probability
        min(1, exp((beta_r - beta_s)(E_r - E_s))); statistics come from the
        beta = 1 replica, at R times PCD's cost; binary units only.
    fast_learning_rate : float or None, default=None
        Learning rate of FPCD's fast parameters; None means
        ``learning_rate``.
    fast_decay : float, default=0.95
        Factor applied to the fast parameters at every update (Tieleman &
        Hinton's 19/20).
    pt_betas : int or array-like, default=10
        Parallel tempering's inverse temperatures: an int R for R values
        evenly spaced from 1 down to 0, or a decreasing sequence from 1.
    reconstruction : {"sample", "mean"}, default="sample"
        The visible units of the negative phase's last Gibbs step: sampled
        (scikit-learn), or their conditional means as in Hinton's guide
        (section 3), removing the sampling noise of the negative statistics;
        "mean" needs chains started at the data (``sampler="cd"``).
    centering : bool, default=False
        Train a centred RBM (Montavon & Mueller 2012; Melchior, Fischer &
        Wiskott 2016): the gradient uses the visible states minus their data
        mean and the hidden states minus a running mean, while the fitted
        model stays an ordinary RBM; the visible biases start at the log-odds
        of the data's means. It keeps training stable on dense inputs, where
        the plain gradient's shared mean direction switches every hidden
        unit off; DBN turns it on by default.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        Weight matrix W.
    intercept_hidden_ : ndarray of shape (n_components,)
        Biases of the hidden units.
    intercept_visible_ : ndarray of shape (n_features,)
        Biases of the visible units.
    h_samples_ : ndarray of shape (batch_size, n_components)
        Hidden states of the persistent chains.
    visible_offset_, hidden_offset_ : ndarray of shape (n_features,) and (n_components,)
        With ``centering``: the data's column means and the running mean of
        the hidden activations.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when X has string column names.
    history_ : dict of lists
        Per epoch: seconds, learning_rate, momentum, reconstruction_error,
        free_energy, pseudo_likelihood (on up to 1000 training rows), and
        with validation data the validation_* values and free_energy_gap
        (validation minus training mean free energy; growing means
        over-fitting).
    n_iter_ : int
        Epochs run.

    Notes
    -----
    The matrix products run on scipy's BLAS (threads controlled by
    ``threadpoolctl.threadpool_limits``); the Numba kernels are
    single-threaded, so the two never compete for cores. A float32 model
    (float32 input) is trained in float32 throughout, its logistic and
    uniforms within three float32 ulps of the exact values; float64 input
    gives a float64 model computed in float64.

    References
    ----------
    Hinton, G. E. (2002). Training products of experts by minimizing
    contrastive divergence. Neural Computation 14(8).
    Tieleman, T. (2008). Training restricted Boltzmann machines using
    approximations to the likelihood gradient. ICML.
    Tieleman, T. & Hinton, G. E. (2009). Using fast weights to improve
    persistent contrastive divergence. ICML.
    Desjardins, G., Courville, A., Bengio, Y., Vincent, P. & Delalleau, O.
    (2010). Tempered Markov chain Monte Carlo for training of restricted
    Boltzmann machines. AISTATS.
    Hinton, G. E. (2010). A practical guide to training restricted Boltzmann
    machines. UTML TR 2010-003.

    Examples
    --------
    >>> import numpy as np
    >>> from deepbelief import BernoulliRBM
    >>> X = np.array([[0, 0, 0], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
    >>> model = BernoulliRBM(n_components=2, random_state=0).fit(X)
    >>> model.transform(X).shape
    (4, 2)
    """


class GaussianBernoulliRBM(_BaseRBM):
    """RBM with real-valued (Gaussian) visible units and binary hidden units.

    The energy, with visible standard deviations :math:`\\sigma_i`, is

    .. math:: E(v, h) = \\sum_i \\frac{(v_i - b_i)^2}{2 \\sigma_i^2}
              - c^T h - \\sum_{ij} h_j W_{ji} \\frac{v_i}{\\sigma_i}

    so that :math:`v_i | h \\sim N(b_i + \\sigma_i (W^T h)_i, \\sigma_i^2)`.
    By default every :math:`\\sigma_i = 1` and the data should be
    standardised (``sklearn.preprocessing.StandardScaler``); with
    ``learn_variance=True`` the log-variances are learned too (Cho, Ilin &
    Raiko 2011).

    The visible states are unbounded, so the learning rate must be one to two
    orders of magnitude smaller than for binary data (Hinton's guide); lower
    it further if ``fit`` reports divergence, and prefer larger batches with
    ``momentum``. :class:`BernoulliRBM`'s parameters mean the same here, but
    ``sampler="pt"`` and ``centering`` need binary visible units,
    ``score_samples`` is the negative free energy, and early stopping
    watches the validation reconstruction error.

    Parameters
    ----------
    n_components : int, default=256
        Number of hidden units.
    learning_rate : float, default=0.01
        Step size (smaller than BernoulliRBM's; see above).
    learn_variance : bool, default=False
        Also learn each visible unit's variance.
    <inherited parameters>

    Attributes
    ----------
    components_, intercept_hidden_, intercept_visible_, h_samples_,
    history_, n_iter_ : as in BernoulliRBM
    sigma_ : ndarray of shape (n_features,)
        Standard deviation of each visible unit.

    References
    ----------
    Hinton, G. E. & Salakhutdinov, R. R. (2006). Reducing the dimensionality
    of data with neural networks. Science 313.
    Cho, K., Ilin, A. & Raiko, T. (2011). Improved learning of
    Gaussian-Bernoulli restricted Boltzmann machines. ICANN.

    Examples
    --------
    >>> import numpy as np
    >>> from deepbelief import GaussianBernoulliRBM
    >>> X = np.random.default_rng(0).standard_normal((50, 4))
    >>> model = GaussianBernoulliRBM(n_components=3, random_state=0).fit(X)
    >>> model.transform(X).shape
    (50, 3)
    """

    _visible_units = GaussianUnits()

    def __init__(self, n_components=256, *, learning_rate=0.01, batch_size=10,
                 n_iter=10, verbose=0, random_state=None, learn_variance=False,
                 k=1, persistent=True, momentum=0.0, weight_decay=0.0, l1=0.0,
                 sparsity_target=0.1, sparsity_cost=0.0, init="normal",
                 learning_rate_schedule="constant", hidden_unit="bernoulli",
                 validation_fraction=None, early_stopping=False, n_iter_no_change=5,
                 tol=1e-4, checkpoint_dir=None, sampler=None, fast_learning_rate=None,
                 fast_decay=0.95, pt_betas=10, reconstruction="sample", centering=False):
        super().__init__(
            n_components, learning_rate=learning_rate, batch_size=batch_size,
            n_iter=n_iter, verbose=verbose, random_state=random_state, k=k,
            persistent=persistent, momentum=momentum, weight_decay=weight_decay,
            l1=l1, sparsity_target=sparsity_target, sparsity_cost=sparsity_cost,
            init=init, learning_rate_schedule=learning_rate_schedule,
            hidden_unit=hidden_unit, validation_fraction=validation_fraction,
            early_stopping=early_stopping, n_iter_no_change=n_iter_no_change,
            tol=tol, checkpoint_dir=checkpoint_dir, sampler=sampler,
            fast_learning_rate=fast_learning_rate, fast_decay=fast_decay,
            pt_betas=pt_betas, reconstruction=reconstruction, centering=centering)
        self.learn_variance = learn_variance

    _parameter_constraints = {**_BaseRBM._parameter_constraints, "learn_variance": [BOOL]}

    def _check_value_range(self, X):
        """Real-valued data is what this model is for: nothing to warn about."""

    def _initialize_extra(self, n_features, dtype):
        self.sigma_ = np.ones(n_features, dtype=dtype)
        self._log_var = np.zeros(n_features)

    def _unit_sigma(self):
        return not self.learn_variance and np.all(self.sigma_ == 1)

    def _visible_layer(self):
        # Unit variances take the unscaled kernels; learned (or set) ones
        # live in the unit type, which reads and updates sigma_ in place.
        if self._unit_sigma():
            return self._visible_units
        return GaussianUnits(self.sigma_,
                             log_var=self._log_var if self.learn_variance else None)

    def _state_arrays(self):
        state = super()._state_arrays()
        state["sigma_"] = self.sigma_
        state["_log_var"] = self._log_var
        return state

    def _parameters(self, copy=False):
        params = super()._parameters(copy)
        params["sigma_"] = self.sigma_.copy() if copy else self.sigma_
        return params

    def score_samples(self, X):
        """Negative free energy of each sample, log p(x) + log Z (unnormalised;
        ``log_likelihood`` gives normalised values).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        score : ndarray of shape (n_samples,)
            ``-inf`` where the free energy overflows (samples far outside
            the range of the standardised training data), with a
            RuntimeWarning saying how many.
        """
        score = -self.free_energy(X)
        bad = int(np.count_nonzero(~np.isfinite(score)))
        if bad:
            warnings.warn(f"{type(self).__name__}.score_samples: {bad} of {score.shape[0]} "
                          "scores are not finite (the free energy overflowed); those "
                          "samples lie far outside the range of the standardised data the "
                          "model was fitted on.", RuntimeWarning, stacklevel=2)
        return score


inherit_parameters(GaussianBernoulliRBM, BernoulliRBM)
