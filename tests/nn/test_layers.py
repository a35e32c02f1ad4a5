import numpy as np
import pytest
import scipy.sparse as sp

from deepbelief._kernels import mlp as kernels
from deepbelief.nn import layers as Ly
from deepbelief.nn.initializers import get_initializer
from deepbelief.nn.losses import BinaryCrossEntropy, CrossEntropy, SquaredError
from reference import numerical_gradient


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gemm_all_layouts_in_place(dtype):
    rng = np.random.default_rng(0)
    A = rng.normal(size=(7, 5)).astype(dtype)
    B = rng.normal(size=(5, 3)).astype(dtype)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for a in (A, np.asfortranarray(A)):
        for b in (B, np.asfortranarray(B)):
            out = np.empty((7, 3), dtype=dtype)
            ptr = out.ctypes.data
            Ly.gemm(a, b, out)
            assert out.ctypes.data == ptr
            np.testing.assert_allclose(out, A @ B, rtol=tol, atol=tol)
    out = np.ones((5, 5), dtype=dtype)
    Ly.gemm(A.T, A, out)
    np.testing.assert_allclose(out, A.T @ A, rtol=tol, atol=tol)
    with pytest.raises(ValueError, match="C-contiguous"):
        Ly.gemm(A, B, np.empty((3, 7), dtype=dtype).T)


def _build(sizes, acts, loss, dropout=0.0, input_dropout=0.0, seed=0):
    rng = np.random.default_rng(seed)
    layers = []
    if input_dropout:
        layers.append(Ly.Dropout(input_dropout))
    n_in = sizes[0]
    for n, act in zip(sizes[1:-1], acts):
        a = Ly.make_activation_layer(act)
        width = a.width_in(n)
        layers.append(Ly.Dense(get_initializer("glorot_uniform")((n_in, width), rng),
                               rng.normal(0, 0.1, width)))
        a.init_params(n, np.float64)
        if isinstance(a, Ly.PReLU):
            a.params[0][...] = rng.uniform(0.1, 0.5, n)
        layers.append(a)
        if dropout:
            layers.append(Ly.Dropout(dropout))
        n_in = n
    layers.append(Ly.Dense(get_initializer("glorot_uniform")((n_in, sizes[-1]), rng),
                           rng.normal(0, 0.1, sizes[-1])))
    return Ly.Network(layers, loss)


def _targets(loss, n, k, rng):
    if isinstance(loss, CrossEntropy):
        return np.eye(k)[rng.integers(0, k, n)]
    if isinstance(loss, BinaryCrossEntropy):
        return (rng.random((n, k)) < 0.5).astype(float)
    return rng.normal(size=(n, k))


CASES = [
    ([4, 3], [], SquaredError()),
    ([5, 6, 3], ["sigmoid"], CrossEntropy()),
    ([5, 6, 4, 3], ["tanh", "relu"], CrossEntropy()),
    ([4, 5, 5, 2], ["elu", "softplus"], BinaryCrossEntropy()),
    ([4, 6, 5, 3], ["leaky_relu", "prelu"], SquaredError()),
    ([4, 3, 4, 2], ["maxout", "identity"], CrossEntropy()),
    ([3, 4, 4, 4, 3], ["relu", Ly.Maxout(3), "softmax"], SquaredError()),
]


@pytest.mark.parametrize("dropout", [0.0, 0.4])
@pytest.mark.parametrize("sizes, acts, loss", CASES)
def test_network_backward_matches_finite_differences(sizes, acts, loss, dropout):
    rng = np.random.default_rng(1)
    net = _build(sizes, acts, loss, dropout=dropout, input_dropout=dropout / 2)
    n = 6
    net.allocate(n, np.float64)
    X = rng.normal(size=(n, sizes[0]))
    Y = _targets(loss, n, sizes[-1], rng)
    # draw the dropout masks once, then keep them fixed
    net.forward(X.copy(), training=True, rng=np.random.default_rng(2))

    def mean_loss():
        Z = net.forward(X.copy(), training=True, rng=None).copy()
        return loss.loss(Y, Z)

    net.train_batch(X.copy(), Y, rng=None)
    grads = [g.copy() for g in net.grads]
    for p, g in zip(net.params, grads):
        num = numerical_gradient(lambda _: mean_loss(), p)
        np.testing.assert_allclose(g, num, rtol=1e-4, atol=1e-7)


def test_prediction_ignores_dropout_and_chunks():
    net = _build([4, 8, 3], ["relu"], CrossEntropy(), dropout=0.5, input_dropout=0.2)
    X = np.random.default_rng(0).normal(size=(50, 4))
    P = net.predict(X, chunk_size=7)
    P_all = net.predict(X, chunk_size=100)
    np.testing.assert_allclose(P, P_all, rtol=1e-12)
    np.testing.assert_allclose(P.sum(1), 1)


def test_prediction_of_sparse_rows_equals_dense():
    net = _build([6, 5, 3], ["tanh"], CrossEntropy())
    X = np.random.default_rng(1).normal(size=(20, 6))
    X[X < 0.3] = 0.0
    np.testing.assert_array_equal(net.predict(sp.csr_matrix(X), chunk_size=7),
                                  net.predict(X, chunk_size=7))


def test_dropout_layer_mask_statistics_and_scaling():
    layer = Ly.Dropout(0.3)
    layer.allocate(400, np.float64)
    X = np.ones((400, 500))
    Y = layer.forward(X, training=True, rng=np.random.default_rng(0))
    kept = Y > 0
    assert kept.mean() == pytest.approx(0.7, abs=0.005)
    np.testing.assert_allclose(Y[kept], 1 / 0.7)
    assert Y.mean() == pytest.approx(1.0, abs=0.01)  # expectation preserved
    assert layer.forward(X, training=False) is X  # the identity at prediction
    layer32 = Ly.Dropout(0.5)
    layer32.allocate(10, np.float32)
    out = layer32.forward(np.ones((10, 10), np.float32), training=True,
                          rng=np.random.default_rng(1))
    assert out.dtype == np.float32


def test_dropout_layer_gradient_with_fixed_mask():
    rng = np.random.default_rng(1)
    X, G = rng.normal(size=(5, 4)), rng.normal(size=(5, 4))
    layer = Ly.Dropout(0.5)
    layer.allocate(5, np.float64)
    layer.forward(X, training=True, rng=rng)  # draws the mask, then keeps it

    def f(X_):
        return np.sum(G * layer.forward(X_, training=True, rng=None))

    numeric = numerical_gradient(f, X.copy())
    f(X)
    np.testing.assert_allclose(layer.backward(G.copy()), numeric, rtol=1e-6, atol=1e-9)


def test_max_norm_kernel_projects_columns_onto_ball():
    # the MLPs' max_norm: each unit's incoming weights (a column of W)
    # rescaled onto the ball of radius c when outside it, directions kept
    rng = np.random.default_rng(0)
    W = rng.normal(size=(20, 6))
    W[:, 0] *= 0.01  # a column already inside the ball
    before = W.copy()
    kernels.max_norm(W, 1.5, np.empty(6))
    norms = np.linalg.norm(W, axis=0)
    np.testing.assert_array_equal(W[:, 0], before[:, 0])
    big = np.linalg.norm(before, axis=0) > 1.5
    np.testing.assert_allclose(norms[big], 1.5)
    np.testing.assert_allclose(W[:, big] / norms[big],
                               before[:, big] / np.linalg.norm(before[:, big], axis=0))
    w = np.array([[3.0], [4.0]])
    kernels.max_norm(w, 1.0, np.empty(1))
    np.testing.assert_allclose(w.ravel(), [0.6, 0.8])


def test_make_activation_layer_errors():
    with pytest.raises(ValueError, match="activation must be one of"):
        Ly.make_activation_layer("swish")
    with pytest.raises(TypeError):
        Ly.make_activation_layer(3)
    with pytest.raises(ValueError, match="k must be >= 1"):
        Ly.Maxout(0)
