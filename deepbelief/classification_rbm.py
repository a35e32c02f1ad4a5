"""The classification RBM of Larochelle & Bengio (2008), of energy
``E(x, y, h) = -h^T W x - h^T U e_y - b^T x - c^T h - d^T e_y``.

References
----------
Larochelle, H. & Bengio, Y. (2008). Classification using discriminative
restricted Boltzmann machines. ICML.
Hinton, G. E. (2010). A practical guide to training restricted Boltzmann
machines. UTML TR 2010-003 (section 13.1, softmax units).
"""

from numbers import Integral, Real

import numpy as np
from scipy.special import expit, log_softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._docs import inherit_parameters
from ._kernels import blas
from .nn.initializers import get_initializer
from .nn.schedules import get_momentum_schedule, get_schedule
from ._param_validation import Callable, Interval, Options, validate_params
from .rbm import BernoulliRBM
from .training import (Checkpointer, EarlyStopping, EstimatorTask, History, check_batch_size,
                       dense, fingerprint, fit_loop, make_generator, resume, split_rows)
from .units import BernoulliUnits, SoftmaxUnits

__all__ = ["ClassificationRBM"]

_OBJECTIVES = ("generative", "discriminative", "hybrid")
# Rows per chunk when the class scores of many inputs are computed: the
# hidden inputs of every class, (rows, n_hidden, n_classes), stay small.
_CHUNK_ELEMENTS = 2**22


def _softplus(x):
    # log(1 + exp(x)) without overflow
    return np.logaddexp(0.0, x)


def class_scores(X, W, U, c, d):
    """``(scores, O)``: ``-F(x, y) + b^T x`` (n, n_classes), whose softmax is
    ``p(y | x)``, and the hidden inputs ``O[i, j, y] = c_j + U_jy + W_j x_i``."""
    A = X @ W.T + c  # (n, n_hidden)
    O = A[:, :, None] + U[None, :, :]
    return d + _softplus(O).sum(axis=1), O


def discriminative_gradient(X, Y, W, U, c, d):
    """The exact gradient of ``mean_i log p(y_i | x_i)`` (Larochelle & Bengio
    2008, section 3.2).

    With ``o_yj(x) = c_j + U_jy + W_j x`` and ``P = p(. | x)``:

    * ``d/dd_k = 1[y = k] - P_k``;
    * ``d/dc_j = sigm(o_yj) - sum_k P_k sigm(o_kj)`` (call it ``D_j``);
    * ``d/dU_jk = sigm(o_kj) (1[y = k] - P_k)``;
    * ``d/dW_j = D_j x``.

    ``Y`` is one-hot (n, n_classes). Returns the mean conditional
    log-likelihood and ``(gW, gU, gc, gd)``.
    """
    loglik, D, small = _discriminative_terms(X, Y, W, U, c, d)
    return loglik, (D.T @ X / X.shape[0], *small)


def _discriminative_terms(X, Y, W, U, c, d):
    """``discriminative_gradient`` with the weight gradient left as the
    factor ``D`` of ``D^T X / n`` (a training step adds it by one product)."""
    n = X.shape[0]
    scores, O = class_scores(X, W, U, c, d)
    log_p = log_softmax(scores, axis=1)
    P = np.exp(log_p)
    S = expit(O)  # (n, n_hidden, n_classes)
    S_y = np.einsum("ijk,ik->ij", S, Y)
    D = S_y - np.einsum("ijk,ik->ij", S, P)  # (n, n_hidden)
    R = Y - P
    gd = R.mean(axis=0)
    gc = D.mean(axis=0)
    gU = np.einsum("ijk,ik->jk", S, R) / n
    loglik = float(np.sum(log_p * Y) / n)
    return loglik, D, (gU, gc, gd)


class _Units:
    """The unit types of the joint RBM: binary inputs, one softmax group for
    the label, binary hidden units."""

    visible = BernoulliUnits()
    label = SoftmaxUnits()
    hidden = BernoulliUnits()


def generative_gradient(X, Y, W, U, b, c, d, k, seeds):
    """The CD-k estimate of the gradient of ``mean_i log p(x_i, y_i)``,
    ``(gW, gU, gb, gc, gd)``: chains start at ``h ~ p(h | x, y)``, then ``k``
    times ``x', y' ~ p(. | h)``, ``h' ~ p(h | x', y')``; ``seeds()`` gives one
    seed per sampling pass (h, then x, y, h per step)."""
    (H0, Hn, Xn), small = _generative_terms(X, Y, W, U, b, c, d, k, seeds)
    return ((H0.T @ X - Hn.T @ Xn) / X.shape[0], *small)


def _generative_terms(X, Y, W, U, b, c, d, k, seeds):
    """``generative_gradient`` with the weight gradient left as its factors
    ``(H0, Hn, Xn)`` of ``(H0^T X - Hn^T Xn) / n``."""
    units = _Units
    n = X.shape[0]
    A = X @ W.T + Y @ U.T
    H0 = np.empty_like(A)
    chain = np.empty_like(A)
    units.hidden.sample(A, c, H0, chain, seeds())
    Xn = np.empty_like(X)
    Yn = np.empty_like(Y)
    Hn = np.empty_like(A)
    for _ in range(k):
        Ax = chain @ W
        units.visible.sample(Ax, b, Xn, Xn, seeds())
        Ay = chain @ U
        units.label.sample(Ay, d, Yn, Yn, seeds())
        A = Xn @ W.T + Yn @ U.T
        units.hidden.sample(A, c, Hn, chain, seeds())
    gU = (H0.T @ Y - Hn.T @ Yn) / n
    gb = X.mean(axis=0) - Xn.mean(axis=0)
    gc = H0.mean(axis=0) - Hn.mean(axis=0)
    gd = Y.mean(axis=0) - Yn.mean(axis=0)
    return (H0, Hn, Xn), (gU, gb, gc, gd)


class _ClassificationTask(EstimatorTask):
    """The classification RBM's part in the shared training loop."""

    verbose_keys = ("loss", "validation_score")

    def __init__(self, model, X, Y, rows, val, batch_size):
        self.model, self.X, self.Y, self.rows, self.val = model, X, Y, rows, val
        self.name = type(model).__name__
        self.learning_rate = model.learning_rate
        self.batch_size = batch_size
        self.n_train = X.shape[0] if rows is None else len(rows)

    def step(self, idx, learning_rate, momentum):
        model = self.model
        rows = idx if self.rows is None else self.rows[idx]
        X = dense(self.X[rows], model.components_.dtype)
        Y = self.Y[rows]
        return model._step(X, Y, learning_rate, momentum or 0.0, self.seeds) * len(rows)

    def end_epoch(self, epoch, learning_rate, momentum, loss_sum):
        model = self.model
        model._n_epochs_done = epoch + 1
        record = {"loss": loss_sum / self.n_train, "learning_rate": learning_rate,
                  "momentum": 0.0 if momentum is None else momentum}
        if self.val is not None:
            X_val, y_val = self.val
            log_p = model._log_proba(X_val)
            record["validation_loss"] = float(-np.mean(log_p[np.arange(len(y_val)), y_val]))
            record["validation_score"] = float(np.mean(log_p.argmax(axis=1) == y_val))
        return record

    def state_arrays(self):
        return {**self.model._parameters(), **self.model._velocities}


class _PosteriorMixin:
    """``predict_proba`` and ``predict`` from the class's own
    ``predict_log_proba``."""

    def predict_proba(self, X):
        """The class posterior ``p(y | x)``, ``exp`` of ``predict_log_proba``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``; rows sum to 1.
        """
        return np.exp(self.predict_log_proba(X))

    def predict(self, X):
        """The most probable class of each input (that of lowest free energy).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        log_proba = self.predict_log_proba(X)
        return self.classes_[np.argmax(log_proba, axis=1)]


class ClassificationRBM(_PosteriorMixin, ClassifierMixin, BaseEstimator):
    """Classification RBM (Larochelle & Bengio 2008): an RBM over the input
    and a one-hot label, used as a classifier.

    Binary inputs ``x``, a softmax label group ``y`` and ``n_components``
    binary hidden units form one RBM; the hidden units sum out, so the class
    posterior ``p(y | x) = softmax_y(-F(x, y))``, with ``-F(x, y) = b^T x +
    d_y + sum_j softplus(c_j + U_jy + W_j x)``, is exact and cheap. Training
    maximises ``log p(y | x)`` by its exact gradient, ``log p(x, y)`` by
    CD-``k``, or the hybrid ``log p(y | x) + alpha log p(x, y)``, by
    mini-batch gradient ascent through the library's training loop.

    Parameters
    ----------
    objective : {"discriminative", "generative", "hybrid"}, default="discriminative"
        What training maximises (see above).
    alpha : float, default=0.01
        Weight of the generative term of the hybrid objective (0.01 on MNIST
        in the paper).
    learning_rate : float, default=0.1
        Step size of gradient ascent on the batch-mean objective.
    batch_size : int, default=10
        Examples per mini-batch (1 as in the paper).
    random_state : int, RandomState, Generator or None, default=None
        Seeds the weights, batch order, validation split and Gibbs sampling.
    k : int, default=1
        Gibbs steps of the generative term's contrastive divergence.
    momentum : float, "classic" or callable, default=0.0
        Momentum in [0, 1), ``"classic"`` (0.5, then 0.9 after five epochs)
        or ``epoch -> momentum``.
    weight_decay : float, default=0.0
        L2 penalty on ``W`` and ``U``.
    init : str or callable, default="glorot_uniform"
        Weight initialiser (``deepbelief.nn.initializers``). The gradient of
        ``W`` is proportional to the spread of ``U`` across classes, so from
        tiny weights (``"normal"``) training sits on a plateau.
    learning_rate_schedule : str or callable, default="constant"
        A schedule of ``deepbelief.nn.schedules``; ``"adaptive"`` watches the
        training loss.
    validation_fraction : float or None, default=None
        Fraction of the rows held out for ``validation_score`` (accuracy) and
        ``validation_loss``; None means 0.1 with early stopping, else 0.
    early_stopping : bool, default=False
        Stop when the validation accuracy has not improved by more than
        ``tol`` for ``n_iter_no_change`` epochs, and keep the best epoch.
    tol : float, default=1e-4
        Smallest improvement of the validation accuracy that counts.
    <inherited parameters>

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    components_ : ndarray of shape (n_components, n_features)
        The input-to-hidden weights ``W``.
    class_components_ : ndarray of shape (n_components, n_classes)
        The label-to-hidden weights ``U``.
    intercept_visible_ : ndarray of shape (n_features,)
        The input biases ``b`` (used only by the generative term).
    intercept_hidden_ : ndarray of shape (n_components,)
        The hidden biases ``c``.
    intercept_class_ : ndarray of shape (n_classes,)
        The label biases ``d``.
    history_ : History
        Per epoch: ``loss`` (mean negative conditional log-likelihood of the
        batches, before each update), ``learning_rate``, ``momentum``,
        ``seconds`` and, with validation data, ``validation_score`` and
        ``validation_loss``.
    n_iter_ : int
        Epochs done.
    best_epoch_ : int
        With early stopping, the epoch (1-based) whose parameters were kept.
    n_features_in_ : int
        Number of input features.

    See Also
    --------
    BernoulliRBM : The RBM of the inputs alone, trained without labels.
    DBNClassifier : A stack of RBMs fine-tuned as a network.

    Notes
    -----
    The generative term needs data in [0, 1] (binary inputs); the
    discriminative objective never models ``x`` and accepts any features.

    References
    ----------
    Larochelle, H. & Bengio, Y. (2008). Classification using discriminative
    restricted Boltzmann machines. ICML.

    Examples
    --------
    >>> from deepbelief import ClassificationRBM
    >>> from sklearn.datasets import load_digits
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X / 16.0
    >>> clf = ClassificationRBM(n_components=64, random_state=0)
    >>> clf.fit(X[:1000], y[:1000]).score(X[1000:], y[1000:]) > 0.85
    True
    >>> clf.predict_proba(X[:2]).shape
    (2, 10)
    """

    def __init__(self, n_components=256, *, objective="discriminative", alpha=0.01,
                 learning_rate=0.1, batch_size=10, n_iter=10, verbose=0,
                 random_state=None, k=1, momentum=0.0, weight_decay=0.0,
                 init="glorot_uniform", learning_rate_schedule="constant",
                 validation_fraction=None, early_stopping=False, n_iter_no_change=5,
                 tol=1e-4, checkpoint_dir=None):
        self.n_components = n_components
        self.objective = objective
        self.alpha = alpha
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_iter = n_iter
        self.verbose = verbose
        self.random_state = random_state
        self.k = k
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.init = init
        self.learning_rate_schedule = learning_rate_schedule
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.checkpoint_dir = checkpoint_dir

    # ------------------------------------------------------------ validation

    # BernoulliRBM's rules for the parameters both have; momentum may also
    # be a schedule here.
    _parameter_constraints = {
        **{name: BernoulliRBM._parameter_constraints[name]
           for name in ("n_components", "learning_rate", "n_iter", "verbose",
                        "random_state", "k", "weight_decay", "init",
                        "learning_rate_schedule", "validation_fraction", "early_stopping",
                        "n_iter_no_change", "tol", "checkpoint_dir")},
        "objective": [Options(str, set(_OBJECTIVES))],
        "alpha": [Interval(Real, 0, None)],
        "batch_size": [Interval(Integral, 1, None)],
        "momentum": [*BernoulliRBM._parameter_constraints["momentum"], Callable()],
    }

    def _check_param_combinations(self):
        if self.early_stopping and self.validation_fraction == 0:
            raise ValueError("early_stopping needs validation data; validation_fraction "
                             "must be > 0 (or None for 0.1); got 0.")

    def _validate_params(self):
        validate_params(self)

    def _validate_X(self, X, reset):
        dtype = (np.float64, np.float32) if reset else self.components_.dtype
        X = validate_data(self, X, accept_sparse="csr", dtype=dtype, reset=reset)
        if X.shape[0] == 0:
            raise ValueError("X has 0 samples; at least one is needed.")
        return X

    def _encode(self, y):
        """Class indices of the labels ``y``; unknown labels are an error."""
        idx = np.searchsorted(self.classes_, y)
        idx = np.clip(idx, 0, len(self.classes_) - 1)
        unknown = self.classes_[idx] != y
        if np.any(unknown):
            raise ValueError(f"y holds labels not in classes_ {self.classes_.tolist()}: "
                             f"{np.unique(np.asarray(y)[unknown]).tolist()}.")
        return idx

    # ------------------------------------------------------------ fitting

    def fit(self, X, y):
        """Fit the model to inputs X and labels y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training inputs (values in [0, 1] for the generative term).
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : object
        """
        self._validate_params()
        X, y = validate_data(self, X, y, accept_sparse="csr",
                             dtype=(np.float64, np.float32), reset=True)
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        labels = self._encode(y)
        rng = make_generator(self.random_state)
        train_rows, val_rows = split_rows(X.shape[0], self.validation_fraction,
                                          self.early_stopping, rng)
        self._initialize(X.shape[1], X.dtype, rng)
        self.random_state_ = rng
        val = None
        if val_rows is not None:
            val = (X[val_rows], labels[val_rows])
        self._train(X, labels, 0, self.n_iter, rows=train_rows, val=val, data=(X, y))
        return self

    def partial_fit(self, X, y, classes=None):
        """One epoch of mini-batches on X and y.

        The first call creates the model and needs ``classes``; later calls
        continue training it.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training inputs.
        y : array-like of shape (n_samples,)
            Class labels, each one of ``classes``.
        classes : array-like of shape (n_classes,), default=None
            Every class label; required on the first call, and if given
            later it must equal ``classes_``.

        Returns
        -------
        self : object
        """
        first = not hasattr(self, "components_")
        self._validate_params()
        X, y = validate_data(self, X, y, accept_sparse="csr",
                             dtype=(np.float64, np.float32) if first
                             else self.components_.dtype, reset=first)
        check_classification_targets(y)
        if first:
            if classes is None:
                raise ValueError("classes must be given on the first call to "
                                 "partial_fit (every label the model will see).")
            self.classes_ = np.unique(np.asarray(classes))
            rng = make_generator(self.random_state)
            self.random_state_ = rng
            self._initialize(X.shape[1], X.dtype, rng)
            self.history_ = History()
            self._n_epochs_done = 0
        elif classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(f"classes {np.unique(classes).tolist()} differ from the "
                             f"classes_ of the first call, {self.classes_.tolist()}.")
        labels = self._encode(y)
        self._train(X, labels, self._n_epochs_done, self._n_epochs_done + 1)
        return self

    def _initialize(self, n_features, dtype, rng):
        n_hidden, n_classes = self.n_components, len(self.classes_)
        init = get_initializer(self.init)
        self.components_ = np.ascontiguousarray(
            init((n_features, n_hidden), rng, dtype=np.float64).T, dtype=dtype)
        self.class_components_ = np.ascontiguousarray(
            init((n_classes, n_hidden), rng, dtype=np.float64).T, dtype=dtype)
        self.intercept_visible_ = np.zeros(n_features, dtype=dtype)
        self.intercept_hidden_ = np.zeros(n_hidden, dtype=dtype)
        self.intercept_class_ = np.zeros(n_classes, dtype=dtype)
        self._velocities = {f"_velocity{name}": np.zeros_like(value)
                            for name, value in self._parameters().items()}
        self._n_epochs_done = 0

    def _train(self, X, labels, start, stop, rows=None, val=None, data=None):
        n_train = X.shape[0] if rows is None else len(rows)
        batch_size = check_batch_size(self.batch_size, n_train)
        Y = np.zeros((X.shape[0], len(self.classes_)), dtype=self.components_.dtype)
        Y[np.arange(X.shape[0]), labels] = 1.0
        task = _ClassificationTask(self, X, Y, rows, val, batch_size)
        stopper = None
        if self.early_stopping and val is not None:
            stopper = EarlyStopping(self.n_iter_no_change, self.tol, greater_is_better=True)
        if data is not None:
            self.history_ = History()
        checkpointer = fp = None
        if self.checkpoint_dir is not None and data is not None:
            checkpointer = Checkpointer(self.checkpoint_dir)
            fp = fingerprint(self, list(data))
            resumed = resume(checkpointer, task, fingerprint=fp, history=self.history_,
                             stopper=stopper)
            if resumed is not None:
                start = self._n_epochs_done = resumed
        done, _ = fit_loop(
            task, n_samples=n_train, batch_size=batch_size, rng=self.random_state_,
            start=start, stop=stop, learning_rate=self.learning_rate,
            schedule=get_schedule(self.learning_rate_schedule), schedule_key="loss",
            history=self.history_, momentum=get_momentum_schedule(self.momentum),
            stopper=stopper, checkpointer=checkpointer, fingerprint=fp,
            verbose=self.verbose)
        if stopper is not None and stopper.best_params is not None:
            self.best_epoch_ = stopper.best_epoch + 1
        self.n_iter_ = self._n_epochs_done = done

    def _step(self, X, Y, lr, momentum, seeds):
        """One gradient-ascent step; returns the batch's mean negative
        conditional log-likelihood before it. The weight gradient, a sum of
        ``scale * L^T R``, goes into the weights (or velocity) by BLAS without
        being formed: with a batch of one that would cost more than the rest."""
        W, U = self.components_, self.class_components_
        b, c, d = self.intercept_visible_, self.intercept_hidden_, self.intercept_class_
        n = X.shape[0]
        loglik, D, (gU, gc, gd) = _discriminative_terms(X, Y, W, U, c, d)
        terms = []  # (scale, L, R): the weight gradient is sum scale * L^T R
        gb = None
        if self.objective == "discriminative":
            terms.append((1.0 / n, D, X))
        else:
            (H0, Hn, Xn), (hU, hb, hc, hd) = _generative_terms(X, Y, W, U, b, c, d,
                                                               self.k, seeds)
            if self.objective == "generative":
                a = 1.0
                gU, gb, gc, gd = hU, hb, hc, hd
            else:
                a = float(self.alpha)
                terms.append((1.0 / n, D, X))
                gU, gc, gd = gU + a * hU, gc + a * hc, gd + a * hd
                gb = a * hb
            terms += [(a / n, H0, X), (-a / n, Hn, Xn)]
        wd = self.weight_decay
        if wd:
            gU = gU - wd * U
        grads = {"class_components_": gU, "intercept_hidden_": gc, "intercept_class_": gd}
        if gb is not None:
            grads["intercept_visible_"] = gb
        params = self._parameters()
        for name, grad in grads.items():
            if momentum > 0:
                velocity = self._velocities[f"_velocity{name}"]
                velocity *= momentum
                velocity += lr * grad
                params[name] += velocity
            else:  # no velocity to keep: one pass less over the parameters
                params[name] += lr * grad
        if momentum > 0:
            target = self._velocities["_velocitycomponents_"]
            target *= momentum
            if wd:
                target -= (lr * wd) * W
        else:
            target = W
            if wd:
                W *= 1.0 - lr * wd
        for scale, L, R in terms:
            blas.dot_tn(np.ascontiguousarray(L, dtype=W.dtype),
                        np.ascontiguousarray(R, dtype=W.dtype), target,
                        alpha=lr * scale, beta=1.0)
        if momentum > 0:
            W += target
        return -loglik

    def _parameters(self):
        return {"components_": self.components_,
                "class_components_": self.class_components_,
                "intercept_visible_": self.intercept_visible_,
                "intercept_hidden_": self.intercept_hidden_,
                "intercept_class_": self.intercept_class_}

    # ------------------------------------------------------------ inference

    def _log_proba(self, X):
        """log p(y | x) for each row of X (dense or CSR), in float64, by chunks."""
        W = self.components_.astype(np.float64)
        U = self.class_components_.astype(np.float64)
        c = self.intercept_hidden_.astype(np.float64)
        d = self.intercept_class_.astype(np.float64)
        chunk = max(1, _CHUNK_ELEMENTS // (W.shape[0] * U.shape[1]))
        out = np.empty((X.shape[0], U.shape[1]))
        for start in range(0, X.shape[0], chunk):
            part = dense(X[start:start + chunk], np.float64)
            scores, _ = class_scores(part, W, U, c, d)
            out[start:start + chunk] = log_softmax(scores, axis=1)
        return out

    def predict_log_proba(self, X):
        """Log of the exact class posterior ``log p(y | x)``, from the free
        energies.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        check_is_fitted(self)
        return self._log_proba(self._validate_X(X, reset=False))

    def free_energy(self, X, y):
        """The free energy ``F(x, y)`` of inputs and labels (hidden units
        summed out): ``-b^T x - d_y - sum_j softplus(c_j + U_jy + W_j x)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Labels, each one of ``classes_``.

        Returns
        -------
        F : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        labels = self._encode(np.asarray(y))
        if labels.shape[0] != X.shape[0]:
            raise ValueError(f"y has {labels.shape[0]} labels for {X.shape[0]} rows of X.")
        Xd = dense(X, np.float64)
        A = Xd @ self.components_.T.astype(np.float64) + self.intercept_hidden_
        A += self.class_components_.T.astype(np.float64)[labels]
        return -(Xd @ self.intercept_visible_.astype(np.float64)
                 + self.intercept_class_.astype(np.float64)[labels]
                 + _softplus(A).sum(axis=1))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


inherit_parameters(ClassificationRBM, BernoulliRBM)
