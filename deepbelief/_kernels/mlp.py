"""Kernels of the network core: activation derivatives, fused losses,
optimizer updates and max-norm.

Every kernel works in place on the arrays it is given (C-contiguous,
float32 or float64) and returns only scalars. Transcendental forward passes
(exp, tanh) are left to numpy's vectorised ufuncs, which are several times
faster than Numba's scalar ``exp``; what is fused here is the elementwise
work that numpy would do with temporaries.
"""

import math

from ._jit import jit

# ---------------------------------------------------------------------------
# Activation derivatives, computed from the activation's output ``Y`` and
# multiplied into the incoming gradient ``D`` in place: D *= f'(z(Y)).


@jit
def relu_backward(Y, D):
    y = Y.ravel()
    d = D.ravel()
    for i in range(y.size):
        if y[i] <= 0:
            d[i] = 0
    return D


@jit
def leaky_relu_backward(Y, D, slope):
    y = Y.ravel()
    d = D.ravel()
    for i in range(y.size):
        if y[i] <= 0:
            d[i] *= slope
    return D


@jit
def elu_backward(Y, D, alpha):
    y = Y.ravel()
    d = D.ravel()
    for i in range(y.size):
        if y[i] <= 0:
            d[i] *= y[i] + alpha
    return D


@jit
def sigmoid_backward(Y, D):
    y = Y.ravel()
    d = D.ravel()
    for i in range(y.size):
        d[i] *= y[i] * (1 - y[i])
    return D


@jit
def tanh_backward(Y, D):
    y = Y.ravel()
    d = D.ravel()
    for i in range(y.size):
        d[i] *= 1 - y[i] * y[i]
    return D


@jit
def softplus_backward(Y, D):
    y = Y.ravel()
    d = D.ravel()
    for i in range(y.size):
        # f'(z) = sigmoid(z) = 1 - exp(-f(z))
        d[i] *= -math.expm1(-y[i])
    return D


@jit
def softmax_rows(Z):
    """Row-wise softmax of ``Z`` in place, shifted by the row maximum."""
    n, m = Z.shape
    for i in range(n):
        zmax = Z[i, 0]
        for j in range(1, m):
            if Z[i, j] > zmax:
                zmax = Z[i, j]
        s = 0.0
        for j in range(m):
            e = math.exp(Z[i, j] - zmax)
            Z[i, j] = e
            s += e
        inv = 1.0 / s
        for j in range(m):
            Z[i, j] *= inv
    return Z


@jit
def softmax_backward(Y, D):
    """D <- Y * (D - sum(D * Y, axis=1)), the softmax vector-Jacobian product."""
    n, m = Y.shape
    for i in range(n):
        s = 0.0
        for j in range(m):
            s += D[i, j] * Y[i, j]
        for j in range(m):
            D[i, j] = Y[i, j] * (D[i, j] - s)
    return D


@jit
def prelu_forward(Z, alpha, Y):
    n, m = Z.shape
    for i in range(n):
        for j in range(m):
            z = Z[i, j]
            Y[i, j] = z if z > 0 else alpha[j] * z
    return Y


@jit
def prelu_backward(Z, alpha, D, grad_alpha):
    """D <- D * f'(Z) in place; grad_alpha <- sum over rows of D * min(Z, 0)."""
    n, m = Z.shape
    for j in range(m):
        grad_alpha[j] = 0
    for i in range(n):
        for j in range(m):
            z = Z[i, j]
            if z <= 0:
                grad_alpha[j] += D[i, j] * z
                D[i, j] *= alpha[j]
    return D


@jit
def maxout_forward(Z, k, Y, arg):
    """Y[i, j] = max(Z[i, j*k:(j+1)*k]); ``arg`` records the winning column."""
    n, m = Y.shape
    for i in range(n):
        for j in range(m):
            best = j * k
            v = Z[i, best]
            for c in range(j * k + 1, (j + 1) * k):
                if Z[i, c] > v:
                    v = Z[i, c]
                    best = c
            Y[i, j] = v
            arg[i, j] = best
    return Y


@jit
def maxout_backward(D, arg, DZ):
    """Route each output gradient to the piece that won the forward max."""
    n, m = D.shape
    for i in range(n):
        for c in range(DZ.shape[1]):
            DZ[i, c] = 0
        for j in range(m):
            DZ[i, arg[i, j]] = D[i, j]
    return DZ


# ---------------------------------------------------------------------------
# Output layer: loss of a batch from the logits ``Z`` and, in place of Z,
# ``scale`` times the gradient of the summed loss with respect to Z.
# Each returns (summed loss, number of misclassified rows or summed
# squared error).


@jit
def softmax_cross_entropy_delta(Z, Y, scale):
    n, m = Z.shape
    loss = 0.0
    errors = 0
    for i in range(n):
        zmax = Z[i, 0]
        jmax = 0
        for j in range(1, m):
            if Z[i, j] > zmax:
                zmax = Z[i, j]
                jmax = j
        s = 0.0
        for j in range(m):
            s += math.exp(Z[i, j] - zmax)
        log_s = math.log(s)
        ymax = Y[i, 0]
        ytrue = 0
        for j in range(m):
            if Y[i, j] > ymax:
                ymax = Y[i, j]
                ytrue = j
        if ytrue != jmax:
            errors += 1
        for j in range(m):
            logp = Z[i, j] - zmax - log_s
            if Y[i, j] != 0:
                loss -= Y[i, j] * logp
            Z[i, j] = scale * (math.exp(logp) - Y[i, j])
    return loss, float(errors)


@jit
def sigmoid_cross_entropy_delta(Z, Y, scale):
    n, m = Z.shape
    loss = 0.0
    errors = 0
    for i in range(n):
        wrong = False
        for j in range(m):
            z = Z[i, j]
            y = Y[i, j]
            # log(1 + exp(z)) - y z, written to avoid overflow
            loss += max(z, 0.0) - z * y + math.log1p(math.exp(-abs(z)))
            if (z > 0) != (y > 0.5):
                wrong = True
            if z >= 0:
                p = 1.0 / (1.0 + math.exp(-z))
            else:
                e = math.exp(z)
                p = e / (1.0 + e)
            Z[i, j] = scale * (p - y)
        if wrong:
            errors += 1
    return loss, float(errors)


@jit
def squared_error_delta(Z, Y, scale):
    n, m = Z.shape
    loss = 0.0
    for i in range(n):
        for j in range(m):
            r = Z[i, j] - Y[i, j]
            loss += r * r
            Z[i, j] = scale * r
    return 0.5 * loss, loss


# ---------------------------------------------------------------------------
# Small reductions


@jit
def column_sums(D, out):
    n, m = D.shape
    for j in range(m):
        out[j] = 0
    for i in range(n):
        for j in range(m):
            out[j] += D[i, j]
    return out


@jit
def sum_squares_abs(A):
    a = A.ravel()
    sq = 0.0
    ab = 0.0
    for i in range(a.size):
        sq += a[i] * a[i]
        ab += abs(a[i])
    return sq, ab


@jit
def dropout_mask(U, p):
    """Turn uniforms ``U`` into inverted-dropout scales in place: 1/(1-p) or 0."""
    u = U.ravel()
    keep = 1.0 / (1.0 - p)
    for i in range(u.size):
        u[i] = keep if u[i] >= p else 0.0
    return U


@jit
def max_norm(W, c, norms):
    """Rescale the columns of ``W`` whose Euclidean norm exceeds ``c``."""
    n, m = W.shape
    for j in range(m):
        norms[j] = 0
    for i in range(n):
        for j in range(m):
            norms[j] += W[i, j] * W[i, j]
    any_over = False
    for j in range(m):
        nj = math.sqrt(norms[j])
        if nj > c:
            norms[j] = c / nj
            any_over = True
        else:
            norms[j] = 1.0
    if any_over:
        for i in range(n):
            for j in range(m):
                W[i, j] *= norms[j]
    return W


# ---------------------------------------------------------------------------
# Optimizer updates on flat views. The penalty gradient l2 * w + l1 * sign(w)
# is added to g on the fly, so regularisation costs no extra pass.


@jit(inline="always")
def _penalised(g, w, l2, l1):
    if l1 != 0:
        if w > 0:
            g += l1
        elif w < 0:
            g -= l1
    return g + l2 * w


@jit
def sgd_update(w, g, lr, l2, l1):
    for i in range(w.size):
        w[i] -= lr * _penalised(g[i], w[i], l2, l1)


@jit
def momentum_update(w, g, v, lr, mu, nesterov, l2, l1):
    if nesterov:
        for i in range(w.size):
            step = lr * _penalised(g[i], w[i], l2, l1)
            vi = mu * v[i] - step
            v[i] = vi
            w[i] += mu * vi - step
    else:
        for i in range(w.size):
            vi = mu * v[i] - lr * _penalised(g[i], w[i], l2, l1)
            v[i] = vi
            w[i] += vi


@jit
def adagrad_update(w, g, acc, lr, eps, l2, l1):
    for i in range(w.size):
        gi = _penalised(g[i], w[i], l2, l1)
        a = acc[i] + gi * gi
        acc[i] = a
        w[i] -= lr * gi / (math.sqrt(a) + eps)


@jit
def rmsprop_update(w, g, acc, lr, rho, eps, l2, l1):
    for i in range(w.size):
        gi = _penalised(g[i], w[i], l2, l1)
        a = rho * acc[i] + (1 - rho) * gi * gi
        acc[i] = a
        w[i] -= lr * gi / (math.sqrt(a) + eps)


@jit
def adam_update(w, g, m, v, lr_t, beta_1, beta_2, eps, l2, l1):
    for i in range(w.size):
        gi = _penalised(g[i], w[i], l2, l1)
        mi = beta_1 * m[i] + (1 - beta_1) * gi
        vi = beta_2 * v[i] + (1 - beta_2) * gi * gi
        m[i] = mi
        v[i] = vi
        w[i] -= lr_t * mi / (math.sqrt(vi) + eps)
