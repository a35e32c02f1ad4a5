"""Deep Belief Networks: RBMs stacked and trained greedily, layer by layer.

:class:`DBN` is the unsupervised stack, and as a generative model a top RBM
(an undirected associative memory) over directed sigmoid layers. Its
``layer_weights_`` initialise a multilayer perceptron that backpropagation
then fine-tunes: :class:`DBNClassifier` and :class:`DBNRegressor` are that
network with the literature's defaults, and any
:class:`~deepbelief.mlp.MLPClassifier` takes a DBN as its ``pretrainer``.
"""

import copy
import types
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import _num_features, _num_samples, check_is_fitted

from ._docs import inherit_parameters
from ._kernels.random import draw_seed
from ._param_validation import (BOOL, PATH, RANDOM_STATE, Callable, HasMethods, Interval,
                                LayerSizes, Literal, Options, PerLayer, check)
from .mlp import MLPClassifier, MLPRegressor, _BaseMLP
from .rbm import BernoulliRBM, GaussianBernoulliRBM
from .nn.initializers import INITIALIZERS, Normal
from .stack import _LayerwiseStack
from .training import make_generator, row_chunks

__all__ = ["DBN", "DBNClassifier", "DBNRegressor"]

_FIRST_LAYERS = {"bernoulli": BernoulliRBM, "gaussian": GaussianBernoulliRBM}

# RBM parameters that may be given once for all layers or as one per layer.
_PER_LAYER = ("learning_rate", "batch_size", "n_iter", "k", "persistent", "momentum",
              "weight_decay", "l1", "sparsity_target", "sparsity_cost", "init",
              "learning_rate_schedule", "hidden_unit", "reconstruction", "centering")

_DOWNWARD = ("mean", "sample")

# The "auto" settings give the literature's values on MNIST-sized data and
# scale down for smaller data sets: DBN's batch_size, n_iter and init and
# DBNClassifier's hidden_layer_sizes say how and why (the measurements are in
# benchmarks/RESULTS.md, "Small data sets"). Of the sizes, digits' (72, 72,
# 287) fine-tunes in a tenth of the time of (190, 190, 760) at the same
# accuracy, and 1,000 rectangle images of 784 pixels keep the full width
# (test error 17.4% with (50, 50, 200)).
_FULL_BATCH = 100
_MIN_BATCH = 10
_MIN_EPOCHS = 10
_MIN_UPDATES = 300
_FULL_UPDATES = 6000
_AUTO_INIT_STD = 0.1
_LITERATURE_SIZES = (500, 500, 2000)
_FULL_SIZE_SAMPLES = 10000
_FULL_SIZE_FEATURES = 784
_SIZE_EXPONENT = 1.0
_MIN_WIDTH = 32


def auto_batch_size(n_samples):
    """The mini-batch size that ``batch_size="auto"`` stands for."""
    return int(min(_FULL_BATCH, max(_MIN_BATCH, n_samples // 100)))


def auto_epochs(n_samples, batch_size, n_features=0):
    """The epochs per layer that ``n_iter="auto"`` stands for, on data of
    ``n_features`` columns."""
    per_epoch = -(-n_samples // max(1, min(batch_size, n_samples)))
    updates = max(_MIN_UPDATES,
                  round(_FULL_UPDATES * min(1.0, n_features / _FULL_SIZE_FEATURES)))
    return int(max(_MIN_EPOCHS, -(-updates // per_epoch)))


def auto_layer_sizes(n_samples, n_features=0):
    """The hidden layer sizes that ``hidden_layer_sizes="auto"`` stands for."""
    scale = min(1.0, max(n_samples / _FULL_SIZE_SAMPLES,
                         n_features / _FULL_SIZE_FEATURES)) ** _SIZE_EXPONENT
    return tuple(max(_MIN_WIDTH, int(round(size * scale))) for size in _LITERATURE_SIZES)


def resolve_auto(params, n_samples, n_features=0):
    """Resolve the "auto" ``init``, ``batch_size`` and ``n_iter`` of one
    layer's settings ``params``, in place, for ``n_samples`` rows of data
    with ``n_features`` columns (the stack's input, for every layer)."""
    if isinstance(params["init"], str) and params["init"] == "auto":
        params["init"] = Normal(_AUTO_INIT_STD)
    if isinstance(params["batch_size"], str) and params["batch_size"] == "auto":
        params["batch_size"] = auto_batch_size(n_samples)
    if isinstance(params["n_iter"], str) and params["n_iter"] == "auto":
        batch = params["batch_size"]
        params["n_iter"] = auto_epochs(n_samples, n_samples if batch == "full" else batch,
                                       n_features)
    return params


class DBN(_LayerwiseStack):
    """Deep Belief Network: a stack of RBMs trained greedily, without labels.

    Layer 0 is an RBM fitted to ``X``; layer ``i`` is an RBM fitted to the
    hidden activations (conditional means) that layers ``0 .. i-1`` give
    for ``X``. Every RBM setting may be one value for all layers or a list
    with one per layer. The defaults follow Hinton's practical guide and
    Hinton & Salakhutdinov (2006): CD-1 with chains started at the data and
    mean-field reconstructions, mini-batches of 100, learning rate 0.1,
    momentum 0.5 then 0.9, weight decay 0.0002; centred Bernoulli layers,
    weights from N(0, 0.1) and, below MNIST's size, smaller batches and more
    epochs keep every layer learning (``centering``, ``init``,
    ``batch_size``, ``n_iter``).

    For data that arrives in chunks or does not fit in memory,
    :meth:`partial_fit` trains every layer for one pass over each chunk,
    the chunk carried up through the layers just updated.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(500, 500, 2000)
        Hidden units of each RBM, bottom to top.
    first_layer : {"bernoulli", "gaussian"}, default="bernoulli"
        Visible units of the first RBM: binary (data in [0, 1]) or Gaussian
        (standardised real-valued data; give that layer a smaller learning
        rate, e.g. ``learning_rate=[0.001, 0.1, 0.1]``).
    <inherited parameters>
    batch_size : int, "auto" or list of them, default="auto"
        "auto" is 100 from 10,000 samples on and ``n_samples // 100`` (at
        least 10) below that: on 1,000 samples, batches of 100 give ten
        updates an epoch, too few for the weights to grow from N(0, 0.01).
    n_iter : int, "auto" or list of them, default="auto"
        Epochs of each RBM. "auto" is 10 epochs or enough epochs for as
        many updates as 10 epochs make on MNIST (6,000), whichever is more,
        for data of MNIST's width (784 columns) or wider; for narrower data
        the updates shrink in proportion to the width, to at least 300
        (10 epochs on MNIST; 60 epochs on 10,000 images of 28 x 28, where
        10 epochs left a random-background MNIST at 28.3% validation error
        and 50 epochs brought it to 19.5%). With 20 updates a
        layer of a DBN gives every sample the same features (measured on
        scikit-learn's wine data: per-unit standard deviation 0.0002-0.001),
        and the network it initialises learns nothing.
    init : "auto", str, callable or list of them, default="auto"
        Weight initialiser of each RBM (``deepbelief.nn.initializers``).
        "auto" is N(0, 0.1), the scale of the code behind Hinton &
        Salakhutdinov (2006). Hinton's practical guide's N(0, 0.01)
        ("normal") needs thousands of updates before the features vary
        across samples, which a data set of a few hundred rows does not
        give: on scikit-learn's wine data its features stay constant and the
        network fine-tuned from them predicts one class.
    hidden_unit : {"bernoulli", "relu", "gaussian"} or list, default="bernoulli"
        Hidden unit type of each RBM; "gaussian" (linear units with unit
        variance) suits a real-valued code layer at the top, as in the deep
        autoencoder of Hinton & Salakhutdinov (2006).
    reconstruction : {"mean", "sample"} or list, default="mean"
        Visible units of the negative phase: conditional means (Hinton's
        practical guide, section 3; his MNIST code) or samples (scikit-learn's
        BernoulliRBM). Measured on 10,000 MNIST images, 784-500, ten epochs of
        the other defaults: sampled reconstructions let the weights blow up
        once the momentum rises to 0.9 (96% of the hidden units dead at the
        end, squared reconstruction error 59), mean-field ones do not (none
        dead, error 3.8).
    centering : bool or list of bool, default=True
        Centre each Bernoulli layer's gradient on the data's means and the
        hidden units' running means (Melchior, Fischer & Wiskott 2016; see
        BernoulliRBM). Measured on the same images over a background of
        uniform noise (Larochelle et al. 2007's "background random"):
        without it every hidden unit is off after the first epoch (mean
        activation 2e-8) whatever the reconstruction; with it none is
        (squared reconstruction error 34 against 73 at the start). A
        Gaussian first layer is not centred: its data are standardised.
    learn_variance : bool, default=False
        Learn the visible variances of a Gaussian first layer.
    checkpoint_dir : str, path or None, default=None
        Checkpoint every layer's training, layer ``i`` in the subfolder
        ``layer_<i>``: an interrupted fit resumes in the layer it had reached
        (finished layers reload their last checkpoint instead of training
        again). See ``BernoulliRBM``'s ``checkpoint_dir`` for the rules.
    feature_dir : str, path or None, default=None
        A folder for the features the upper layers are trained on. None
        keeps each layer's features of the whole training set in memory
        while the next layer trains (``n_samples`` by the layer's width).
        With a folder, ``fit`` writes them block by block to a file there
        (a temporary name per fit, in X's dtype: float32 data gives float32
        files), trains the next layer on it as a read-only ``np.memmap``,
        and deletes it once the layer above has its own; so no layer's
        features need to fit in memory. The fitted model is the same either
        way.
    verbose : int or bool, default=0
        One line per layer, and per epoch when > 1.
    random_state : int, RandomState instance, Generator or None, default=None
        Seeds every layer: layer ``i`` gets the ``i``-th integer drawn from
        ``random_state``, recorded as ``rbms_[i].random_state``.

    Attributes
    ----------
    rbms_ : list of BernoulliRBM or GaussianBernoulliRBM
        The fitted RBMs, bottom to top.
    layer_weights_ : list of (ndarray, ndarray)
        ``(W, b)`` per layer in the orientation of
        :class:`~deepbelief.mlp.MLPClassifier`: ``W`` of shape
        ``(n_in, n_out)`` and ``b`` the hidden biases, so that the hidden
        means are ``sigmoid(X @ W + b)``.
    decoder_weights_ : list of (ndarray, ndarray)
        ``(W, b)`` per layer for the downward (generative) direction:
        ``W`` of shape ``(n_out, n_in)``, ``b`` the visible biases.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        When X has string column names.

    References
    ----------
    Hinton, G. E., Osindero, S. & Teh, Y.-W. (2006). A fast learning
    algorithm for deep belief nets. Neural Computation 18(7).

    Bengio, Y., Lamblin, P., Popovici, D. & Larochelle, H. (2007). Greedy
    layer-wise training of deep networks. NIPS.

    Examples
    --------
    >>> from deepbelief import DBN
    >>> from deepbelief.datasets import load_digits
    >>> X, _ = load_digits()
    >>> dbn = DBN((32, 16), n_iter=2, random_state=0).fit(X)
    >>> dbn.transform(X).shape
    (1797, 16)
    >>> dbn.sample(3, n_gibbs=10, random_state=0).shape
    (3, 64)
    """

    def __init__(self, hidden_layer_sizes=(500, 500, 2000), *, first_layer="bernoulli",
                 learning_rate=0.1, batch_size="auto", n_iter="auto", k=1, persistent=False,
                 momentum="classic", weight_decay=0.0002, l1=0.0, sparsity_target=0.1,
                 sparsity_cost=0.0, init="auto", learning_rate_schedule="constant",
                 hidden_unit="bernoulli", reconstruction="mean", centering=True,
                 learn_variance=False, checkpoint_dir=None, feature_dir=None, verbose=0,
                 random_state=None):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.first_layer = first_layer
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_iter = n_iter
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
        self.reconstruction = reconstruction
        self.centering = centering
        self.learn_variance = learn_variance
        self.checkpoint_dir = checkpoint_dir
        self.feature_dir = feature_dir
        self.verbose = verbose
        self.random_state = random_state

    _PER_LAYER = _PER_LAYER
    _layers_attr = "rbms_"
    _layer_class = BernoulliRBM
    _accept_sparse = "csr"


    _parameter_constraints = {
        "hidden_layer_sizes": [LayerSizes()],
        "first_layer": [Options(str, set(_FIRST_LAYERS))],
        **{name: [PerLayer(*BernoulliRBM._parameter_constraints[name])]
           for name in _PER_LAYER},
        "batch_size": [PerLayer(Interval(Integral, 1, None),
                                Options(str, {"full", "auto"}))],
        "n_iter": [PerLayer(Interval(Integral, 0, None), Options(str, {"auto"}))],
        "init": [PerLayer(Options(str, set(INITIALIZERS) | {"auto"}), Callable())],
        "learn_variance": [BOOL],
        "checkpoint_dir": PATH,
        "feature_dir": PATH,
        "verbose": [Interval(Integral, 0, None), BOOL],
        "random_state": RANDOM_STATE,
    }

    def _make_layer(self, i, n_hidden, params, below, n_samples):
        """Layer ``i``'s unfitted RBM, its "auto" batch size and epochs
        resolved for ``n_samples``."""
        resolve_auto(params, n_samples, self.n_features_in_)
        cls = _FIRST_LAYERS[self.first_layer] if i == 0 else BernoulliRBM
        if cls is GaussianBernoulliRBM:
            # Standardised data has zero means already: nothing to centre.
            params.pop("centering")
            params["learn_variance"] = self.learn_variance
        return cls(n_hidden, **params)

    def _layer_features(self, rbm, X):
        """What ``rbm.transform(X)`` gives, without validating ``X`` again:
        the hidden means, chunk by chunk into one array."""
        dtype = rbm.components_.dtype
        engine = rbm._engine()
        if sp.issparse(X):  # only below the first layer; its features are dense
            H = engine.hidden_means(X.astype(dtype))
        else:
            H = np.empty((X.shape[0], rbm.n_components), dtype=dtype)
            start = 0
            for chunk in rbm._chunks(X):
                H[start:start + chunk.shape[0]] = engine.hidden_means(chunk)
                start += chunk.shape[0]
        return H.astype(X.dtype, copy=False)

    def _block_features(self, rbm, block):
        return rbm._engine().hidden_means(block)

    def _encoder_weights(self, rbm):
        W = rbm.components_.T
        sigma = getattr(rbm, "sigma_", None)
        if sigma is not None:
            W = W / sigma[:, None].astype(W.dtype)
        return np.ascontiguousarray(W), rbm.intercept_hidden_.copy()

    def _decoder_weights(self, rbm):
        W = rbm.components_
        sigma = getattr(rbm, "sigma_", None)
        if sigma is not None:
            W = W * sigma.astype(W.dtype)
        return np.ascontiguousarray(W), rbm.intercept_visible_.copy()

    def score(self, X, y=None):
        """Minus the mean squared reconstruction error per sample of the stack.

        Each row goes up through every RBM's hidden means and back down
        through each one's visible means, bottom RBM last; the score is
        ``-mean_i ||x_i - r_i||^2`` (higher is better), computed chunk by
        chunk. It measures the whole stack, not only the bottom RBM, and is
        deterministic, so that a search or ``dask_ml.wrappers.Incremental``
        scores the same model the same way on every call; it is the score of
        :class:`~deepbelief.StackedAutoencoder` and
        :class:`~deepbelief.DeepAutoencoder` too, so the three compare. The
        pseudo-likelihood of one RBM, which is stochastic, stays available
        as ``rbms_[i].score_samples``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : Ignored

        Returns
        -------
        score : float
        """
        check_is_fitted(self, "rbms_")
        X = self._validate_X(X, reset=False)
        engines = [rbm._engine() for rbm in self.rbms_]
        total = 0.0
        for _, V in row_chunks(X, dtype=self.rbms_[0].components_.dtype):
            H = V
            for engine in engines:
                H = engine.hidden_means(H)
            for engine in reversed(engines):
                H = engine.visible_means(H)
            H -= V
            total += float(np.einsum("ij,ij->", H, H, dtype=np.float64))
        return -total / X.shape[0]

    def sample(self, n_samples=1, n_gibbs=1000, *, downward="mean", random_state=None):
        """Draw samples from the generative model.

        ``n_samples`` independent chains start from uniformly random binary
        states of the top RBM's hidden layer and alternate
        ``v ~ p(v | h)``, ``h ~ p(h | v)`` in the top RBM for ``n_gibbs``
        steps. The last hidden states are then passed down: through the top
        RBM's ``p(v | h)`` and each lower RBM's ``p(v | h)`` in turn, to the
        visible layer.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples (independent chains).
        n_gibbs : int, default=1000
            Gibbs steps in the top RBM.
        downward : {"mean", "sample"}, default="mean"
            "mean" passes conditional means down (a deterministic pass whose
            output are probabilities, the usual way to show samples as
            images); "sample" draws every layer's states, giving a sample
            of the model's distribution over visible vectors.
        random_state : int, RandomState instance, Generator or None, default=None

        Returns
        -------
        X : ndarray of shape (n_samples, n_features_in_)
        """
        check_is_fitted(self, "rbms_")
        check("n_samples", n_samples, [Interval(Integral, 1, None)])
        check("n_gibbs", n_gibbs, [Interval(Integral, 0, None)])
        check("downward", downward, [Options(str, _DOWNWARD)])
        rng = make_generator(random_state)
        engines = [rbm._engine() for rbm in self.rbms_]
        top = engines[-1]
        H = (rng.random((n_samples, top.W.shape[0])) < 0.5).astype(top.dtype)
        top.run_chains(H, n_gibbs, rng)
        for engine in reversed(engines):
            if downward == "mean":
                H = engine.visible_means(H)
            else:
                H = engine.visible_sample(H, draw_seed(rng))
        return H


inherit_parameters(DBN, BernoulliRBM, per_layer=_PER_LAYER)


# ---------------------------------------------- the classic supervised model

def _with_defaults(init, **defaults):
    """A copy of the function ``init`` with some defaults changed, so that a
    subclass gets its own defaults in its signature (which scikit-learn
    reads) without restating every parameter."""
    code, positional = init.__code__, init.__defaults__ or ()
    names = code.co_varnames[code.co_argcount - len(positional):code.co_argcount]
    unknown = set(defaults) - set(names) - set(init.__kwdefaults__)
    if unknown:
        raise TypeError(f"{init.__qualname__} has no parameters {sorted(unknown)}.")
    copy = types.FunctionType(code, init.__globals__, init.__name__,
                              tuple(defaults.pop(n, v) for n, v in zip(names, positional)),
                              init.__closure__)
    copy.__kwdefaults__ = {**init.__kwdefaults__, **defaults}
    copy.__qualname__, copy.__doc__ = init.__qualname__, init.__doc__
    return copy


class _DBNDefaults:
    """The MLP's parameters with defaults from the DBN literature."""

    _pretrainer_options = ("auto",)

    _parameter_constraints = {
        **MLPClassifier._parameter_constraints,
        "hidden_layer_sizes": [Options(str, {"auto"}), LayerSizes(allow_empty=True)],
        "pretrainer": [HasMethods("fit", kind="an estimator with fit"), Literal("auto"),
                       None],
    }

    # _BaseMLP's, not MLPRegressor's: its loss parameter is not offered here
    __init__ = _with_defaults(_BaseMLP.__init__, hidden_layer_sizes="auto",
                              activation="sigmoid", solver="sgd", learning_rate_init=0.1,
                              nesterovs_momentum=False, pretrainer="auto")

    def _fit(self, X, y, incremental=False, classes=None, sample_weight=None):
        if not (incremental or self.warm_start) or not hasattr(self, "coefs_"):
            self._auto_n_samples = _num_samples(X)
            try:
                self._auto_n_features = _num_features(X)
            except TypeError:  # not 2-D: validation reports it in its own words
                self._auto_n_features = 0
        return super()._fit(X, y, incremental=incremental, classes=classes,
                            sample_weight=sample_weight)

    def _resolve_batch_size(self, n_train):
        if isinstance(self.batch_size, str) and self.batch_size == "auto":
            return min(auto_batch_size(n_train), n_train)
        return super()._resolve_batch_size(n_train)

    def _hidden_sizes(self):
        if isinstance(self.hidden_layer_sizes, str):  # "auto", as the table checked
            given = self._pretrainer_sizes()
            if given is not None:
                return given
            return list(auto_layer_sizes(self._auto_n_samples, self._auto_n_features))
        return super()._hidden_sizes()

    def _pretrainer_sizes(self):
        """The layer sizes a given pretrainer (or the estimator a
        ``FrozenEstimator`` wraps) declares, or None: "auto" then means
        those, so that a stack of other sizes fits without a mismatch found
        only after its pretraining."""
        pre = getattr(self.pretrainer, "estimator", self.pretrainer)
        if not hasattr(pre, "get_params"):
            return None
        sizes = pre.get_params(deep=False).get("hidden_layer_sizes")
        if sizes is None or isinstance(sizes, str):
            return None
        return LayerSizes().resolve(sizes, "pretrainer's hidden_layer_sizes")

    def _resolve_pretrainer(self):
        """The unfitted pretrainer of this fit, the ``pretrainer`` parameter
        left as given: for "auto" the DBN of the resolved layer sizes; a
        given pretrainer without a seed takes this estimator's."""
        # A copy, as clone would make: pretraining does not advance a
        # RandomState or Generator the caller passed.
        seed = copy.deepcopy(self.random_state)
        if isinstance(self.pretrainer, str) and self.pretrainer == "auto":
            return DBN(self._hidden_sizes(), random_state=seed)
        pre = super()._resolve_pretrainer()
        if (self.random_state is not None and hasattr(pre, "get_params")
                and pre.get_params(deep=False).get("random_state", 0) is None):
            pre.set_params(random_state=seed)
        return pre


_DBN_DOC = """

    The multilayer perceptron of :class:`~deepbelief.mlp.{base}` with a
    :class:`DBN` pretrainer and the defaults of the DBN literature
    (Hinton & Salakhutdinov 2006; Hinton's practical guide): logistic
    hidden units, greedy CD-1 pretraining of every hidden layer with
    :class:`DBN`'s defaults, then fine-tuning of the whole network by
    {finetune}.

    The defaults adapt to the size of the data as scikit-learn's do: from
    10,000 samples on the network is the literature's 500-500-2000; on
    fewer it is proportionally narrower and the pretraining takes smaller
    batches and more epochs (see :class:`DBN`). Scale the inputs to [0, 1]
    first (``make_pipeline(MinMaxScaler(), DBNClassifier())``): the first
    layer has binary visible units. With these defaults the scores on
    scikit-learn's small data sets are those of its MLP
    (``benchmarks/RESULTS.md``, "Small data sets"). A fit that ends with
    constant hidden layers, exploded weights or a loss no better than the
    class prior says so with a ``DegenerateFitWarning``.

    Parameters
    ----------
    hidden_layer_sizes : "auto", int or tuple of int, default="auto"
        "auto" is (500, 500, 2000) from 10,000 training samples or 784
        features on, and below that the same shape scaled by the larger of
        ``n_samples / 10000`` and ``n_features / 784``, with at least 32 units
        a layer (digits' 1,437 training rows of 64 pixels: (72, 72, 287); the
        rectangles of Larochelle et al. 2007, 1,000 images of 784 pixels:
        the full network). With a given ``pretrainer`` that has
        ``hidden_layer_sizes`` (a ``DBN``, a ``StackedAutoencoder``, either
        inside a ``FrozenEstimator``), "auto" is the pretrainer's sizes.
    pretrainer : "auto", estimator or None, default="auto"
        "auto" is ``DBN(sizes, random_state=random_state)`` with DBN's
        defaults, for the resolved hidden layer sizes. Pass a :class:`DBN` (or a
        :class:`~deepbelief.autoencoder.StackedAutoencoder`) to set the
        pretraining yourself; its parameters are then reachable as
        ``pretrainer__<name>`` (for instance ``pretrainer__n_iter`` in a
        search); if its ``random_state`` is None it takes this estimator's,
        so that one seed makes the whole fit reproducible. A fitted DBN
        wrapped in ``sklearn.frozen.FrozenEstimator`` is used without
        refitting. None trains from random initialisation.
        ``partial_fit`` does not pretrain, with a warning, unless the
        pretrainer is such a frozen DBN: pretraining on the first chunk
        alone would leave the network initialised from a fraction of the
        data. For data in chunks, train ``DBN(...).partial_fit`` on every
        chunk, then fine-tune ``DBNClassifier(pretrainer=FrozenEstimator(dbn))``
        by ``partial_fit``.
    batch_size : "auto", int or "full", default="auto"
{batch_note}    learning_rate_init : float, default={lr}
{lr_note}    <inherited parameters>

    Attributes
    ----------
    pretrainer_ : DBN
        The fitted pretrainer.
    coefs_, intercepts_, loss_curve_, history_, n_iter_ : see
        :class:`~deepbelief.mlp.{base}`.

    References
    ----------
    Hinton, G. E. & Salakhutdinov, R. R. (2006). Reducing the dimensionality
    of data with neural networks. Science 313.

    Hinton, G. E. (2010). A practical guide to training restricted Boltzmann
    machines. UTML TR 2010-003.
"""


_CLASSIFIER_NOTE = """\
        Chosen on data never reported (``benchmarks/select_classifier.py``,
        RESULTS.md "Choosing DBNClassifier's fine-tuning"), by the mean
        error over digits on a uniform-noise background (Larochelle et al.
        2007's background random set), MNIST digits and five of
        scikit-learn's small data sets: 6.5% at 0.1 against 7.6% at 0.03
        (make_classification 13.7% against 21.4%, iris 3.3% against
        4.7%), while 0.03 is ahead by 0.3-0.5 points on the two image sets
        (basic 2.9% against 3.3%, noisy background 17.2% against 17.5%).
        At 0.1 the top layer of 2,000 units ends mostly switched off on the
        noisy background, which a ``DegenerateFitWarning`` reports. An
        earlier choice, made when image data got 10 pretraining epochs
        rather than 60, was 0.03: 0.1 then ended at chance there.
"""

_CLASSIFIER_DOC = dict(
    base="MLPClassifier", lr=0.1, lr_note=_CLASSIFIER_NOTE,
    finetune="mini-batch gradient descent with classical momentum 0.9 and "
    "learning rate 0.1",
    batch_note="""\
        "auto" is DBN's rule: 100 from 10,000 training samples on, else
        ``n_samples // 100`` but at least 10. Measured on make_classification
        (800 training rows, 5 folds): batches of 100 leave two folds at
        chance (0.50 mean accuracy); batches of 10 reach 0.85.
""")

_REGRESSOR_DOC = dict(
    base="MLPRegressor", lr=0.01,
    finetune="Adam (learning rate 0.01, batches of 200 as in scikit-learn's "
    "MLPRegressor, at most 500 epochs with a patience of 50)",
    batch_note="""\
        "auto" is scikit-learn's ``min(200, n_samples)`` for fine-tuning
        (the pretraining keeps DBN's rule).
""",
    lr_note="""\
        With ``solver="adam"``, ``max_iter=500`` and ``n_iter_no_change=50``,
        unlike the classifier. Chosen among seven fine-tuning settings fixed
        in advance, on folds never reported (``benchmarks/select_small_data.py``,
        RESULTS.md "choosing DBNRegressor's fine-tuning"): SGD with momentum
        0.9 at 0.1 or 0.3 in batches of 50 or 100 ends at constant
        predictions on make_friedman1 (R² about 0); SGD at 0.03 in batches
        of 10, the previous default, reaches the same R² but takes 7 to 19
        times scikit-learn's time; Adam at 0.01 in batches of 200 is within
        0.01 of scikit-learn's R² on diabetes and 0.05 above it on
        make_friedman1, in 3.7 to 4.6 times its time.
""")


class DBNClassifier(_DBNDefaults, MLPClassifier):
    __doc__ = ("Deep belief network classifier: DBN pretraining, then backpropagation."
               + _DBN_DOC.format(**_CLASSIFIER_DOC) + """
    Examples
    --------
    >>> from deepbelief import DBNClassifier
    >>> from deepbelief.datasets import load_digits
    >>> X, y = load_digits()
    >>> clf = DBNClassifier((64,), max_iter=20, random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.9
    True
    """)


class DBNRegressor(_DBNDefaults, MLPRegressor):
    __init__ = _with_defaults(_DBNDefaults.__init__, solver="adam", learning_rate_init=0.01,
                              max_iter=500, n_iter_no_change=50)
    __doc__ = ("Deep belief network regressor: DBN pretraining, then backpropagation."
               + _DBN_DOC.format(**_REGRESSOR_DOC) + """
    Examples
    --------
    >>> import numpy as np
    >>> from deepbelief import DBNRegressor
    >>> from deepbelief.datasets import load_digits
    >>> X, y = load_digits()
    >>> reg = DBNRegressor((32,), max_iter=20, random_state=0).fit(X, y / 9.0)
    >>> reg.predict(X[:2]).shape
    (2,)
    """)

    def _resolve_batch_size(self, n_train):
        # scikit-learn's "auto" for fine-tuning; the pretrainer keeps DBN's rule
        return _BaseMLP._resolve_batch_size(self, n_train)


inherit_parameters(DBNClassifier, MLPClassifier)
inherit_parameters(DBNRegressor, MLPClassifier)
