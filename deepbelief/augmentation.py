"""On-the-fly data augmentation for images stored as flat rows.

Each augmenter is a callable: ``aug(X, random_state=None)`` takes a batch
``X`` of shape ``(n_images, prod(image_shape))`` and returns a new array of
the same shape and dtype (non-float input becomes float64); ``X`` is never
modified. With ``random_state=None`` the draws come from the augmenter's own
Generator, made on first use from its constructor's ``random_state`` and
continued by later calls; a Generator or seed given to the call is used
instead (this is how ``MLPClassifier(augment=...)`` feeds its own stream).

Images are row-major, channels last: ``image_shape`` is ``(height, width)``
or ``(height, width, channels)``. The geometric transforms run in Numba
kernels, which are given the random draws made here.

Examples
--------
>>> import numpy as np
>>> from deepbelief.augmentation import Compose, ElasticDistortion, RandomShift
>>> X = np.random.default_rng(0).random((5, 28 * 28))
>>> aug = Compose([RandomShift((28, 28), max_shift=2),
...                ElasticDistortion((28, 28), alpha=34.0, sigma=4.0)],
...               random_state=0)
>>> aug(X).shape
(5, 784)
"""

import functools
import math
import numbers

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError

from deepbelief._kernels import augment as _k
from deepbelief.training import make_generator
from deepbelief._param_validation import Interval, Options, validate_params

__all__ = ["Augmenter", "RandomShift", "RandomCrop", "HorizontalFlip",
           "ElasticDistortion", "GaussianNoise", "ColorJitter", "PCALighting", "Compose",
           "shift_images", "flip_horizontal", "warp_images", "elastic_displacement"]

_MODES = {"constant": _k.MODE_CONSTANT, "edge": _k.MODE_EDGE, "reflect": _k.MODE_REFLECT}


# ------------------------------------------------------- validation helpers


def _check_image_shape(image_shape, *, name="image_shape"):
    """Return ``(height, width, channels)`` for a 2- or 3-tuple of positive ints."""
    try:
        dims = tuple(image_shape)
    except TypeError:
        raise TypeError(f"{name} must be a tuple (height, width) or (height, width, "
                        f"channels); got {image_shape!r}.") from None
    if len(dims) not in (2, 3) or not all(
            isinstance(d, numbers.Integral) and not isinstance(d, bool) for d in dims):
        raise ValueError(f"{name} must be a tuple (height, width) or (height, width, "
                         f"channels) of integers; got {image_shape!r}.")
    if any(d < 1 for d in dims):
        raise ValueError(f"{name} must contain only sizes >= 1; got {image_shape!r}.")
    height, width = int(dims[0]), int(dims[1])
    channels = int(dims[2]) if len(dims) == 3 else 1
    return height, width, channels


def _check_images(X, image_shape):
    """Validate a batch of flat images; return it as a C-contiguous float array
    (a view when it already is one) and ``(height, width, channels)``."""
    height, width, channels = _check_image_shape(image_shape)
    X = _check_flat(X)
    n_pixels = height * width * channels
    if X.shape[1] != n_pixels:
        raise ValueError(f"X has {X.shape[1]} values per row but image_shape "
                         f"{tuple(image_shape)} needs {n_pixels}.")
    return np.ascontiguousarray(X), (height, width, channels)


def _check_flat(X):
    """A 2-D float32 or float64 array (other dtypes become float64); sparse
    matrices, missing values (None, NaN, pandas NA) and infinities are
    refused with a message that says so (NaN and inf pass through)."""
    if hasattr(X, "tocsr") or type(X).__module__.startswith("scipy.sparse"):
        raise TypeError("X must be a dense array of flat images; got a sparse "
                        f"{type(X).__name__}. Convert it with X.toarray().")
    if hasattr(X, "to_numpy"):  # pandas: NA is the missing marker
        X = X.to_numpy(dtype=object)
    X = np.asarray(X)
    if X.dtype not in (np.float32, np.float64):
        if X.dtype.kind == "O":
            missing = sum(v is None or type(v).__name__ in ("NAType", "NaTType")
                          for v in X.reshape(-1))
            if missing:
                raise ValueError(f"X holds {missing} missing value(s) (None or NA); "
                                 "images must be complete. Drop or fill them first "
                                 "(deepbelief.preprocessing.drop_incomplete).")
        try:
            X = X.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError("X must hold numbers (flat images); got values of dtype "
                            f"{X.dtype} that are not: {exc}.") from None
    if X.ndim != 2:
        raise ValueError("X must be a 2-D array of flat images (n_images, n_pixels); "
                         f"got an array with {X.ndim} dimension(s).")
    return X


_FINITE = [Interval(numbers.Real, -math.inf, math.inf, closed="neither")]
_NON_NEGATIVE = [Interval(numbers.Real, 0, math.inf, closed="left")]
_COUNT = [Interval(numbers.Integral, 0, None)]


def _check_clip(clip):
    if clip is None:
        return None
    try:
        low, high = clip
    except (TypeError, ValueError):
        raise ValueError(f"clip must be None or a pair (low, high); got {clip!r}.") from None
    if not low <= high:
        raise ValueError(f"clip must have low <= high; got {clip!r}.")
    return float(low), float(high)


def _clipped(out, clip):
    """``out`` clipped in place to the checked ``clip`` range, if any."""
    clip = _check_clip(clip)
    return out if clip is None else np.clip(out, clip[0], clip[1], out=out)


# ---- functional drivers: explicit offsets, flags and fields, no randomness


def shift_images(X, image_shape, shifts, *, fill=0.0, mode="constant"):
    """Translate each image by a whole number of pixels.

    Parameters
    ----------
    X : ndarray of shape (n_images, n_pixels)
        Flat images, ``n_pixels == prod(image_shape)``.
    image_shape : tuple of int
        ``(height, width)`` or ``(height, width, channels)``.
    shifts : array-like of int, shape (n_images, 2) or (2,)
        Rows ``(dy, dx)``; positive moves the content down and right.
    fill : float, default=0.0
        Value of the vacated pixels when ``mode="constant"``.
    mode : {"constant", "edge", "reflect"}, default="constant"
        Vacated pixels take ``fill``, the nearest edge pixel, or the mirror
        image about the edge.

    Returns
    -------
    ndarray of shape (n_images, n_pixels)
    """
    X, (height, width, channels) = _check_images(X, image_shape)
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {sorted(_MODES)}; got {mode!r}.")
    shifts = np.asarray(shifts)
    if shifts.dtype.kind not in "iu":
        raise TypeError(f"shifts must be integers; got dtype {shifts.dtype}.")
    shifts = np.ascontiguousarray(np.broadcast_to(shifts.astype(np.int64), (X.shape[0], 2)))
    out = np.empty_like(X)
    _k.shift_images(X, height, width, channels, shifts, _MODES[mode], float(fill), out)
    return out


def flip_horizontal(X, image_shape, flip=None):
    """Mirror images left to right.

    Parameters
    ----------
    X : ndarray of shape (n_images, n_pixels)
    image_shape : tuple of int
    flip : array-like of bool of shape (n_images,), default=None
        Which images to mirror; all of them when None.

    Returns
    -------
    ndarray of shape (n_images, n_pixels)
    """
    X, (height, width, channels) = _check_images(X, image_shape)
    if flip is None:
        flip = np.ones(X.shape[0], dtype=np.bool_)
    flip = np.ascontiguousarray(np.broadcast_to(np.asarray(flip, dtype=np.bool_), (X.shape[0],)))
    out = np.empty_like(X)
    _k.flip_horizontal(X, height, width, channels, flip, out)
    return out


def warp_images(X, image_shape, displacement, *, fill=0.0):
    """Resample images at displaced positions with bilinear interpolation.

    Pixel ``(y, x)`` of image ``i`` reads image ``i`` at ``(y + displacement[i,
    0, y, x], x + displacement[i, 1, y, x])`` (``fill`` outside the image), for
    every channel.

    Parameters
    ----------
    X : ndarray of shape (n_images, n_pixels)
    image_shape : tuple of int
    displacement : ndarray of shape (n_images, 2, height, width)
        Row (``dy``) and column (``dx``) displacement, in pixels.
    fill : float, default=0.0

    Returns
    -------
    ndarray of shape (n_images, n_pixels)
    """
    X, (height, width, channels) = _check_images(X, image_shape)
    displacement = np.asarray(displacement)
    expected = (X.shape[0], 2, height, width)
    if displacement.shape != expected:
        raise ValueError(f"displacement must have shape {expected}; got {displacement.shape}.")
    dy = np.ascontiguousarray(displacement[:, 0], dtype=X.dtype)
    dx = np.ascontiguousarray(displacement[:, 1], dtype=X.dtype)
    out = np.empty_like(X)
    _k.warp_bilinear(X, height, width, channels, dy, dx, float(fill), out)
    return out


def elastic_displacement(n_images, height, width, alpha, sigma, rng, dtype=np.float64):
    """Random displacement fields after Simard et al. (2003): per pixel
    ``uniform(-1, 1)`` values for ``dy`` and ``dx``, smoothed by a Gaussian of
    standard deviation ``sigma`` (zero beyond the border), times ``alpha``.

    Parameters
    ----------
    n_images, height, width : int
    alpha, sigma : float
        Scale and smoothing (0: none) of the displacements, in pixels.
    rng : numpy.random.Generator
    dtype : {numpy.float64, numpy.float32}, default=numpy.float64

    Returns
    -------
    ndarray of shape (n_images, 2, height, width)
        Row (``dy``) and column (``dx``) displacements, for :func:`warp_images`.
    """
    field = rng.random(size=(n_images, 2, height, width), dtype=dtype)
    field *= 2
    field -= 1
    if sigma > 0:  # the separable filter as two products: faster than convolving
        rows = _gaussian_matrix(height, float(sigma)).astype(dtype, copy=False)
        cols = _gaussian_matrix(width, float(sigma)).astype(dtype, copy=False)
        field = rows @ field @ cols
    field *= np.dtype(dtype).type(alpha)
    return field


@functools.lru_cache(maxsize=16)
def _gaussian_matrix(size, sigma, truncate=4.0):
    """``(size, size)`` matrix of a normalised Gaussian filter along one axis,
    as ``scipy.ndimage.gaussian_filter(..., mode="constant")``."""
    radius = int(truncate * sigma + 0.5)
    offsets = np.arange(-radius, radius + 1)
    weights = np.exp(-0.5 * (offsets / sigma) ** 2)
    weights /= weights.sum()
    distance = np.arange(size)[None, :] - np.arange(size)[:, None]
    inside = np.abs(distance) <= radius
    matrix = np.where(inside, weights[np.clip(distance + radius, 0, 2 * radius)], 0.0)
    matrix.setflags(write=False)
    return matrix


# --------------------------------------------------------------- augmenters


class Augmenter(BaseEstimator):
    """Base class: parameters, input checks and the random stream (a clone
    starts afresh from ``random_state``). Subclasses implement
    ``_augment(X, shape, rng)``: ``X`` a validated C-contiguous float array not
    to be modified, ``shape`` ``(height, width, channels)``."""

    def __call__(self, X, random_state=None):
        """Return an augmented copy of the flat images ``X``.

        Parameters
        ----------
        X : ndarray of shape (n_images, prod(image_shape))
        random_state : None, int or numpy.random.Generator, default=None
            None uses this augmenter's own stream.

        Returns
        -------
        ndarray of the same shape and dtype as X (float64 for non-float input)
        """
        self._validate_params()
        X, shape = _check_images(X, self.image_shape)
        return self._augment(X, shape, self._generator(random_state))

    def _generator(self, random_state):
        if random_state is not None:
            return make_generator(random_state)
        # made once, and again after set_params gives a new random_state
        if getattr(self, "_rng_source", None) is not self.random_state or not hasattr(self, "_rng"):
            self._rng = make_generator(self.random_state)
            self._rng_source = self.random_state
        return self._rng

    _parameter_constraints = {}

    def _validate_params(self):
        validate_params(self)


class RandomShift(Augmenter):
    """Translate each image by a random whole number of pixels.

    ``dy`` and ``dx`` uniform integers in ``[-max_shift, max_shift]`` per image.

    Parameters
    ----------
    image_shape : tuple of int
        ``(height, width)`` or ``(height, width, channels)``.
    max_shift : int, default=2
        Largest shift in pixels along each axis.
    fill : float, default=0.0
        Value of the pixels shifted in from outside the image.
    random_state : None, int or numpy.random.Generator, default=None

    Examples
    --------
    >>> import numpy as np
    >>> from deepbelief.augmentation import RandomShift
    >>> X = np.zeros((3, 16), dtype=np.float32)
    >>> RandomShift((4, 4), max_shift=1, random_state=0)(X).dtype
    dtype('float32')
    """

    def __init__(self, image_shape, *, max_shift=2, fill=0.0, random_state=None):
        self.image_shape = image_shape
        self.max_shift = max_shift
        self.fill = fill
        self.random_state = random_state

    _parameter_constraints = {"max_shift": _COUNT, "fill": _FINITE}

    def _augment(self, X, shape, rng):
        height, width, channels = shape
        m = int(self.max_shift)
        shifts = rng.integers(-m, m + 1, size=(X.shape[0], 2))
        out = np.empty_like(X)
        _k.shift_images(X, height, width, channels, shifts, _k.MODE_CONSTANT,
                        float(self.fill), out)
        return out


class RandomCrop(Augmenter):
    """Pad each image and crop a random window of the original size.

    AlexNet's translation by cropping: a random shift of up to ``padding``
    pixels whose vacated pixels follow ``padding_mode``.

    Parameters
    ----------
    image_shape : tuple of int
        ``(height, width)`` or ``(height, width, channels)``.
    padding : int, default=4
        Pixels added on each side before cropping.
    padding_mode : {"constant", "edge", "reflect"}, default="constant"
        The padding is ``fill``, the nearest edge pixel, or the mirror image.
    fill : float, default=0.0
        Padding value for ``padding_mode="constant"``.
    random_state : None, int or numpy.random.Generator, default=None

    References
    ----------
    A. Krizhevsky, I. Sutskever and G. E. Hinton, "ImageNet classification
    with deep convolutional neural networks", NIPS 2012.
    """

    def __init__(self, image_shape, *, padding=4, padding_mode="constant", fill=0.0,
                 random_state=None):
        self.image_shape = image_shape
        self.padding = padding
        self.padding_mode = padding_mode
        self.fill = fill
        self.random_state = random_state

    _parameter_constraints = {"padding": _COUNT, "padding_mode": [Options(str, set(_MODES))],
                              "fill": _FINITE}

    def _augment(self, X, shape, rng):
        height, width, channels = shape
        p = int(self.padding)
        # a crop at offset o of the padded image is a shift by p - o
        offsets = rng.integers(0, 2 * p + 1, size=(X.shape[0], 2))
        shifts = np.ascontiguousarray(p - offsets)
        out = np.empty_like(X)
        _k.shift_images(X, height, width, channels, shifts, _MODES[self.padding_mode],
                        float(self.fill), out)
        return out


class HorizontalFlip(Augmenter):
    """Mirror each image left to right with probability ``p``.

    Parameters
    ----------
    image_shape : tuple of int
    p : float, default=0.5
        Probability that an image is flipped.
    random_state : None, int or numpy.random.Generator, default=None

    Notes
    -----
    Not for digits: a mirrored digit is often another symbol.
    """

    def __init__(self, image_shape, *, p=0.5, random_state=None):
        self.image_shape = image_shape
        self.p = p
        self.random_state = random_state

    _parameter_constraints = {"p": [Interval(numbers.Real, 0, 1, closed="both")]}

    def _augment(self, X, shape, rng):
        height, width, channels = shape
        flip = rng.random(X.shape[0]) < self.p
        out = np.empty_like(X)
        _k.flip_horizontal(X, height, width, channels, flip, out)
        return out


class ElasticDistortion(Augmenter):
    """Elastic distortion of Simard, Steinkraus and Platt (2003).

    Per image, a displacement field (see :func:`elastic_displacement`) at
    which the input is read by bilinear interpolation:

    .. math::

        \\Delta = \\alpha \\, (G_\\sigma * U), \\qquad
        U_{yx} \\sim \\mathcal{U}(-1, 1), \\qquad
        x'(y, x) = x\\bigl(y + \\Delta^y_{yx},\\; x + \\Delta^x_{yx}\\bigr).

    Small ``sigma`` gives nearly random, large nearly rigid displacements; the
    paper's choice for 28x28 digits is ``sigma=4``, ``alpha=34``.

    Parameters
    ----------
    image_shape : tuple of int
    alpha : float, default=34.0
        Scale of the displacement in pixels.
    sigma : float, default=4.0
        Standard deviation of the Gaussian smoothing, in pixels.
    fill : float, default=0.0
        Value read outside the image.
    random_state : None, int or numpy.random.Generator, default=None

    See Also
    --------
    warp_images : the same warp with an explicit displacement field.

    References
    ----------
    P. Y. Simard, D. Steinkraus and J. C. Platt, "Best practices for
    convolutional neural networks applied to visual document analysis",
    ICDAR 2003.
    """

    def __init__(self, image_shape, *, alpha=34.0, sigma=4.0, fill=0.0, random_state=None):
        self.image_shape = image_shape
        self.alpha = alpha
        self.sigma = sigma
        self.fill = fill
        self.random_state = random_state

    _parameter_constraints = {"alpha": _NON_NEGATIVE, "sigma": _NON_NEGATIVE,
                              "fill": _FINITE}

    def _augment(self, X, shape, rng):
        height, width, channels = shape
        field = elastic_displacement(X.shape[0], height, width, self.alpha, self.sigma,
                                     rng, dtype=X.dtype.type)
        dy = np.ascontiguousarray(field[:, 0])
        dx = np.ascontiguousarray(field[:, 1])
        out = np.empty_like(X)
        _k.warp_bilinear(X, height, width, channels, dy, dx, float(self.fill), out)
        return out


class GaussianNoise(Augmenter):
    """Add independent Gaussian noise to every value.

    Parameters
    ----------
    image_shape : tuple of int or None, default=None
        Checked against the row length when given.
    std : float, default=0.1
        Standard deviation of the noise.
    clip : tuple (low, high) or None, default=None
        Clip the result to this range (e.g. ``(0, 1)`` for intensities).
    random_state : None, int or numpy.random.Generator, default=None
    """

    def __init__(self, image_shape=None, *, std=0.1, clip=None, random_state=None):
        self.image_shape = image_shape
        self.std = std
        self.clip = clip
        self.random_state = random_state

    def __call__(self, X, random_state=None):
        self._validate_params()
        if self.image_shape is None:
            X = np.ascontiguousarray(_check_flat(X))
            shape = None
        else:
            X, shape = _check_images(X, self.image_shape)
        return self._augment(X, shape, self._generator(random_state))

    _parameter_constraints = {"std": _NON_NEGATIVE}

    def _check_param_combinations(self):
        _check_clip(self.clip)

    def _augment(self, X, shape, rng):
        out = X.copy()
        if self.std > 0:
            noise = rng.standard_normal(X.shape, dtype=X.dtype)
            noise *= X.dtype.type(self.std)
            out += noise
        return _clipped(out, self.clip)


class ColorJitter(Augmenter):
    """Random brightness and contrast changes, one draw per image.

    Each image is multiplied by ``b ~ U[max(0, 1 - brightness), 1 +
    brightness]``, then scaled about its own mean by ``c ~ U[max(0, 1 -
    contrast), 1 + contrast]``:

    .. math::

        x' = c\\,(b\\,x - m_b) + m_b, \\qquad m_b = \\operatorname{mean}(b\\,x).

    Parameters
    ----------
    image_shape : tuple of int
    brightness, contrast : float, default=0.2
        Largest relative brightness and contrast changes (0 disables).
    clip : tuple (low, high) or None, default=None
    random_state : None, int or numpy.random.Generator, default=None
    """

    def __init__(self, image_shape, *, brightness=0.2, contrast=0.2, clip=None, random_state=None):
        self.image_shape = image_shape
        self.brightness = brightness
        self.contrast = contrast
        self.clip = clip
        self.random_state = random_state

    _parameter_constraints = {"brightness": _NON_NEGATIVE, "contrast": _NON_NEGATIVE}

    def _check_param_combinations(self):
        _check_clip(self.clip)

    def _augment(self, X, shape, rng):
        n_images = X.shape[0]
        out = X.copy()
        if self.brightness > 0:
            b = rng.uniform(max(0.0, 1.0 - self.brightness), 1.0 + self.brightness, n_images)
            out *= b.astype(X.dtype)[:, None]
        if self.contrast > 0:
            c = rng.uniform(max(0.0, 1.0 - self.contrast), 1.0 + self.contrast, n_images)
            c = c.astype(X.dtype)[:, None]
            mean = out.mean(axis=1, keepdims=True)
            out -= mean
            out *= c
            out += mean
        return _clipped(out, self.clip)


class PCALighting(Augmenter):
    """Lighting noise along the principal components of the pixel colours.

    Krizhevsky et al. (2012) add to every pixel of an image the colour offset

    .. math::

        \\delta = \\sum_i \\alpha_i \\lambda_i p_i, \\qquad
        \\alpha_i \\sim \\mathcal{N}(0, \\sigma^2),

    with :math:`p_i, \\lambda_i` the eigenvectors and eigenvalues of the
    covariance of the pixel colours over the training set (from ``fit(X)``,
    or given) and the :math:`\\alpha_i` drawn once per image.

    Parameters
    ----------
    image_shape : tuple of int
        ``(height, width, channels)``.
    std : float, default=0.1
        Standard deviation of the :math:`\\alpha_i` (0.1 in the paper).
    eigenvalues : array-like of shape (channels,), default=None
    eigenvectors : array-like of shape (channels, channels), default=None
        Columns are the principal directions; given both, ``fit`` is not
        needed.
    random_state : None, int or numpy.random.Generator, default=None

    Attributes
    ----------
    eigenvalues_ : ndarray of shape (channels,)
        In decreasing order.
    eigenvectors_ : ndarray of shape (channels, channels)
        Column ``i`` belongs to ``eigenvalues_[i]``.

    Notes
    -----
    ``clone`` keeps parameters, not fitted attributes: to hand a fitted one
    to an estimator that clones, pass ``eigenvalues=fitted.eigenvalues_,
    eigenvectors=fitted.eigenvectors_``.

    References
    ----------
    A. Krizhevsky, I. Sutskever and G. E. Hinton, "ImageNet classification
    with deep convolutional neural networks", NIPS 2012, section 4.1.
    """

    def __init__(self, image_shape, *, std=0.1, eigenvalues=None, eigenvectors=None,
                 random_state=None):
        self.image_shape = image_shape
        self.std = std
        self.eigenvalues = eigenvalues
        self.eigenvectors = eigenvectors
        self.random_state = random_state

    _parameter_constraints = {"std": _NON_NEGATIVE}

    def _check_param_combinations(self):
        _check_image_shape(self.image_shape)
        if len(tuple(self.image_shape)) != 3:
            raise ValueError("image_shape must be (height, width, channels) for "
                             f"PCALighting; got {self.image_shape!r}.")

    def fit(self, X, y=None):
        """Compute the principal components of the pixel colours of ``X``.

        Parameters
        ----------
        X : ndarray of shape (n_images, height * width * channels)
        y : ignored

        Returns
        -------
        self
        """
        self._validate_params()
        X, (_, _, channels) = _check_images(X, self.image_shape)
        pixels = X.reshape(-1, channels).astype(np.float64)
        cov = np.atleast_2d(np.cov(pixels, rowvar=False, bias=True))
        eigenvalues, eigenvectors = np.linalg.eigh(cov)
        order = np.argsort(eigenvalues)[::-1]
        self.eigenvalues_ = np.clip(eigenvalues[order], 0.0, None)
        self.eigenvectors_ = eigenvectors[:, order]
        return self

    def _components(self, channels):
        if self.eigenvalues is not None or self.eigenvectors is not None:
            if self.eigenvalues is None or self.eigenvectors is None:
                raise ValueError("eigenvalues and eigenvectors must be given together.")
            values = np.asarray(self.eigenvalues, dtype=np.float64)
            vectors = np.asarray(self.eigenvectors, dtype=np.float64)
        elif hasattr(self, "eigenvalues_"):
            values, vectors = self.eigenvalues_, self.eigenvectors_
        else:
            raise NotFittedError("PCALighting needs the colour components: call fit(X) "
                                 "first or pass eigenvalues and eigenvectors.")
        if values.shape != (channels,) or vectors.shape != (channels, channels):
            raise ValueError(f"eigenvalues must have shape ({channels},) and eigenvectors "
                             f"({channels}, {channels}); got {values.shape} and "
                             f"{vectors.shape}.")
        return values, vectors

    def _augment(self, X, shape, rng):
        height, width, channels = shape
        values, vectors = self._components(channels)
        if self.std == 0:
            return X.copy()
        alpha = rng.normal(0.0, self.std, size=(X.shape[0], channels))
        delta = (alpha * values) @ vectors.T
        out = X.reshape(X.shape[0], height * width, channels) + delta[:, None, :].astype(X.dtype)
        return out.reshape(X.shape)


class Compose(Augmenter):
    """Apply augmenters one after the other.

    Parameters
    ----------
    augmenters : list of callables
        Each called as ``aug(X, random_state=...)``.
    random_state : None, int or numpy.random.Generator, default=None
        When set, one stream from it feeds every step; when None, each step
        uses its own. A Generator given to the call overrides both.

    Examples
    --------
    >>> import numpy as np
    >>> from deepbelief.augmentation import Compose, GaussianNoise, RandomShift
    >>> aug = Compose([RandomShift((8, 8), max_shift=1), GaussianNoise(std=0.05)],
    ...               random_state=0)
    >>> aug(np.zeros((2, 64))).shape
    (2, 64)
    """

    def __init__(self, augmenters, *, random_state=None):
        self.augmenters = augmenters
        self.random_state = random_state

    def _validate_params(self):
        try:
            steps = list(self.augmenters)
        except TypeError:
            raise TypeError(f"augmenters must be a list of callables; got "
                            f"{self.augmenters!r}.") from None
        for step in steps:
            if not callable(step):
                raise TypeError(f"augmenters must contain only callables; got {step!r}.")
        return steps

    def __call__(self, X, random_state=None):
        steps = self._validate_params()
        X = _check_flat(X)
        if random_state is not None or self.random_state is not None:
            rng = self._generator(random_state)
        else:
            rng = None
        out = X
        for step in steps:
            out = step(out, random_state=rng)
        if out is X:
            out = X.copy()
        return out
