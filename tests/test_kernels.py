"""Kernels against the slow references in tests/reference.py."""

import numpy as np
import pytest
from scipy import stats
from scipy.special import expit

from deepbelief._kernels import rbm as k
from deepbelief._kernels.blas import dot_nn, dot_nt, dot_tn, gemm, matvec, vecmat
from deepbelief._kernels.random import SeedStream

import reference as ref
from reference import fill_normal, fill_row_uniforms, fill_uniform

DTYPES = [np.float32, np.float64]
TOL = {np.float32: 2e-6, np.float64: 1e-12}


def test_exp_matches_numpy_to_a_few_ulp():
    x = np.concatenate([np.linspace(-708, 708, 200_001), np.random.default_rng(0).normal(0, 5, 10_000)])
    out = ref.exp_array(x, np.empty_like(x))
    assert np.max(np.abs(out / np.exp(x) - 1)) < 5e-16


def test_exp_clamps_and_keeps_nan():
    out = ref.exp_array(np.array([-1e4, 1e4, np.nan, 0.0]), np.empty(4))
    assert 0 < out[0] < 1e-300 and np.isfinite(out[1]) and out[1] > 1e307
    assert np.isnan(out[2]) and out[3] == 1.0


def test_log_and_softplus_match_numpy():
    x = np.exp(np.linspace(-700, 700, 100_001))
    assert np.max(np.abs(ref.log_array(x, np.empty_like(x)) - np.log(x))) < 1e-12
    y = np.linspace(-700, 700, 200_001)
    sp = ref.softplus_array(y, np.empty_like(y))
    np.testing.assert_allclose(sp, np.logaddexp(0, y), rtol=2e-15, atol=0)
    assert np.isnan(ref.softplus_array(np.array([np.nan]), np.empty(1))[0])


def test_uniform_and_normal_streams_have_the_right_distribution():
    u = fill_uniform(np.uint64(7), 0, np.empty(200_000))
    z = fill_normal(np.uint64(7), 0, np.empty(200_000))
    assert stats.kstest(u, "uniform").pvalue > 1e-4
    assert stats.kstest(z, "norm").pvalue > 1e-4
    assert u.min() >= 0 and u.max() < 1
    # different seeds and offsets give different (uncorrelated) streams
    u2 = fill_uniform(np.uint64(8), 0, np.empty(200_000))
    assert abs(np.corrcoef(u, u2)[0, 1]) < 0.02
    shifted = fill_uniform(np.uint64(7), 5, np.empty(10))
    np.testing.assert_array_equal(shifted, u[5:15])


@pytest.mark.parametrize("m", [1, 6, 7, 785])
def test_row_uniforms_match_the_reference_hash(m):
    seed = np.uint64(2**63 + 12345)
    u64 = fill_row_uniforms(seed, np.empty((5, m)))
    np.testing.assert_array_equal(u64, ref.uniforms(seed, (5, m)))
    z = ref.splitmix64(seed, np.arange(5 * m))
    np.testing.assert_array_equal(u64.ravel(), (z >> np.uint64(12)) / 2.0**52)
    u32 = fill_row_uniforms(seed, np.empty((5, m), np.float32))
    assert u32.dtype == np.float32
    np.testing.assert_array_equal(u32, ref.row_uniforms32(seed, (5, m)))


def test_float32_row_uniforms_are_uniform_and_independent():
    u = fill_row_uniforms(np.uint64(7), np.empty((400, 501), np.float32))
    assert u.min() >= 0 and u.max() < 1
    assert stats.kstest(u.ravel(), "uniform").pvalue > 1e-4
    # the float64 stream truncated: the two precisions draw the same numbers
    u64 = fill_row_uniforms(np.uint64(7), np.empty((400, 501)))
    assert np.all((u64 - u >= 0) & (u64 - u < 2.0**-23))
    # neighbouring rows and columns too
    assert abs(np.corrcoef(u[:-1].ravel(), u[1:].ravel())[0, 1]) < 0.02
    assert abs(np.corrcoef(u[:, :-1].ravel(), u[:, 1:].ravel())[0, 1]) < 0.02


def test_seed_stream_depends_only_on_the_generator_state():
    a = SeedStream(np.random.default_rng(3), block=4)
    b = SeedStream(np.random.default_rng(3), block=16)
    assert [a() for _ in range(10)] != [] and len({a() for _ in range(20)}) == 20
    a = SeedStream(np.random.default_rng(3), block=16)
    assert [a() for _ in range(10)] == [b() for _ in range(10)]


def assert_sample_follows_mean(sample, mean, reference_sample, seed, dtype):
    """A Bernoulli sample is 1 exactly where the stream's uniform < the mean.

    Float64 kernels compute the mean as the reference does, so the samples
    are identical. Float32 kernels compute the logistic in float32 (within
    a few ulps of the exact value, checked by the caller), so a uniform
    falling between the two probabilities may decide differently: the
    sample must follow the kernel's own mean.
    """
    if dtype == np.float64:
        np.testing.assert_array_equal(sample, reference_sample)
    else:
        u = ref.row_uniforms32(seed, mean.shape)
        np.testing.assert_array_equal(sample, (u < mean).astype(sample.dtype))


def test_float32_logistic_is_within_three_ulps():
    x = np.linspace(-69, 80, 300_001).astype(np.float32)
    out = np.empty_like(x)
    ref.logistic_array(x, out)
    exact = expit(x.astype(np.float64))
    assert out.dtype == np.float32
    assert np.all(np.abs(out - exact) <= 3 * np.spacing(exact.astype(np.float32)))
    special = ref.logistic_array(np.array([np.nan, np.inf, -np.inf, 0], np.float32),
                                    np.empty(4, np.float32))
    assert np.isnan(special[0]) and special[1] == 1 and special[2] < 1e-30
    assert special[3] == 0.5


@pytest.mark.parametrize("dtype", DTYPES)
def test_bernoulli_kernels_match_reference(dtype):
    rng = np.random.default_rng(0)
    A = rng.normal(0, 3, (7, 5)).astype(dtype)
    bias = rng.normal(0, 1, 5).astype(dtype)
    mean = np.empty_like(A)
    k.bernoulli_mean(A, bias, mean)
    np.testing.assert_allclose(mean, expit((A + bias).astype(np.float64)), rtol=TOL[dtype])
    sample = np.empty_like(A)
    k.bernoulli_sample(A, bias, mean, sample, np.uint64(11))
    p, s = ref.bernoulli_sample(A, bias, 11)
    np.testing.assert_allclose(mean, p, rtol=TOL[dtype])
    assert_sample_follows_mean(sample, mean, s, 11, dtype)
    # in place: A may be the mean buffer
    A2 = A.copy()
    k.bernoulli_sample(A2, bias, A2, sample, np.uint64(11))
    np.testing.assert_allclose(A2, p, rtol=TOL[dtype])
    out = np.empty(7)
    k.bernoulli_log_partition(A, bias, out)
    np.testing.assert_allclose(out, np.logaddexp(0, (A + bias).astype(np.float64)).sum(1), rtol=1e-12)
    k.bernoulli_energy(A, bias, out)
    np.testing.assert_allclose(out, -(A.astype(np.float64) @ bias.astype(np.float64)), rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_gaussian_and_relu_kernels_match_reference(dtype):
    rng = np.random.default_rng(1)
    A = rng.normal(0, 2, (6, 4)).astype(dtype)
    bias = rng.normal(0, 1, 4).astype(dtype)
    mean, sample = np.empty_like(A), np.empty_like(A)
    k.gaussian_sample(A, bias, mean, sample, np.uint64(5))
    mu, s = ref.gaussian_sample(A, bias, 5)
    np.testing.assert_allclose(mean, mu, rtol=TOL[dtype])
    np.testing.assert_allclose(sample, s, rtol=10 * TOL[dtype], atol=10 * TOL[dtype])
    k.relu_sample(A, bias, mean, sample, np.uint64(5))
    mu, s = ref.relu_sample(A, bias, 5)
    np.testing.assert_allclose(mean, mu, rtol=TOL[dtype])
    np.testing.assert_allclose(sample, s, rtol=10 * TOL[dtype], atol=10 * TOL[dtype])
    out = np.empty(6)
    k.relu_log_partition(A, bias, out)
    expected = ref.stepped_sigmoid_log_partition((A + bias).astype(np.float64)).sum(1)
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    k.gaussian_log_partition(A, bias, out)
    x = (A + bias).astype(np.float64)
    np.testing.assert_allclose(out, (0.5 * x**2 + 0.5 * np.log(2 * np.pi)).sum(1), rtol=1e-12)
    k.gaussian_energy(A, bias, out)
    np.testing.assert_allclose(out, 0.5 * ((A.astype(np.float64) - bias) ** 2).sum(1), rtol=1e-6)


def test_relu_sample_distribution():
    # max(0, x + N(0, sigmoid(x))): check the mean against the closed form
    x = 0.7
    A = np.full((1, 200_000), x)
    mean, sample = np.empty_like(A), np.empty_like(A)
    k.relu_sample(A, np.zeros(200_000), mean, sample, np.uint64(3))
    s = np.sqrt(expit(x))
    expected = x * stats.norm.cdf(x / s) + s * stats.norm.pdf(x / s)
    assert abs(sample.mean() - expected) < 4 * sample.std() / np.sqrt(A.size)


@pytest.mark.parametrize("dtype", DTYPES)
def test_gradient_statistics(dtype):
    rng = np.random.default_rng(2)
    SH = rng.random((9, 3)).astype(dtype)
    SV = rng.random((9, 4)).astype(dtype)
    n, m = 5, 4
    pos, neg = np.empty(3), np.empty(3)
    SH0 = SH.astype(np.float64)
    k.hidden_statistics(SH, n, m, pos, neg)
    np.testing.assert_allclose(pos, SH0[:n].mean(0), rtol=1e-6)
    np.testing.assert_allclose(neg, SH0[n:].mean(0), rtol=1e-6)
    grad = SV.astype(np.float64).T @ SH.astype(np.float64)
    expected = SV[:n].astype(np.float64).T @ SH0[:n] / n - SV[n:].astype(np.float64).T @ SH0[n:] / m
    np.testing.assert_allclose(grad, expected, rtol=1e-5, atol=1e-7)
    out = np.empty(4)
    k.column_mean_difference(SV, n, m, out)
    np.testing.assert_allclose(out, SV[:n].mean(0) - SV[n:].mean(0), rtol=1e-5, atol=1e-7)


def test_weight_update_kernels():
    rng = np.random.default_rng(3)
    W = rng.normal(size=(4, 6))
    vel = rng.normal(size=(4, 6))
    W2, v2 = W.copy(), vel.copy()
    k.apply_velocity(W2, v2, 0.01, 0.002)
    v_ref = vel - 0.01 * W - 0.002 * np.sign(W)
    np.testing.assert_allclose(v2, v_ref)
    np.testing.assert_allclose(W2, W + v_ref)
    W3 = W.copy()
    k.l1_shrink(W3, 0.5)
    np.testing.assert_allclose(W3, np.sign(W) * np.maximum(np.abs(W) - 0.5, 0))


@pytest.mark.parametrize("dtype", DTYPES)
def test_blas_products(dtype):
    rng = np.random.default_rng(4)
    A = rng.random((5, 3)).astype(dtype)
    W = rng.random((4, 3)).astype(dtype)
    out = rng.random((5, 4)).astype(dtype)
    expected = 0.5 * A @ W.T + 2.0 * out
    dot_nt(A, W, out, alpha=0.5, beta=2.0)
    np.testing.assert_allclose(out, expected, rtol=1e-5)
    H = rng.random((5, 4)).astype(dtype)
    out2 = np.empty((5, 3), dtype)
    np.testing.assert_allclose(dot_nn(H, W, out2), H @ W, rtol=1e-5)
    C = rng.random((4, 3)).astype(dtype)
    expected = 0.1 * H.T @ A + 0.9 * C
    dot_tn(H, A, C, alpha=0.1, beta=0.9)
    np.testing.assert_allclose(C, expected, rtol=1e-5)
    with pytest.raises((RuntimeError, ValueError)):
        dot_nt(A, W, np.empty((5, 4), dtype)[:, ::1].T.copy().T)  # F-ordered out


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(5, 3, 4), (1, 6, 2), (4, 1, 3), (3, 5, 1), (0, 3, 2),
                                   (3, 0, 2)], ids=str)
def test_gemm_any_layout_against_float64_numpy(dtype, shape):
    n, k, m = shape
    rng = np.random.default_rng(5)
    A = rng.normal(size=(n, k))
    B = rng.normal(size=(k, m))
    C = rng.normal(size=(n, m))
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    layouts = {"C": np.ascontiguousarray, "F": np.asfortranarray,
               "strided": lambda M: np.repeat(M, 2, axis=1)[:, ::2]}
    for name_a, make_a in layouts.items():
        for name_b, make_b in layouts.items():
            a, b = make_a(A.astype(dtype)), make_b(B.astype(dtype))
            out = C.astype(dtype)
            assert gemm(a, b, out, alpha=0.5, beta=2.0) is out
            np.testing.assert_allclose(out, 0.5 * A @ B + 2.0 * C, **tol,
                                       err_msg=f"A {name_a}, B {name_b}")
            out = np.full((n, m), np.nan, dtype)
            assert gemm(a, b, out) is out
            np.testing.assert_allclose(out, A @ B, **tol)
    # another dtype than out's is cast; a non-C-contiguous out is refused
    out = np.empty((n, m), dtype)
    np.testing.assert_allclose(gemm(A, B.astype(np.float32), out), A @ B, rtol=1e-5,
                               atol=1e-5)
    with pytest.raises(ValueError, match="out must be C-contiguous"):
        gemm(np.ones((2, 3)), np.ones((3, 4)), np.empty((4, 2)).T)
    with pytest.raises(ValueError, match="gemm needs"):
        gemm(A, B.T, np.empty((n, k)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_matvec_and_vecmat(dtype):
    rng = np.random.default_rng(6)
    M = rng.normal(size=(7, 4))
    x, y = rng.normal(size=4), rng.normal(size=7)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    Md = M.astype(dtype)
    np.testing.assert_allclose(matvec(Md, x), M @ x, rtol=tol, atol=tol)
    np.testing.assert_allclose(vecmat(y, Md), y @ M, rtol=tol, atol=tol)
    assert matvec(Md, x).dtype == dtype and vecmat(y, Md).dtype == dtype


def test_flip_bits_and_squared_error():
    V = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.5]])
    out = np.empty_like(V)
    k.flip_bits(V, np.array([0, 2]), out)
    np.testing.assert_array_equal(out, [[1, 1, 1], [1, 0, 0.5]])
    err = np.empty(2)
    k.squared_error_rows(V, out, err)
    np.testing.assert_allclose(err, [1.0, 0.0])


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra.numpy import arrays  # noqa: E402


@settings(max_examples=40, deadline=None)
@given(
    data=st.data(),
    n=st.integers(1, 6),
    m=st.integers(1, 9),
    dtype=st.sampled_from(DTYPES),
    seed=st.integers(0, 2**63),
)
def test_unit_kernels_on_any_shape_and_values(data, n, m, dtype, seed):
    finite = st.floats(-60, 60, width=32)
    A = data.draw(arrays(dtype, (n, m), elements=finite))
    bias = data.draw(arrays(dtype, (m,), elements=finite))
    mean, sample = np.empty_like(A), np.empty_like(A)
    k.bernoulli_sample(A, bias, mean, sample, np.uint64(seed))
    p, s = ref.bernoulli_sample(A, bias, seed)
    np.testing.assert_allclose(mean, p.astype(dtype), rtol=TOL[dtype], atol=1e-30)
    assert_sample_follows_mean(sample, mean, s, seed, dtype)
    out = np.empty(n)
    k.bernoulli_log_partition(A, bias, out)
    x = (A + bias).astype(np.float64)
    np.testing.assert_allclose(out, np.logaddexp(0, x).sum(1), rtol=1e-12, atol=1e-300)


def test_jit_falls_back_to_no_cache_with_one_warning():
    # A function with no source file has no cache location: the decorator
    # must still compile it, saying once why it is not cached.
    import deepbelief._kernels._jit as jitmod

    namespace = {}
    exec("def twice(x):\n    return 2 * x\n", namespace)
    exec("def thrice(x):\n    return 3 * x\n", namespace)
    jitmod._warned = False
    with pytest.warns(RuntimeWarning, match="cannot cache"):
        twice = jitmod.jit(namespace["twice"])
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        thrice = jitmod.jit(namespace["thrice"])
    assert twice(4) == 8 and thrice(2) == 6
