"""The RBM engine: an RBM's maths around its arrays, between estimator and kernels.

``RBMEngine``, built from ``W`` (n_hidden, n_visible), ``b``, ``c`` and two
unit types, computes what estimators, the DBN and the likelihood functions
need (conditional means and samples, Gibbs steps, free energy,
reconstruction error, pseudo-likelihood) and, given a sampler, the CD step,
never asking which sampler or unit type it holds. It owns no parameters:
it updates the caller's arrays in place, so estimators keep only arrays and
build an engine when they need one. It imports only the kernels.
"""

import numpy as np
import scipy.sparse as sp

from ._kernels import blas
from ._kernels import rbm as _k
from ._kernels.random import draw_seed
from .training import dense

__all__ = ["RBMEngine", "Workspace"]

# Running-average factor of the hidden offsets of a centred RBM
# (Melchior, Fischer & Wiskott 2016 use 0.01).
OFFSET_RATE = 0.01


class Workspace:
    """Buffers for CD steps, allocated once per fit: ``SV`` stacks a step's
    visible states (data rows, then the negative phase's), ``SH`` their hidden
    statistics, ``chain`` the hidden samples of chains started at the data;
    samplers keep other buffers in ``scratch`` through ``buffer``."""

    def __init__(self, batch_size, n_chains, n_visible, n_hidden, dtype):
        rows = batch_size + n_chains
        self.SV = np.zeros((rows, n_visible), dtype=dtype)  # [v_data; v_model]
        self.SH = np.zeros((rows, n_hidden), dtype=dtype)   # [h_data; h_model]
        self.chain = np.zeros((batch_size, n_hidden), dtype=dtype)
        self.pos_h = np.zeros(n_hidden)
        self.neg_h = np.zeros(n_hidden)
        self.grad_b = np.zeros(n_visible)
        self.scratch = {}

    def buffer(self, name, shape, dtype):
        """The scratch array ``name``, (re)allocated when its shape changes."""
        array = self.scratch.get(name)
        if array is None or array.shape != shape or array.dtype != dtype:
            array = self.scratch[name] = np.empty(shape, dtype=dtype)
        return array


class RBMEngine:
    """An RBM's computations around its arrays.

    Parameters
    ----------
    W, b, c : ndarray of shape (n_hidden, n_visible), (n_visible,), (n_hidden,)
        The parameters, in one dtype, held by reference (``step`` updates them).
    visible, hidden : Units
        The unit types; ``visible`` carries any visible scale.
    sampler : Sampler or None, default=None
        The negative phase of ``step`` (training only).
    offsets : tuple of two ndarrays or None, default=None
        A centred RBM's visible and hidden offsets (float64); ``step``
        updates the hidden one, a running mean of the activations.
    velocities : tuple of three ndarrays or None, default=None
        Momentum velocities of ``W`` (None: made on first use), ``b``, ``c``.
    weight_decay, l1 : float, default=0.0
        L2 and L1 penalties on the weights.
    sparsity : tuple (cost, target, running_mean) or None, default=None
        Lee, Ekanadham & Ng's (2008) penalty and the running mean it watches.
    bias_masters : tuple of two float64 ndarrays or None, default=None
        A float32 model's float64 copies of ``b`` and ``c``: ``step`` updates
        them and rounds into ``b`` and ``c``, so small bias steps keep
        float32's last bits (the fit follows the float64 one to rounding).
    """

    def __init__(self, W, b, c, visible, hidden, sampler=None, *, offsets=None,
                 velocities=None, weight_decay=0.0, l1=0.0, sparsity=None,
                 bias_masters=None):
        self.W, self.b, self.c = W, b, c
        self.visible, self.hidden = visible, hidden
        self.sampler = sampler
        self.offsets = offsets
        if velocities is None:
            velocities = (None, np.zeros(W.shape[1]), np.zeros(W.shape[0]))
        self.velocity, self.velocity_b, self.velocity_c = velocities
        self.weight_decay = weight_decay
        self.l1 = l1
        self.sparsity = sparsity
        self.bias_masters = bias_masters
        self.workspace = None

    @property
    def dtype(self):
        return self.W.dtype

    def dense(self, X):
        """X as a C-contiguous dense array of the model's dtype."""
        return dense(X, self.W.dtype)

    # ------------------------------------------------------------ conditionals

    def hidden_input(self, V):
        """``rescale(V) W^T``, dense, for dense or CSR visible states ``V``."""
        X = self.visible.rescale(V)
        W = self.W
        if sp.issparse(X):
            return np.ascontiguousarray((X @ W.T).astype(W.dtype, copy=False))
        out = np.empty((X.shape[0], W.shape[0]), dtype=W.dtype)
        return blas.dot_nt(np.ascontiguousarray(X, dtype=W.dtype), W, out)

    def hidden_means(self, V):
        """E[h | v] for each row of ``V`` (dense or CSR)."""
        A = self.hidden_input(V)
        self.hidden.mean(A, self.c, A)
        return A

    def hidden_sample(self, V, H, seed, A=None):
        """Sample ``H ~ p(h | V)`` into ``H``; ``A`` is an optional buffer."""
        A = np.empty_like(H) if A is None else A
        blas.dot_nt(self.visible.rescale(V), self.W, A)
        self.hidden.sample(A, self.c, A, H, seed)
        return H

    def _visible_input(self, H, out):
        W = self.W
        if out is None:
            out = np.empty((H.shape[0], W.shape[1]), dtype=W.dtype)
        blas.dot_nn(H, W, out)
        return out

    def visible_means(self, H, out=None):
        """E[v | h] for each row of ``H``."""
        out = self._visible_input(np.ascontiguousarray(H, dtype=self.W.dtype), out)
        self.visible.mean(out, self.b, out)
        return out

    def visible_sample(self, H, seed, out=None):
        """A sample of v | h for each row of ``H``."""
        out = self._visible_input(H, out)
        self.visible.sample(out, self.b, out, out, seed)
        return out

    def gibbs(self, V, rng):
        """One step v -> h -> v, sampling both layers (seeds from ``rng``)."""
        A = self.hidden_input(V)
        H = np.empty_like(A)
        self.hidden.sample(A, self.c, A, H, draw_seed(rng))
        return self.visible_sample(H, draw_seed(rng))

    def run_chains(self, H, n_steps, rng):
        """``n_steps`` steps h -> v -> h of the chains whose hidden states are
        ``H`` (updated in place); returns the last visible samples."""
        V = np.empty((H.shape[0], self.W.shape[1]), dtype=self.W.dtype)
        A = np.empty_like(H)
        for _ in range(n_steps):
            self.visible_sample(H, draw_seed(rng), out=V)
            self.hidden_sample(V, H, draw_seed(rng), A=A)
        return V

    # ------------------------------------------------------------ monitoring

    def free_energy(self, V):
        """F(v) per row: ``visible.energy(v, b) - hidden.log_partition(v W^T, c)``."""
        log_z = np.empty(V.shape[0])
        self.hidden.log_partition(self.hidden_input(V), self.c, log_z)
        energy = np.empty(V.shape[0])
        self.visible.energy(V, self.b, energy)
        return energy - log_z

    def reconstruction_error(self, V):
        """Per row, the squared distance of V from its mean-field reconstruction."""
        R = self.visible_means(self.hidden_means(V))
        out = np.empty(V.shape[0])
        _k.squared_error_rows(V, R, out)
        return out

    def pseudo_likelihood(self, V, flip):
        """``n_visible * log sigmoid(F(v with unit flip[i] flipped) - F(v))`` per
        row of binary data; None for real-valued visible units."""
        if not self.visible.binary:
            return None
        V_flipped = np.empty_like(V)
        _k.flip_bits(V, flip, V_flipped)
        fe = self.free_energy(V)
        fe_flipped = self.free_energy(V_flipped)
        return -V.shape[1] * np.logaddexp(0, -(fe_flipped - fe))

    # ------------------------------------------------------------ training

    def start(self, batch_size, n_chains):
        """Allocate the buffers of CD steps on at most ``batch_size`` rows."""
        W = self.W
        self.workspace = Workspace(batch_size, max(n_chains, batch_size), W.shape[1],
                                   W.shape[0], W.dtype)
        return self.workspace

    def step(self, V, lr, momentum, seeds):
        """One CD update from the data rows ``V`` (may be ``workspace.SV[:n]``
        itself, saving a copy), after ``start``."""
        ws = self.workspace
        n = V.shape[0]
        SV, SH = ws.SV, ws.SH
        V0 = SV[:n]
        if not np.may_share_memory(V, V0):
            V0[...] = V
        W, b, c = self.W, self.b, self.c
        self.visible.rescale_in_place(V0)
        blas.dot_nt(V0, W, SH[:n])
        m = self.sampler.negative_phase(self, ws, n, seeds)
        rows = n + m
        self.visible.update_parameters(SV[:rows], SH[:rows], W, b, n, lr)
        _k.hidden_statistics(SH[:rows], n, m, ws.pos_h, ws.neg_h)
        _k.column_mean_difference(SV[:rows], n, m, ws.grad_b)
        grad_c = ws.pos_h - ws.neg_h
        grad_b = self.visible.bias_gradient(ws.grad_b)
        if self.offsets is not None:
            moved = self._centred_weight_update(rows, lr, momentum, grad_c, grad_b)
        else:
            self._update_weights(rows, lr, momentum)
        self.sampler.after_update(self, ws, rows, grad_b, grad_c)
        if self.sparsity is not None:
            # Lee, Ekanadham & Ng (2008): pull a running average of each
            # hidden unit's activation towards the target, through its bias.
            cost, target, q = self.sparsity
            q *= 0.9
            q += 0.1 * ws.pos_h
            grad_c -= cost * (q - target)
        self.velocity_c *= momentum
        self.velocity_c += lr * grad_c
        self.velocity_b *= momentum
        self.velocity_b += lr * grad_b
        if self.bias_masters is not None:
            b64, c64 = self.bias_masters
            c64 += self.velocity_c
            b64 += self.velocity_b
            if self.offsets is not None:
                c64 -= moved[0]
                b64 -= moved[1]
            c[...] = c64
            b[...] = b64
        else:
            c += self.velocity_c.astype(c.dtype)
            b += self.velocity_b.astype(b.dtype)
            if self.offsets is not None:
                moved_c, moved_b = moved
                c -= moved_c.astype(c.dtype)
                b -= moved_b.astype(b.dtype)
        if self.offsets is not None:
            hidden_offset = self.offsets[1]
            hidden_offset *= 1.0 - OFFSET_RATE
            hidden_offset += OFFSET_RATE * ws.pos_h

    def _centred_weight_update(self, rows, lr, momentum, grad_c, grad_b):
        """The weight update of a centred RBM (Melchior et al. 2016), energy
        ``-(v - mu)^T W^T (h - lam) - b'^T v - c'^T h``: the plain RBM with
        ``b = b' - W^T lam``, ``c = c' - W mu``, so the model stays plain and
        only the update is centred. The weight gradient loses
        ``outer(grad_c, mu) + outer(lam, grad_b)``; returns the shifts of
        ``W mu`` and ``W^T lam``, which the biases then subtract."""
        W = self.W
        mu, lam = self.offsets
        mu_w, lam_w = mu.astype(W.dtype), lam.astype(W.dtype)
        before_c, before_b = blas.matvec(W, mu_w), blas.vecmat(lam_w, W)
        self._update_weights(rows, lr, momentum, centred=(grad_c, grad_b))
        return blas.matvec(W, mu_w) - before_c, blas.vecmat(lam_w, W) - before_b

    def _update_weights(self, rows, lr, momentum, centred=None):
        W = self.W
        ws = self.workspace
        SV, SH = ws.SV[:rows], ws.SH[:rows]
        if momentum > 0:
            if self.velocity is None:
                self.velocity = np.zeros_like(W)
            # velocity = momentum * velocity + lr * gradient, in the product
            blas.dot_tn(SH, SV, self.velocity, alpha=lr, beta=momentum)
            if centred is not None:
                self._centre_gradient(self.velocity, lr, *centred)
            _k.apply_velocity(W, self.velocity, lr * self.weight_decay, lr * self.l1)
        else:
            # W = (1 - lr * decay) W + lr * gradient, in the product
            blas.dot_tn(SH, SV, W, alpha=lr, beta=1.0 - lr * self.weight_decay)
            if centred is not None:
                self._centre_gradient(W, lr, *centred)
            if self.l1 > 0:
                _k.l1_shrink(W, lr * self.l1)

    def _centre_gradient(self, M, lr, grad_c, grad_b):
        mu, lam = self.offsets
        _k.subtract_outer_pair(M, lr, grad_c, mu, lam, grad_b)
