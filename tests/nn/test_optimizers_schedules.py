import math

import numpy as np
import pytest

from deepbelief.nn import optimizers as O
from deepbelief.nn import schedules as S


def _problem(seed=0):
    rng = np.random.default_rng(seed)
    w = [rng.normal(size=(3, 2)), rng.normal(size=4)]
    grads = [[rng.normal(size=(3, 2)), rng.normal(size=4)] for _ in range(3)]
    return w, grads


def _run(opt, w, grads, **kw):
    w = [a.copy() for a in w]
    for g in grads:
        opt.update(w, [x.copy() for x in g], **kw)
    return w


def test_sgd_plain():
    w, grads = _problem()
    got = _run(O.SGD(0.1, momentum=0.0), w, grads)
    exp = [a.copy() for a in w]
    for g in grads:
        exp = [e - 0.1 * gi for e, gi in zip(exp, g)]
    for a, b in zip(got, exp):
        np.testing.assert_allclose(a, b)


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_momentum(nesterov):
    w, grads = _problem(1)
    lr, mu = 0.05, 0.8
    got = _run(O.SGD(lr, momentum=mu, nesterov=nesterov), w, grads)
    exp = [a.copy() for a in w]
    vel = [np.zeros_like(a) for a in w]
    for g in grads:
        for i in range(2):
            vel[i] = mu * vel[i] - lr * g[i]
            if nesterov:
                exp[i] = exp[i] + mu * vel[i] - lr * g[i]
            else:
                exp[i] = exp[i] + vel[i]
    for a, b in zip(got, exp):
        np.testing.assert_allclose(a, b)


def test_adagrad():
    w, grads = _problem(2)
    got = _run(O.Adagrad(0.1, epsilon=1e-8), w, grads)
    exp = [a.copy() for a in w]
    acc = [np.zeros_like(a) for a in w]
    for g in grads:
        for i in range(2):
            acc[i] += g[i] ** 2
            exp[i] -= 0.1 * g[i] / (np.sqrt(acc[i]) + 1e-8)
    for a, b in zip(got, exp):
        np.testing.assert_allclose(a, b)


def test_rmsprop():
    w, grads = _problem(3)
    got = _run(O.RMSProp(0.01, rho=0.9, epsilon=1e-8), w, grads)
    exp = [a.copy() for a in w]
    acc = [np.zeros_like(a) for a in w]
    for g in grads:
        for i in range(2):
            acc[i] = 0.9 * acc[i] + 0.1 * g[i] ** 2
            exp[i] -= 0.01 * g[i] / (np.sqrt(acc[i]) + 1e-8)
    for a, b in zip(got, exp):
        np.testing.assert_allclose(a, b)


def test_adam():
    w, grads = _problem(4)
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    got = _run(O.Adam(lr, b1, b2, eps), w, grads)
    exp = [a.copy() for a in w]
    m = [np.zeros_like(a) for a in w]
    v = [np.zeros_like(a) for a in w]
    for t, g in enumerate(grads, start=1):
        for i in range(2):
            m[i] = b1 * m[i] + (1 - b1) * g[i]
            v[i] = b2 * v[i] + (1 - b2) * g[i] ** 2
            mhat = m[i] / (1 - b1 ** t)
            vhat = v[i] / (1 - b2 ** t)
            # Kingma and Ba's section 2 form: epsilon is added to the
            # uncorrected sqrt(v), i.e. eps / sqrt(1 - b2^t) beside sqrt(vhat)
            exp[i] -= lr * mhat / (np.sqrt(vhat) + eps / math.sqrt(1 - b2 ** t))
    for a, b in zip(got, exp):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_penalties_folded_into_gradient():
    w, grads = _problem(5)
    got = _run(O.SGD(0.1, momentum=0.0), w, grads, l2=[0.3, 0.0], l1=[0.2, 0.0])
    exp = [a.copy() for a in w]
    for g in grads:
        exp[0] = exp[0] - 0.1 * (g[0] + 0.3 * exp[0] + 0.2 * np.sign(exp[0]))
        exp[1] = exp[1] - 0.1 * g[1]
    for a, b in zip(got, exp):
        np.testing.assert_allclose(a, b)


def test_float32_in_place():
    w = [np.ones((2, 2), np.float32)]
    ref = w[0]
    O.Adam(0.1).update(w, [np.ones((2, 2), np.float32)])
    assert w[0] is ref and ref.dtype == np.float32
    np.testing.assert_allclose(ref, 0.9, rtol=1e-5)


OPTS = [
    O.SGD(0.05, momentum=0.0),
    O.SGD(0.05, momentum=0.9, nesterov=False),
    O.SGD(0.05, momentum=0.9, nesterov=True),
    O.Adagrad(0.5),
    O.RMSProp(0.01),
    O.Adam(0.05),
]


@pytest.mark.parametrize("opt", OPTS, ids=repr)
def test_converges_on_convex_quadratic(opt):
    # f(w) = 1/2 (w - c)^T A (w - c), A positive definite with condition 10
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.normal(size=(5, 5)))
    A = Q @ np.diag(np.linspace(1, 10, 5)) @ Q.T
    c = rng.normal(size=5)
    w = [np.zeros(5)]
    for _ in range(3000):
        opt.update(w, [A @ (w[0] - c)])
    np.testing.assert_allclose(w[0], c, atol=1e-2)


def test_state_round_trip():
    w, grads = _problem(6)
    a = O.Adam(0.01)
    w1 = _run(a, w, grads[:2])
    b = O.Adam(0.01)
    b.set_state({k: v.copy() for k, v in a.state().items()})
    c_w = [x.copy() for x in w1]
    a.update(w1, grads[2])
    b.update(c_w, grads[2])
    for x, y in zip(w1, c_w):
        np.testing.assert_array_equal(x, y)


def test_optimizer_errors():
    with pytest.raises(ValueError, match="learning_rate must be > 0"):
        O.SGD(-0.1)
    with pytest.raises(ValueError, match="momentum must be in"):
        O.SGD(0.1, momentum=1.0)
    with pytest.raises(ValueError, match="optimizer must be one of"):
        O.get_optimizer("lbfgs")
    assert isinstance(O.get_optimizer("adam", learning_rate=0.1), O.Adam)


def test_schedules():
    assert S.Constant()(0.1, 7) == 0.1
    assert S.Step(factor=0.5, every=3)(0.8, 7) == pytest.approx(0.8 * 0.25)
    assert S.Exponential(0.9)(1.0, 3) == pytest.approx(0.729)
    assert S.InverseTime(decay=2.0, power=0.5)(1.0, 4) == pytest.approx(1 / 3)
    plateau = S.ReduceOnPlateau(factor=0.5, patience=2, tol=0.0)
    losses = [1.0, 0.9, 0.95, 0.95, 0.8, 0.85, 0.85]
    # two epochs without improvement after 0.9 -> halve at epoch 4;
    # two more after 0.8 -> halve again at epoch 7
    rates = [plateau(1.0, e, losses) for e in range(8)]
    assert rates == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25]
    with pytest.raises(ValueError, match="schedule must be one of"):
        S.get_schedule("cosine")
    f = lambda lr, epoch, losses: lr / (epoch + 1)  # noqa: E731
    assert S.get_schedule(f) is f


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_momentum_changed_between_steps(nesterov):
    # momentum 0, then 0.5, 0.9, 0.0 and 0.7: the velocity starts (at zero)
    # with the first step that has momentum; after that every step follows
    # v = mu * v - lr * g, so the momentum-0 step sets it to -lr * g
    rng = np.random.default_rng(7)
    w = [rng.normal(size=(3, 2))]
    grads = [[rng.normal(size=(3, 2))] for _ in range(5)]
    mus = [0.0, 0.5, 0.9, 0.0, 0.7]
    lr = 0.1
    opt = O.SGD(lr, momentum=mus[0], nesterov=nesterov)
    got = [w[0].copy()]
    exp, vel = w[0].copy(), np.zeros_like(w[0])
    for step, (mu, g) in enumerate(zip(mus, grads)):
        opt.momentum = mu
        opt.update(got, [g[0].copy()])
        vel = mu * vel - lr * g[0] if step > 0 else np.zeros_like(vel)
        exp = exp + (mu * vel - lr * g[0] if nesterov or step == 0 else vel)
    np.testing.assert_allclose(got[0], exp)
    # the state round trip keeps the velocity even where momentum is now 0
    opt.momentum = 0.0
    other = O.SGD(lr, momentum=0.0, nesterov=nesterov)
    other.set_state({k: v.copy() for k, v in opt.state().items()})
    np.testing.assert_array_equal(other._state["velocity"][0], opt._state["velocity"][0])


def test_linear_ramp():
    ramp = S.LinearRamp(0.5, 0.99, 10)
    assert ramp(0) == 0.5
    assert ramp(5) == pytest.approx(0.745)
    assert ramp(10) == pytest.approx(0.99)
    assert ramp(50) == pytest.approx(0.99)
    assert S.LinearRamp(0.9, 0.5, 4)(2) == pytest.approx(0.7)
    assert eval(repr(ramp), {"LinearRamp": S.LinearRamp}).__dict__ == ramp.__dict__
    with pytest.raises(ValueError, match="epochs must be > 0"):
        S.LinearRamp(0.5, 0.9, 0)
    with pytest.raises(TypeError, match="epochs must be an int"):
        S.LinearRamp(0.5, 0.9, 2.5)
