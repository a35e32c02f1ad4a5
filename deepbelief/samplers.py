"""The negative phase of contrastive divergence, one class per sampler.

A sampler owns its chains and whatever else it carries between mini-batches
(FPCD's fast parameters, the tempered replicas), and keeps its per-fit
buffers in the engine's workspace. ``RBMEngine.step`` calls, in order:

``negative_phase(engine, ws, n, seeds)``
    ``ws.SH[:n]`` holds the data's ``V0 W^T``: turn it into the positive
    statistics (hidden means, or samples for CD), fill
    ``ws.SV[n:n + m]`` and ``ws.SH[n:n + m]`` with ``m`` negative visible
    states (rescaled) and their hidden statistics, and return ``m``.
``after_update(engine, ws, rows, grad_b, grad_c)``
    Once the parameters have moved (FPCD's fast parameters learn here).

``state_arrays()`` and ``load_state(arrays)`` give and take what a
checkpoint holds, under the names checkpoints have always used. Samplers
never import an estimator; the engine passes itself in. The papers are
those of ``BernoulliRBM``'s ``sampler`` parameter.
"""

import numpy as np

from ._kernels import blas
from ._kernels import rbm as _k

__all__ = ["Sampler", "CD", "PCD", "FastPCD", "ParallelTempering", "SAMPLERS"]


class Sampler:
    """Base class: ``k`` Gibbs steps per update on ``chains`` (n_chains,
    n_hidden), an estimator's ``h_samples_`` updated in place;
    ``reconstruction`` ("sample" or "mean", for chains started at the data)
    sets the visible units of the last step."""

    name = "sampler"

    def __init__(self, chains, *, k=1, reconstruction="sample"):
        self.chains = chains
        self.k = k
        self.reconstruction = reconstruction

    def negative_phase(self, engine, ws, n, seeds):
        raise NotImplementedError

    def after_update(self, engine, ws, rows, grad_b, grad_c):
        """Called once the parameters have taken the step; nothing here."""

    def gibbs_chain(self, engine, ws, n, chain, seeds, W, b, c):
        """``k`` steps h -> v -> h of ``chain`` under (W, b, c) into
        ``ws.SV[n:n + m]`` (rescaled visible states) and ``ws.SH[n:n + m]``
        (hidden statistics); returns m."""
        visible, hidden = engine.visible, engine.hidden
        last_mean = self.reconstruction == "mean"
        m = chain.shape[0]
        Vn = ws.SV[n : n + m]
        Hn = ws.SH[n : n + m]
        for step in range(self.k):
            blas.dot_nn(chain, W, Vn)
            if last_mean and step == self.k - 1:
                visible.mean(Vn, b, Vn)
            else:
                visible.sample(Vn, b, Vn, Vn, seeds())
            visible.rescale_in_place(Vn)
            blas.dot_nt(Vn, W, Hn)
            hidden.sample(Hn, c, Hn, chain, seeds())
        return m

    def state_arrays(self):
        """The arrays a checkpoint must hold, by name."""
        return {"h_samples_": self.chains}

    def load_state(self, arrays):
        """Take the state from ``arrays`` (names not held are ignored)."""
        if "h_samples_" in arrays and arrays["h_samples_"] is not self.chains:
            self.chains[...] = arrays["h_samples_"]

    def __repr__(self):
        return f"{type(self).__name__}(k={self.k})"


class CD(Sampler):
    """CD-k (Hinton 2002): ``k`` Gibbs steps from the data's hidden samples."""

    name = "cd"

    def negative_phase(self, engine, ws, n, seeds):
        H0 = ws.SH[:n]
        chain = ws.chain[:n]
        engine.hidden.sample(H0, engine.c, H0, chain, seeds())
        return self.gibbs_chain(engine, ws, n, chain, seeds, engine.W, engine.b,
                                engine.c)


class PCD(Sampler):
    """Persistent CD (Tieleman 2008): ``k`` steps of chains kept across updates."""

    name = "pcd"

    def negative_phase(self, engine, ws, n, seeds):
        H0 = ws.SH[:n]
        engine.hidden.mean(H0, engine.c, H0)
        return self.gibbs_chain(engine, ws, n, self.chains, seeds, engine.W, engine.b,
                                engine.c)


class FastPCD(PCD):
    """Fast-weights PCD (Tieleman & Hinton 2009): the chains run on the
    parameters plus fast parameters that learn from the same gradient at
    ``fast_learning_rate`` and shrink by ``fast_decay`` each update, pushing
    the chains out of the modes just visited."""

    name = "fpcd"
    _STATE = ("_fast_W", "_fast_b", "_fast_c")

    def __init__(self, chains, *, k=1, reconstruction="sample", fast_learning_rate,
                 fast_decay):
        super().__init__(chains, k=k, reconstruction=reconstruction)
        self.fast_learning_rate = fast_learning_rate
        self.fast_decay = fast_decay
        self.fast_W = self.fast_b = self.fast_c = None

    def _ensure_fast_parameters(self, W):
        if self.fast_W is None:
            self.fast_W = np.zeros_like(W)
        if self.fast_b is None:
            self.fast_b = np.zeros(W.shape[1])
        if self.fast_c is None:
            self.fast_c = np.zeros(W.shape[0])

    def negative_phase(self, engine, ws, n, seeds):
        H0 = ws.SH[:n]
        W = engine.W
        engine.hidden.mean(H0, engine.c, H0)
        self._ensure_fast_parameters(W)
        W_neg = ws.buffer("fpcd_W", W.shape, W.dtype)
        np.add(W, self.fast_W, out=W_neg)
        b = (engine.b + self.fast_b).astype(W.dtype)
        c = (engine.c + self.fast_c).astype(W.dtype)
        return self.gibbs_chain(engine, ws, n, self.chains, seeds, W_neg, b, c)

    def after_update(self, engine, ws, rows, grad_b, grad_c):
        # fast = fast_decay * fast + fast_learning_rate * gradient, the
        # weight gradient again as one product of the scaled statistics.
        rate, decay = self.fast_learning_rate, self.fast_decay
        blas.dot_tn(ws.SH[:rows], ws.SV[:rows], self.fast_W, alpha=rate, beta=decay)
        self.fast_b *= decay
        self.fast_b += rate * grad_b
        self.fast_c *= decay
        self.fast_c += rate * grad_c

    def state_arrays(self):
        state = super().state_arrays()
        if self.fast_W is not None:
            state.update(_fast_W=self.fast_W, _fast_b=self.fast_b, _fast_c=self.fast_c)
        return state

    def load_state(self, arrays):
        super().load_state(arrays)
        for attribute, name in zip(("fast_W", "fast_b", "fast_c"), self._STATE):
            if name in arrays:
                setattr(self, attribute, np.array(arrays[name]))


class ParallelTempering(Sampler):
    """Parallel tempering (Desjardins et al. 2010), binary units only:
    ``R = len(betas)`` replicas of the ``m`` chains at inverse temperatures
    ``1 = betas[0] > betas[1] > ...`` take ``k`` Gibbs steps each (one product
    per layer for all), the beta = 1 replica gives the statistics, then
    neighbours swap with probability ``min(1, exp((beta_r - beta_s)(E_r - E_s)))``.
    """

    name = "pt"

    def __init__(self, chains, *, k=1, reconstruction="sample", betas):
        super().__init__(chains, k=k, reconstruction=reconstruction)
        self.betas = np.asarray(betas, dtype=np.float64)
        self.replicas = None  # hidden states, replica r of chain i at row r * m + i

    def negative_phase(self, engine, ws, n, seeds):
        W, b, c = engine.W, engine.b, engine.c
        H0 = ws.SH[:n]
        engine.hidden.mean(H0, c, H0)
        betas = self.betas
        R, m = betas.shape[0], self.chains.shape[0]
        n_hidden, n_visible = W.shape
        if self.replicas is None or self.replicas.shape[0] != R * m:
            self.replicas = np.tile(self.chains, (R, 1))
        HR = self.replicas
        VR = ws.buffer("pt_V", (R * m, n_visible), W.dtype)
        XR = ws.buffer("pt_X", (R * m, n_visible), W.dtype)
        AR = ws.buffer("pt_A", (R * m, n_hidden), W.dtype)
        energy = ws.buffer("pt_energy", (R * m,), np.float64)
        row_beta = ws.buffer("pt_row_beta", (R * m,), np.float64)
        row_beta[...] = np.repeat(betas, m)
        for _ in range(self.k):
            blas.dot_nn(HR, W, XR)
            _k.tempered_visible_sample(XR, b, row_beta, VR, energy, seeds())
            blas.dot_nt(VR, W, AR)
            _k.tempered_hidden_sample(AR, c, row_beta, HR, energy, seeds())
        ws.SV[n : n + m] = VR[:m]
        engine.hidden.mean(AR[:m], c, ws.SH[n : n + m])
        _k.swap_replicas(HR, energy, betas, m, seeds())
        self.chains[...] = HR[:m]
        return m

    def state_arrays(self):
        state = super().state_arrays()
        if self.replicas is not None:
            state["_pt_hidden"] = self.replicas
        return state

    def load_state(self, arrays):
        super().load_state(arrays)
        if "_pt_hidden" in arrays:
            self.replicas = np.array(arrays["_pt_hidden"])


SAMPLERS = {cls.name: cls for cls in (CD, PCD, FastPCD, ParallelTempering)}
