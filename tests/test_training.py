"""The one training loop (training.fit_loop) and its checkpoints.

First the loop alone, driven by a small least-squares task written here;
then every iterative estimator through it (early stopping, resuming,
divergence); then checkpoints a user or an attacker has tampered with.
"""

import os
import signal
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import cross_validate

import deepbelief
from deepbelief import (Autoencoder, BernoulliRBM, DeepAutoencoder, GaussianBernoulliRBM,
                        MLPClassifier, MLPRegressor)
from deepbelief import training
from deepbelief.nn.schedules import get_schedule
from deepbelief.training import (Checkpointer, CheckpointError, DivergenceError,
                                 EarlyStopping, History, TrainingTask, fit_loop)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X[:400] / 16.0), y[:400]


# ---------------------------------------------------------------- the loop alone

class LeastSquares(TrainingTask):
    """w <- w - lr * grad of mean squared error of X w - t, one batch at a time;
    the validation score follows a script so early stopping can be steered."""

    name = "LeastSquares"

    def __init__(self, X, t, scores=None, blow_up_at=None):
        self.X, self.t = X, t
        self.w = np.zeros(X.shape[1])
        self.scores, self.blow_up_at = scores, blow_up_at
        self.seen = []       # parameters at the end of each epoch
        self.rates = []

    def params(self):
        return {"w": self.w}

    def begin_epoch(self, epoch):
        self.epoch = epoch

    def step(self, idx, learning_rate, momentum):
        X, t = self.X[idx], self.t[idx]
        r = X @ self.w - t
        self.w -= learning_rate * X.T @ r / len(idx)
        if self.blow_up_at is not None and self.epoch == self.blow_up_at:
            self.w[0] = np.inf
        # a task that blows up reports no loss, so the end-of-epoch check sees it
        return None if self.blow_up_at is not None else float(r @ r)

    def end_epoch(self, epoch, learning_rate, momentum, loss_sum):
        self.seen.append(self.w.copy())
        self.rates.append(learning_rate)
        record = {"loss": loss_sum / len(self.t), "learning_rate": learning_rate}
        if self.scores is not None:
            record["validation_score"] = self.scores[epoch]
        return record

    def generators(self):
        return {"rng": self.rng}


def _problem(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(60, 3))
    return X, X @ np.array([1.0, -2.0, 0.5])


def _run(task, stop, start=0, rng=None, **kw):
    task.rng = rng if rng is not None else np.random.default_rng(0)
    history = kw.pop("history", History())
    defaults = dict(n_samples=len(task.t), batch_size=10, rng=task.rng, start=start,
                    stop=stop, learning_rate=0.05, schedule=get_schedule("constant"),
                    history=history)
    return fit_loop(task, **(defaults | kw)), history


def test_loop_trains_and_records_one_entry_per_epoch():
    X, t = _problem()
    task = LeastSquares(X, t)
    (done, stopped), history = _run(task, 60, learning_rate=0.1)
    assert (done, stopped) == (60, False)
    assert len(history["loss"]) == len(history["seconds"]) == 60
    # least squares by gradient descent converges to the exact solution
    np.testing.assert_allclose(task.w, np.linalg.lstsq(X, t, rcond=None)[0], atol=1e-3)
    assert history["loss"][-1] < 1e-3 * history["loss"][0]


def test_early_stopping_restores_the_best_epoch():
    X, t = _problem()
    scores = [0.1, 0.5, 0.9, 0.8, 0.85, 0.7, 0.6, 0.95]
    task = LeastSquares(X, t, scores=scores)
    stopper = EarlyStopping(n_iter_no_change=3, tol=0.0)
    (done, stopped), _ = _run(task, len(scores), stopper=stopper)
    assert (done, stopped) == (6, True)       # epochs 4, 5, 6 did not beat epoch 3
    assert stopper.best_epoch == 2
    np.testing.assert_array_equal(task.w, task.seen[2])


def test_divergence_restores_the_last_finite_parameters_and_raises():
    X, t = _problem()
    task = LeastSquares(X, t, blow_up_at=3)
    with pytest.raises(DivergenceError, match="epoch 4: w is not finite"):
        _run(task, 10)
    assert len(task.seen) == 3
    np.testing.assert_array_equal(task.w, task.seen[2])


def test_a_non_finite_batch_loss_stops_at_once():
    X, t = _problem()
    task = LeastSquares(X, t)
    task.t = t.copy()
    task.t[5] = np.nan
    with pytest.raises(DivergenceError, match="epoch 1: loss is not finite"):
        _run(task, 3)
    np.testing.assert_array_equal(task.w, np.zeros(3))


def test_resumed_loop_gets_the_same_rates_parameters_and_history(tmp_path):
    X, t = _problem()
    # the rate depends on the loss curve, so the history must come back
    schedule = get_schedule("reduce_on_plateau")
    fp = {"params": {}, "data": []}

    def run(stop, folder):
        task = LeastSquares(X, t)
        task.rng = np.random.default_rng(1)
        history = History()
        ckpt = Checkpointer(folder)
        start = training.resume(ckpt, task, fingerprint=fp, history=history) or 0
        _run(task, stop, start=start, rng=task.rng, history=history, schedule=schedule,
             learning_rate=0.2, checkpointer=ckpt, fingerprint=fp)
        return task, history

    whole, h_whole = run(12, tmp_path / "a")
    run(5, tmp_path / "b")
    resumed, h_resumed = run(12, tmp_path / "b")
    np.testing.assert_array_equal(whole.w, resumed.w)
    assert h_whole["learning_rate"] == h_resumed["learning_rate"]
    assert h_whole["loss"] == h_resumed["loss"]
    assert resumed.rates == h_whole["learning_rate"][5:]


def test_keep_going_overrides_the_stop():
    X, t = _problem()
    task = LeastSquares(X, t, scores=[1.0] + [0.0] * 9)
    stopper = EarlyStopping(n_iter_no_change=2, tol=0.0)
    (done, stopped), _ = _run(task, 10, stopper=stopper, keep_going=lambda lr: True)
    assert (done, stopped) == (10, False)


# ---------------------------------------------------------------- every estimator

def _rbm(**kw):
    return BernoulliRBM(**dict(n_components=8, batch_size=20, learning_rate=0.05,
                               random_state=0) | kw)


def _grbm(**kw):
    return GaussianBernoulliRBM(**dict(n_components=8, batch_size=20, learning_rate=0.001,
                                       learn_variance=True, random_state=0) | kw)


def _ae(**kw):
    return Autoencoder(**dict(n_components=8, batch_size=20, corruption_level=0.1,
                              random_state=0) | kw)


def _dae(**kw):
    return DeepAutoencoder(**dict(hidden_layer_sizes=(16, 4), pretrainer=None,
                                  batch_size=20, random_state=0) | kw)


def _mlpc(**kw):
    return MLPClassifier(**dict(hidden_layer_sizes=(16,), batch_size=20, solver="sgd",
                                learning_rate_init=0.05, random_state=0) | kw)


def _mlpr(**kw):
    return MLPRegressor(**dict(hidden_layer_sizes=(16,), batch_size=20,
                               random_state=0) | kw)


# name -> (factory, epochs parameter, supervised)
ESTIMATORS = {
    "BernoulliRBM": (_rbm, "n_iter", False),
    "GaussianBernoulliRBM": (_grbm, "n_iter", False),
    "Autoencoder": (_ae, "n_iter", False),
    "DeepAutoencoder": (_dae, "max_iter", False),
    "MLPClassifier": (_mlpc, "max_iter", True),
    "MLPRegressor": (_mlpr, "max_iter", True),
}


def _fit(name, X, y, **kw):
    make, _, supervised = ESTIMATORS[name]
    est = make(**kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", training.DegenerateFitWarning)
        return est.fit(X, y) if supervised else est.fit(X)


def _target(name, y):
    return y.astype(float) / 9.0 if name == "MLPRegressor" else y


def _fitted_arrays(est):
    out = []
    for key in ("components_", "intercept_hidden_", "intercept_visible_", "sigma_"):
        if hasattr(est, key):
            out.append(getattr(est, key))
    for key in ("coefs_", "intercepts_"):
        out += list(getattr(est, key, []))
    assert out
    return out


def _assert_same(a, b):
    for u, v in zip(_fitted_arrays(a), _fitted_arrays(b), strict=True):
        np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_every_estimator_stops_early_at_its_best_epoch(name, digits):
    X, y = digits
    y = _target(name, y)
    epochs = ESTIMATORS[name][1]
    # the RBMs' pseudo-likelihood is noisy enough to stop by itself; the
    # others keep improving, so any epoch counts as no improvement for them
    stopped = _fit(name, X, y, early_stopping=True, n_iter_no_change=3,
                   tol=1e-4 if name.endswith("RBM") else np.inf, **{epochs: 40})
    scores = stopped.history_["validation_score"]
    assert stopped.n_iter_ == len(scores) < 40
    best = int(np.argmax(scores)) + 1
    # a fit that ends at the best epoch (same split, same stream) has the
    # parameters the early-stopped fit restored
    at_best = _fit(name, X, y, early_stopping=True, n_iter_no_change=1000,
                   **{epochs: best})
    _assert_same(stopped, at_best)


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_every_estimator_resumes_exactly(name, digits, tmp_path):
    X, y = digits
    y = _target(name, y)
    epochs = ESTIMATORS[name][1]
    whole = _fit(name, X, y, **{epochs: 4})
    part = _fit(name, X, y, checkpoint_dir=tmp_path, **{epochs: 2})
    assert part.n_iter_ == 2 and Checkpointer(tmp_path).epochs() == [1, 2]
    resumed = _fit(name, X, y, checkpoint_dir=tmp_path, **{epochs: 4})
    assert resumed.n_iter_ == 4
    _assert_same(whole, resumed)
    assert resumed.history_["loss" if "loss" in whole.history_ else "seconds"][:1] \
        == part.history_["loss" if "loss" in whole.history_ else "seconds"][:1]
    # resuming a finished run trains nothing and says how far it got
    again = _fit(name, X, y, checkpoint_dir=tmp_path, **{epochs: 4})
    assert again.n_iter_ == 4
    _assert_same(whole, again)


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_refitting_an_early_stopped_run_from_its_checkpoints_trains_nothing(name, digits,
                                                                             tmp_path):
    # The newest checkpoint is the epoch at which the stopper fired: a fit
    # resumed from it takes the same decision instead of training on.
    X, y = digits
    y = _target(name, y)
    epochs = ESTIMATORS[name][1]
    kw = dict(early_stopping=True, n_iter_no_change=2,
              tol=1e-4 if name.endswith("RBM") else np.inf, **{epochs: 40})
    first = _fit(name, X, y, checkpoint_dir=tmp_path, **kw)
    assert first.n_iter_ < 40
    again = _fit(name, X, y, checkpoint_dir=tmp_path, **kw)
    assert again.n_iter_ == first.n_iter_
    assert again.history_["validation_score"] == first.history_["validation_score"]
    _assert_same(first, again)


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_every_estimator_restores_finite_parameters_on_divergence(name, digits):
    X, y = digits
    X = X.astype(np.float32)
    y = _target(name, y)
    rate = "learning_rate_init" if name.startswith(("MLP", "Deep")) else "learning_rate"
    with pytest.raises(DivergenceError, match="not finite"):
        _fit(name, X, y, **{rate: 3e38})
    est = ESTIMATORS[name][0](**{rate: 3e38})
    # nothing was left half-updated: every parameter is finite
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            est.fit(X, y) if ESTIMATORS[name][2] else est.fit(X)
        except DivergenceError:
            pass
    assert all(np.all(np.isfinite(a)) for a in _fitted_arrays(est))


def test_a_run_killed_mid_epoch_resumes_bit_identical(digits, tmp_path):
    X, _ = digits
    np.save(tmp_path / "X.npy", X)
    folder = tmp_path / "ckpt"
    params = dict(n_components=16, batch_size=1, n_iter=40, learning_rate=0.01,
                  random_state=3)
    script = (f"import numpy as np\nfrom deepbelief import BernoulliRBM\n"
              f"X = np.load({str(tmp_path / 'X.npy')!r})\n"
              f"BernoulliRBM(**{params!r}, checkpoint_dir={str(folder)!r}).fit(X)\n")
    package_root = os.path.dirname(os.path.dirname(deepbelief.__file__))
    env = dict(os.environ, PYTHONPATH=package_root, OPENBLAS_NUM_THREADS="1",
               NUMBA_NUM_THREADS="1")
    proc = subprocess.Popen([sys.executable, "-c", script], env=env, cwd=tmp_path,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 240
        while time.time() < deadline and proc.poll() is None:
            if folder.exists() and len(Checkpointer(folder).epochs()) >= 3:
                break
            time.sleep(0.02)
        assert proc.poll() is None, proc.stderr.read()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    done = Checkpointer(folder).epochs()[-1]
    assert done < params["n_iter"]
    resumed = BernoulliRBM(**params, checkpoint_dir=folder).fit(X)
    whole = BernoulliRBM(**params).fit(X)
    _assert_same(whole, resumed)
    assert resumed.history_["reconstruction_error"] == whole.history_["reconstruction_error"]
    assert not [f for f in os.listdir(folder) if f.endswith(".tmp")]


# ---------------------------------------------------------------- checkpoints one can trust

def _mlp_checkpoint(folder, X, y, **kw):
    params = dict(hidden_layer_sizes=(8,), solver="sgd", momentum=0.9, max_iter=2,
                  random_state=0) | kw
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        MLPClassifier(**params, checkpoint_dir=folder).fit(X, y)
    return params


def _rewrite_latest(folder, edit):
    ckpt = Checkpointer(folder)
    epoch = ckpt.epochs()[-1]
    arrays, meta = ckpt.read(os.path.join(folder, f"epoch_{epoch:05d}.npz"))
    edit(arrays, meta)
    ckpt._write(f"epoch_{epoch:05d}.npz", arrays, meta)   # a valid digest: hand-edited


def _resume_mlp(folder, X, y, params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return MLPClassifier(**(params | {"max_iter": 4}), checkpoint_dir=folder).fit(X, y)


@pytest.mark.parametrize("edit, message", [
    (lambda a, m: a.__setitem__("opt_velocity_0", a["opt_velocity_0"][:3]),
     r"'opt_velocity_0' has shape \(3, 8\)"),
    (lambda a, m: a.__setitem__("coefs_[0]", a["coefs_[0]"].astype(np.float64)),
     r"'coefs_\[0\]' has shape \(64, 8\) and dtype float64; this model needs "
     r"\(64, 8\) and float32"),
    (lambda a, m: a.__setitem__("train_idx", a["train_idx"] + 10_000),
     r"train_idx must hold distinct indices in \[0, 400\)"),
    (lambda a, m: a.__setitem__("evil", np.zeros(3)), "unexpected array 'evil'"),
    (lambda a, m: a.pop("intercepts_[1]"), r"lacks the arrays \['intercepts_\[1\]'\]"),
    (lambda a, m: m["generators"]["rng"].__setitem__("bit_generator", "os.system"),
     "unknown bit generator 'os.system'"),
])
def test_hand_edited_checkpoints_are_refused_before_any_kernel_runs(
        tmp_path, digits, edit, message):
    X, y = digits
    params = _mlp_checkpoint(tmp_path, X, y)
    _rewrite_latest(tmp_path, edit)
    with pytest.raises(CheckpointError, match=message):
        _resume_mlp(tmp_path, X, y, params)


def test_a_short_rbm_velocity_is_refused(tmp_path, digits):
    X, _ = digits
    BernoulliRBM(8, momentum=0.5, n_iter=2, random_state=0, checkpoint_dir=tmp_path).fit(X)
    _rewrite_latest(tmp_path, lambda a, m: a.__setitem__("_velocity", a["_velocity"][:, :5]))
    with pytest.raises(CheckpointError, match=r"'_velocity' has shape \(8, 5\)"):
        BernoulliRBM(8, momentum=0.5, n_iter=4, random_state=0,
                     checkpoint_dir=tmp_path).fit(X)


def test_another_fit_is_refused_with_what_differs(tmp_path, digits):
    X, y = digits
    params = _mlp_checkpoint(tmp_path, X, y)
    with pytest.raises(CheckpointError, match=f"{tmp_path}.*X has other values"):
        _resume_mlp(tmp_path, 1.0 - X, y, params)
    with pytest.raises(CheckpointError, match=r"X has shape \(400, 64\) and dtype float32 "
                                              r"there, \(300, 64\)"):
        _resume_mlp(tmp_path, X[:300], y[:300], params)
    with pytest.raises(CheckpointError, match="alpha is 0.0001 there and 0.1 here"):
        _resume_mlp(tmp_path, X, y, params | {"alpha": 0.1})


def test_a_search_sharing_one_folder_fails_loudly(tmp_path, digits):
    X, y = digits
    est = MLPClassifier((8,), max_iter=2, random_state=0, checkpoint_dir=tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.raises(CheckpointError, match="holds checkpoints of another fit"):
            cross_validate(est, X, y, cv=2, error_score="raise")


def test_early_stopping_state_is_resumed(tmp_path, digits):
    X, y = digits
    params = dict(hidden_layer_sizes=(16,), early_stopping=True, n_iter_no_change=3,
                  tol=np.inf, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        whole = MLPClassifier(**params, max_iter=30).fit(X, y)
        assert whole.n_iter_ < 30
        MLPClassifier(**params, max_iter=whole.n_iter_ - 1, checkpoint_dir=tmp_path).fit(X, y)
        resumed = MLPClassifier(**params, max_iter=30, checkpoint_dir=tmp_path).fit(X, y)
    assert resumed.n_iter_ == whole.n_iter_
    assert resumed.best_validation_score_ == whole.best_validation_score_
    _assert_same(whole, resumed)


def test_a_damaged_newest_checkpoint_falls_back_to_the_previous(tmp_path, digits):
    X, _ = digits
    params = dict(n_components=8, random_state=0)
    BernoulliRBM(**params, n_iter=3, checkpoint_dir=tmp_path).fit(X)
    newest = tmp_path / "epoch_00003.npz"
    data = bytearray(newest.read_bytes())
    data[len(data) // 2] ^= 0xFF
    newest.write_bytes(bytes(data))
    (tmp_path / "stale.tmp").write_bytes(b"half a checkpoint")
    with pytest.warns(RuntimeWarning, match="epoch_00003.npz"):
        resumed = BernoulliRBM(**params, n_iter=5, checkpoint_dir=tmp_path).fit(X)
    _assert_same(BernoulliRBM(**params, n_iter=5).fit(X), resumed)
    assert not (tmp_path / "stale.tmp").exists()


def test_truncated_checkpoint_is_detected(tmp_path, digits):
    X, _ = digits
    BernoulliRBM(8, n_iter=1, random_state=0, checkpoint_dir=tmp_path).fit(X)
    path = tmp_path / "epoch_00001.npz"
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(CheckpointError, match="cannot be read"):
        Checkpointer.read(path)


def test_float32_learned_variances_resume_bit_identically(tmp_path, digits):
    X = digits[0].astype(np.float32)
    params = dict(n_components=8, learning_rate=0.001, learn_variance=True, random_state=0)
    whole = GaussianBernoulliRBM(**params, n_iter=4).fit(X)
    GaussianBernoulliRBM(**params, n_iter=2, checkpoint_dir=tmp_path).fit(X)
    resumed = GaussianBernoulliRBM(**params, n_iter=4, checkpoint_dir=tmp_path).fit(X)
    assert resumed.sigma_.dtype == np.float32
    _assert_same(whole, resumed)


def test_verbose_shows_a_progress_bar_on_a_terminal(monkeypatch, capsys):
    pytest.importorskip("tqdm")
    X, t = _problem()
    monkeypatch.setenv("DEEPBELIEF_PROGRESS", "1")
    _run(LeastSquares(X, t), 2, verbose=1)
    captured = capsys.readouterr()
    assert "LeastSquares epoch 2" in captured.err and "batch" in captured.err
    assert "[LeastSquares] Iteration 2, loss = " in captured.out
    monkeypatch.setenv("DEEPBELIEF_PROGRESS", "0")
    _run(LeastSquares(X, t), 2, verbose=1)
    assert "epoch" not in capsys.readouterr().err


@pytest.mark.parametrize("name", ["MLPClassifier", "DeepAutoencoder", "Autoencoder"])
def test_the_loop_holds_masked_weights_at_zero(name, digits):
    X, y = digits
    make, epochs, supervised = ESTIMATORS[name]
    est = make(**{epochs: 2})
    n_in = X.shape[1]
    width = est.n_components if name == "Autoencoder" else est.hidden_layer_sizes[0]
    keep = np.random.default_rng(0).random((n_in, width)) < 0.3
    n_weights = 2 if name == "MLPClassifier" else (2 if name == "Autoencoder" else 4)
    est._weight_masks = [keep] + [None] * (n_weights - 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y) if supervised else est.fit(X)
    assert np.all(est.coefs_[0][~keep] == 0)
    assert np.count_nonzero(est.coefs_[0][keep]) > 0.9 * keep.sum()


# ---------------------------------------------------------------- pretraining resumes too

class _Interrupt(Exception):
    pass


def _interrupt_after(monkeypatch, cls, n_calls):
    """Make ``cls._epoch_metrics`` raise on its ``n_calls``-th call, as a kill would."""
    original = cls._epoch_metrics
    calls = {"n": 0}

    def metrics(self):
        calls["n"] += 1
        if calls["n"] == n_calls:
            raise _Interrupt
        return original(self)

    monkeypatch.setattr(cls, "_epoch_metrics", metrics)
    return lambda: monkeypatch.setattr(cls, "_epoch_metrics", original)


def test_a_dbn_classifier_killed_during_pretraining_resumes_there(monkeypatch, tmp_path,
                                                                  digits):
    from deepbelief import DBN, DBNClassifier
    X, y = digits
    params = dict(hidden_layer_sizes=(16, 8), max_iter=3, random_state=0,
                  pretrainer=DBN((16, 8), n_iter=3, random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        whole = DBNClassifier(**params).fit(X, y)
        # killed in the second layer's second epoch (3 + 2 monitored epochs)
        restore = _interrupt_after(monkeypatch, BernoulliRBM, 5)
        with pytest.raises(_Interrupt):
            DBNClassifier(**params, checkpoint_dir=tmp_path).fit(X, y)
        restore()
        assert Checkpointer(tmp_path / "pretrainer" / "layer_0").epochs()[-1] == 3
        assert Checkpointer(tmp_path / "pretrainer" / "layer_1").epochs() == [1]
        assert not (tmp_path / "epoch_00001.npz").exists()
        resumed = DBNClassifier(**params, checkpoint_dir=tmp_path).fit(X, y)
    assert hasattr(resumed, "pretrainer_")
    assert resumed.pretrainer_.rbms_[1].n_iter_ == 3
    _assert_same(whole, resumed)
    for a, b in zip(whole.pretrainer_.rbms_, resumed.pretrainer_.rbms_):
        _assert_same(a, b)
    # and a finished fit, resumed, is the same model with its pretrainer
    again = DBNClassifier(**params, checkpoint_dir=tmp_path).fit(X, y)
    assert again.n_iter_ == whole.n_iter_ and hasattr(again, "pretrainer_")
    _assert_same(whole, again)


def test_stacks_checkpoint_every_layer(tmp_path, digits):
    from deepbelief import DBN, StackedAutoencoder
    X, _ = digits
    for make in (lambda **kw: DBN((16, 8), n_iter=2, random_state=0, **kw),
                 lambda **kw: StackedAutoencoder((16, 8), n_iter=2, random_state=0, **kw)):
        folder = tmp_path / type(make()).__name__
        whole = make().fit(X)
        make(checkpoint_dir=folder).fit(X)
        assert sorted(os.listdir(folder)) == ["layer_0", "layer_1"]
        resumed = make(checkpoint_dir=folder).fit(X)
        for a, b in zip(whole.layer_weights_, resumed.layer_weights_):
            np.testing.assert_array_equal(a[0], b[0])
            np.testing.assert_array_equal(a[1], b[1])


def test_a_deep_autoencoder_checkpoints_its_pretraining(tmp_path, digits):
    X, _ = digits
    params = dict(hidden_layer_sizes=(16, 4), max_iter=2, batch_size=20, random_state=0)
    whole = DeepAutoencoder(**params).fit(X)
    DeepAutoencoder(**params, checkpoint_dir=tmp_path).fit(X)
    assert (tmp_path / "pretrainer" / "layer_1").is_dir()
    resumed = DeepAutoencoder(**(params | {"max_iter": 2}), checkpoint_dir=tmp_path).fit(X)
    _assert_same(whole, resumed)
    assert hasattr(resumed, "pretrainer_")
