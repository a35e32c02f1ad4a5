"""What the greedy layer-wise stacks, :class:`~deepbelief.DBN` and
:class:`~deepbelief.StackedAutoencoder`, share.

A stack is a list of one-layer estimators (RBMs, autoencoders), each
trained on the features of the layers below it. :class:`_LayerwiseStack`
holds everything but the kind of layer: the per-layer fan-out of settings
(one value for all layers or a list of one per layer), the construction of
the layers with errors prefixed "layer i:", the greedy bottom-up ``fit``,
``partial_fit`` (every layer one pass per chunk), ``transform``,
``layer_weights_`` and ``decoder_weights_``.

This module imports no estimator, so that :mod:`deepbelief.mlp` may take
its layer-size and per-layer checks from it.
"""

import contextlib
import os
import tempfile

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from ._param_validation import LayerSizes, nested_validation, per_layer, validate_params
from .training import CHUNK_ROWS, layer_warnings, make_generator, row_chunks

__all__ = ["check_layer_sizes", "per_layer"]


def row_blocks(X, rows=None, dtype=None):
    """:func:`~deepbelief.training.row_chunks` over the ``rows`` of X (all
    when None): ``(positions, block)`` with ``positions`` the slice of
    ``rows`` the dense block holds, gathered one block at a time, so that
    the blocks are those of ``row_chunks(X[rows])`` without that copy."""
    if rows is None:
        yield from row_chunks(X, dtype=dtype)
        return
    for start in range(0, len(rows), CHUNK_ROWS):
        positions = slice(start, min(start + CHUNK_ROWS, len(rows)))
        block = X[rows[positions]]
        if sp.issparse(block):
            block = block.toarray()
        yield positions, np.ascontiguousarray(block, dtype=dtype)


def check_layer_sizes(sizes, name="hidden_layer_sizes", allow_empty=False):
    """``sizes`` as a list of positive ints, with errors naming ``name``.

    An int is one layer; an empty sequence is refused unless
    ``allow_empty`` (an MLP without hidden layers is a linear model).
    """
    return LayerSizes(allow_empty).resolve(sizes, name)


class _LayerwiseStack(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """A stack of one-layer estimators trained greedily, bottom to top, with
    the parameters ``hidden_layer_sizes``, ``verbose`` and ``random_state``.

    Subclasses set ``_PER_LAYER`` (the settings given once or per layer),
    ``_layers_attr`` (the fitted attribute holding the layers),
    ``_layer_class`` (the layers' base class: the stack has ``partial_fit``
    when it does) and ``_accept_sparse``, and implement ``_make_layer`` and
    ``_layer_features``; the other hooks have defaults for layers with
    their own ``layer_weights_`` and ``decoder_weights_``.
    """

    _PER_LAYER = ()
    _layers_attr = None
    _layer_class = None
    _accept_sparse = False

    # ------------------------------------------------------------ hooks

    def _make_layer(self, i, n_units, params, below, n_samples):
        """Layer ``i``, unfitted: ``n_units`` units, ``params`` its share of
        the per-layer settings plus ``verbose`` and ``random_state``,
        ``below`` the layer under it (None for the first), ``n_samples``
        the rows it will be trained on."""
        raise NotImplementedError

    def _layer_features(self, layer, X):
        """The fitted ``layer``'s features of ``X`` (already validated), in
        ``X``'s dtype, computed chunk by chunk."""
        raise NotImplementedError

    def _block_features(self, layer, block):
        """The fitted ``layer``'s features of one dense block of rows."""
        return self._layer_features(layer, block)

    def _encoder_weights(self, layer):
        """``(W, b)`` of shape ``(n_in, n_out)`` and ``(n_out,)``."""
        return layer.layer_weights_[0]

    def _decoder_weights(self, layer):
        """``(W, b)`` of shape ``(n_out, n_in)`` and ``(n_in,)``."""
        return layer.decoder_weights_[0]

    # ------------------------------------------------------------ fitting

    def _layers(self):
        return getattr(self, self._layers_attr)

    def _validate_X(self, X, reset):
        X = validate_data(self, X, accept_sparse=self._accept_sparse,
                          reset=reset, dtype=(np.float64, np.float32))
        if reset and X.shape[0] == 0:
            raise ValueError("X has 0 samples; at least one is needed to fit.")
        return X

    def _new_layers(self, X, rows=None):
        """Validate the parameters and ``X`` and build the unfitted layers
        for training on the ``rows`` of X (all when None), layer ``i``
        seeded with the ``i``-th integer drawn from ``random_state``."""
        validate_params(self)
        rng = make_generator(self.random_state)
        sizes = check_layer_sizes(self.hidden_layer_sizes)
        seeds = rng.integers(0, 2**31 - 1, size=len(sizes))
        X = self._validate_X(X, reset=True)
        settings = {name: per_layer(getattr(self, name), len(sizes), name)
                    for name in self._PER_LAYER}
        layers = []
        for i, n_units in enumerate(sizes):
            params = {name: values[i] for name, values in settings.items()}
            params.update(verbose=max(0, int(self.verbose) - 1), random_state=int(seeds[i]))
            folder = getattr(self, "checkpoint_dir", None)
            if folder is not None:
                params["checkpoint_dir"] = os.path.join(os.fspath(folder), f"layer_{i}")
            layer = self._make_layer(i, n_units, params, layers[-1] if layers else None,
                                     X.shape[0] if rows is None else len(rows))
            # its verbose lines and progress bar name the layer
            layer._log_name = f"{type(self).__name__} layer {i}"
            try:  # the table checked each setting; what remains is their combinations
                layer._check_param_combinations()
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"layer {i}: {exc}") from None
            layers.append(layer)
        return X, layers

    def fit(self, X, y=None):
        """Fit the layers greedily, bottom to top.

        Layer 0 is fitted to ``X``; layer ``i`` to the features of layers
        ``0 .. i-1``, which are computed once, chunk by chunk, into one
        array (the layer's own fit makes several passes over them), or into
        a file in ``feature_dir`` when it is set.

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
        """``fit`` on the ``rows`` of X (all when None) without copying them:
        the bottom layer gathers its batches from X, and the features it
        passes up are computed block by block from the gathered rows."""
        X, layers = self._new_layers(X, rows)
        name, folder = type(self).__name__, getattr(self, "feature_dir", None)
        H, path = X, None
        try:
            for i, layer in enumerate(layers):
                with layer_warnings(f"{name} layer {i}"), nested_validation():
                    if i == 0 and rows is not None:
                        layer._fit_rows(H, rows)
                    else:
                        layer.fit(H)
                if self.verbose:
                    err = getattr(layer, "history_", {}).get("reconstruction_error", [])
                    err = err[-1] if len(err) else float("nan")
                    print(f"[{name}] layer {i}: {H.shape[1]} -> {layer.n_components} "
                          f"units, {layer.n_iter_} epochs, reconstruction error {err:.4f}")
                if i + 1 == len(layers):
                    break
                below = path
                if folder is None and (i > 0 or rows is None):
                    H = self._layer_features(layer, H)
                else:
                    H, path = self._features_into(layer, H, rows if i == 0 else None,
                                                  folder, i + 1)
                if below is not None:  # the layer that read it is trained
                    os.remove(below)
        finally:
            if path is not None and os.path.exists(path):
                H = None
                os.remove(path)
        setattr(self, self._layers_attr, layers)
        return self

    def _features_into(self, layer, X, rows, folder, i):
        """The fitted ``layer``'s features of the ``rows`` of X, written block
        by block into a new array, or (``folder`` set) into a new file there
        opened read-only as an ``np.memmap``; returns it and the file's path
        (None for an array)."""
        n = X.shape[0] if rows is None else len(rows)
        shape = (n, layer.n_components)
        if folder is None:
            out, path = np.empty(shape, dtype=X.dtype), None
        else:
            os.makedirs(folder, exist_ok=True)
            fd, path = tempfile.mkstemp(prefix=f"{type(self).__name__}-layer{i}-",
                                        suffix=f".{X.dtype.name}", dir=folder)
            os.close(fd)
            out = np.memmap(path, dtype=X.dtype, mode="w+", shape=shape)
        for positions, block in row_blocks(X, rows, dtype=X.dtype):
            out[positions] = self._block_features(layer, block)
        if path is None:
            return out, None
        out.flush()
        del out
        return np.memmap(path, dtype=X.dtype, mode="r", shape=shape), path

    def _layers_stream(self):
        return hasattr(self._layer_class, "partial_fit")

    @available_if(_layers_stream)
    def partial_fit(self, X, y=None):
        """Train every layer for one pass over the chunk ``X``, bottom to top.

        Layer 0 takes one epoch of mini-batches over ``X`` (its own
        ``partial_fit``); the features of ``X`` through the layer just
        updated then train layer 1 for one epoch, and so on up: all layers
        advance together, each learning from the current features of the
        layers below, and each chunk is read once per call. ``n_iter`` does
        not apply: call it once per chunk, over the chunks as many times as
        ``fit`` would run epochs; a layer's epoch counter (and its momentum
        and learning-rate schedules) advances once per call.

        The first call builds the layers from the parameters as they are
        then, "auto" settings resolved for that chunk's size, and each layer
        starts from it (a centred RBM takes its offsets from it); later calls
        need X with the same features. After ``fit``, calls continue the
        fitted layers.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            One chunk of training data.
        y : Ignored

        Returns
        -------
        self : object
        """
        first = not hasattr(self, self._layers_attr)
        if first:
            X, layers = self._new_layers(X)
        else:
            X, layers = self._validate_X(X, reset=False), self._layers()
        name = type(self).__name__
        H = X
        for i, layer in enumerate(layers):
            # built and checked above on the first call; later calls check each layer
            with layer_warnings(f"{name} layer {i}"), \
                    (nested_validation() if first else contextlib.nullcontext()):
                layer.partial_fit(H)
            if i + 1 < len(layers):
                H = self._layer_features(layer, H)
        setattr(self, self._layers_attr, layers)
        return self

    # ------------------------------------------------------------ public

    @property
    def layer_weights_(self):
        check_is_fitted(self, self._layers_attr)
        return [self._encoder_weights(layer) for layer in self._layers()]

    @property
    def decoder_weights_(self):
        check_is_fitted(self, self._layers_attr)
        return [self._decoder_weights(layer) for layer in self._layers()]

    def transform(self, X):
        """Features of the top layer: each layer's features of the one
        below, bottom to top.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        H : ndarray of shape (n_samples, hidden_layer_sizes[-1])
            In X's dtype.
        """
        check_is_fitted(self, self._layers_attr)
        H = self._validate_X(X, reset=False)
        for layer in self._layers():
            H = self._layer_features(layer, H)
        return H

    @property
    def _n_features_out(self):
        return self._layers()[-1].n_components

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = bool(self._accept_sparse)
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
