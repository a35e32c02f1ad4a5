"""What the MLPs need beyond the mini-batch loop: per-sample weights in the
loss, and a quasi-Newton (L-BFGS-B) solver over all parameters at once.

:class:`WeightedLoss` wraps one of :mod:`deepbelief.nn.losses`: each row's
loss and gradient are multiplied by its weight (``weights`` is set before
every batch; None is the unweighted loss). :func:`fit_lbfgs` minimises the
full-data loss plus penalty with ``scipy.optimize.minimize(method="L-BFGS-B")``,
the loss and its gradient coming from the network's own forward and
backward passes.
"""

import warnings

import numpy as np
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning

from .nn.layers import Dense
from .nn.losses import BinaryCrossEntropy, CrossEntropy, Loss, Poisson, SquaredError
from .training import dense

__all__ = ["WeightedLoss", "row_losses", "fit_lbfgs"]


def row_losses(loss, z, y):
    """Each row's summed loss for logits ``z`` and targets ``y`` (float64)."""
    z = np.asarray(z, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if isinstance(loss, SquaredError):
        return 0.5 * np.sum((z - y) ** 2, axis=1)
    if isinstance(loss, CrossEntropy):
        m = z.max(axis=1, keepdims=True)
        lse = (m + np.log(np.sum(np.exp(z - m), axis=1, keepdims=True))).ravel()
        return lse * y.sum(axis=1) - np.sum(y * z, axis=1)
    if isinstance(loss, BinaryCrossEntropy):
        return np.sum(np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z))) - y * z, axis=1)
    if isinstance(loss, Poisson):
        with np.errstate(divide="ignore", invalid="ignore"):
            ylogy = np.where(y > 0, y * np.log(np.where(y > 0, y, 1)), 0.0)
        return np.sum(ylogy - y * z - y + np.exp(z), axis=1)
    raise TypeError(f"sample_weight is not supported with the loss {loss!r}.")


class WeightedLoss(Loss):
    """``base`` with each row's loss and gradient multiplied by its weight."""

    def __init__(self, base):
        self.base = base
        self.activation = base.activation
        self.name = base.name
        self.weights = None

    def output(self, z, out=None):
        return self.base.output(z, out=out)

    def loss(self, y, z):
        return self.base.loss(y, z)

    def gradient(self, y, z):
        return self.base.gradient(y, z)

    def delta(self, z, y, scale=1.0):
        w = self.weights
        if w is None:
            return self.base.delta(z, y, scale)
        rows = row_losses(self.base, z, y)
        _, errors = self.base.delta(z, y, scale)
        z *= w[: z.shape[0], None].astype(z.dtype, copy=False)
        return float(np.dot(w[: z.shape[0]], rows)), errors

    def __repr__(self):
        return f"WeightedLoss({self.base!r})"


def fit_lbfgs(est, net, X, Y, sample_weight, masks=None, chunk=4096):
    """Minimise ``net``'s loss on ``(X, Y)`` over all its parameters.

    The objective is scikit-learn's: the (weighted) mean loss plus
    ``(alpha / 2) * sum(W ** 2) / n`` and ``l1 * sum(|W|) / n`` over the
    weight matrices, with ``n`` the number of samples (the sum of the
    weights). ``max_iter`` bounds the iterations, ``max_fun`` the loss
    evaluations, ``tol`` is the projected-gradient tolerance. Returns the
    scipy result; the parameters of ``net`` hold its solution.
    """
    params = net.params
    dtype = params[0].dtype
    sizes = [p.size for p in params]
    bounds = np.cumsum([0] + sizes)
    weight_ids = {id(layer.W) for layer in net.layers if isinstance(layer, Dense)}
    is_weight = [id(p) in weight_ids for p in params]
    keep = {}
    if masks is not None:
        keep = {id(W): m for W, m in masks}
    n = X.shape[0]
    sw_sum = float(n if sample_weight is None else np.sum(sample_weight, dtype=np.float64))
    step = min(n, chunk)
    net.allocate(step, dtype)
    alpha, l1 = float(est.alpha), float(est.l1)
    grad = np.empty(bounds[-1], dtype=np.float64)
    last = {}

    def unpack(theta):
        for p, a, b in zip(params, bounds[:-1], bounds[1:]):
            np.copyto(p, theta[a:b].reshape(p.shape), casting="unsafe")
            if id(p) in keep:
                np.multiply(p, keep[id(p)], out=p)

    def fun(theta):
        unpack(theta)
        grad[:] = 0.0
        total = 0.0
        with np.errstate(over="ignore", invalid="ignore"):
            for start in range(0, n, step):
                xb = dense(X[start:start + step], dtype)
                yb = np.ascontiguousarray(Y[start:start + step], dtype=dtype)
                if sample_weight is not None:
                    net.loss.weights = sample_weight[start:start + step]
                loss, _ = net.train_batch(xb, yb, scale=1.0 / sw_sum)
                if not np.isfinite(loss):
                    last["f"] = np.inf
                    return np.inf, np.zeros_like(grad)
                total += loss
                for g, a, b in zip(net.grads, bounds[:-1], bounds[1:]):
                    grad[a:b] += g.reshape(-1)
        value = total / sw_sum
        for p, w, a, b in zip(params, is_weight, bounds[:-1], bounds[1:]):
            if not w:
                continue
            flat = p.reshape(-1).astype(np.float64)
            if alpha:
                value += 0.5 * alpha * float(flat @ flat) / sw_sum
                grad[a:b] += (alpha / sw_sum) * flat
            if l1:
                value += l1 * float(np.abs(flat).sum()) / sw_sum
                grad[a:b] += (l1 / sw_sum) * np.sign(flat)
            if id(p) in keep:
                grad[a:b] *= keep[id(p)].reshape(-1)
        last["f"] = value
        return value, grad.copy()

    def callback(xk):
        est.loss_curve_.append(float(last["f"]))
        if est.verbose:
            print(f"[{type(est).__name__}] Iteration {len(est.loss_curve_)}, "
                  f"loss = {last['f']:.8f}")

    theta0 = np.concatenate([p.reshape(-1) for p in params]).astype(np.float64)
    result = scipy.optimize.minimize(
        fun, theta0, method="L-BFGS-B", jac=True, callback=callback,
        options={"maxfun": int(est.max_fun), "maxiter": int(est.max_iter),
                 "gtol": float(est.tol)})
    unpack(result.x)
    if sample_weight is not None:
        net.loss.weights = None
    if result.status != 0:
        message = result.message
        if isinstance(message, bytes):
            message = message.decode("latin1")
        warnings.warn(
            f"lbfgs failed to converge after {result.nit} iteration(s) "
            f"(status={result.status}): {message}. Increase the number of iterations "
            "(max_iter) or of loss evaluations (max_fun), or scale the data.",
            ConvergenceWarning, stacklevel=3)
    return result
