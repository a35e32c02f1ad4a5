"""Pictures of what training does: filters, samples, learning curves, codes.

:func:`tile_images` needs only numpy, so the command line can write sample
grids without matplotlib. The Display classes follow scikit-learn's
plotting API: ``XDisplay.from_estimator(estimator, ...)`` computes what to
draw and calls :meth:`plot`, which draws into a given ``ax`` (or a new
figure) and keeps the ``figure_`` and ``ax_`` it drew on. matplotlib is
imported only when something is drawn; install it with
``pip install "deepbelief[plot]"``.
"""

import math
import numbers

import numpy as np

__all__ = ["tile_images", "FiltersDisplay", "SamplesDisplay", "HistoryDisplay",
           "ReconstructionDisplay", "CodesDisplay", "CompressionDisplay"]

_MISSING = 'plotting requires matplotlib: pip install "deepbelief[plot]"'


def _pyplot():
    """matplotlib.pyplot, imported only when something is drawn."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(_MISSING) from exc
    return plt


def _check_fitted(estimator, attributes):
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator, attributes, all_or_any=any)


def _check_int(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int; got {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {value}.")
    return int(value)


def _square_shape(n_features):
    side = math.isqrt(n_features)
    if side * side != n_features:
        raise ValueError("image_shape must be given when n_features is not a perfect "
                         f"square; got n_features={n_features}.")
    return side, side


def _check_image_shape(image_shape, n_features):
    if image_shape is None:
        return _square_shape(n_features)
    if len(image_shape) != 2:
        raise ValueError(f"image_shape must be a pair (height, width); got {image_shape!r}.")
    height = _check_int(image_shape[0], "image_shape[0]", 1)
    width = _check_int(image_shape[1], "image_shape[1]", 1)
    if height * width != n_features:
        raise ValueError(f"image_shape must multiply to n_features={n_features}; got "
                         f"{image_shape!r}.")
    return height, width


def tile_images(images, image_shape=None, n_cols=None, padding=1, scale=True):
    """Arrange images, or weight vectors, in one 2-D grid.

    Parameters
    ----------
    images : array-like of shape (n_images, n_features) or (n_images, height, width)
        One image per row (flattened row by row) or a stack of images.
    image_shape : tuple of (int, int), default=None
        ``(height, width)`` of each flattened image. By default images are
        taken to be square, which needs ``n_features`` to be a perfect
        square.
    n_cols : int, default=None
        Tiles per row; by default ``ceil(sqrt(n_images))``.
    padding : int, default=1
        Pixels between neighbouring tiles. Padding and any empty cells of
        the last row hold the brightest value of the grid (1 when
        ``scale=True``, the images' maximum otherwise), so dark tiles stand
        apart.
    scale : bool, default=True
        Rescale each tile on its own to [0, 1] (a constant tile becomes 0),
        which shows weight filters whatever their magnitude. With
        ``False`` the values are kept as they are.

    Returns
    -------
    grid : ndarray of shape (grid_height, grid_width)
        The tiles, ready for ``imshow`` or for saving as an image, in
        float64: ``grid_height = n_rows * (height + padding) - padding`` and
        ``grid_width = n_cols * (width + padding) - padding``, with
        ``n_rows = ceil(n_images / n_cols)``.

    Examples
    --------
    >>> import numpy as np
    >>> from deepbelief.plotting import tile_images
    >>> tile_images(np.ones((5, 16)), n_cols=3).shape
    (9, 14)
    """
    images = np.asarray(images, dtype=np.float64)
    if images.ndim == 3:
        if image_shape is not None and tuple(image_shape) != images.shape[1:]:
            raise ValueError(f"image_shape must match the images' shape {images.shape[1:]}; "
                             f"got {image_shape!r}.")
        height, width = images.shape[1:]
    elif images.ndim == 2:
        height, width = _check_image_shape(image_shape, images.shape[1])
        images = images.reshape(images.shape[0], height, width)
    else:
        raise ValueError("images must be of shape (n_images, n_features) or (n_images, "
                         f"height, width); got an array of shape {images.shape}.")
    n_images = images.shape[0]
    if n_images == 0:
        raise ValueError("images must hold at least one image; got 0.")
    if n_cols is None:
        n_cols = math.ceil(math.sqrt(n_images))
    n_cols = min(_check_int(n_cols, "n_cols", 1), n_images)
    padding = _check_int(padding, "padding", 0)
    n_rows = math.ceil(n_images / n_cols)

    if scale:
        low = images.min(axis=(1, 2), keepdims=True)
        span = images.max(axis=(1, 2), keepdims=True) - low
        span[span == 0] = 1.0
        images = (images - low) / span
        fill = 1.0
    else:
        fill = float(images.max())

    grid = np.full((n_rows * (height + padding) - padding,
                    n_cols * (width + padding) - padding), fill)
    for index in range(n_images):
        row, col = divmod(index, n_cols)
        top = row * (height + padding)
        left = col * (width + padding)
        grid[top : top + height, left : left + width] = images[index]
    return grid


# -------------------------------------------------------------- shared helpers

def _unwrap(estimator):
    """The fitted model inside sklearn.frozen.FrozenEstimator, else itself."""
    while type(estimator).__name__ == "FrozenEstimator" and hasattr(estimator, "estimator"):
        estimator = estimator.estimator
    return estimator


def _new_axes(ax, figsize):
    if ax is not None:
        return ax
    _, ax = _pyplot().subplots(figsize=figsize, layout="constrained")
    return ax


def _image_figsize(grid, width=6.0, label_width=0.0, title_lines=1):
    """A figure size that fits the grid's aspect, a title and row labels."""
    height = (width - label_width) * grid.shape[0] / grid.shape[1]
    return width, min(max(height + 0.25 + 0.3 * title_lines, 1.2), 12.0)


def _as_steps(n_steps):
    if isinstance(n_steps, numbers.Integral) and not isinstance(n_steps, bool):
        return [_check_int(n_steps, "n_steps", 1)]
    try:
        steps = list(n_steps)
    except TypeError:
        raise TypeError(f"n_steps must be an int or a sequence of ints; got {n_steps!r}."
                        ) from None
    if not steps:
        raise ValueError("n_steps must hold at least one chain length; got an empty sequence.")
    return [_check_int(s, "n_steps", 1) for s in steps]


def _int_seed(random_state):
    """One int seed, so that chains of several lengths start from the same states."""
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return int(random_state)
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(2**31 - 1))
    from sklearn.utils import check_random_state

    return int(check_random_state(random_state).randint(2**31 - 1))


def _finish(display, ax, title, sep=": "):
    """Title ``ax`` after the display's estimator and keep it on the display."""
    name = f"{display.estimator_name}{sep}" if display.estimator_name else ""
    ax.set_title(name + title, fontsize=10)
    display.ax_, display.figure_ = ax, ax.figure
    return display


def _row_labels(ax, labels, tile_height, padding=1):
    """Label rows of tiles on the y axis and hide the rest of the frame."""
    ax.set_xticks([])
    ax.set_yticks([r * (tile_height + padding) + (tile_height - 1) / 2
                   for r in range(len(labels))])
    ax.set_yticklabels(labels)
    ax.tick_params(axis="y", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)


# --------------------------------------------------------------------- filters

def _weight_matrices(estimator):
    """Weights bottom to top, each of shape (n_inputs, n_outputs)."""
    est = _unwrap(estimator)
    if hasattr(est, "steps"):
        raise TypeError("estimator must be the model itself, not a Pipeline; pass its step, "
                        "e.g. pipeline[0].")
    _check_fitted(est, ["rbms_", "autoencoders_", "coefs_", "components_"])
    weights = getattr(est, "layer_weights_", None)
    if weights:
        return [np.asarray(W, dtype=np.float64) for W, _ in weights]
    coefs = getattr(est, "coefs_", None)
    if coefs:
        return [np.asarray(W, dtype=np.float64) for W in coefs]
    components = getattr(est, "components_", None)
    if components is not None:
        return [np.asarray(components, dtype=np.float64).T]
    raise TypeError("estimator must be a fitted RBM, DBN, autoencoder or MLP (with "
                    f"layer_weights_, coefs_ or components_); got {type(est).__name__}.")


class FiltersDisplay:
    """Weight filters of one layer, drawn as a grid of images.

    A filter is the weight vector of one unit. Filters of layers above the
    first are shown in input space as the product of the weight matrices
    from the input up to that layer, a linear picture of what the unit
    responds to that ignores the non-linearities between layers.

    Parameters
    ----------
    filters : ndarray of shape (n_filters, n_features)
        One filter per row, in input space.
    image_shape : tuple of (int, int), default=None
        ``(height, width)`` of a filter; square by default.
    layer : int, default=0
        The layer the filters come from (for the title).
    n_units : int, default=None
        Units in that layer (for the title); ``n_filters`` by default.
    estimator_name : str, default=None

    Attributes
    ----------
    image_ : matplotlib.image.AxesImage
    ax_ : matplotlib.axes.Axes
    figure_ : matplotlib.figure.Figure

    Examples
    --------
    >>> from deepbelief import BernoulliRBM
    >>> from deepbelief.datasets import load_digits
    >>> from deepbelief.plotting import FiltersDisplay
    >>> X, _ = load_digits()
    >>> rbm = BernoulliRBM(n_components=16, n_iter=2, random_state=0).fit(X)
    >>> display = FiltersDisplay.from_estimator(rbm)  # doctest: +SKIP
    >>> display.figure_.savefig("filters.png")  # doctest: +SKIP
    """

    def __init__(self, filters, *, image_shape=None, layer=0, n_units=None,
                 estimator_name=None):
        self.filters = filters
        self.image_shape = image_shape
        self.layer = layer
        self.n_units = n_units
        self.estimator_name = estimator_name

    @classmethod
    def from_estimator(cls, estimator, *, layer=0, n_filters=64, image_shape=None,
                       n_cols=None, ax=None, cmap="gray"):
        """Draw the filters of one layer of a fitted RBM, DBN, autoencoder or MLP.

        Parameters
        ----------
        estimator : estimator
            A fitted model exposing ``layer_weights_`` (DBN, autoencoders),
            ``coefs_`` (MLP, DeepAutoencoder) or ``components_`` (RBM).
        layer : int, default=0
            Which weight layer, counted from the input (negative values
            count from the top).
        n_filters : int, default=64
            Show the filters of the first ``n_filters`` units.
        image_shape : tuple of (int, int), default=None
            ``(height, width)`` of the input images; square by default.
        n_cols : int, default=None
            Filters per row of the grid.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure by default.
        cmap : str, default="gray"

        Returns
        -------
        display : FiltersDisplay
        """
        weights = _weight_matrices(estimator)
        if isinstance(layer, bool) or not isinstance(layer, numbers.Integral):
            raise TypeError(f"layer must be an int; got {layer!r}.")
        if not -len(weights) <= layer < len(weights):
            raise ValueError(f"layer must be in [{-len(weights)}, {len(weights) - 1}] for a "
                             f"model with {len(weights)} weight layers; got {layer}.")
        layer = layer % len(weights)
        n_filters = _check_int(n_filters, "n_filters", 1)
        projection = weights[0]
        for W in weights[1 : layer + 1]:
            projection = projection @ W
        display = cls(projection.T[:n_filters], image_shape=image_shape, layer=layer,
                      n_units=projection.shape[1],
                      estimator_name=type(_unwrap(estimator)).__name__)
        return display.plot(ax=ax, n_cols=n_cols, cmap=cmap)

    def plot(self, ax=None, *, n_cols=None, cmap="gray"):
        """Draw the filters.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
        n_cols : int, default=None
        cmap : str, default="gray"

        Returns
        -------
        display : FiltersDisplay
        """
        filters = np.asarray(self.filters)
        grid = tile_images(filters, self.image_shape, n_cols=n_cols)
        ax = _new_axes(ax, _image_figsize(grid, 5.0, title_lines=1 + bool(self.layer)))
        self.image_ = ax.imshow(grid, cmap=cmap, interpolation="nearest")
        ax.set_axis_off()
        n_units = self.n_units if self.n_units is not None else filters.shape[0]
        title = f"layer {self.layer}: {filters.shape[0]} of {n_units} filters"
        if self.layer:
            title += "\n(weight products down to the input)"
        return _finish(self, ax, title, sep=" ")


# --------------------------------------------------------------------- samples

class SamplesDisplay:
    """Samples of a generative model, one row per Gibbs chain length.

    Parameters
    ----------
    samples : ndarray of shape (n_lengths, n_samples, n_features)
        ``samples[r]`` holds the chains' states after ``n_steps[r]`` steps.
    n_steps : list of int
        The chain length of each row.
    image_shape : tuple of (int, int), default=None
    estimator_name : str, default=None

    Attributes
    ----------
    image_ : matplotlib.image.AxesImage
    ax_ : matplotlib.axes.Axes
    figure_ : matplotlib.figure.Figure
    """

    def __init__(self, samples, n_steps, *, image_shape=None, estimator_name=None):
        self.samples = samples
        self.n_steps = n_steps
        self.image_shape = image_shape
        self.estimator_name = estimator_name

    @classmethod
    def from_estimator(cls, estimator, *, n_samples=10, n_steps=1000, image_shape=None,
                       random_state=0, ax=None, cmap="gray"):
        """Draw samples from a fitted RBM or DBN.

        Parameters
        ----------
        estimator : BernoulliRBM, GaussianBernoulliRBM or DBN
            Fitted. An RBM runs ``sample(n_samples, n_steps)``; a DBN runs
            ``sample(n_samples, n_gibbs)`` (Gibbs steps in its top RBM, then
            a deterministic downward pass).
        n_samples : int, default=10
            Independent chains, the columns of the grid.
        n_steps : int or sequence of int, default=1000
            Gibbs steps. A sequence draws one row per length, every row
            from the same starting states, so the rows show the chains as
            they run.
        image_shape : tuple of (int, int), default=None
        random_state : int, RandomState instance, Generator or None, default=0
            Seed of the chains.
        ax : matplotlib Axes, default=None
        cmap : str, default="gray"

        Returns
        -------
        display : SamplesDisplay
        """
        est = _unwrap(estimator)
        if not hasattr(est, "sample"):
            raise TypeError(f"estimator must be a fitted RBM or DBN; got {type(est).__name__}.")
        _check_fitted(est, ["rbms_", "components_"])
        n_samples = _check_int(n_samples, "n_samples", 1)
        steps = _as_steps(n_steps)
        seed = _int_seed(random_state)
        length = "n_gibbs" if hasattr(est, "rbms_") else "n_steps"  # a DBN, else an RBM
        samples = np.stack([np.asarray(est.sample(n_samples, random_state=seed, **{length: s}),
                                       dtype=np.float64) for s in steps])
        display = cls(samples, steps, image_shape=image_shape,
                      estimator_name=type(est).__name__)
        return display.plot(ax=ax, cmap=cmap)

    def plot(self, ax=None, *, cmap="gray"):
        """Draw the samples.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
        cmap : str, default="gray"

        Returns
        -------
        display : SamplesDisplay
        """
        samples = np.asarray(self.samples, dtype=np.float64)
        if samples.ndim == 2:
            samples = samples[None]
        steps = list(self.n_steps) if np.ndim(self.n_steps) else [self.n_steps]
        n_rows, n_samples, n_features = samples.shape
        if len(steps) != n_rows:
            raise ValueError(f"n_steps must give one chain length per row of samples "
                             f"({n_rows}); got {len(steps)}.")
        height, _ = _check_image_shape(self.image_shape, n_features)
        unit_range = samples.min() >= 0 and samples.max() <= 1
        grid = tile_images(samples.reshape(-1, n_features), self.image_shape,
                           n_cols=n_samples, scale=False)
        ax = _new_axes(ax, _image_figsize(grid, 6.0, label_width=1.2))
        limits = dict(vmin=0.0, vmax=1.0) if unit_range else {}
        self.image_ = ax.imshow(grid, cmap=cmap, interpolation="nearest", **limits)
        _row_labels(ax, [f"{s} steps" for s in steps], height)
        if n_rows == 1:
            title = f"{n_samples} samples after {steps[0]} Gibbs steps"
        else:
            title = f"{n_samples} chains, states after each number of Gibbs steps"
        return _finish(self, ax, title)


# ------------------------------------------------------------- learning curves

# panel name -> (title, ((history key, legend label), ...))
_PANELS = {
    "loss": ("loss", (("loss", "training"), ("val_loss", "validation"))),
    "error": ("error", (("train_error", "training"), ("val_error", "validation"))),
    "pseudo_likelihood": ("pseudo-likelihood", (("pseudo_likelihood", "training"),
                                                ("validation_pseudo_likelihood",
                                                 "validation"))),
    "reconstruction_error": ("reconstruction error",
                             (("reconstruction_error", "training"),
                              ("validation_reconstruction_error", "validation"))),
    "free_energy_gap": ("free-energy gap (validation - training)",
                        (("free_energy_gap", "gap"),)),
    "schedule": ("learning rate and momentum", (("learning_rate", "learning rate"),
                                                ("momentum", "momentum"))),
}


def _has_values(history, key):
    values = history.get(key)
    return values is not None and np.any(np.isfinite(np.asarray(values, dtype=np.float64)))


def _history_sections(estimator, prefix=""):
    """``[(label, history), ...]`` of a model and of the parts it trained."""
    est = _unwrap(estimator)
    steps = getattr(est, "steps", None)
    if steps is not None and not hasattr(est, "history_"):
        sections = []
        for name, step in steps:
            if hasattr(step, "fit"):
                sections += _history_sections(step, f"{prefix}{name}: ")
        return sections
    sections = []
    pretrainer = getattr(est, "pretrainer_", None)
    if pretrainer is not None:
        sections += _history_sections(pretrainer, f"{prefix}pretraining ")
    for attr in ("rbms_", "autoencoders_"):
        for i, part in enumerate(getattr(est, attr, None) or []):
            history = getattr(part, "history_", None)
            if history:
                W = _weight_matrices(part)[0]
                sections.append((f"{prefix}layer {i} ({W.shape[0]}-{W.shape[1]})",
                                 dict(history)))
    history = getattr(est, "history_", None)
    if history:
        label = "fine-tuning" if pretrainer is not None else type(est).__name__
        sections.append((f"{prefix}{label}", dict(history)))
    return sections


class HistoryDisplay:
    """Learning curves from the per-epoch records of a fit (``history_``).

    One row of panels per trained part: a single estimator gives one row;
    a DBN or StackedAutoencoder one row per layer; a model with a
    pretrainer (DBNClassifier, DeepAutoencoder) the pretrainer's rows and
    then a fine-tuning row. Panels, where the history holds them: loss,
    error (training and validation), pseudo-likelihood, reconstruction
    error, the free-energy gap between validation and training data (its
    growth signals over-fitting; Hinton's practical guide, section 6) and
    the learning rate and momentum schedule.

    Parameters
    ----------
    sections : list of (str, dict)
        ``(label, history)`` pairs; a history maps names to per-epoch lists.
    estimator_name : str, default=None

    Attributes
    ----------
    ax_ : ndarray of matplotlib Axes
        Of shape (n_rows, n_cols) when the display made its own figure;
        otherwise the axes given, as an array.
    lines_ : dict
        ``(label, history key) -> Line2D`` for every curve drawn.
    figure_ : matplotlib.figure.Figure

    Examples
    --------
    >>> from deepbelief import DBN
    >>> from deepbelief.datasets import load_digits
    >>> from deepbelief.plotting import HistoryDisplay
    >>> X, _ = load_digits()
    >>> dbn = DBN((32, 16), n_iter=3, random_state=0).fit(X)
    >>> display = HistoryDisplay.from_estimator(dbn)  # doctest: +SKIP
    """

    def __init__(self, sections, *, estimator_name=None):
        self.sections = sections
        self.estimator_name = estimator_name

    @classmethod
    def from_estimator(cls, estimator, *, panels=None, ax=None):
        """Draw the learning curves of a fitted estimator.

        Parameters
        ----------
        estimator : estimator
            Fitted: an RBM, autoencoder, MLP (``history_``), a DBN or
            StackedAutoencoder (``rbms_[i].history_`` or
            ``autoencoders_[i].history_``), a model with a fitted
            ``pretrainer_``, or a Pipeline of such steps.
        panels : list of str, default=None
            Which panels to draw, from "loss", "error", "pseudo_likelihood",
            "reconstruction_error", "free_energy_gap" and "schedule"; all
            that the history holds by default.
        ax : array-like of matplotlib Axes, default=None
            At least as many axes as panels, filled row by row; a new
            figure by default.

        Returns
        -------
        display : HistoryDisplay
        """
        est = _unwrap(estimator)
        _check_fitted(est, ["history_", "rbms_", "autoencoders_", "steps"])
        sections = _history_sections(est)
        if not sections:
            raise ValueError(f"{type(est).__name__} has no training history to plot "
                             "(no epochs were recorded).")
        return cls(sections, estimator_name=type(est).__name__).plot(ax=ax, panels=panels)

    def _layout(self, panels):
        panels = list(_PANELS) if panels is None else list(panels)
        for name in panels:
            if name not in _PANELS:
                raise ValueError(f"panels must be names from {list(_PANELS)}; got {name!r}.")
        rows = [(label, history, [p for p in panels if any(
                    _has_values(history, key) for key, _ in _PANELS[p][1])])
                for label, history in self.sections]
        rows = [row for row in rows if row[2]]  # sections with a panel to draw
        if not rows:
            raise ValueError(f"the history holds none of the panels {panels}.")
        return rows

    def plot(self, ax=None, *, panels=None):
        """Draw the learning curves.

        Parameters
        ----------
        ax : array-like of matplotlib Axes, default=None
        panels : list of str, default=None

        Returns
        -------
        display : HistoryDisplay
        """
        rows = self._layout(panels)
        n_panels = sum(len(present) for _, _, present in rows)
        if ax is None:
            n_cols = max(len(present) for _, _, present in rows)
            _, axes = _pyplot().subplots(len(rows), n_cols, squeeze=False,
                                         figsize=(3.0 * n_cols, 2.3 * len(rows)),
                                         layout="constrained")
            cells = [list(row[: len(present)]) for row, (_, _, present) in zip(axes, rows)]
            for row, (_, _, present) in zip(axes, rows):
                for extra in row[len(present):]:
                    extra.set_visible(False)
        else:
            axes = np.asarray(ax, dtype=object)
            flat = list(axes.reshape(-1))
            if len(flat) < n_panels:
                raise ValueError(f"ax must hold at least {n_panels} axes for these "
                                 f"panels; got {len(flat)}.")
            ends = np.cumsum([len(present) for _, _, present in rows])
            cells = [flat[end - len(present):end] for end, (_, _, present) in zip(ends, rows)]
        from matplotlib.ticker import MaxNLocator

        self.lines_ = {}
        for (label, history, present), row_axes in zip(rows, cells):
            for name, panel_ax in zip(present, row_axes):
                self._draw_panel(panel_ax, label, history, name)
                panel_ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        self.ax_ = axes
        self.figure_ = cells[0][0].figure
        return self

    def _draw_panel(self, ax, label, history, name):
        title, curves = _PANELS[name]
        handles = []
        target = ax
        for i, (key, legend) in enumerate(curves):
            if not _has_values(history, key):
                continue
            values = np.asarray(history[key], dtype=np.float64)
            epochs = np.arange(1, len(values) + 1)
            if name == "schedule" and key == "momentum":
                target = ax.twinx()
                target.set_ylabel("momentum", fontsize=8)
                target.tick_params(labelsize=7)
            style = dict(marker="o" if len(values) < 15 else None, markersize=3,
                         linestyle="--" if i else "-", color=f"C{i}")
            (line,) = target.plot(epochs, values, label=legend, **style)
            self.lines_[(label, key)] = line
            handles.append(line)
        if name == "free_energy_gap":
            ax.axhline(0.0, color="0.6", linewidth=0.8)
        if name == "schedule":
            ax.set_ylabel("learning rate", fontsize=8)
        ax.set_title(f"{label}\n{title}", fontsize=8)
        ax.set_xlabel("epoch", fontsize=8)
        ax.tick_params(labelsize=7)
        if len(handles) > 1:
            ax.legend(handles=handles, fontsize=7)


# ------------------------------------------------------------- reconstructions

def _sigmoid(Z):
    return 0.5 * (1.0 + np.tanh(0.5 * Z))


def _reconstruct(estimator, X):
    est = _unwrap(estimator)
    if hasattr(est, "reconstruct"):
        return est.reconstruct(X)
    if hasattr(est, "rbms_"):
        # Up through every layer's conditional means, then down through the
        # decoders; the visible units of a Gaussian layer are linear.
        H = X
        for rbm in est.rbms_:
            H = rbm.transform(H)
        for rbm, (W, b) in zip(est.rbms_[::-1], est.decoder_weights_[::-1]):
            H = H @ W + b
            if getattr(rbm, "sigma_", None) is None:
                H = _sigmoid(H)
        return H
    if hasattr(est, "inverse_transform") and hasattr(est, "transform"):
        return est.inverse_transform(est.transform(X))
    raise TypeError("estimator must reconstruct its input (an RBM, DBN or autoencoder); "
                    f"got {type(est).__name__}.")


class ReconstructionDisplay:
    """Inputs and their reconstructions, in alternating rows.

    Parameters
    ----------
    X : ndarray of shape (n_images, n_features)
    X_reconstructed : ndarray of shape (n_images, n_features)
    image_shape : tuple of (int, int), default=None
    estimator_name : str, default=None

    Attributes
    ----------
    mean_squared_error_ : float
        Squared error per image, averaged over the images shown.
    image_ : matplotlib.image.AxesImage
    ax_ : matplotlib.axes.Axes
    figure_ : matplotlib.figure.Figure
    """

    def __init__(self, X, X_reconstructed, *, image_shape=None, estimator_name=None):
        self.X = X
        self.X_reconstructed = X_reconstructed
        self.image_shape = image_shape
        self.estimator_name = estimator_name

    @classmethod
    def from_estimator(cls, estimator, X, *, n_images=10, image_shape=None, n_cols=None,
                       ax=None, cmap="gray"):
        """Reconstruct the first ``n_images`` rows of X and draw them.

        An RBM reconstructs with ``reconstruct`` (mean-field, one up-down
        pass); a DBN passes conditional means up through every layer and
        back down through the transposed weights; an autoencoder uses
        ``inverse_transform(transform(X))``.

        Parameters
        ----------
        estimator : estimator
            Fitted RBM, DBN or autoencoder.
        X : array-like of shape (n_samples, n_features)
        n_images : int, default=10
        image_shape : tuple of (int, int), default=None
        n_cols : int, default=None
            Images per row; ``min(n_images, 10)`` by default.
        ax : matplotlib Axes, default=None
        cmap : str, default="gray"

        Returns
        -------
        display : ReconstructionDisplay
        """
        n_images = _check_int(n_images, "n_images", 1)
        X = np.asarray(X)[:n_images]
        R = np.asarray(_reconstruct(estimator, X), dtype=np.float64)
        display = cls(X, R, image_shape=image_shape,
                      estimator_name=type(_unwrap(estimator)).__name__)
        return display.plot(ax=ax, n_cols=n_cols, cmap=cmap)

    def plot(self, ax=None, *, n_cols=None, cmap="gray"):
        """Draw inputs and reconstructions.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
        n_cols : int, default=None
        cmap : str, default="gray"

        Returns
        -------
        display : ReconstructionDisplay
        """
        X = np.asarray(self.X, dtype=np.float64)
        R = np.asarray(self.X_reconstructed, dtype=np.float64)
        if X.ndim != 2 or X.shape != R.shape:
            raise ValueError("X and X_reconstructed must be 2-D arrays of the same shape; "
                             f"got {X.shape} and {R.shape}.")
        n_images, n_features = X.shape
        height, _ = _check_image_shape(self.image_shape, n_features)
        n_cols = min(n_images, 10) if n_cols is None else _check_int(n_cols, "n_cols", 1)
        n_cols = min(n_cols, n_images)
        n_chunks = math.ceil(n_images / n_cols)
        # rows of n_cols inputs, then their reconstructions; NaN fills the last
        blank = np.full((n_chunks * n_cols - n_images, n_features), np.nan)
        stacked = np.stack([np.vstack([A, blank]).reshape(n_chunks, n_cols, n_features)
                            for A in (X, R)], axis=1).reshape(-1, n_features)
        low, high = np.nanmin(stacked), np.nanmax(stacked)
        stacked = np.where(np.isnan(stacked), high, stacked)
        grid = tile_images(stacked, self.image_shape, n_cols=n_cols, scale=False)
        ax = _new_axes(ax, _image_figsize(grid, 6.0, label_width=1.4, title_lines=2))
        self.image_ = ax.imshow(grid, cmap=cmap, interpolation="nearest", vmin=low, vmax=high)
        _row_labels(ax, ["input", "reconstruction"] * n_chunks, height)
        self.mean_squared_error_ = float(np.mean(np.sum((X - R) ** 2, axis=1)))
        return _finish(self, ax, "inputs and reconstructions\n(squared error "
                       f"{self.mean_squared_error_:.3g} per image)")


# ----------------------------------------------------------------------- codes

class CodesDisplay:
    """Two-dimensional codes as a scatter plot, coloured by label.

    Parameters
    ----------
    codes : ndarray of shape (n_samples, 2)
    y : array-like of shape (n_samples,), default=None
        Labels; up to 20 distinct values get one colour and legend entry
        each, more (a continuous target) a colour bar.
    estimator_name : str, default=None

    Attributes
    ----------
    collections_ : list of matplotlib PathCollection
        One per label (one in all without labels).
    ax_ : matplotlib.axes.Axes
    figure_ : matplotlib.figure.Figure

    Examples
    --------
    >>> from sklearn.decomposition import PCA
    >>> from deepbelief.datasets import load_digits
    >>> from deepbelief.plotting import CodesDisplay
    >>> X, y = load_digits()
    >>> CodesDisplay.from_estimator(PCA(2).fit(X), X, y)  # doctest: +SKIP
    """

    def __init__(self, codes, y=None, *, estimator_name=None):
        self.codes = codes
        self.y = y
        self.estimator_name = estimator_name

    @classmethod
    def from_estimator(cls, estimator, X, y=None, *, dims=(0, 1), ax=None, **kwargs):
        """Draw ``estimator.transform(X)`` in two dimensions.

        Parameters
        ----------
        estimator : estimator
            A fitted transformer: a DeepAutoencoder with a 2-unit code
            layer, or anything with ``transform`` (PCA for comparison).
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), default=None
        dims : tuple of (int, int), default=(0, 1)
            Which two code columns to draw.
        ax : matplotlib Axes, default=None
        **kwargs
            Passed on to ``Axes.scatter``.

        Returns
        -------
        display : CodesDisplay
        """
        est = _unwrap(estimator)
        codes = np.asarray(est.transform(X), dtype=np.float64)
        if codes.ndim != 2 or codes.shape[1] < 2:
            raise ValueError("the estimator must give codes of at least 2 columns; got "
                             f"shape {codes.shape}.")
        if len(dims) != 2:
            raise ValueError(f"dims must be a pair of column indices; got {dims!r}.")
        for d in dims:
            _check_int(d, "dims", 0)
            if d >= codes.shape[1]:
                raise ValueError(f"dims must be < {codes.shape[1]}, the number of code "
                                 f"columns; got {dims!r}.")
        display = cls(codes[:, list(dims)], y, estimator_name=type(est).__name__)
        return display.plot(ax=ax, **kwargs)

    def plot(self, ax=None, **kwargs):
        """Draw the codes.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
        **kwargs
            Passed on to ``Axes.scatter``.

        Returns
        -------
        display : CodesDisplay
        """
        codes = np.asarray(self.codes, dtype=np.float64)
        if codes.ndim != 2 or codes.shape[1] != 2:
            raise ValueError(f"codes must be of shape (n_samples, 2); got {codes.shape}.")
        ax = _new_axes(ax, (5.0, 4.2))
        style = dict(s=8, alpha=0.8, linewidths=0) | kwargs
        self.collections_ = []
        if self.y is None:
            self.collections_.append(ax.scatter(codes[:, 0], codes[:, 1], **style))
        else:
            y = np.asarray(self.y)
            if y.shape != (codes.shape[0],):
                raise ValueError(f"y must be of shape ({codes.shape[0]},); got {y.shape}.")
            labels = np.unique(y)
            if len(labels) <= 20:
                cmap = _pyplot().get_cmap("tab10" if len(labels) <= 10 else "tab20")
                for i, label in enumerate(labels):
                    mask = y == label
                    self.collections_.append(ax.scatter(
                        codes[mask, 0], codes[mask, 1], color=cmap(i), label=str(label),
                        **style))
                ax.legend(title="label", fontsize=7, title_fontsize=8, markerscale=2,
                          loc="best", framealpha=0.7)
            else:
                collection = ax.scatter(codes[:, 0], codes[:, 1], c=y, **style)
                ax.figure.colorbar(collection, ax=ax)
                self.collections_.append(collection)
        ax.set_xlabel("code 0")
        ax.set_ylabel("code 1")
        return _finish(self, ax, "2-D codes")


class CompressionDisplay:
    """Test error against compression ratio, as Han et al. (2016) plot it.

    Parameters
    ----------
    ratios : array-like of shape (n_points,)
        Compression ratios (1 for the dense model).
    errors : array-like of shape (n_points,)
        Errors (1 - score) at those ratios.
    labels : list of str, default=None
        One label per point, written beside it.
    kind : {"storage", "parameters"}, default="storage"
        Which ratio the points are: all bits (as Han et al. count) or
        weights per nonzero weight.
    estimator_name : str, default=None

    Attributes
    ----------
    line_ : matplotlib Line2D
    ax_ : matplotlib.axes.Axes
    figure_ : matplotlib.figure.Figure

    Examples
    --------
    >>> from deepbelief import MLPClassifier, compress
    >>> from deepbelief.datasets import load_digits
    >>> from deepbelief.plotting import CompressionDisplay
    >>> X, y = load_digits()
    >>> clf = MLPClassifier((32,), max_iter=30, random_state=0).fit(X, y)
    >>> small = [compress(clf, X, y, sparsity=s, bits=4, random_state=0) for s in (0.5, 0.9)]
    >>> CompressionDisplay.from_models([clf] + small, X, y)  # doctest: +SKIP
    """

    def __init__(self, ratios, errors, *, labels=None, kind="storage", estimator_name=None):
        self.ratios = ratios
        self.errors = errors
        self.labels = labels
        self.kind = kind
        self.estimator_name = estimator_name

    @classmethod
    def from_models(cls, models, X, y, *, kind="storage", labels=None, ax=None, **kwargs):
        """Score a dense model and its compressed versions on ``(X, y)``.

        Parameters
        ----------
        models : list of estimators
            Fitted models with ``score``: a
            :class:`~deepbelief.compression.CompressedModel` is placed at its
            ``compression_ratio_[kind]``, anything else at ratio 1.
        X, y : the data to score (a held-out set)
        kind : {"storage", "parameters"}, default="storage"
        labels : list of str, default=None
        ax : matplotlib Axes, default=None
        **kwargs
            Passed on to ``Axes.plot``.

        Returns
        -------
        display : CompressionDisplay
        """
        if kind not in ("storage", "parameters"):
            raise ValueError(f'kind must be "storage" or "parameters"; got {kind!r}.')
        models = list(models)
        if not models:
            raise ValueError("models must hold at least one fitted model; got none.")
        ratios, errors, name = [], [], None
        for model in models:
            ratio = getattr(model, "compression_ratio_", None)
            ratios.append(1.0 if ratio is None else float(ratio[kind]))
            errors.append(1.0 - float(model.score(X, y)))
            if ratio is None and name is None:
                name = type(_unwrap(model)).__name__
        display = cls(ratios, errors, labels=labels, kind=kind, estimator_name=name)
        return display.plot(ax=ax, **kwargs)

    def plot(self, ax=None, **kwargs):
        """Draw the points, ordered by ratio, on a logarithmic ratio axis.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
        **kwargs
            Passed on to ``Axes.plot``.

        Returns
        -------
        display : CompressionDisplay
        """
        ratios = np.asarray(self.ratios, dtype=np.float64)
        errors = np.asarray(self.errors, dtype=np.float64)
        if ratios.ndim != 1 or ratios.shape != errors.shape or ratios.size == 0:
            raise ValueError("ratios and errors must be 1-D of the same non-zero length; "
                             f"got shapes {ratios.shape} and {errors.shape}.")
        if np.any(ratios <= 0) or not np.all(np.isfinite(ratios)):
            raise ValueError("ratios must be finite and positive.")
        if self.labels is not None and len(self.labels) != ratios.size:
            raise ValueError(f"labels must hold one entry per point ({ratios.size}); got "
                             f"{len(self.labels)}.")
        order = np.argsort(ratios, kind="stable")
        ax = _new_axes(ax, (5.0, 3.6))
        style = dict(marker="o", linewidth=1.2) | kwargs
        (self.line_,) = ax.plot(ratios[order], 100.0 * errors[order], **style)
        if self.labels is not None:
            for i in order:
                ax.annotate(str(self.labels[i]), (ratios[i], 100.0 * errors[i]),
                            textcoords="offset points", xytext=(4, 4), fontsize=7)
        ax.set_xscale("log")
        from matplotlib.ticker import NullFormatter, ScalarFormatter

        ax.xaxis.set_major_formatter(ScalarFormatter())  # 1, 10, 100, not 10^k
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xticks(ratios[order], [f"{r:.3g}" for r in ratios[order]])
        ax.set_xlabel(f"compression ratio ({self.kind}), x")
        ax.set_ylabel("error, %")
        ax.grid(True, which="both", alpha=0.3)
        return _finish(self, ax, "error against compression")
