r"""Deep Compression: pruning, k-means weight sharing and Huffman coding.

The three stages of Han, Mao & Dally (2016), each usable alone and chained
by :func:`compress`:

1. :func:`prune` removes the weights of smallest magnitude in each layer (a
   target sparsity per layer, or the paper's threshold ``quality`` times the
   layer's weight standard deviation), then retrains with the pruned weights
   held at zero, in one or several prune-retrain rounds.
2. :func:`share_weights` clusters each layer's surviving weights by 1-D
   k-means into ``2**bits`` shared values (linear initialisation between the
   minimum and the maximum, the paper's best), then fine-tunes the shared
   values: the gradient of a centroid is the sum of its members' gradients,

   .. math:: \frac{\partial L}{\partial c_k} = \sum_{(i, j):\, I_{ij} = k}
             \frac{\partial L}{\partial W_{ij}}.

3. :func:`huffman_code` codes the cluster indices and the relative positions
   of the kept weights with canonical Huffman codes.

The result, a :class:`CompressedModel`, predicts like the network it came
from, reports its size (``nbytes``, ``compression_ratio_``, a per-layer
table) and writes itself to bytes without pickle. It works for the MLPs and
DBN estimators (elementwise hidden activations) and the encoder of
:class:`~deepbelief.DeepAutoencoder`.

Sparse positions are stored as Han et al. do: row-major over the
``(n_in, n_out)`` matrix, each kept weight records the gap to the previous
one in ``index_bits`` bits; a wider gap inserts filler entries (a zero
weight). A layer that needs fillers keeps ``2**bits - 1`` shared values and
gives the last index symbol to the filler.

The MLPs retrain through their own loop: ``_weight_masks`` (a keep-mask per
entry of ``coefs_``, or None) makes it multiply the weights by the masks
after every step, for every solver; each round starts a fresh optimizer, so
no momentum from before pruning pushes the surviving weights. The deep
autoencoder is retrained, and centroids fine-tuned, by a loop here driving a
:class:`~deepbelief.nn.layers.Network`.

References
----------
Han, S., Mao, H. and Dally, W. J. (2016). Deep compression: compressing deep
neural networks with pruning, trained quantization and Huffman coding. ICLR.
Han, S., Pool, J., Tran, J. and Dally, W. J. (2015). Learning both weights
and connections for efficient neural networks. NIPS.
Huffman, D. A. (1952). A method for the construction of minimum-redundancy
codes. Proceedings of the IRE 40.
"""

import copy
import heapq
import json
import math
import struct
import time
import warnings
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils.validation import check_is_fitted

from .autoencoder import DeepAutoencoder
from .mlp import MLPClassifier, MLPRegressor
from ._param_validation import Interval, check, per_layer
from .nn.activations import get_activation
from .nn.layers import ActivationLayer, Dense, Network
from .nn.losses import BinaryCrossEntropy, CrossEntropy, SquaredError
from .nn.optimizers import get_optimizer
from .training import _progress_bar, gather_rows, make_generator, minibatch_indices, print_epoch

__all__ = ["CompressedModel", "canonical_codes", "centroid_gradients", "compress",
           "decode_positions", "encode_positions", "huffman_code",
           "huffman_code_lengths", "huffman_decode", "huffman_encode", "kmeans_1d",
           "magnitude_masks", "nearest_centroid", "prune", "share_weights",
           "sparse_nbytes"]

_MAGIC = b"DBCM"
_VERSION = 1
_LOSS_OUTPUT = {CrossEntropy: "softmax", BinaryCrossEntropy: "sigmoid",
                SquaredError: "identity"}
_OUTPUT_LOSS = {"softmax": CrossEntropy, "sigmoid": BinaryCrossEntropy,
                "identity": SquaredError}


_SPARSITY = [Interval(Real, 0, 1, closed="left")]
_BITS = [Interval(Integral, 1, 16, closed="both")]
_RATE = [Interval(Real, 0, math.inf, closed="neither")]


def _count(name, value, low):
    return int(check(name, value, [Interval(Integral, low, None)]))


def _layer_values(name, value, n, constraints, cast):
    """One checked value per layer from a scalar or a sequence of ``n``."""
    value = list(value) if isinstance(value, np.ndarray) else value
    return [cast(check(name, v, constraints)) for v in per_layer(value, n, name)]


# --------------------------------------------- the networks we compress

def _activation_name(spec, where):
    name = spec if isinstance(spec, str) else getattr(spec, "name", None)
    if not isinstance(name, str) or name in ("prelu", "maxout"):
        raise TypeError(f"{where}: compression supports elementwise activations given "
                        f"by name; got {spec!r}.")
    get_activation(name)
    return name


def _spec(model):
    """What the compressed model needs to compute like ``model``: its kind,
    the dense layers (W, b, activation after it) and output details."""
    if isinstance(model, DeepAutoencoder):
        check_is_fitted(model, "coefs_")
        n = len(model.coefs_) // 2
        acts = model._activations(n)[:n]
        return dict(kind="transformer", coefs=model.coefs_[:n],
                    intercepts=model.intercepts_[:n],
                    activations=[_activation_name(a, "activation") for a in acts],
                    n_features_in=int(model.n_features_in_))
    if isinstance(model, (MLPClassifier, MLPRegressor)):
        check_is_fitted(model, "coefs_")
        n_hidden = len(model.coefs_) - 1
        acts = model.activation
        acts = list(acts) if isinstance(acts, (list, tuple)) else [acts] * n_hidden
        acts = [_activation_name(a, "activation") for a in acts]
        spec = dict(coefs=model.coefs_, intercepts=model.intercepts_,
                    n_features_in=int(model.n_features_in_))
        if isinstance(model, MLPClassifier):
            y_type = model._label_binarizer.y_type_
            out = "softmax" if y_type == "multiclass" else "sigmoid"
            spec.update(kind="classifier", y_type=y_type,
                        classes=np.asarray(model.classes_))
        else:
            out = "identity"
            spec.update(kind="regressor", y_ndim=int(model._y_ndim))
        spec["activations"] = acts + [out]
        return spec
    raise TypeError("model must be a fitted MLPClassifier, MLPRegressor, "
                    "DBNClassifier, DBNRegressor or DeepAutoencoder; got "
                    f"{type(model).__name__}.")


def _targets(model, y):
    """The training targets of an MLP in its output coding."""
    if isinstance(model, MLPClassifier):
        return np.ascontiguousarray(model._label_binarizer.transform(y),
                                    dtype=model.coefs_[0].dtype)
    y = np.asarray(y, dtype=model.coefs_[0].dtype)
    return np.ascontiguousarray(y.reshape(len(y), -1))


def _training_network(model, X, y):
    """(Network sharing the model's arrays in place, inputs, targets, indices
    of the compressed layers' Dense layers in it)."""
    spec = _spec(model)
    X = np.ascontiguousarray(X, dtype=model.coefs_[0].dtype)
    if isinstance(model, DeepAutoencoder):
        net, Y = model._build_network(), X
    else:
        layers = []
        n_layers = len(spec["coefs"])
        for i, (W, b, act) in enumerate(zip(spec["coefs"], spec["intercepts"],
                                            spec["activations"])):
            layers.append(Dense(W, b))
            if i < n_layers - 1:  # the output activation is the loss's
                layers.append(ActivationLayer(act))
        net = Network(layers, _OUTPUT_LOSS[spec["activations"][-1]]())
        Y = _targets(model, y)
    dense = [i for i, layer in enumerate(net.layers) if isinstance(layer, Dense)]
    return net, X, Y, dense[:len(spec["coefs"])]


def _run_epochs(net, X, Y, epochs, learning_rate, batch_size, rng, after_step,
                solver="adam", verbose=False, name="retraining"):
    """Mini-batch training of ``net``; ``after_step()`` runs after each step
    (masks, centroid updates). Returns the mean loss of the last epoch;
    ``verbose`` prints the training loop's epoch line and bar."""
    batch_size = min(batch_size, X.shape[0])
    net.allocate(batch_size, X.dtype)
    xb_buf = np.empty((batch_size, X.shape[1]), dtype=X.dtype)
    yb_buf = np.empty((batch_size, Y.shape[1]), dtype=X.dtype)
    optimizer = get_optimizer(solver, learning_rate=learning_rate)
    loss_mean = float("nan")
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(epochs):
            total, t0 = 0.0, time.perf_counter()
            batches = minibatch_indices(X.shape[0], batch_size, rng, True)
            bar = _progress_bar(len(batches), f"{name} epoch {epoch + 1}", verbose)
            for idx in batches:
                xb = gather_rows(X, idx, xb_buf)
                yb = gather_rows(Y, idx, yb_buf)
                loss, _ = net.train_batch(xb, yb)
                if not math.isfinite(loss):
                    raise FloatingPointError("the loss became non-finite during "
                                             "retraining; lower learning_rate.")
                after_step(optimizer)
                total += loss
                if bar is not None:
                    bar.update()
            if bar is not None:
                bar.close()
            loss_mean = total / X.shape[0]
            if verbose:
                print_epoch(name, epoch + 1, loss=float(loss_mean),
                            time=f"{time.perf_counter() - t0:.2f}s")
    return loss_mean


# -------------------------------------------------------------- pruning

def _sparsities(model, sparsity, quality):
    coefs = _spec(model)["coefs"]
    n = len(coefs)
    if (sparsity is None) == (quality is None):
        raise ValueError("give exactly one of sparsity and quality; got "
                         f"sparsity={sparsity!r} and quality={quality!r}.")
    if sparsity is not None:
        return _layer_values("sparsity", sparsity, n, _SPARSITY, float)
    qualities = _layer_values("quality", quality, n,
                              [Interval(Real, 0, math.inf, closed="left")], float)
    return [min(float(np.mean(np.abs(W) < q * float(np.std(W)))), 1.0 - 1.0 / W.size)
            for W, q in zip(coefs, qualities)]


def magnitude_masks(coefs, sparsities, masks=None):
    """Keep-masks removing the ``round(s * size)`` weights of least magnitude
    in each layer (among those ``masks`` still keeps)."""
    out = []
    for i, (W, s) in enumerate(zip(coefs, sparsities)):
        a = np.abs(np.asarray(W, dtype=np.float64)).ravel()
        if masks is not None and masks[i] is not None:
            a = np.where(masks[i].ravel(), a, -1.0)
        n_drop = int(round(s * a.size))
        keep = np.ones(a.size, dtype=bool)
        if n_drop:
            keep[np.argpartition(a, n_drop - 1)[:n_drop]] = False
        if masks is not None and masks[i] is not None:
            keep &= masks[i].ravel()
        out.append(keep.reshape(W.shape))
    return out


def prune(model, X, y=None, *, sparsity=None, quality=None, n_rounds=1,
          retrain_epochs=5, learning_rate=None, rescale_dropout=True, batch_size=None,
          random_state=None, verbose=False):
    """Magnitude pruning with retraining, on a copy of ``model``.

    Parameters
    ----------
    model : fitted MLP, DBN estimator or DeepAutoencoder (its encoder)
    X, y : training data (``y`` unused for the autoencoder)
    sparsity : float or list of float in [0, 1), default=None
        Fraction of the weights removed from each layer.
    quality : float or list of float >= 0, default=None
        The paper's rule instead: remove the weights below ``quality`` times
        the layer's weight standard deviation. Give exactly one of the two.
    n_rounds : int, default=1
        Prune-retrain rounds; round ``r`` of ``R`` prunes ``r / R`` of the
        target.
    retrain_epochs : int, default=5
        Epochs of retraining per round (0: prune only).
    learning_rate : float or None, default=None
        Constant retraining learning rate; None is the model's
        ``learning_rate_init`` (a tenth of it for the deep autoencoder).
    rescale_dropout : bool, default=True
        Retrain with the dropout rates scaled by the square root of each
        layer's kept fraction (Han et al. 2015).
    batch_size : int or None
        Used for the autoencoder's retraining (None: its own batch_size).
    random_state : int, Generator or None
        Seeds the autoencoder's retraining (the MLPs use their own stream).
    verbose : bool, default=False
        A line per round, and the retraining's epoch lines and progress bar.

    Returns
    -------
    pruned : estimator
        A deep copy of ``model`` with the pruned weights exactly zero (its
        dropout rates, rescaled as :math:`p_r = p_o \\sqrt{C_r / C_o}` for
        retraining, restored afterwards).
    masks : list of ndarray of bool
        Keep-masks of the compressed layers (``coefs_[:len(masks)]``).
    """
    sparsities = _sparsities(model, sparsity, quality)
    n_rounds = _count("n_rounds", n_rounds, 1)
    retrain_epochs = _count("retrain_epochs", retrain_epochs, 0)
    check("learning_rate", learning_rate, [None, *_RATE])
    est = copy.deepcopy(model)
    n = len(sparsities)
    masks = None
    for r in range(1, n_rounds + 1):
        masks = magnitude_masks(est.coefs_[:n], [s * r / n_rounds for s in sparsities],
                                masks)
        for W, keep in zip(est.coefs_, masks):
            W *= keep
        if verbose:
            kept = sum(int(m.sum()) for m in masks) / sum(m.size for m in masks)
            print(f"[prune] round {r} of {n_rounds}: {kept:.1%} of the weights kept",
                  flush=True)
        if retrain_epochs:
            _retrain(est, X, y, masks, retrain_epochs, learning_rate, batch_size,
                     random_state, rescale_dropout, verbose)
    return est, masks


def _retrain(est, X, y, masks, epochs, learning_rate, batch_size, random_state,
             rescale_dropout=True, verbose=False):
    if isinstance(est, DeepAutoencoder):
        lr = est.learning_rate_init / 10 if learning_rate is None else learning_rate
        net, Xc, Y, _ = _training_network(est, X, None)
        pairs = [(W, keep.astype(W.dtype)) for W, keep in zip(est.coefs_, masks)]

        def step(optimizer):
            optimizer.update(net.params, net.grads)
            for W, keep in pairs:
                np.multiply(W, keep, out=W)

        _run_epochs(net, Xc, Y, epochs, lr, batch_size or est.batch_size,
                    make_generator(random_state), step, solver=est.solver,
                    verbose=verbose)
        return
    saved = est.get_params(deep=False)
    n_hidden = len(est.coefs_) - 1
    drop = est.dropout if isinstance(est.dropout, (list, tuple)) else [est.dropout] * n_hidden
    kept = [float(m.mean()) if rescale_dropout else 1.0 for m in masks]
    kept += [1.0] * (len(est.coefs_) - len(masks))
    # dropout after hidden layer i thins the units that layer i produces
    new_drop = [float(p) * math.sqrt(kept[i]) for i, p in enumerate(drop)]
    est.set_params(
        warm_start=True, max_iter=epochs, early_stopping=False, learning_rate="constant",
        n_iter_no_change=max(est.n_iter_no_change, epochs + 1),
        learning_rate_init=(est.learning_rate_init if learning_rate is None
                            else learning_rate),
        dropout=new_drop, input_dropout=est.input_dropout * math.sqrt(kept[0]),
        checkpoint_dir=None, verbose=bool(verbose))
    if hasattr(est, "_optimizer"):
        del est._optimizer  # a fresh optimizer: no momentum from before pruning
    est._weight_masks = list(masks) + [None] * (len(est.coefs_) - len(masks))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(X, y)
    finally:
        del est._weight_masks
        est.set_params(**saved)
    if hasattr(est, "_optimizer"):
        del est._optimizer


# ------------------------------------------------------- weight sharing

def kmeans_1d(values, n_clusters, random_state=0):
    """1-D k-means initialised linearly between the minimum and maximum (Han
    et al.'s best); returns sorted float64 centroids (at most ``n_clusters``)
    and each value's nearest."""
    values = np.asarray(values, dtype=np.float64).ravel()
    n_clusters = _count("n_clusters", n_clusters, 1)
    if values.size == 0:
        return np.zeros(0), np.zeros(0, dtype=np.int64)
    distinct = np.unique(values)
    if len(distinct) <= n_clusters:
        centroids = distinct
    else:
        init = np.linspace(values.min(), values.max(), n_clusters).reshape(-1, 1)
        km = KMeans(n_clusters, init=init, n_init=1, max_iter=300, tol=1e-8,
                    random_state=random_state, algorithm="lloyd")
        km.fit(values.reshape(-1, 1))
        centroids = np.unique(km.cluster_centers_.ravel())
    return centroids, nearest_centroid(values, centroids)


def nearest_centroid(values, centroids):
    """Index of the nearest of the sorted ``centroids`` for each value."""
    centroids = np.asarray(centroids, dtype=np.float64)
    if len(centroids) == 1:
        return np.zeros(np.size(values), dtype=np.int64)
    mids = (centroids[1:] + centroids[:-1]) / 2
    return np.searchsorted(mids, np.asarray(values, dtype=np.float64).ravel()).astype(
        np.int64)


def centroid_gradients(weight_grad, positions, labels, n_clusters):
    """Gradient of the loss with respect to each shared value: the sum of
    the gradients of the weights that share it."""
    g = np.asarray(weight_grad).ravel()[positions]
    return np.bincount(labels, weights=g, minlength=n_clusters)


class _Layer:
    """One compressed layer: sparse positions, cluster labels, codebook."""

    def __init__(self, shape, positions, labels, codebook, bias, activation, bits,
                 index_bits):
        self.shape = tuple(int(s) for s in shape)
        self.positions = np.asarray(positions, dtype=np.int64)
        self.labels = np.asarray(labels, dtype=np.int64)
        self.codebook = np.asarray(codebook, dtype=np.float32)
        self.bias = np.asarray(bias, dtype=np.float32)
        self.activation = activation
        self.bits = int(bits)
        self.index_bits = int(index_bits)

    def dense(self):
        W = np.zeros(self.shape, dtype=np.float32)
        W.ravel()[self.positions] = self.codebook[self.labels]
        return W


def share_weights(model, X=None, y=None, *, bits=5, masks=None, index_bits=5,
                  finetune_epochs=0, learning_rate=1e-4, batch_size=100,
                  random_state=None, verbose=False):
    """k-means weight sharing of each compressed layer's surviving weights.

    Parameters
    ----------
    model : fitted (and usually pruned) network, see :func:`prune`
    X, y : training data for the centroid fine-tuning (needed when
        ``finetune_epochs > 0``)
    bits : int or list of int in 1..16, default=5
        ``2**bits`` shared values per layer.
    masks : list of ndarray of bool or None
        The kept weights; None keeps the nonzero ones.
    index_bits : int in 1..16, default=5
        Width of a relative position (see the module docstring).
    finetune_epochs : int, default=0
        Epochs of centroid fine-tuning (Adam on the shared values, biases
        fixed).
    learning_rate : float, default=1e-4
    batch_size : int, default=100
    random_state : int, Generator or None
    verbose : bool, default=False
        The centroid fine-tuning's epoch lines and progress bar.

    Returns
    -------
    CompressedModel
        Fixed-width coding; :func:`huffman_code` gives the Huffman-coded one.
    """
    spec = _spec(model)
    n = len(spec["coefs"])
    bits = _layer_values("bits", bits, n, _BITS, int)
    index_bits = int(check("index_bits", index_bits, _BITS))
    finetune_epochs = _count("finetune_epochs", finetune_epochs, 0)
    check("learning_rate", learning_rate, _RATE)
    if masks is None:
        masks = [W != 0 for W in spec["coefs"]]
    elif len(masks) != n:
        raise ValueError(f"masks must hold one mask per compressed layer ({n}); got "
                         f"{len(masks)}.")
    layers = []
    for W, b, keep, nb, act in zip(spec["coefs"], spec["intercepts"], masks, bits,
                                   spec["activations"]):
        keep = np.asarray(keep, dtype=bool)
        if keep.shape != W.shape:
            raise ValueError(f"a mask has shape {keep.shape}; its layer has {W.shape}.")
        positions = np.flatnonzero(keep.ravel())
        has_fill = bool(np.any(np.diff(positions, prepend=-1) > (1 << index_bits)))
        centroids, labels = kmeans_1d(W.ravel()[positions], max(1, 2 ** nb - has_fill))
        layers.append(_Layer(W.shape, positions, labels, centroids, b, act, nb,
                             index_bits))
    if finetune_epochs:
        if X is None:
            raise ValueError("X must be given when finetune_epochs > 0; got None.")
        _finetune(model, layers, X, y, finetune_epochs, learning_rate, batch_size,
                  random_state, verbose)
    return CompressedModel._from_spec(spec, layers, coding="fixed")


def _finetune(model, layers, X, y, epochs, learning_rate, batch_size, random_state,
              verbose=False):
    est = copy.deepcopy(model)
    net, Xc, Y, dense_idx = _training_network(est, X, y)
    dtype = Xc.dtype
    codebooks = [layer.codebook.astype(dtype) for layer in layers]
    grads = [np.zeros_like(c) for c in codebooks]
    targets = [net.layers[i] for i in dense_idx]
    for dense, layer, c in zip(targets, layers, codebooks):
        dense.W[...] = 0
        dense.W.ravel()[layer.positions] = c[layer.labels]

    def step(optimizer):
        for dense, layer, c, g in zip(targets, layers, codebooks, grads):
            g[...] = centroid_gradients(dense.grads[0], layer.positions, layer.labels,
                                        len(c))
        optimizer.update(codebooks, grads)
        for dense, layer, c in zip(targets, layers, codebooks):
            dense.W.ravel()[layer.positions] = c[layer.labels]

    _run_epochs(net, Xc, Y, epochs, learning_rate, batch_size,
                make_generator(random_state), step, verbose=verbose,
                name="centroid fine-tuning")
    for layer, c in zip(layers, codebooks):
        layer.codebook = c.astype(np.float32)


# ------------------------------------------------------- Huffman coding

def huffman_code_lengths(counts):
    """Huffman code lengths for symbol ``counts`` (0 for absent symbols; a
    single present symbol gets length 1)."""
    counts = np.asarray(counts, dtype=np.int64)
    lengths = np.zeros(len(counts), dtype=np.int64)
    present = np.flatnonzero(counts > 0)
    if len(present) == 1:
        lengths[present] = 1
        return lengths
    # heap of (weight, tie-breaker, symbols under the node)
    heap = [(int(counts[s]), int(s), [int(s)]) for s in present]
    heapq.heapify(heap)
    while len(heap) > 1:
        w1, t1, s1 = heapq.heappop(heap)
        w2, t2, s2 = heapq.heappop(heap)
        lengths[s1 + s2] += 1
        heapq.heappush(heap, (w1 + w2, min(t1, t2), s1 + s2))
    if lengths.max(initial=0) > 63:
        raise ValueError(f"a Huffman code is {lengths.max()} bits long; at most 63 "
                         "are supported.")
    return lengths


def canonical_codes(lengths):
    """Canonical codes (as integers) for code ``lengths``: symbols sorted by
    (length, symbol) get consecutive codes, shifted left at each new length."""
    lengths = np.asarray(lengths, dtype=np.int64)
    codes = np.zeros(len(lengths), dtype=np.uint64)
    order = sorted((int(l), s) for s, l in enumerate(lengths) if l > 0)
    code, prev = 0, 0
    for l, s in order:
        code <<= l - prev
        codes[s] = code
        code += 1
        prev = l
    return codes


def _write_bits(codes, lengths):
    """Concatenate ``codes[i]`` written in ``lengths[i]`` bits, MSB first."""
    lengths = np.asarray(lengths, dtype=np.int64)
    total = int(lengths.sum())
    if total == 0:
        return b"", 0
    starts = np.cumsum(lengths) - lengths
    rep_len = np.repeat(lengths, lengths)
    j = np.arange(total, dtype=np.int64) - np.repeat(starts, lengths)
    shift = (rep_len - 1 - j).astype(np.uint64)
    bits = (np.repeat(np.asarray(codes, dtype=np.uint64), lengths) >> shift) & np.uint64(1)
    return np.packbits(bits.astype(np.uint8)).tobytes(), total


def huffman_encode(symbols, lengths):
    """Bit string of ``symbols`` under the canonical code of ``lengths``;
    returns ``(bytes, n_bits)``."""
    symbols = np.asarray(symbols, dtype=np.int64)
    lengths = np.asarray(lengths, dtype=np.int64)
    if symbols.size and (lengths[symbols] == 0).any():
        raise ValueError("symbols holds a symbol whose code length is 0.")
    codes = canonical_codes(lengths)
    return _write_bits(codes[symbols], lengths[symbols])


def huffman_decode(data, n_bits, n_symbols, lengths):
    """Inverse of :func:`huffman_encode`: ``n_symbols`` symbols from the first
    ``n_bits`` bits of ``data``. Every bit position's window of ``L`` bits is
    decoded at once with the canonical limits; a hop over the code lengths
    then picks the positions where symbols start."""
    lengths = np.asarray(lengths, dtype=np.int64)
    if n_symbols == 0:
        return np.zeros(0, dtype=np.int64)
    L = int(lengths.max())
    bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8))[:n_bits]
    padded = np.concatenate([bits, np.zeros(L, dtype=np.uint8)]).astype(np.uint64)
    window = np.zeros(n_bits, dtype=np.uint64)
    for j in range(L):
        window = (window << np.uint64(1)) | padded[j:j + n_bits]
    # canonical tables: per length, the first code and the sorted symbols
    order = sorted((int(l), s) for s, l in enumerate(lengths) if l > 0)
    sorted_syms = np.array([s for _, s in order], dtype=np.int64)
    count = np.bincount([l for l, _ in order], minlength=L + 1)
    first = np.zeros(L + 1, dtype=np.int64)
    offset = np.zeros(L + 1, dtype=np.int64)
    code = 0
    for l in range(1, L + 1):
        code = code << 1
        first[l] = code
        offset[l] = offset[l - 1] + count[l - 1] if l > 1 else 0
        code += count[l]
    # limit[l]: windows below it (left-aligned) have a code of length <= l
    limits = np.array([(int(first[l]) + int(count[l])) << (L - l)
                       for l in range(1, L + 1)], dtype=np.uint64)
    ln = np.searchsorted(limits, window, side="right") + 1
    ln = np.minimum(ln, L)
    value = (window >> (np.uint64(L) - ln.astype(np.uint64))).astype(np.int64)
    rank = offset[ln] + value - first[ln]
    sym = sorted_syms[np.clip(rank, 0, len(sorted_syms) - 1)]
    ln_list, sym_list = ln.tolist(), sym.tolist()
    out = np.empty(n_symbols, dtype=np.int64)
    p = 0
    for k in range(n_symbols):
        if p >= n_bits:
            raise ValueError("the bit string ends before all symbols are decoded.")
        out[k] = sym_list[p]
        p += ln_list[p]
    return out


# ----------------------------------------------------- sparse positions

def encode_positions(positions, index_bits):
    """Relative position gaps (``gap - 1`` in ``index_bits`` bits) and a
    filler flag per entry, fillers inserted for gaps wider than the span."""
    span = 1 << index_bits
    positions = np.asarray(positions, dtype=np.int64)
    gaps = np.diff(positions, prepend=-1)
    n_fill = (gaps - 1) // span
    total = len(gaps) + int(n_fill.sum())
    entry_gap = np.full(total, span, dtype=np.int64)
    is_fill = np.ones(total, dtype=bool)
    ends = np.cumsum(n_fill + 1) - 1
    entry_gap[ends] = gaps - n_fill * span
    is_fill[ends] = False
    return entry_gap - 1, is_fill


def decode_positions(gap_symbols, is_fill):
    pos = np.cumsum(np.asarray(gap_symbols, dtype=np.int64) + 1) - 1
    return pos[~np.asarray(is_fill, dtype=bool)]


# ------------------------------------------------- the compressed model

def _huffman_lengths_for(symbols, n_alphabet):
    return huffman_code_lengths(np.bincount(symbols, minlength=n_alphabet))


class CompressedModel:
    """A network stored as sparse positions, shared values and (Huffman)
    codes, predicting like the model it came from (made by
    :func:`share_weights` or :func:`compress`, read by :meth:`from_bytes`).
    Predictions decode each layer once into a cached dense float32 matrix;
    ``mode="sparse"`` multiplies by CSR matrices instead.

    Attributes
    ----------
    kind : {"classifier", "regressor", "transformer"}
    coding : {"fixed", "huffman"}
    classes_ : ndarray (classifiers)
    n_features_in_ : int
    compression_ratio_ : dict
        ``storage``: bytes of the dense float32 model (weights and biases)
        over :attr:`nbytes`, as Han et al. count; ``parameters``: weights
        over kept weights, as most later papers count.
    stages_ : list of dict
        Filled by :func:`compress`: bytes, ratios and seconds per stage.
    """

    def __init__(self, layers, *, kind, coding, n_features_in, classes=None,
                 y_type=None, y_ndim=None):
        self.layers = list(layers)
        self.kind = kind
        self.coding = coding
        self.n_features_in_ = int(n_features_in)
        if classes is not None:
            self.classes_ = np.asarray(classes)
        self.y_type = y_type
        self.y_ndim = y_ndim
        self.mode = "dense"
        self.stages_ = []
        self._cache = None
        self._encode()

    @classmethod
    def _from_spec(cls, spec, layers, coding):
        return cls(layers, kind=spec["kind"], coding=coding,
                   n_features_in=spec["n_features_in"], classes=spec.get("classes"),
                   y_type=spec.get("y_type"), y_ndim=spec.get("y_ndim"))

    # ----- coding

    def _encode(self):
        """Code every layer's streams; fills ``_streams`` and the report."""
        self._streams = []
        for layer in self.layers:
            gap_syms, is_fill = encode_positions(layer.positions, layer.index_bits)
            n_clusters = len(layer.codebook)
            labels = np.full(len(gap_syms), n_clusters, dtype=np.int64)
            labels[~is_fill] = layer.labels
            n_label_alpha = n_clusters + bool(is_fill.any())
            n_gap_alpha = 1 << layer.index_bits
            if self.coding == "huffman":
                lab_len = _huffman_lengths_for(labels, n_label_alpha)
                gap_len = _huffman_lengths_for(gap_syms, n_gap_alpha)
                lab = huffman_encode(labels, lab_len)
                gap = huffman_encode(gap_syms, gap_len)
            else:
                w = _fixed_width(n_label_alpha)
                lab_len = gap_len = None
                lab = _write_bits(labels, np.full(len(labels), w))
                gap = _write_bits(gap_syms, np.full(len(gap_syms), layer.index_bits))
            # streams kept as uint8 arrays (persistence.save writes arrays)
            lab = (np.frombuffer(lab[0], dtype=np.uint8).copy(), lab[1])
            gap = (np.frombuffer(gap[0], dtype=np.uint8).copy(), gap[1])
            self._streams.append(dict(n_entries=len(labels), lab=lab, gap=gap,
                                      lab_len=lab_len, gap_len=gap_len,
                                      n_alphabet=n_label_alpha))

    def to_bytes(self):
        """The model as bytes, without pickle: magic, version, a JSON header,
        then per layer codebook, bias, code-length tables and bit streams."""
        meta = dict(kind=self.kind, coding=self.coding,
                    n_features_in=self.n_features_in_, y_type=self.y_type,
                    y_ndim=self.y_ndim,
                    classes=(self.classes_.tolist() if hasattr(self, "classes_")
                             else None),
                    layers=[])
        payload = []
        for layer, st in zip(self.layers, self._streams):
            entry = dict(shape=list(layer.shape), activation=layer.activation,
                         bits=layer.bits, index_bits=layer.index_bits,
                         n_clusters=len(layer.codebook), n_kept=len(layer.positions),
                         n_entries=st["n_entries"], n_alphabet=st["n_alphabet"],
                         lab_bits=st["lab"][1],
                         gap_bits=st["gap"][1])
            parts = [layer.codebook.astype("<f4").tobytes(),
                     layer.bias.astype("<f4").tobytes()]
            if self.coding == "huffman":
                parts += [_pack_lengths(st["lab_len"]), _pack_lengths(st["gap_len"])]
            parts += [st["lab"][0].tobytes(), st["gap"][0].tobytes()]
            entry["sizes"] = [len(p) for p in parts]
            meta["layers"].append(entry)
            payload += parts
        header = json.dumps(meta, separators=(",", ":")).encode()
        return b"".join([_MAGIC, struct.pack("<BI", _VERSION, len(header)), header,
                         *payload])

    @classmethod
    def from_bytes(cls, data):
        """Read what :meth:`to_bytes` wrote."""
        data = bytes(data)
        if data[:4] != _MAGIC:
            raise ValueError("data is not a compressed deepbelief model (bad magic "
                             f"bytes {data[:4]!r}).")
        version, n_header = struct.unpack("<BI", data[4:9])
        if version != _VERSION:
            raise ValueError(f"compressed model format version {version} is not "
                             f"supported (this library reads {_VERSION}).")
        meta = json.loads(data[9:9 + n_header].decode())
        pos = 9 + n_header
        layers = []
        for e in meta["layers"]:
            parts = []
            for size in e["sizes"]:
                parts.append(data[pos:pos + size])
                pos += size
            codebook = np.frombuffer(parts[0], dtype="<f4").astype(np.float32)
            bias = np.frombuffer(parts[1], dtype="<f4").astype(np.float32)
            n_entries = e["n_entries"]
            if meta["coding"] == "huffman":
                lab_len = _unpack_lengths(parts[2], e["n_alphabet"])
                gap_len = _unpack_lengths(parts[3], 1 << e["index_bits"])
                labels = huffman_decode(parts[4], e["lab_bits"], n_entries, lab_len)
                gaps = huffman_decode(parts[5], e["gap_bits"], n_entries, gap_len)
            else:
                w = _fixed_width(e["n_alphabet"])
                labels = _read_fixed(parts[2], n_entries, w)
                gaps = _read_fixed(parts[3], n_entries, e["index_bits"])
            is_fill = labels == e["n_clusters"]
            positions = decode_positions(gaps, is_fill)
            layers.append(_Layer(e["shape"], positions, labels[~is_fill], codebook, bias,
                                 e["activation"], e["bits"], e["index_bits"]))
        return cls(layers, kind=meta["kind"], coding=meta["coding"],
                   n_features_in=meta["n_features_in"], classes=meta["classes"],
                   y_type=meta["y_type"], y_ndim=meta["y_ndim"])

    @property
    def nbytes(self):
        """Length of :meth:`to_bytes`."""
        return len(self.to_bytes())

    @property
    def dense_nbytes(self):
        """Bytes of the same network as dense float32 weights and biases."""
        return sum(4 * (math.prod(layer.shape) + layer.bias.size)
                   for layer in self.layers)

    @property
    def compression_ratio_(self):
        weights = sum(math.prod(layer.shape) for layer in self.layers)
        kept = sum(len(layer.positions) for layer in self.layers)
        return dict(storage=self.dense_nbytes / self.nbytes,
                    parameters=weights / max(kept, 1))

    def report(self):
        """Per layer: shape, kept weights, bits and the bytes of each part."""
        rows = []
        for layer, st in zip(self.layers, self._streams):
            size = math.prod(layer.shape)
            extra = 0
            if self.coding == "huffman":
                extra = (len(_pack_lengths(st["lab_len"]))
                         + len(_pack_lengths(st["gap_len"])))
            rows.append(dict(
                shape=layer.shape, kept=len(layer.positions),
                kept_fraction=len(layer.positions) / size, bits=layer.bits,
                entries=st["n_entries"],
                weight_bytes=st["lab"][0].size, index_bytes=st["gap"][0].size,
                codebook_bytes=4 * len(layer.codebook), table_bytes=extra,
                bias_bytes=4 * layer.bias.size))
        return rows

    def weights(self):
        """The decoded layers as a list of dense ``(W, b)`` (float32)."""
        return [(layer.dense(), layer.bias.copy()) for layer in self.layers]

    # ----- prediction

    def _operators(self):
        if self._cache is None or self._cache[0] != self.mode:
            if self.mode == "sparse":
                ops = []
                for layer in self.layers:
                    rows, cols = np.divmod(layer.positions, layer.shape[1])
                    # stored transposed: CSR times a dense block of columns
                    M = sparse.csr_matrix(
                        (layer.codebook[layer.labels], (cols, rows)),
                        shape=(layer.shape[1], layer.shape[0]), dtype=np.float32)
                    # arrays only, so that the model stays plain data
                    ops.append([M.data, M.indices, M.indptr])
            else:
                ops = [layer.dense() for layer in self.layers]
            self._cache = [self.mode, ops]
        return self._cache[1]

    def _output(self, X):
        X = np.asarray(X.toarray() if hasattr(X, "toarray") else X)
        if X.ndim != 2 or X.shape[1] != self.n_features_in_:
            raise ValueError(f"X must have {self.n_features_in_} features; got shape "
                             f"{X.shape}.")
        H = np.ascontiguousarray(X, dtype=np.float32)
        for layer, op in zip(self.layers, self._operators()):
            if self.mode == "sparse":
                M = sparse.csr_matrix(tuple(op), shape=(layer.shape[1], layer.shape[0]),
                                      copy=False)
                Z = np.ascontiguousarray((M @ H.T).T)
            else:
                Z = H @ op
            Z += layer.bias
            get_activation(layer.activation).forward(Z, out=Z)
            H = Z
        return H

    def _require(self, *kinds, what):
        if self.kind not in kinds:
            raise AttributeError(f"a compressed {self.kind} has no {what}.")

    def predict_proba(self, X):
        """Class probabilities, of shape (n_samples, n_classes)."""
        self._require("classifier", what="predict_proba")
        P = self._output(X)
        if self.y_type == "binary":
            return np.column_stack([1 - P[:, 0], P[:, 0]])
        return P

    def predict(self, X):
        """Class labels or targets, as the source model's ``predict``."""
        self._require("classifier", "regressor", what="predict")
        P = self._output(X)
        if self.kind == "regressor":
            return P.ravel() if self.y_ndim == 1 else P
        if self.y_type == "multiclass":
            return self.classes_[np.argmax(P, axis=1)]
        if self.y_type == "binary":
            return self.classes_[(P[:, 0] > 0.5).astype(np.int64)]
        return (P > 0.5).astype(np.int64)

    def transform(self, X):
        """Codes (the last compressed layer's activations)."""
        self._require("transformer", what="transform")
        return self._output(X)

    def score(self, X, y):
        """Accuracy (classifiers) or R^2 (regressors)."""
        self._require("classifier", "regressor", what="score")
        if self.kind == "classifier":
            return float(accuracy_score(y, self.predict(X)))
        return float(r2_score(y, self.predict(X)))

    def __repr__(self):
        return (f"CompressedModel(kind={self.kind!r}, coding={self.coding!r}, "
                f"layers={len(self.layers)}, nbytes={self.nbytes})")


def _pack_lengths(lengths):
    """Code lengths in 4 bits each if all are below 16, else 8 (a first byte)."""
    lengths = np.asarray(lengths, dtype=np.int64)
    if lengths.max(initial=0) < 16:
        data, _ = _write_bits(lengths, np.full(len(lengths), 4))
        return b"\x04" + data
    return b"\x08" + lengths.astype(np.uint8).tobytes()


def _unpack_lengths(data, n):
    width = data[0]
    if width not in (4, 8):
        raise ValueError(f"bad code-length table width {width} in the data.")
    return _read_fixed(data[1:], n, width)


def _fixed_width(n_alphabet):
    return max(1, math.ceil(math.log2(n_alphabet))) if n_alphabet > 1 else 1


def _read_fixed(data, n, width):
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8))[:n * width]
    bits = bits.reshape(n, width).astype(np.int64)
    return bits @ (1 << np.arange(width - 1, -1, -1, dtype=np.int64))


def huffman_code(compressed):
    """The same compressed model with canonical Huffman codes for the
    cluster indices and the position gaps."""
    if not isinstance(compressed, CompressedModel):
        raise TypeError("compressed must be a CompressedModel; got "
                        f"{type(compressed).__name__}.")
    out = CompressedModel(compressed.layers, kind=compressed.kind, coding="huffman",
                          n_features_in=compressed.n_features_in_,
                          classes=getattr(compressed, "classes_", None),
                          y_type=compressed.y_type, y_ndim=compressed.y_ndim)
    out.stages_ = list(compressed.stages_)
    return out


def sparse_nbytes(model, masks, index_bits=5):
    """Bytes of the pruned model as Han et al. count: a float32 per kept weight,
    ``index_bits`` per position entry (fillers included), float32 biases."""
    spec = _spec(model)
    total = 0.0
    for W, b, keep in zip(spec["coefs"], spec["intercepts"], masks):
        gaps, _ = encode_positions(np.flatnonzero(np.ravel(keep)), index_bits)
        total += (32 * len(gaps) + index_bits * len(gaps)) / 8 + 4 * b.size
    return int(math.ceil(total))


def _dense_nbytes(model):
    spec = _spec(model)
    return sum(4 * (W.size + b.size) for W, b in zip(spec["coefs"], spec["intercepts"]))


def compress(model, X, y=None, *, sparsity=None, quality=None, bits=5, index_bits=5,
             n_rounds=1, retrain_epochs=5, learning_rate=None, finetune_epochs=2,
             finetune_learning_rate=1e-4, random_state=None, verbose=False):
    """Prune, share weights and Huffman-code ``model``.

    Parameters as in :func:`prune` and :func:`share_weights` (``sparsity``
    is 0.9 when neither it nor ``quality`` is given).

    Returns
    -------
    CompressedModel
        With ``stages_``: bytes, ratios and seconds per stage.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from deepbelief import MLPClassifier, compress
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = MLPClassifier((64,), max_iter=30, random_state=0).fit(X / 16, y)
    >>> small = compress(clf, X / 16, y, sparsity=0.8, bits=4, random_state=0)
    >>> small.compression_ratio_["storage"] > 10
    True
    """
    if sparsity is None and quality is None:
        sparsity = 0.9
    dense = _dense_nbytes(model)
    n_weights = sum(W.size for W in _spec(model)["coefs"])
    t0 = time.perf_counter()
    pruned, masks = prune(model, X, y, sparsity=sparsity, quality=quality,
                          n_rounds=n_rounds, retrain_epochs=retrain_epochs,
                          learning_rate=learning_rate, random_state=random_state,
                          verbose=verbose)
    t1 = time.perf_counter()
    kept = sum(int(m.sum()) for m in masks)
    p_bytes = sparse_nbytes(pruned, masks, index_bits)
    shared = share_weights(pruned, X, y, bits=bits, masks=masks, index_bits=index_bits,
                           finetune_epochs=finetune_epochs,
                           learning_rate=finetune_learning_rate,
                           random_state=random_state, verbose=verbose)
    t2 = time.perf_counter()
    coded = huffman_code(shared)
    t3 = time.perf_counter()
    ratio = n_weights / max(kept, 1)
    coded.stages_ = [
        dict(stage="dense", nbytes=dense, storage=1.0, parameters=1.0, seconds=0.0),
        dict(stage="pruned", nbytes=p_bytes, storage=dense / p_bytes,
             parameters=ratio, seconds=t1 - t0),
        dict(stage="quantised", nbytes=shared.nbytes, storage=dense / shared.nbytes,
             parameters=ratio, seconds=t2 - t1),
        dict(stage="huffman", nbytes=coded.nbytes, storage=dense / coded.nbytes,
             parameters=ratio, seconds=t3 - t2),
    ]
    return coded
