"""Preprocessing that scikit-learn lacks: ZCA whitening, global contrast
normalisation and dropping incomplete samples.

For the common steps use scikit-learn's transformers: ``StandardScaler``,
``MinMaxScaler(feature_range=(-1, 1))``, ``PCA(whiten=True)``.

Examples
--------
>>> from sklearn.pipeline import make_pipeline
>>> from deepbelief.preprocessing import GlobalContrastNormalization, ZCAWhitening
>>> zca = make_pipeline(GlobalContrastNormalization(), ZCAWhitening(epsilon=1e-2))
"""

import math
import numbers
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy import linalg
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils import check_array
from sklearn.utils.validation import check_is_fitted, validate_data

from ._param_validation import Interval, validate_params

__all__ = ["ZCAWhitening", "GlobalContrastNormalization", "drop_incomplete", "DropReport"]

_FLOATS = [np.float64, np.float32]

# finite and > 0, or finite and >= 0
_POSITIVE = [Interval(numbers.Real, 0, math.inf, closed="neither")]
_NON_NEGATIVE = [Interval(numbers.Real, 0, math.inf, closed="left")]


class ZCAWhitening(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Zero-phase component analysis (ZCA) whitening.

    With the training mean :math:`\\mu` and the eigendecomposition
    :math:`\\Sigma = U \\Lambda U^\\top` of the training covariance (divided
    by ``n_samples``), the transform is

    .. math::

        z = W (x - \\mu), \\qquad
        W = U (\\Lambda + \\epsilon I)^{-1/2} U^\\top.

    The training output covariance is the identity up to ``epsilon``. Of all
    whitening transforms :math:`R W` (:math:`R` a rotation), ZCA's symmetric
    :math:`W` keeps the output closest to the centred input, so whitened
    images still look like images; PCA whitening leaves the data in the
    rotated eigenbasis.

    Parameters
    ----------
    epsilon : float, default=1e-5
        Added to every eigenvalue, so that directions of (near) zero variance
        are not blown up; choose it relative to the data's variance (e.g. 0.1
        for pixels in [0, 1] after contrast normalisation).

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,)
        Per-feature mean of the training data.
    components_ : ndarray of shape (n_features, n_features)
        Principal axes (rows), in decreasing order of variance.
    explained_variance_ : ndarray of shape (n_features,)
        Eigenvalues of the training covariance, matching ``components_``.
    whitening_ : ndarray of shape (n_features, n_features)
        Symmetric matrix :math:`W`; ``transform(X) = (X - mean_) @ whitening_``.
    dewhitening_ : ndarray of shape (n_features, n_features)
        Its inverse :math:`U (\\Lambda + \\epsilon I)^{1/2} U^\\top`.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined only when X has feature names that are all strings.

    See Also
    --------
    sklearn.decomposition.PCA : PCA and PCA whitening (``whiten=True``).
    sklearn.preprocessing.StandardScaler : per-feature standardisation.

    References
    ----------
    A. J. Bell and T. J. Sejnowski, "The 'independent components' of
    natural scenes are edge filters", Vision Research 37(23), 1997.
    A. Krizhevsky, "Learning multiple layers of features from tiny images",
    technical report, University of Toronto, 2009, appendix A.
    A. Kessy, A. Lewin and K. Strimmer, "Optimal whitening and
    decorrelation", The American Statistician 72(4), 2018.

    Examples
    --------
    >>> import numpy as np
    >>> from deepbelief.preprocessing import ZCAWhitening
    >>> X = np.random.default_rng(0).normal(size=(500, 3)) @ [[2, 1, 0], [0, 1, 0], [0, 0, 3]]
    >>> Z = ZCAWhitening(epsilon=1e-8).fit_transform(X)
    >>> np.round(np.cov(Z, rowvar=False, bias=True), 3) + 0.0
    array([[1., 0., 0.],
           [0., 1., 0.],
           [0., 0., 1.]])
    """

    _parameter_constraints = {"epsilon": _POSITIVE}

    def __init__(self, epsilon=1e-5):
        self.epsilon = epsilon

    def fit(self, X, y=None):
        """Learn the mean and the whitening matrix from ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self : ZCAWhitening
        """
        validate_params(self)
        X = validate_data(self, X, dtype=_FLOATS)
        dtype = X.dtype
        X64 = X.astype(np.float64)
        mean = X64.mean(axis=0)
        centred = X64 - mean
        cov = centred.T @ centred / X64.shape[0]
        eigenvalues, eigenvectors = linalg.eigh(cov)
        # eigh returns ascending order; tiny negative values are round-off.
        eigenvalues = np.clip(eigenvalues[::-1], 0.0, None)
        eigenvectors = eigenvectors[:, ::-1]
        scale = np.sqrt(eigenvalues + self.epsilon)
        self.mean_ = mean.astype(dtype)
        self.components_ = eigenvectors.T.astype(dtype)
        self.explained_variance_ = eigenvalues.astype(dtype)
        self.whitening_ = ((eigenvectors / scale) @ eigenvectors.T).astype(dtype)
        self.dewhitening_ = ((eigenvectors * scale) @ eigenvectors.T).astype(dtype)
        return self

    def transform(self, X):
        """Whiten ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        Z : ndarray of shape (n_samples, n_features)
            Same dtype as X (float64 for non-float input).
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=_FLOATS, reset=False)
        return (X - self.mean_.astype(X.dtype)) @ self.whitening_.astype(X.dtype)

    def inverse_transform(self, X):
        """Map whitened data back to the input space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Whitened data.

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        X = check_array(X, dtype=_FLOATS)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but ZCAWhitening is expecting "
                             f"{self.n_features_in_} features as input.")
        return X @ self.dewhitening_.astype(X.dtype) + self.mean_.astype(X.dtype)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class GlobalContrastNormalization(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Per-sample global contrast normalisation.

    Each sample (row) is centred and rescaled to contrast (root mean square)
    ``scale``:

    .. math::

        x' = s \\, \\frac{x - \\bar{x}}
        {\\max\\bigl(\\epsilon, \\sqrt{\\lambda + \\tfrac{1}{n}\\sum_j (x_j - \\bar{x})^2}\\bigr)}.

    :math:`\\lambda` (``sqrt_bias``) damps the scaling of low-contrast
    samples; :math:`\\epsilon` makes a constant sample all zeros. ``fit``
    learns only the number of features.

    Parameters
    ----------
    scale : float, default=1.0
        Contrast :math:`s` of the output samples.
    sqrt_bias : float, default=0.0
        The regulariser :math:`\\lambda \\geq 0` added under the square root.
    epsilon : float, default=1e-8
        Smallest divisor :math:`\\epsilon > 0`.

    Attributes
    ----------
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined only when X has feature names that are all strings.

    See Also
    --------
    sklearn.preprocessing.Normalizer : per-sample scaling to unit norm
        without centring.
    ZCAWhitening : often applied after this transform on natural images.

    References
    ----------
    I. Goodfellow, Y. Bengio and A. Courville, "Deep Learning", MIT Press,
    2016, section 12.2.1.1.
    A. Coates, H. Lee and A. Y. Ng, "An analysis of single-layer networks
    in unsupervised feature learning", AISTATS 2011.

    Examples
    --------
    >>> import numpy as np
    >>> from deepbelief.preprocessing import GlobalContrastNormalization
    >>> Xt = GlobalContrastNormalization().fit_transform([[1.0, 2.0, 3.0], [0.0, 0.0, 4.0]])
    >>> np.round(np.sqrt((Xt ** 2).mean(axis=1)), 6)
    array([1., 1.])
    """

    def __init__(self, *, scale=1.0, sqrt_bias=0.0, epsilon=1e-8):
        self.scale = scale
        self.sqrt_bias = sqrt_bias
        self.epsilon = epsilon

    _parameter_constraints = {"scale": _POSITIVE, "sqrt_bias": _NON_NEGATIVE,
                              "epsilon": _POSITIVE}

    def fit(self, X, y=None):
        """Check the parameters and record the number of features.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self : GlobalContrastNormalization
        """
        validate_params(self)
        validate_data(self, X, dtype=_FLOATS)
        return self

    def transform(self, X):
        """Normalise every sample of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features)
            Same dtype as X (float64 for non-float input).
        """
        # stateless: the parameters are read here, so they are checked here
        validate_params(self)
        X = validate_data(self, X, dtype=_FLOATS, reset=False)
        centred = X - X.mean(axis=1, keepdims=True)
        contrast = np.sqrt(self.sqrt_bias + np.mean(centred * centred, axis=1, keepdims=True))
        np.maximum(contrast, self.epsilon, out=contrast)
        centred *= X.dtype.type(self.scale) / contrast
        return centred

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


@dataclass
class DropReport:
    """What :func:`drop_incomplete` removed.

    Attributes
    ----------
    n_samples : int
        Samples given.
    n_kept : int
        Samples returned.
    n_dropped : int
        Samples removed.
    dropped_rows : ndarray of int
        Positions (0-based, in the input order) of the removed samples.
    n_missing_features : int
        Removed samples with a missing or non-finite value in X.
    n_missing_labels : int
        Removed samples whose label is missing.
    """

    n_samples: int
    n_kept: int
    n_dropped: int
    dropped_rows: np.ndarray = field(repr=False)
    n_missing_features: int = 0
    n_missing_labels: int = 0

    def __str__(self):
        if self.n_dropped == 0:
            return f"drop_incomplete: kept all {self.n_samples} samples."
        shown = ", ".join(str(int(r)) for r in self.dropped_rows[:10])
        if self.n_dropped > 10:
            shown += f", ... ({self.n_dropped - 10} more)"
        reasons = []
        if self.n_missing_features:
            reasons.append(f"{self.n_missing_features} with missing or non-finite features")
        if self.n_missing_labels:
            reasons.append(f"{self.n_missing_labels} with a missing label")
        return (f"drop_incomplete: dropped {self.n_dropped} of {self.n_samples} samples "
                f"({'; '.join(reasons)}), kept {self.n_kept}; dropped rows: [{shown}].")


def _is_missing_scalar(value):
    if value is None:
        return True
    try:
        return not np.isfinite(value)
    except TypeError:
        # not a number (a string, an object): only None or NaN-like count
        try:
            return value != value
        except Exception:  # objects with odd comparisons are kept
            return False


_is_missing_object = np.frompyfunc(_is_missing_scalar, 1, 1)


def _missing_rows_array(values):
    """Boolean mask over the first axis: rows holding a missing value."""
    values = np.asarray(values)
    if values.ndim == 0:
        raise ValueError("X must have at least one dimension; got a scalar.")
    kind = values.dtype.kind
    if kind in "fc":
        bad = ~np.isfinite(values)
    elif kind in "mM":
        bad = np.isnat(values)
    elif kind == "O":
        bad = _is_missing_object(values).astype(bool)
    else:  # integers, booleans, strings: no missing marker exists
        return np.zeros(values.shape[0], dtype=bool)
    if values.shape[0] == 0:
        return np.zeros(0, dtype=bool)
    return bad.reshape(values.shape[0], -1).any(axis=1)


def _missing_rows_sparse(X):
    X = X.tocsr()
    bad = np.zeros(X.shape[0], dtype=bool)
    counts = np.diff(X.indptr)
    rows = np.repeat(np.arange(X.shape[0]), counts)
    bad[rows[~np.isfinite(X.data)]] = True
    return bad


def _is_pandas(obj):
    return type(obj).__module__.split(".")[0] == "pandas" and hasattr(obj, "iloc")


def _missing_rows_pandas(obj):
    bad = np.array(obj.isna(), dtype=bool)  # a copy: pandas may hand out read-only views
    if bad.ndim == 2:
        bad = bad.any(axis=1)
    frame = obj.to_frame() if bad.ndim == 1 and hasattr(obj, "to_frame") else obj
    numeric = frame.select_dtypes(include="number")
    if numeric.shape[1]:
        values = numeric.to_numpy(dtype=np.float64, na_value=np.nan)
        bad |= ~np.isfinite(values).all(axis=1)
    return bad


def _missing_rows(obj):
    if _is_pandas(obj):
        return _missing_rows_pandas(obj)
    if sp.issparse(obj):
        return _missing_rows_sparse(obj)
    return _missing_rows_array(obj)


def _take_rows(obj, keep):
    if _is_pandas(obj):
        return obj.iloc[keep]
    if sp.issparse(obj):
        return obj.tocsr()[keep]
    return np.asarray(obj)[keep]


def drop_incomplete(X, y=None):
    """Remove the samples with missing or non-finite values, and say which.

    A sample is dropped when a value of ``X``, or its label in ``y``, is NaN,
    +-inf, None or NaT; the others are returned unchanged, in order.

    Parameters
    ----------
    X : array-like of shape (n_samples, ...) or pandas DataFrame or sparse matrix
        Samples along the first axis; numpy arrays may have any number of
        further axes (e.g. images).
    y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
        Labels or targets; a pandas Series or DataFrame works too.

    Returns
    -------
    X_kept : same kind as X
        The complete samples. A DataFrame keeps its index labels.
    y_kept : same kind as y, or None
    report : DropReport
        ``n_dropped``, ``dropped_rows`` (positions in the input), ``n_kept``
        and the counts by cause; ``print(report)`` gives one readable line.

    Examples
    --------
    >>> import numpy as np
    >>> from deepbelief.preprocessing import drop_incomplete
    >>> X = np.array([[1.0, 2.0], [np.nan, 0.0], [3.0, np.inf], [4.0, 5.0]])
    >>> y = np.array([0, 1, 1, 0])
    >>> X_kept, y_kept, report = drop_incomplete(X, y)
    >>> X_kept
    array([[1., 2.],
           [4., 5.]])
    >>> print(report)
    drop_incomplete: dropped 2 of 4 samples (2 with missing or non-finite features), kept 2; dropped rows: [1, 2].
    """
    if not (_is_pandas(X) or sp.issparse(X)):
        X = np.asarray(X)
    bad_X = _missing_rows(X)
    n_samples = bad_X.shape[0]
    if y is not None:
        if not _is_pandas(y):
            y = np.asarray(y)
        if y.shape[0] != n_samples:
            raise ValueError("X and y must have the same number of samples; got "
                             f"{n_samples} and {y.shape[0]}.")
        bad_y = _missing_rows(y)
    else:
        bad_y = np.zeros(n_samples, dtype=bool)
    bad = bad_X | bad_y
    keep = np.flatnonzero(~bad)
    dropped = np.flatnonzero(bad)
    report = DropReport(n_samples=n_samples, n_kept=keep.size, n_dropped=dropped.size,
                        dropped_rows=dropped, n_missing_features=int(bad_X.sum()),
                        n_missing_labels=int(bad_y.sum()))
    return _take_rows(X, keep), None if y is None else _take_rows(y, keep), report
