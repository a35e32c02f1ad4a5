"""Normalised log-likelihoods of RBMs: exact and by annealed importance sampling.

The log-likelihood of :math:`p^*(v) = e^{-F(v)}` needs
:math:`\\log Z = \\log \\sum_v e^{-F(v)}`: ``exact_log_partition``
enumerates the smaller binary layer (up to about 25 units);
``ais_log_partition`` estimates it by annealed importance sampling, whose
mean weight is an unbiased estimate of :math:`Z / Z_{base}`.
``log_likelihood`` turns either into the mean log-probability of data.

Which way AIS errs: Z is estimated without bias, so by Jensen's inequality
:math:`\\log Z` is biased *low*, and Markov's inequality makes a large
overestimate unlikely (:math:`P(\\hat Z > kZ) < 1/k`). Runs that have not
equilibrated make log-likelihoods too *high*: AIS tends to make a model look
better than it is. Compare models with the same schedule, and watch the
interval.

References
----------
Neal, R. M. (2001). Annealed importance sampling. Statistics and
Computing 11(2).
Salakhutdinov, R. & Murray, I. (2008). On the quantitative analysis of
deep belief networks. ICML.
"""

from numbers import Integral
from typing import NamedTuple

import numpy as np
from sklearn.utils.validation import check_is_fitted, validate_data

from ._kernels import blas
from ._kernels import likelihood as _k
from ._param_validation import Interval, check
from .training import _progress_bar, make_generator
from .units import BernoulliUnits, GaussianUnits

__all__ = ["AISEstimate", "ais_log_partition", "exact_log_partition", "log_likelihood",
           "salakhutdinov_murray_betas"]

# Elements (rows x units) of one enumeration block: 8 MB of float64.
_BLOCK_ELEMENTS = 1 << 20


# ------------------------------------------------------------------ model


def _model(rbm):
    """``(engine, W, b, c, log_volume, visible, hidden)`` for the partition
    function: ``b`` as it enters the rescaled states' energy (b / sigma),
    ``log_volume`` what the rescaling adds to log Z, the unit types those of
    the rescaled states."""
    check_is_fitted(rbm, "components_")
    engine = rbm._engine()
    visible = engine.visible
    b = np.asarray(visible.energy_bias(engine.b), dtype=np.float64)
    c = np.asarray(engine.c, dtype=np.float64)
    return (engine, engine.W, b, c, float(visible.log_volume()), visible.standard,
            engine.hidden)


# ------------------------------------------------------------------ exact


def exact_log_partition(rbm, *, max_units=25):
    """Exact log partition function of an RBM, by enumeration.

    Sums over the :math:`2^n` states of the smaller binary layer, with the
    other layer marginalised analytically:

    .. math:: \\log Z = \\log \\sum_h e^{c^T h}
              \\prod_i \\int e^{-E_i(v_i) + v_i (W^T h)_i}\\, dv_i
              \\quad\\text{or}\\quad
              \\log Z = \\log \\sum_v e^{-F(v)},

    block by block with a running log-sum-exp. Gaussian visible units are
    integrated out (the density in the data's units, ``sigma_`` included).

    Parameters
    ----------
    rbm : fitted BernoulliRBM or GaussianBernoulliRBM
    max_units : int, default=25
        Refuse to enumerate more units (the cost doubles per unit).

    Returns
    -------
    log_z : float
    """
    _, W, b, c, log_scale, visible, hidden = _model(rbm)
    W = W.astype(np.float64)
    n_hidden, n_visible = W.shape
    options = []
    if hidden.binary:
        options.append((n_hidden, "hidden"))
    if visible.binary:
        options.append((n_visible, "visible"))
    if not options:
        raise ValueError("exact_log_partition needs a binary layer to enumerate; this "
                         f"model has {visible.name} visible and {hidden.name} hidden units.")
    n, layer = min(options)
    if n > max_units:
        raise ValueError(f"exact_log_partition enumerates 2**{n} states of the {layer} "
                         f"layer; max_units is {max_units}. Use ais_log_partition for "
                         "models this large.")
    if layer == "hidden":
        # sum_h exp(c.h) * prod_i int exp(-E(v_i; b_i) + v_i a_i) dv_i; the
        # visible log_partition is log int exp(-E(v; 0) + v (a + b)), which
        # differs from that integral by -E(0; b).
        enum, other = hidden, visible
        M, enum_bias, other_bias = W, c, b
        const = -_energy_at_zero(visible, b)
    else:
        enum, other = visible, hidden
        M, enum_bias, other_bias = np.ascontiguousarray(W.T), b, c
        const = 0.0
    n_other = M.shape[1]
    total = 1 << n
    rows = max(1, min(total, _BLOCK_ELEMENTS // max(n_other, n)))
    S = np.empty((rows, n))
    A = np.empty((rows, n_other))
    enum_energy = np.empty(rows)
    other_lp = np.empty(rows)
    log_z = -np.inf
    for start in range(0, total, rows):
        r = min(rows, total - start)
        S_r, A_r = S[:r], A[:r]
        _k.binary_states(start, S_r)
        blas.dot_nn(S_r, M, A_r)
        enum.energy(S_r, enum_bias, enum_energy[:r])
        other.log_partition(A_r, other_bias, other_lp[:r])
        terms = other_lp[:r] - enum_energy[:r]
        log_z = np.logaddexp(log_z, _k.log_sum_exp(terms))
    return float(log_z + const + log_scale)


def _energy_at_zero(units, bias):
    out = np.empty(1)
    units.energy(np.zeros((1, bias.shape[0])), bias, out)
    return float(out[0])


# ------------------------------------------------------------------ AIS


class AISEstimate(NamedTuple):
    """The result of ``ais_log_partition``.

    Attributes
    ----------
    log_z : float
        The estimate of log Z: ``log_z_base + log(mean(exp(log_weights)))``.
    log_z_low, log_z_high : float
        ``log(mean(w) -/+ 3 standard errors)``, as Salakhutdinov & Murray
        report it (``-inf`` when three exceed the mean).
    log_weights : ndarray of shape (n_runs,)
        Log importance weight of each run.
    log_z_base : float
        Log partition function of the base model (beta = 0).
    """

    log_z: float
    log_z_low: float
    log_z_high: float
    log_weights: np.ndarray
    log_z_base: float

    @property
    def effective_sample_size(self):
        """(sum w)**2 / sum w**2: how many runs the weights are worth."""
        w = np.exp(self.log_weights - self.log_weights.max())
        return float(w.sum() ** 2 / (w * w).sum())


def salakhutdinov_murray_betas():
    """The AIS schedule of Salakhutdinov & Murray (2008), an ndarray of 14,501
    inverse temperatures: from 0 in steps of 1e-3 to 0.5, 1e-4 to 0.9, 1e-5 to 1.
    """
    return np.concatenate([np.linspace(0.0, 0.5, 501)[:-1],
                           np.linspace(0.5, 0.9, 4001)[:-1], np.linspace(0.9, 1.0, 10001)])


def _logit_of_means(mean):
    # Clipped so that a pixel that is always 0 (or 1) in the data still has
    # a finite bias and the base model gives every state some mass.
    p = np.clip(mean, 1e-3, 1 - 1e-3)
    return np.log(p) - np.log1p(-p)


# Per visible unit type: the fused AIS visible kernel and the base-model
# bias that reproduces given data means (the inverse of the unit's mean
# function at zero input). Hidden units must be binary.
_AIS_VISIBLE = {
    BernoulliUnits: (_k.ais_visible_bernoulli, _logit_of_means),
    GaussianUnits: (_k.ais_visible_gaussian, lambda mean: np.asarray(mean, np.float64)),
}
_AIS_HIDDEN = {BernoulliUnits: _k.ais_hidden_bernoulli}
# The fraction of binary units on below which AIS sums rows of W instead of
# calling BLAS (benchmarks/bench_ais.py; 0 turns the row sums off).
_SPARSE_BELOW = 0.15


def _check_betas(betas):
    betas = np.asarray(betas, dtype=np.float64)
    if betas.ndim != 1 or betas.shape[0] < 2:
        raise ValueError(f"betas must be a 1-D sequence of at least 2 values; got shape "
                         f"{betas.shape}.")
    if betas[0] != 0.0 or betas[-1] != 1.0:
        raise ValueError(f"betas must start at 0 and end at 1; got {betas[0]} ... "
                         f"{betas[-1]}.")
    if np.any(np.diff(betas) < 0):
        raise ValueError("betas must be non-decreasing.")
    return betas


def ais_log_partition(rbm, n_runs=100, betas=None, random_state=None, *, X=None,
                      base_rate=None, dtype=np.float32, verbose=False):
    """Estimate log Z of an RBM by annealed importance sampling.

    The intermediate models interpolate the energies of a base model A
    (visible units only, no weights) and of the RBM B,
    :math:`E_\\beta(v, h) = (1 - \\beta) E_A(v) + \\beta E_B(v, h)`, so that

    .. math:: \\log p^*_\\beta(v) = -(1-\\beta) E_A(v) - \\beta E_{B,v}(v)
              + \\sum_j \\mathrm{softplus}(\\beta (c_j + W_j v)).

    Each run draws :math:`v \\sim p_A`, then for each :math:`\\beta_k` adds
    :math:`\\log p^*_{\\beta_k}(v) - \\log p^*_{\\beta_{k-1}}(v)` to its log
    weight and takes one Gibbs step leaving :math:`p_{\\beta_k}` invariant;
    :math:`\\hat Z = Z_A \\cdot \\mathrm{mean}(w)`. All runs advance together
    (two products and two fused kernels per temperature). log Z tends to be
    too low (see the module docstring).

    Parameters
    ----------
    rbm : fitted BernoulliRBM or GaussianBernoulliRBM
        Hidden units must be binary.
    n_runs : int, default=100
        Independent AIS runs (rows advanced together).
    betas : array-like of shape (n_betas,) or None, default=None
        Inverse temperatures from 0 to 1, non-decreasing. None uses
        Salakhutdinov & Murray's 14,501 values
        (``salakhutdinov_murray_betas``).
    random_state : int, RandomState, Generator or None, default=None
        Seeds the runs (the same estimate whatever the thread count).
    X : array-like of shape (n_samples, n_features) or None, default=None
        Data whose means set the base model's visible biases (the
        "base-rate" model: logit of clipped means, or means of ``X /
        sigma_``); closer to the data means a smaller variance.
    base_rate : array-like of shape (n_features,) or None, default=None
        The base model's visible biases directly (scaled units for a
        Gaussian model). With neither, the RBM's own visible biases.
    dtype : {np.float32, np.float64}, default=np.float32
        Precision of the products and states; weights and energies are
        accumulated in float64 either way.
    verbose : bool, default=False
        A live progress bar over the temperatures on a terminal, when tqdm
        is installed (``DEEPBELIEF_PROGRESS``: see the training loop).

    Returns
    -------
    estimate : AISEstimate
        ``log_z``, the interval ``log_z_low``/``log_z_high`` from the spread
        of the importance weights, ``log_weights`` and ``log_z_base``.

    References
    ----------
    Neal (2001); Salakhutdinov & Murray (2008), as in the module docstring.
    """
    engine, W, b, c, log_scale, visible, hidden = _model(rbm)
    if type(hidden) not in _AIS_HIDDEN:
        raise ValueError(f"ais_log_partition needs binary (bernoulli) hidden units; got "
                         f"{hidden.name!r}.")
    if type(visible) not in _AIS_VISIBLE:
        raise ValueError(f"ais_log_partition does not support {visible.name!r} visible "
                         "units.")
    check("n_runs", n_runs, [Interval(Integral, 1, None)])
    if np.dtype(dtype) not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"dtype must be float32 or float64; got {dtype!r}.")
    betas = salakhutdinov_murray_betas() if betas is None else _check_betas(betas)
    visible_step = _AIS_VISIBLE[type(visible)][0]
    hidden_step = _AIS_HIDDEN[type(hidden)]
    n_hidden, n_visible = W.shape
    b_base, log_z_base = _base_model(engine, visible, hidden, b, X, base_rate, rbm,
                                     data_name="X")

    rng = make_generator(random_state)
    W = np.ascontiguousarray(W, dtype=dtype)
    # Inputs and outputs of each kernel in separate buffers (aliasing
    # them stops the kernels vectorising).
    V = np.zeros((n_runs, n_visible), dtype=dtype)
    HW = np.zeros((n_runs, n_visible), dtype=dtype)
    A = np.empty((n_runs, n_hidden), dtype=dtype)
    H = np.empty((n_runs, n_hidden), dtype=dtype)
    log_w = np.zeros(n_runs)
    gap = np.empty(n_runs)
    work_h = np.empty((2, n_hidden))
    work_v = np.empty(n_visible)
    n_steps = betas.shape[0] - 1
    seeds = rng.integers(0, 2**64, size=(n_steps + 1, 2), dtype=np.uint64)
    # Binary states with few units on are multiplied by summing the rows of
    # W they select (W^T's for the visible states): fewer operations than
    # the dense product below _SPARSE_BELOW of the units on.
    binary_visible = type(visible) is BernoulliUnits
    WT = np.ascontiguousarray(W.T) if binary_visible else None
    sparse_limit = _SPARSE_BELOW * V.size
    visible_step(HW, 0.0, b_base, b, V, gap, work_v, seeds[0, 1])  # v ~ p_A
    bar = _progress_bar(n_steps, "AIS", verbose, unit="temperature")
    for k in range(1, n_steps + 1):
        if bar is not None:
            bar.update()
        beta_old, beta_new = betas[k - 1], betas[k]
        if binary_visible and np.count_nonzero(V) < sparse_limit:
            _k.binary_rows_times(V, WT, A)
        else:
            blas.dot_nt(V, W, A)
        hidden_step(A, c, beta_old, beta_new, gap, log_w, H, work_h, seeds[k, 0])
        if k == n_steps:
            break
        if np.count_nonzero(H) < _SPARSE_BELOW * H.size:
            _k.binary_rows_times(H, W, HW)
        else:
            blas.dot_nn(H, W, HW)
        visible_step(HW, beta_new, b_base, b, V, gap, work_v, seeds[k, 1])
    if bar is not None:
        bar.close()
    if not np.all(np.isfinite(log_w)):
        raise FloatingPointError("AIS produced non-finite importance weights; the model's "
                                 "parameters may have diverged.")
    top = log_w.max()
    w = np.exp(log_w - top)
    mean = w.mean()
    se = w.std(ddof=1) / np.sqrt(n_runs) if n_runs > 1 else 0.0
    offset = top + log_z_base + log_scale
    low = np.log(mean - 3 * se) + offset if mean > 3 * se else -np.inf
    return AISEstimate(log_z=float(np.log(mean) + offset), log_z_low=float(low),
                       log_z_high=float(np.log(mean + 3 * se) + offset),
                       log_weights=log_w, log_z_base=float(log_z_base + log_scale))


def _validated(rbm, X):
    X = validate_data(rbm, X, accept_sparse="csr", reset=False,
                      dtype=(np.float64, np.float32))
    if X.shape[0] == 0:
        raise ValueError("X has 0 samples; at least one is needed.")
    return X


# ------------------------------------------------------------------ log-likelihood


def log_likelihood(rbm, X, method="ais", *, log_z=None, **kwargs):
    """Mean log-probability of the rows of X under a fitted RBM.

    .. math:: \\frac{1}{n} \\sum_{i} \\log p(x_i)
              = -\\frac{1}{n} \\sum_i F(x_i) - \\log Z

    in nats per sample (a density for Gaussian visible units). With
    ``method="ais"`` it tends to be *overestimated* (see the module docstring).

    Parameters
    ----------
    rbm : fitted BernoulliRBM or GaussianBernoulliRBM
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    method : {"ais", "exact"}, default="ais"
        How log Z is obtained: ``ais_log_partition`` or
        ``exact_log_partition``.
    log_z : float, AISEstimate or None, default=None
        A log partition function computed before; ``method`` and ``kwargs``
        are then unused.
    **kwargs
        Passed to the log-partition function; for AIS the base model's biases
        default to X's means.

    Returns
    -------
    log_likelihood : float
    """
    X = _validated(rbm, X)
    if log_z is None:
        if method == "exact":
            log_z = exact_log_partition(rbm, **kwargs)
        elif method == "ais":
            if "X" not in kwargs and "base_rate" not in kwargs:
                kwargs["X"] = X
            log_z = ais_log_partition(rbm, **kwargs).log_z
        else:
            raise ValueError(f"method must be 'ais' or 'exact'; got {method!r}.")
    elif isinstance(log_z, AISEstimate):
        log_z = log_z.log_z
    return float(-np.mean(rbm.free_energy(X)) - float(log_z))


# ------------------------------------------------------------------ reverse AIS

__all__ += ["LikelihoodBounds", "RAISEEstimate", "log_likelihood_bounds",
            "raise_log_likelihood"]


class RAISEEstimate(NamedTuple):
    """The result of ``raise_log_likelihood``.

    Attributes
    ----------
    log_likelihood : float
        Mean of ``per_sample``: the estimate of the data's mean
        log-probability, in nats, conservative (see
        ``raise_log_likelihood``).
    standard_error : float
        Standard deviation of ``per_sample`` over the samples, divided by
        the square root of their number. It holds the spread of the data's
        own log-probabilities as well as the estimator's noise, so it
        overstates the noise of ``log_likelihood`` for a fixed data set.
    per_sample : ndarray of shape (n_samples,)
        Per sample, the log of the mean of its runs' importance weights.
    log_weights : ndarray of shape (n_samples, n_runs)
        Log importance weight of each reverse run: each is itself a
        stochastic lower bound on the sample's log-probability.
    log_z_base : float
        Log partition function of the base model (with the RBM's hidden
        units at inverse temperature 0, and the volume factor of scaled
        Gaussian units).
    """

    log_likelihood: float
    standard_error: float
    per_sample: np.ndarray
    log_weights: np.ndarray
    log_z_base: float


class LikelihoodBounds(NamedTuple):
    """The result of ``log_likelihood_bounds``: a bracket on the mean
    log-probability of data.

    Attributes
    ----------
    lower : float
        Reverse AIS (``reverse.log_likelihood``): too low more often than not.
    upper : float
        Forward AIS (the free energy of the data and ``forward.log_z``): too
        high more often than not.
    reverse : RAISEEstimate
    forward : AISEstimate
    """

    lower: float
    upper: float
    reverse: RAISEEstimate
    forward: AISEstimate


# Chains advanced together when the batch size is not given.
_REVERSE_CHAINS = 1000


def _check_count(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be an int >= 1; got {value!r}.")
    return int(value)


def _base_model(engine, visible, hidden, b, X_base, base_rate, rbm, data_name="X_base"):
    """The base model's visible biases and log partition function: the
    same base model as ``ais_log_partition``'s for the same arguments."""
    n_hidden, n_visible = engine.W.shape
    base_bias = _AIS_VISIBLE[type(visible)][1]
    if X_base is not None and base_rate is not None:
        raise ValueError(f"Give {data_name} or base_rate, not both.")
    if base_rate is not None:
        b_base = np.asarray(base_rate, dtype=np.float64).reshape(-1)
    elif X_base is not None:
        Xs = engine.visible.rescale(engine.dense(_validated(rbm, X_base)))
        b_base = base_bias(np.asarray(Xs, dtype=np.float64).mean(axis=0))
    else:
        b_base = b.copy()
    if b_base.shape != (n_visible,) or not np.all(np.isfinite(b_base)):
        raise ValueError(f"base_rate must hold {n_visible} finite values; got shape "
                         f"{b_base.shape}.")
    # At beta = 0 the hidden units are free of any input:
    # Z_0 = int exp(-E_A(v)) dv * sum_h 1, each through its log_partition.
    lp = np.empty(1)
    visible.log_partition(np.zeros((1, n_visible)), b_base, lp)
    log_z_base = float(lp[0]) - _energy_at_zero(visible, b_base)
    hidden.log_partition(np.zeros((1, n_hidden)), np.zeros(n_hidden), lp)
    return b_base, log_z_base + float(lp[0])


def raise_log_likelihood(rbm, X, n_runs=10, betas=None, random_state=None, *, X_base=None,
                         base_rate=None, batch_size=None, dtype=np.float32, verbose=False):
    """Conservative estimate of the mean log-probability of X by reverse AIS.

    RAISE (Burda, Grosse & Salakhutdinov 2015) runs annealed importance
    sampling backwards from each data vector. Write :math:`f_k` for the
    unnormalised marginal of the intermediate model at :math:`\\beta_k`
    (that of ``ais_log_partition``; :math:`f_K` is the RBM's
    :math:`e^{-F(v)}`, :math:`f_0` the base model's, with partition
    function :math:`Z_0`) and :math:`T_k` for the Gibbs step
    :math:`v \\to h \\to v` at :math:`\\beta_k`. Forward AIS followed by
    one more step :math:`T_K` is a generative model of its own, the
    annealing model :math:`p_{ann}`; the reverse chain
    :math:`x_K = v`, :math:`x_{k-1} \\sim T_k(\\cdot \\mid x_k)` for
    :math:`k = K, \\dots, 1` (each :math:`T_k` is reversible) proposes its
    hidden path, with importance weight

    .. math:: w = \\frac{f_K(v)}{Z_0} \\prod_{k=0}^{K-1}
              \\frac{f_k(x_k)}{f_{k+1}(x_k)},

    whose expectation is :math:`p_{ann}(v)`. So the log of the mean weight
    of a sample's runs is, in expectation, *below*
    :math:`\\log p_{ann}(v)` (Jensen's inequality), and far above it only
    with small probability (Markov's inequality). As the schedule gets
    finer :math:`p_{ann}` approaches the RBM's own distribution; when the
    annealing is too coarse, the paper argues that :math:`p_{ann}` is the
    worse model of the data, so the estimate errs low either way: the
    opposite of forward AIS, whose log-likelihoods tend to err high. The
    increments are those of forward AIS, visited in the reverse order;
    only the start (the data instead of the base model) differs.

    Each sample costs ``n_runs`` chains of ``len(betas)`` Gibbs steps, so
    scoring a data set costs ``n_samples * n_runs / n_runs_forward`` times
    as much as one forward estimate of log Z: score a subset when time is
    short.

    Parameters
    ----------
    rbm : fitted BernoulliRBM or GaussianBernoulliRBM
        Hidden units must be binary.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        The data to score.
    n_runs : int, default=10
        Reverse runs per sample; their weights are averaged, which raises
        the bound towards :math:`\\log p_{ann}(v)`. One run per sample can
        err by far more than the bound's bias: on an MNIST RBM trained
        briefly with CD-1 about half of the single runs ended some 150 nats
        low and the rest within a nat of forward AIS, so averaging a few
        runs per sample matters more than a longer schedule.
    betas : array-like of shape (n_betas,) or None, default=None
        Inverse temperatures from 0 to 1, non-decreasing, as for
        ``ais_log_partition`` (the runs visit them from 1 down to 0). None
        uses Salakhutdinov & Murray's 14,501 values.
    random_state : int, RandomState, Generator or None, default=None
        Seeds the runs; the same seed, data and ``batch_size`` give the
        same estimate.
    X_base : array-like of shape (n_base, n_features) or None, default=None
        Data whose feature means set the base model (as ``X`` does for
        ``ais_log_partition``), typically the training set.
    base_rate : array-like of shape (n_features,) or None, default=None
        The base model's visible biases directly. With neither ``X_base``
        nor ``base_rate`` the base model is set from the means of ``X``.
    batch_size : int or None, default=None
        Samples whose runs advance together (memory grows with
        ``batch_size * n_runs`` chains). None: as many as make about 1,000
        chains.
    dtype : {np.float32, np.float64}, default=np.float32
        Precision of the products and states; weights are accumulated in
        float64.
    verbose : bool, default=False
        A live progress bar over the batches of samples (see
        ``ais_log_partition``).

    Returns
    -------
    estimate : RAISEEstimate
        ``log_likelihood`` (mean over samples), ``standard_error``,
        ``per_sample``, ``log_weights`` and ``log_z_base``.

    References
    ----------
    Burda, Y., Grosse, R. & Salakhutdinov, R. (2015). Accurate and
    conservative estimates of MRF log-likelihood using reverse annealing.
    AISTATS.
    Neal, R. M. (2001). Annealed importance sampling. Statistics and
    Computing 11(2).

    Examples
    --------
    >>> import numpy as np
    >>> from deepbelief import BernoulliRBM, raise_log_likelihood
    >>> X = (np.random.default_rng(0).random((50, 12)) < 0.3).astype(float)
    >>> rbm = BernoulliRBM(4, n_iter=5, random_state=0).fit(X)
    >>> est = raise_log_likelihood(rbm, X, n_runs=2, betas=np.linspace(0, 1, 100),
    ...                            random_state=0)
    >>> est.per_sample.shape
    (50,)
    """
    X = _validated(rbm, X)
    engine, W, b, c, log_scale, visible, hidden = _model(rbm)
    if type(hidden) not in _AIS_HIDDEN:
        raise ValueError(f"raise_log_likelihood needs binary (bernoulli) hidden units; "
                         f"got {hidden.name!r}.")
    if type(visible) not in _AIS_VISIBLE:
        raise ValueError(f"raise_log_likelihood does not support {visible.name!r} visible "
                         "units.")
    n_runs = _check_count("n_runs", n_runs)
    if np.dtype(dtype) not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"dtype must be float32 or float64; got {dtype!r}.")
    betas = salakhutdinov_murray_betas() if betas is None else _check_betas(betas)
    n_samples = X.shape[0]
    if batch_size is None:
        batch_size = max(1, _REVERSE_CHAINS // n_runs)
    batch_size = min(_check_count("batch_size", batch_size), n_samples)
    if X_base is None and base_rate is None:
        X_base = X
    b_base, log_z_base = _base_model(engine, visible, hidden, b, X_base, base_rate, rbm)

    rng = make_generator(random_state)
    W64 = np.ascontiguousarray(W, dtype=np.float64)
    W = np.ascontiguousarray(W, dtype=dtype)
    WT = np.ascontiguousarray(W.T) if type(visible) is BernoulliUnits else None
    Xs = engine.visible.rescale(engine.dense(X))
    log_w = np.empty((n_samples, n_runs))
    bar = _progress_bar(-(-n_samples // batch_size), "reverse AIS", verbose, unit="batch")
    for start in range(0, n_samples, batch_size):
        if bar is not None:
            bar.update()
        rows = Xs[start:start + batch_size]
        # The chains start at the data as the states hold it.
        V0 = np.ascontiguousarray(np.repeat(np.asarray(rows, dtype=dtype), n_runs, axis=0))
        seeds = rng.integers(0, 2**64, size=(betas.shape[0], 2), dtype=np.uint64)
        log_w[start:start + rows.shape[0]] = _reverse_runs(
            V0, W, WT, W64, b, c, b_base, betas, visible, hidden, seeds
        ).reshape(-1, n_runs)
    if bar is not None:
        bar.close()
    if not np.all(np.isfinite(log_w)):
        raise FloatingPointError("Reverse AIS produced non-finite importance weights; the "
                                 "model's parameters may have diverged.")
    log_w -= log_z_base + log_scale
    top = log_w.max(axis=1)
    per_sample = top + np.log(np.mean(np.exp(log_w - top[:, None]), axis=1))
    se = per_sample.std(ddof=1) / np.sqrt(n_samples) if n_samples > 1 else 0.0
    return RAISEEstimate(
        log_likelihood=float(per_sample.mean()),
        standard_error=float(se),
        per_sample=per_sample,
        log_weights=log_w,
        log_z_base=float(log_z_base + log_scale),
    )


def _reverse_runs(V, W, WT, W64, b, c, b_base, betas, visible, hidden, seeds):
    """Log weights (before the base model's log Z) of reverse runs started
    at the rows of ``V``, which the runs overwrite."""
    visible_step = _AIS_VISIBLE[type(visible)][0]
    hidden_step = _AIS_HIDDEN[type(hidden)]
    n_rows, n_visible = V.shape
    n_hidden = W.shape[0]
    dtype = V.dtype
    HW = np.zeros((n_rows, n_visible), dtype=dtype)
    A = np.empty((n_rows, n_hidden), dtype=dtype)
    H = np.empty((n_rows, n_hidden), dtype=dtype)
    gap = np.empty(n_rows)
    work_h = np.empty((2, n_hidden))
    work_v = np.empty(n_visible)
    # log f_K(v) = -E(v; b) + sum_j softplus(c_j + W_j v) at the start, and
    # the energy gap E_base(v) - E_model(v) that the first weight update
    # needs (the visible kernels write it for every later state).
    V64 = V.astype(np.float64)
    A64 = np.empty((n_rows, n_hidden))
    blas.dot_nt(V64, W64, A64)
    log_w = np.empty(n_rows)
    hidden.log_partition(A64, c, log_w)
    e_model, e_base = np.empty(n_rows), np.empty(n_rows)
    visible.energy(V64, b, e_model)
    visible.energy(V64, b_base, e_base)
    log_w -= e_model
    np.subtract(e_base, e_model, out=gap)
    sparse_limit = _SPARSE_BELOW * V.size
    binary_visible = WT is not None
    beta_old = betas[-1]
    # Step k: the weight gains log f_k(x) - log f_{k+1}(x) at the state x
    # that T_{k+1} left, then T_k moves it (the first update, at beta 1 to
    # beta 1, adds nothing); after T_1 a last update to beta 0.
    for k in range(betas.shape[0] - 1, -1, -1):
        beta_new = betas[k]
        if binary_visible and np.count_nonzero(V) < sparse_limit:
            _k.binary_rows_times(V, WT, A)
        else:
            blas.dot_nt(V, W, A)
        hidden_step(A, c, beta_old, beta_new, gap, log_w, H, work_h, seeds[k, 0])
        if k == 0:
            break
        if np.count_nonzero(H) < _SPARSE_BELOW * H.size:
            _k.binary_rows_times(H, W, HW)
        else:
            blas.dot_nn(H, W, HW)
        visible_step(HW, beta_new, b_base, b, V, gap, work_v, seeds[k, 1])
        beta_old = beta_new
    return log_w


def log_likelihood_bounds(rbm, X, n_runs=100, betas=None, random_state=None, *,
                          n_reverse_runs=10, X_base=None, base_rate=None, batch_size=None,
                          dtype=np.float32, verbose=False):
    """A bracket on the mean log-probability of X: reverse AIS below,
    forward AIS above.

    Forward AIS (``ais_log_partition``) tends to underestimate log Z, so
    the log-likelihood it gives tends to be too high; reverse AIS
    (``raise_log_likelihood``) tends to give one too low. Both use the same
    schedule and base model. When the two are far apart, neither can be
    trusted: lengthen the schedule. Neither is a bound with certainty: each
    errs the other way only by chance, and by a few nats only with small
    probability.

    Parameters
    ----------
    rbm : fitted BernoulliRBM or GaussianBernoulliRBM
        Hidden units must be binary.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    n_runs : int, default=100
        Forward AIS runs (for log Z).
    betas : array-like of shape (n_betas,) or None, default=None
        Inverse temperatures from 0 to 1 for both; None: Salakhutdinov &
        Murray's 14,501 values.
    random_state : int, RandomState, Generator or None, default=None
        One generator seeds the forward runs, then the reverse ones.
    n_reverse_runs : int, default=10
        Reverse runs per sample of X (see ``raise_log_likelihood``).
    X_base, base_rate : default=None
        The base model, as for ``raise_log_likelihood`` (X's means when
        neither is given).
    batch_size : int or None, default=None
        Samples whose reverse runs advance together.
    dtype : {np.float32, np.float64}, default=np.float32
    verbose : bool, default=False
        Progress bars for both estimates (see ``ais_log_partition``).

    Returns
    -------
    bounds : LikelihoodBounds
        ``lower`` and ``upper`` in nats per sample, with the ``reverse`` and
        ``forward`` estimates they come from.

    References
    ----------
    Burda, Y., Grosse, R. & Salakhutdinov, R. (2015). Accurate and
    conservative estimates of MRF log-likelihood using reverse annealing.
    AISTATS.
    Salakhutdinov, R. & Murray, I. (2008). On the quantitative analysis of
    deep belief networks. ICML.
    """
    X = _validated(rbm, X)
    n_runs = _check_count("n_runs", n_runs)
    n_reverse_runs = _check_count("n_reverse_runs", n_reverse_runs)
    if X_base is not None and base_rate is not None:
        raise ValueError("Give X_base or base_rate, not both.")
    if X_base is None and base_rate is None:
        X_base = X
    rng = make_generator(random_state)
    forward = ais_log_partition(rbm, n_runs, betas, rng, X=X_base, base_rate=base_rate,
                                dtype=dtype, verbose=verbose)
    reverse = raise_log_likelihood(rbm, X, n_reverse_runs, betas, rng, X_base=X_base,
                                   base_rate=base_rate, batch_size=batch_size, dtype=dtype,
                                   verbose=verbose)
    upper = log_likelihood(rbm, X, log_z=forward)
    return LikelihoodBounds(lower=reverse.log_likelihood, upper=upper, reverse=reverse,
                            forward=forward)
