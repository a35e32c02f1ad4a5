"""The generative deep belief net with labels of Hinton, Osindero & Teh (2006).

Directed sigmoid layers under an undirected top RBM, the associative
memory, whose visible layer joins the top features ("pen" units, ``h``)
and one group of softmax label units (``y``) through the top hidden units
``t``::

    labels y ----\\
                  top RBM <-> t
    features h --/
        | directed sigmoid layers (generative weights, down)
    pixels x

After the greedy training (see :class:`GenerativeDBNClassifier`) the lower
layers have tied weights: recognition (up) ``R_i = W_i^T`` and generative
(down) ``G_i = W_i``. The up-down algorithm (the paper's contrastive
wake-sleep, its Appendix B) unties them and fine-tunes all three kinds of
weights on each mini-batch:

1. wake: an up-pass through the recognition weights, sampling each layer's
   binary states ``s_1, ..., s_L`` from ``s_0 = x``;
2. the top RBM takes a CD-k step from ``(s_L, y)``, its chains sampling
   the pen units and the labels;
3. sleep: from the chains' last pen states ``s'_L``, a down-pass through
   the generative weights, sampling ``s'_{L-1}, ..., s'_1`` and taking the
   probabilities ``s'_0`` at the pixels;
4. the generative weights learn to predict each wake layer from the one
   above, ``G_i += r s_{i+1}^T (s_i - sigm(s_{i+1} G_i + g_i))``, and the
   recognition weights each sleep layer from the one below,
   ``R_i += r s'_i^T (s'_{i+1} - sigm(s'_i R_i + r_i))`` (batch means).

References
----------
Hinton, G. E., Osindero, S. & Teh, Y.-W. (2006). A fast learning algorithm
for deep belief nets. Neural Computation 18(7), 1527-1554.
"""

from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._docs import inherit_parameters
from ._kernels.random import SeedStream
from ._param_validation import (BOOL, RANDOM_STATE, Interval, LayerSizes, Options, PerLayer,
                                check, nested_validation, per_layer, validate_params)
from .classification_rbm import (ClassificationRBM, _generative_terms, _PosteriorMixin,
                                 class_scores)
from .dbn import _DOWNWARD, DBN, auto_layer_sizes, resolve_auto
from .nn.initializers import INITIALIZERS
from .nn.schedules import get_schedule
from .rbm import BernoulliRBM
from .training import (EstimatorTask, History, fit_loop, layer_warnings, make_generator,
                       row_chunks)
from .units import BernoulliUnits

__all__ = ["GenerativeDBNClassifier"]

# The greedy settings given once for every layer or as one per layer (the
# top RBM last).
_PER_LAYER = ("learning_rate", "batch_size", "n_iter", "k", "momentum", "weight_decay",
              "init")
_BINARY = BernoulliUnits()


def _propagate(H, W, b, seeds=None):
    """``sigmoid(H @ W + b)``, or binary states sampled from it with the next
    of ``seeds``."""
    A = H @ W
    if seeds is None:
        _BINARY.mean(A, b, A)
        return A
    S = np.empty_like(A)
    _BINARY.sample(A, b, A, S, seeds())
    return S


def _one_hot(labels, n_classes, dtype):
    Y = np.zeros((len(labels), n_classes), dtype=dtype)
    Y[np.arange(len(labels)), labels] = 1.0
    return Y


class _UpDownTask(EstimatorTask):
    """The up-down fine-tuning in the shared training loop: one wake-sleep
    step per mini-batch; the batch loss is the squared error of the
    generative prediction of the pixels from the wake states."""

    verbose_keys = ("reconstruction_error",)

    def __init__(self, model, X, Y, batch_size):
        self.model, self.X, self.Y = model, X, Y
        self.name = f"{type(model).__name__} up-down"
        self.learning_rate = model.learning_rate_updown
        self.batch_size = batch_size

    def step(self, idx, learning_rate, momentum):
        model = self.model
        X = self.X[idx]
        X = np.ascontiguousarray(X.toarray() if sp.issparse(X) else X,
                                 dtype=model.top_rbm_.components_.dtype)
        return model._updown_step(X, self.Y[idx], learning_rate, self.seeds)

    def end_epoch(self, epoch, learning_rate, momentum, loss_sum):
        self.model._n_updown_done = epoch + 1
        return {"reconstruction_error": loss_sum / self.X.shape[0],
                "learning_rate": learning_rate}


class GenerativeDBNClassifier(_PosteriorMixin, ClassifierMixin, BaseEstimator):
    """Generative deep belief net with labels (Hinton, Osindero & Teh 2006).

    A stack of directed sigmoid layers under a top RBM that models the
    joint of the top features and the label (one group of softmax units).
    Training is greedy, then optionally up-down: the lower layers are fitted
    as a :class:`DBN` on ``X``; the top RBM, the associative memory, as a
    :class:`ClassificationRBM` with the generative objective (CD-k on the
    joint of features and label) on the DBN's features of ``X``; then
    ``n_iter_updown`` epochs of the up-down algorithm (the paper's
    contrastive wake-sleep) untie the recognition (up) and generative
    (down) weights of the lower layers and fine-tune them and the top RBM
    together (see the module docstring for the four steps).

    ``predict`` picks the label of lowest free energy in the top RBM with
    the features clamped to the mean-field up-pass ``h(x)``, and
    ``predict_proba`` is the exact posterior of the top RBM given those
    features:

    .. math::

        p(y \\mid x) = \\frac{\\exp(-F(h(x), y))}{\\sum_{y'} \\exp(-F(h(x), y'))},
        \\quad F(h, y) = -b^T h - d_y - \\sum_j \\log(1 + e^{c_j + U_{jy} + W_j h}).

    :meth:`sample` draws inputs of a given label ("draw me a 3").

    Parameters
    ----------
    hidden_layer_sizes : "auto", int or tuple of int, default="auto"
        Units of each hidden layer, bottom to top; the last is the top
        RBM's hidden layer, the one before it the features joined with the
        label (a single size makes the top RBM model ``X`` and the label
        directly). "auto" is DBNClassifier's rule (the paper's
        (500, 500, 2000) on MNIST-sized data, scaled down below).
    learning_rate : float or list of float, default=0.1
        Learning rate of the greedy training of each RBM, bottom to top
        (every setting up to ``init`` may be one value or a list of one per
        layer, the top RBM last).
    batch_size : int, "auto" or list of them, default="auto"
        Mini-batch size of each RBM; "auto" is DBN's rule. The top RBM's
        batch size is also that of the up-down epochs.
    n_iter : int, "auto" or list of them, default="auto"
        Greedy epochs of each RBM; "auto" is DBN's rule. Class-conditional
        samples profit from a top RBM trained longer than classification
        needs: on 1,200 digits, (64, 256) layers, a separate logistic
        regression recognises the label of 75% of the samples (200 Gibbs
        steps) after the 10 "auto" epochs a layer, 92% with ``n_iter=[30,
        100]``, and 89% and 96% after ten up-down epochs; the paper trained
        each layer for 30 epochs on MNIST.
    <inherited parameters>
    init : "auto", str, callable or list of them, default="auto"
        Weight initialiser of each RBM (``deepbelief.nn.initializers``);
        "auto" is N(0, 0.1), as in :class:`DBN`.
    n_iter_updown : int, default=10
        Epochs of up-down fine-tuning after the greedy training; 0 keeps the
        greedy model (tied lower weights). Measured on 1,200 of
        scikit-learn's digits, (64, 256) layers: training error 8.9%
        greedy, 7.4% after ten epochs (held-out 9.6%, 8.4%); with
        ``n_iter=[30, 100]``, 8.9% greedy, 4.8% after ten epochs, 3.5% after
        40 (held-out 8.9%, 5.2%, 4.2%). The paper ran 300 epochs on MNIST.
    learning_rate_updown : float, default=0.01
        Learning rate of the up-down updates (no momentum, no weight decay).
    k_updown : int, default=3
        Gibbs steps in the top RBM per up-down step (the paper used 3 for
        its first 100 epochs, then 6 and 10: with ``warm_start``, fit three
        times with ``k_updown`` 3, 6 and 10).
    warm_start : bool, default=False
        When fitted already, ``fit`` skips the greedy training and runs
        ``n_iter_updown`` more up-down epochs on the current model (for
        instance to score the greedy model, then fine-tune it).
    verbose : int, default=0
        One line per greedy layer and per up-down epoch when > 0; per
        greedy epoch too when > 1.
    random_state : int, RandomState instance, Generator or None, default=None
        Seeds the greedy layers (each gets an integer drawn from it), the
        up-down batch order and its sampling.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    dbn_ : DBN or None
        The greedy lower layers, untouched by up-down (None with a single
        hidden layer size).
    top_rbm_ : ClassificationRBM
        The top RBM over the features and the label; up-down updates its
        arrays in place.
    recognition_weights_ : list of (ndarray, ndarray)
        ``(R, r)`` per lower layer: ``R`` of shape ``(n_in, n_out)`` and the
        biases ``r`` such that the up-pass means are ``sigmoid(H @ R + r)``;
        ``dbn_.layer_weights_`` after greedy training.
    generative_weights_ : list of (ndarray, ndarray)
        ``(G, g)`` per lower layer: ``G`` of shape ``(n_out, n_in)`` and the
        biases ``g`` of the layer below, the down-pass means being
        ``sigmoid(H @ G + g)``; ``dbn_.decoder_weights_`` after greedy
        training.
    history_ : History
        Per up-down epoch: ``reconstruction_error`` (the squared error of
        the generative prediction of ``X`` from the wake states of the layer
        above, summed over the inputs, averaged over the rows),
        ``learning_rate`` and ``seconds``.
    n_iter_updown_ : int
        Up-down epochs done in all.
    n_features_in_ : int
        Number of input features.

    See Also
    --------
    ClassificationRBM : The top RBM alone, on the inputs.
    DBNClassifier : A DBN fine-tuned discriminatively by backpropagation.

    Notes
    -----
    The input units are binary: scale the data to [0, 1]. The up-down
    updates follow the pseudo-code of the paper's Appendix B, except that
    the top RBM's statistics use the hidden probabilities rather than
    sampled states (less noise for the same expectation) and its chains
    sample the label rather than keep its probabilities.

    References
    ----------
    Hinton, G. E., Osindero, S. & Teh, Y.-W. (2006). A fast learning
    algorithm for deep belief nets. Neural Computation 18(7), 1527-1554.

    Examples
    --------
    >>> from deepbelief import GenerativeDBNClassifier
    >>> from deepbelief.datasets import load_digits
    >>> X, y = load_digits()
    >>> clf = GenerativeDBNClassifier((64, 256), random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.8
    True
    >>> clf.sample([3, 3], n_gibbs=100, random_state=0).shape
    (2, 64)
    """

    def __init__(self, hidden_layer_sizes="auto", *, learning_rate=0.1, batch_size="auto",
                 n_iter="auto", k=1, momentum="classic", weight_decay=0.0002, init="auto",
                 n_iter_updown=10, learning_rate_updown=0.01, k_updown=3, warm_start=False,
                 verbose=0, random_state=None):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_iter = n_iter
        self.k = k
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.init = init
        self.n_iter_updown = n_iter_updown
        self.learning_rate_updown = learning_rate_updown
        self.k_updown = k_updown
        self.warm_start = warm_start
        self.verbose = verbose
        self.random_state = random_state

    _parameter_constraints = {
        "hidden_layer_sizes": [Options(str, {"auto"}), LayerSizes()],
        **{name: [PerLayer(*BernoulliRBM._parameter_constraints[name])]
           for name in ("learning_rate", "k", "momentum", "weight_decay")},
        "batch_size": [PerLayer(Interval(Integral, 1, None), Options(str, {"auto"}))],
        "n_iter": [PerLayer(Interval(Integral, 0, None), Options(str, {"auto"}))],
        "init": [PerLayer(Options(str, set(INITIALIZERS) | {"auto"}),
                          *BernoulliRBM._parameter_constraints["init"][1:])],
        "n_iter_updown": [Interval(Integral, 0, None)],
        "learning_rate_updown": [Interval(Real, 0, None, closed="neither")],
        "k_updown": [Interval(Integral, 1, None)],
        "warm_start": [BOOL],
        "verbose": [Interval(Integral, 0, None), BOOL],
        "random_state": RANDOM_STATE,
    }

    # ------------------------------------------------------------ fitting

    def _sizes(self, n_samples, n_features):
        if isinstance(self.hidden_layer_sizes, str):  # "auto", as the table checked
            return list(auto_layer_sizes(n_samples, n_features))
        return LayerSizes().resolve(self.hidden_layer_sizes, "hidden_layer_sizes")

    def _layer_settings(self, n_layers, n_samples, n_features):
        """One dict of greedy settings per layer, "auto" values resolved."""
        values = {name: per_layer(getattr(self, name), n_layers, name)
                  for name in _PER_LAYER}
        layers = []
        for i in range(n_layers):
            params = resolve_auto({name: values[name][i] for name in _PER_LAYER}, n_samples,
                                  n_features)
            params["batch_size"] = min(params["batch_size"], n_samples)
            layers.append(params)
        return layers

    def fit(self, X, y):
        """Greedy training of every layer, then ``n_iter_updown`` up-down epochs.

        With ``warm_start`` and a fitted model, only the up-down epochs run,
        continuing the current model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training inputs, values in [0, 1].
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : object
        """
        validate_params(self)
        warm = self.warm_start and hasattr(self, "top_rbm_")
        dtype = self.top_rbm_.components_.dtype if warm else (np.float64, np.float32)
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=dtype, reset=not warm)
        if X.shape[0] == 0:
            raise ValueError("X has 0 samples; at least one is needed to fit.")
        check_classification_targets(y)
        if warm:
            labels = self.top_rbm_._encode(y)
        else:
            self.classes_ = np.unique(y)
            self.random_state_ = make_generator(self.random_state)
            self._fit_greedy(X, y)
            labels = self.top_rbm_._encode(y)
            self.history_ = History()
            self._n_updown_done = 0
        if self.n_iter_updown > 0:
            self._fit_updown(X, labels)
        self.n_iter_updown_ = self._n_updown_done
        return self

    def _fit_greedy(self, X, y):
        rng = self.random_state_
        sizes = self._sizes(*X.shape)
        settings = self._layer_settings(len(sizes), *X.shape)
        seeds = rng.integers(0, 2**31 - 1, size=2)
        verbose = max(0, int(self.verbose))
        name = type(self).__name__
        H = X
        self.dbn_ = None
        if len(sizes) > 1:
            lower = {key: [s[key] for s in settings[:-1]] for key in _PER_LAYER}
            self.dbn_ = DBN(sizes[:-1], **lower, verbose=verbose, random_state=int(seeds[0]))
            with layer_warnings(f"{name} lower layers"), nested_validation():
                self.dbn_.fit(X)
            H = self.dbn_.transform(X)
        self.top_rbm_ = ClassificationRBM(sizes[-1], objective="generative",
                                          **settings[-1], verbose=max(0, verbose - 1),
                                          random_state=int(seeds[1]))
        with layer_warnings(f"{name} top layer"), nested_validation():
            self.top_rbm_.fit(H, y)
        if verbose:
            print(f"[{name}] top layer: {H.shape[1]} + {len(self.classes_)} labels -> "
                  f"{sizes[-1]} units, {self.top_rbm_.n_iter_} epochs")
        if self.dbn_ is None:
            self.recognition_weights_, self.generative_weights_ = [], []
        else:
            self.recognition_weights_ = [(W.copy(), b.copy())
                                         for W, b in self.dbn_.layer_weights_]
            self.generative_weights_ = [(W.copy(), b.copy())
                                        for W, b in self.dbn_.decoder_weights_]

    def _fit_updown(self, X, labels):
        dtype = self.top_rbm_.components_.dtype
        Y = _one_hot(labels, len(self.classes_), dtype)
        batch_size = min(self.top_rbm_.batch_size, X.shape[0])
        task = _UpDownTask(self, X, Y, batch_size)
        start = self._n_updown_done
        done, _ = fit_loop(
            task, n_samples=X.shape[0], batch_size=batch_size, rng=self.random_state_,
            start=start, stop=start + self.n_iter_updown,
            learning_rate=self.learning_rate_updown, schedule=get_schedule("constant"),
            history=self.history_, verbose=self.verbose)
        self._n_updown_done = done

    def _parameters(self):
        """Every array up-down trains, by name (updated in place)."""
        params = {}
        for i, ((R, r), (G, g)) in enumerate(zip(self.recognition_weights_,
                                                 self.generative_weights_)):
            params.update({f"recognition_{i}": R, f"recognition_bias_{i}": r,
                           f"generative_{i}": G, f"generative_bias_{i}": g})
        params.update({f"top_{name}": value
                       for name, value in self.top_rbm_._parameters().items()})
        return params

    def _updown_step(self, X, Y, lr, seeds):
        """One up-down step on the batch ``X`` with one-hot labels ``Y``;
        returns the summed squared error of the generative prediction of
        ``X`` from the wake states of the layer above (before the step; the
        top RBM's hidden means when there is no lower layer)."""
        n = X.shape[0]
        scale = lr / n
        # wake: sampled states up through the recognition weights
        wake = [X]
        for R, r in self.recognition_weights_:
            wake.append(_propagate(wake[-1], R, r, seeds))
        # the top RBM: CD-k from the wake features and the label
        top = self.top_rbm_
        W, U = top.components_, top.class_components_
        b, c, d = top.intercept_visible_, top.intercept_hidden_, top.intercept_class_
        (H0, Hn, Xn), (gU, gb, gc, gd) = _generative_terms(wake[-1], Y, W, U, b, c, d,
                                                           self.k_updown, seeds)
        # sleep: from the chains' pen states down through the generative weights
        sleep = [Xn]
        for i in range(len(self.generative_weights_) - 1, -1, -1):
            G, g = self.generative_weights_[i]  # the pixels' probabilities at i = 0
            sleep.append(_propagate(sleep[-1], G, g, seeds if i else None))
        sleep.reverse()  # sleep[i] is layer i, as wake[i]
        if not self.generative_weights_:  # the top RBM's own prediction of the pixels
            E = X - _propagate(H0, W, b)
            loss = float(np.einsum("ij,ij->", E, E))
        # generative weights predict each wake layer from the one above
        for i, (G, g) in enumerate(self.generative_weights_):
            E = wake[i] - _propagate(wake[i + 1], G, g)
            if i == 0:
                loss = float(np.einsum("ij,ij->", E, E))
            G += scale * (wake[i + 1].T @ E)
            g += lr * E.mean(axis=0)
        # recognition weights predict each sleep layer from the one below
        for i, (R, r) in enumerate(self.recognition_weights_):
            E = sleep[i + 1] - _propagate(sleep[i], R, r)
            R += scale * (sleep[i].T @ E)
            r += lr * E.mean(axis=0)
        W += scale * (H0.T @ wake[-1] - Hn.T @ Xn)
        U += lr * gU
        b += lr * gb
        c += lr * gc
        d += lr * gd
        return loss

    # ------------------------------------------------------------ inference

    def _validate_X(self, X):
        check_is_fitted(self, "top_rbm_")
        X = validate_data(self, X, accept_sparse="csr", reset=False,
                          dtype=self.top_rbm_.components_.dtype)
        return X

    def _features(self, X):
        """The mean-field up-pass through the recognition weights, by chunks."""
        if not self.recognition_weights_:
            return X
        out = np.empty((X.shape[0], self.recognition_weights_[-1][0].shape[1]),
                       dtype=self.top_rbm_.components_.dtype)
        for rows, H in row_chunks(X, dtype=out.dtype):
            for R, r in self.recognition_weights_:
                H = _propagate(H, R, r)
            out[rows] = H
        return out

    def free_energy(self, X):
        """The free energy ``F(h(x), y)`` of every label ``y`` with the
        features ``h(x)`` clamped, in the top RBM (its hidden units summed
        out).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        F : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``, float64.
        """
        H = self._features(self._validate_X(X))
        top = self.top_rbm_
        W, U, b, c, d = (a.astype(np.float64) for a in (
            top.components_, top.class_components_, top.intercept_visible_,
            top.intercept_hidden_, top.intercept_class_))
        out = np.empty((H.shape[0], U.shape[1]))
        for rows, part in row_chunks(H, chunk_rows=max(1, 2**22 // U.size),
                                     dtype=np.float64):
            scores, _ = class_scores(part, W, U, c, d)
            out[rows] = -(scores + (part @ b)[:, None])
        return out

    def predict_log_proba(self, X):
        """Log of the top RBM's posterior of the label given the features,
        ``p(y | x) = softmax_y(-F(h(x), y))``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        H = self._features(self._validate_X(X))
        return self.top_rbm_._log_proba(H)

    def sample(self, labels, n_gibbs=1000, *, downward="mean", random_state=None):
        """Draw inputs of given labels from the generative model.

        For each label, one chain of the top RBM with the label units
        clamped to it. As in the paper, the chain starts from an up-pass
        of a random binary image (each input on with probability 0.5): the
        features are sampled from its mean-field up-pass; then ``n_gibbs``
        times the top hidden units are sampled given the features and the
        label, and the features given them. The last features (their
        probabilities, or their states with ``downward="sample"``) are then
        passed down through the generative weights to the inputs.

        Parameters
        ----------
        labels : array-like of shape (n_samples,)
            One label from ``classes_`` per sample.
        n_gibbs : int, default=1000
            Gibbs steps in the top RBM.
        downward : {"mean", "sample"}, default="mean"
            "mean" passes conditional means down (probabilities, the usual
            way to show samples as images); "sample" draws every layer's
            binary states, including the inputs.
        random_state : int, RandomState instance, Generator or None, default=None
            Seeds the chains.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features_in_)
        """
        check_is_fitted(self, "top_rbm_")
        labels = np.asarray(labels)
        if labels.ndim != 1 or labels.shape[0] == 0:
            raise ValueError("labels must be a non-empty 1-D array of class labels; got "
                             f"shape {labels.shape}.")
        check("n_gibbs", n_gibbs, [Interval(Integral, 0, None)])
        check("downward", downward, [Options(str, set(_DOWNWARD))])
        top = self.top_rbm_
        idx = top._encode(labels)
        W, U = top.components_, top.class_components_
        # the label is clamped, so its biases play no part
        b, c = top.intercept_visible_, top.intercept_hidden_
        rng = make_generator(random_state)
        n = len(idx)
        # the paper's start: an up-pass from a random binary image; chains
        # started from random top states fell into one mode whatever the
        # label (784-500-500-2000 on 5,000 MNIST images)
        image = (rng.random((n, self.n_features_in_)) < 0.5).astype(W.dtype)
        mean = self._features(image)
        pen = (rng.random(mean.shape) < mean).astype(W.dtype)
        seeds = SeedStream(rng)
        label_input = np.ascontiguousarray(U.T[idx])  # (n, n_top): the clamped label's input
        T = np.empty((n, W.shape[0]), dtype=W.dtype)
        for _ in range(n_gibbs):
            A = pen @ W.T + label_input
            _BINARY.sample(A, c, A, T, seeds())
            mean = T @ W
            _BINARY.sample(mean, b, mean, pen, seeds())
        H = mean if downward == "mean" else pen
        for G, g in reversed(self.generative_weights_):
            H = _propagate(H, G, g, None if downward == "mean" else seeds)
        return H

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


inherit_parameters(GenerativeDBNClassifier, DBN)
