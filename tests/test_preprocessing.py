import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from deepbelief.preprocessing import (
    DropReport,
    GlobalContrastNormalization,
    ZCAWhitening,
    drop_incomplete,
)


def correlated_data(n_samples=300, n_features=5, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    mixing = rng.normal(size=(n_features, n_features)) * np.linspace(0.2, 3.0, n_features)
    X = rng.normal(size=(n_samples, n_features)) @ mixing + rng.normal(size=n_features) * 5
    return X.astype(dtype)


def covariance(Z):
    Zc = Z - Z.mean(axis=0)
    return Zc.T @ Zc / Z.shape[0]


# ---------------------------------------------------------------- ZCA


@parametrize_with_checks([ZCAWhitening(), GlobalContrastNormalization()])
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize("epsilon", [1e-10, 1e-3, 0.5])
def test_zca_covariance_is_identity_up_to_epsilon(epsilon):
    X = correlated_data()
    Z = ZCAWhitening(epsilon=epsilon).fit_transform(X)
    eigenvalues, eigenvectors = np.linalg.eigh(covariance(X))
    # Each direction's variance becomes lambda / (lambda + epsilon).
    expected = (eigenvectors * (eigenvalues / (eigenvalues + epsilon))) @ eigenvectors.T
    np.testing.assert_allclose(covariance(Z), expected, atol=1e-9)
    # and that is the identity up to epsilon relative to the smallest variance
    bound = epsilon / (eigenvalues.min() + epsilon)
    assert np.abs(covariance(Z) - np.eye(X.shape[1])).max() <= bound + 1e-9
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-9)


def test_zca_matches_direct_eigendecomposition():
    X = correlated_data(seed=1)
    X_new = correlated_data(n_samples=20, seed=2)
    epsilon = 1e-2
    mean = X.mean(axis=0)
    centred = X - mean
    cov = centred.T @ centred / X.shape[0]
    values, vectors = np.linalg.eigh(cov)
    W = vectors @ np.diag(1.0 / np.sqrt(values + epsilon)) @ vectors.T
    zca = ZCAWhitening(epsilon=epsilon).fit(X)
    np.testing.assert_allclose(zca.transform(X_new), (X_new - mean) @ W, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(zca.whitening_, W, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(zca.whitening_, zca.whitening_.T)
    np.testing.assert_allclose(zca.mean_, mean)
    np.testing.assert_allclose(zca.explained_variance_, values[::-1], rtol=1e-9)
    # rows of components_ are unit eigenvectors, up to sign
    dots = np.abs(np.sum(zca.components_ * vectors[:, ::-1].T, axis=1))
    np.testing.assert_allclose(dots, 1.0, rtol=1e-9)


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-10), (np.float32, 1e-4)])
def test_zca_inverse_round_trip(dtype, rtol):
    X = correlated_data(dtype=dtype)
    zca = ZCAWhitening(epsilon=1e-3).fit(X)
    Z = zca.transform(X)
    assert Z.dtype == dtype
    back = zca.inverse_transform(Z)
    assert back.dtype == dtype
    np.testing.assert_allclose(back, X, rtol=rtol, atol=rtol * np.abs(X).max())


def test_zca_is_the_whitening_closest_to_the_input():
    X = correlated_data(seed=3)
    centred = X - X.mean(axis=0)
    Z = ZCAWhitening(epsilon=1e-12).fit_transform(X)
    zca_distance = np.linalg.norm(Z - centred)

    values, vectors = np.linalg.eigh(covariance(X))
    pca_white = centred @ vectors / np.sqrt(values)
    np.testing.assert_allclose(covariance(pca_white), np.eye(X.shape[1]), atol=1e-8)
    assert zca_distance < np.linalg.norm(pca_white - centred)

    # any other whitening is the ZCA output rotated
    rng = np.random.default_rng(0)
    for _ in range(20):
        Q, _ = np.linalg.qr(rng.normal(size=(X.shape[1], X.shape[1])))
        assert zca_distance <= np.linalg.norm(Z @ Q - centred) + 1e-9


def test_zca_preserves_float32_and_float64():
    for dtype in (np.float32, np.float64):
        X = correlated_data(dtype=dtype)
        zca = ZCAWhitening().fit(X)
        assert zca.whitening_.dtype == dtype
        assert zca.transform(X).dtype == dtype
    X_int = np.arange(30).reshape(10, 3) % 7
    assert ZCAWhitening().fit_transform(X_int).dtype == np.float64


def test_zca_errors():
    X = correlated_data()
    with pytest.raises(ValueError, match=r"^epsilon must be > 0; got -1\.0\.$"):
        ZCAWhitening(epsilon=-1.0).fit(X)
    with pytest.raises(TypeError, match="epsilon must be a number"):
        ZCAWhitening(epsilon="small").fit(X)
    with pytest.raises(NotFittedError):
        ZCAWhitening().transform(X)
    zca = ZCAWhitening().fit(X)
    with pytest.raises(ValueError, match="5 features"):
        zca.transform(X[:, :3])
    with pytest.raises(ValueError, match="3 features.*expecting 5"):
        zca.inverse_transform(X[:, :3])
    with pytest.raises(ValueError):
        ZCAWhitening().fit(np.array([[1.0, np.nan], [2.0, 3.0]]))


def test_zca_in_a_pipeline_clones():
    X = correlated_data()
    pipe = make_pipeline(GlobalContrastNormalization(), ZCAWhitening(epsilon=0.1))
    out = clone(pipe).fit_transform(X)
    assert out.shape == X.shape


# ---------------------------------------------------------------- GCN


def slow_gcn(X, scale, sqrt_bias, epsilon):
    out = np.empty_like(X, dtype=np.float64)
    for i, row in enumerate(X):
        m = sum(row) / len(row)
        contrast = math.sqrt(sqrt_bias + sum((v - m) ** 2 for v in row) / len(row))
        out[i] = [scale * (v - m) / max(epsilon, contrast) for v in row]
    return out


@pytest.mark.parametrize("scale, sqrt_bias", [(1.0, 0.0), (55.0, 0.0), (1.0, 10.0)])
def test_gcn_matches_formula(scale, sqrt_bias):
    X = np.random.default_rng(0).normal(size=(7, 6)) * 3 + 1
    gcn = GlobalContrastNormalization(scale=scale, sqrt_bias=sqrt_bias)
    out = gcn.fit_transform(X)
    np.testing.assert_allclose(out, slow_gcn(X, scale, sqrt_bias, 1e-8), rtol=1e-12)
    np.testing.assert_allclose(out.mean(axis=1), 0.0, atol=1e-12)
    rms = np.sqrt(np.mean(out**2, axis=1))
    if sqrt_bias == 0:
        np.testing.assert_allclose(rms, scale, rtol=1e-12)
    else:
        assert np.all(rms < scale)


def test_gcn_constant_sample_becomes_zero():
    X = np.array([[3.0, 3.0, 3.0], [1.0, 2.0, 6.0]])
    out = GlobalContrastNormalization().fit_transform(X)
    assert np.all(np.isfinite(out))
    np.testing.assert_array_equal(out[0], 0.0)


def test_gcn_is_per_sample_and_stateless():
    rng = np.random.default_rng(1)
    X = rng.random((5, 4))
    gcn = GlobalContrastNormalization()
    whole = gcn.transform(X)  # no fit needed
    np.testing.assert_allclose(np.vstack([gcn.transform(X[i : i + 1]) for i in range(5)]), whole)
    for dtype in (np.float32, np.float64):
        assert gcn.transform(X.astype(dtype)).dtype == dtype


def test_gcn_parameter_errors():
    X = np.ones((2, 3))
    with pytest.raises(ValueError, match=r"^scale must be > 0; got 0\.$"):
        GlobalContrastNormalization(scale=0).fit(X)
    with pytest.raises(ValueError, match=r"^sqrt_bias must be >= 0; got -1\.$"):
        GlobalContrastNormalization(sqrt_bias=-1).fit(X)
    with pytest.raises(ValueError, match="epsilon must be > 0"):
        GlobalContrastNormalization(epsilon=0.0).transform(X)


# ---------------------------------------------------------------- drop_incomplete


def test_drop_incomplete_reports_exactly_the_dropped_rows():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10, 4))
    X[2, 1] = np.nan
    X[5, 0] = np.inf
    X[7, 3] = -np.inf
    y = np.arange(10.0)
    y[8] = np.nan
    original = X.copy()
    X_kept, y_kept, report = drop_incomplete(X, y)
    keep = [0, 1, 3, 4, 6, 9]
    np.testing.assert_array_equal(report.dropped_rows, [2, 5, 7, 8])
    assert (report.n_samples, report.n_kept, report.n_dropped) == (10, 6, 4)
    assert (report.n_missing_features, report.n_missing_labels) == (3, 1)
    np.testing.assert_array_equal(X_kept, original[keep])
    np.testing.assert_array_equal(y_kept, np.array(keep, dtype=float))
    np.testing.assert_array_equal(X, original)  # input untouched
    text = str(report)
    assert "dropped 4 of 10" in text and "[2, 5, 7, 8]" in text
    assert "1 with a missing label" in text


def test_drop_incomplete_nothing_to_drop():
    X = np.arange(12).reshape(4, 3)
    X_kept, y_kept, report = drop_incomplete(X)
    np.testing.assert_array_equal(X_kept, X)
    assert y_kept is None
    assert report.n_dropped == 0 and report.dropped_rows.size == 0
    assert str(report) == "drop_incomplete: kept all 4 samples."


def test_drop_incomplete_object_and_image_arrays():
    X = np.array([[1, "a"], [None, "b"], [2, "c"], [float("nan"), "d"]], dtype=object)
    y = np.array(["x", "y", None, "z"], dtype=object)
    X_kept, y_kept, report = drop_incomplete(X, y)
    np.testing.assert_array_equal(report.dropped_rows, [1, 2, 3])
    assert X_kept.tolist() == [[1, "a"]] and y_kept.tolist() == ["x"]

    images = np.zeros((4, 3, 3))
    images[1, 2, 2] = np.nan
    kept, _, report = drop_incomplete(images)
    assert kept.shape == (3, 3, 3)
    np.testing.assert_array_equal(report.dropped_rows, [1])


def test_drop_incomplete_sparse():
    X = sp.csr_matrix(np.array([[0.0, 1.0], [0.0, 0.0], [np.nan, 0.0], [2.0, np.inf]]))
    X_kept, _, report = drop_incomplete(X)
    np.testing.assert_array_equal(report.dropped_rows, [2, 3])
    np.testing.assert_array_equal(X_kept.toarray(), [[0.0, 1.0], [0.0, 0.0]])


def test_drop_incomplete_pandas():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(
        {"a": [1.0, np.nan, 3.0, 4.0, 5.0], "b": ["u", "v", None, "x", "y"], "c": [1, 2, 3, 4, 5]},
        index=[10, 11, 12, 13, 14],
    )
    df.loc[13, "a"] = np.inf
    y = pd.Series([0, 1, 0, 1, None], index=df.index)
    X_kept, y_kept, report = drop_incomplete(df, y)
    np.testing.assert_array_equal(report.dropped_rows, [1, 2, 3, 4])
    assert list(X_kept.index) == [10] and list(y_kept.index) == [10]
    assert isinstance(X_kept, pd.DataFrame)


def test_drop_incomplete_length_mismatch():
    with pytest.raises(ValueError, match="same number of samples; got 3 and 2"):
        drop_incomplete(np.zeros((3, 2)), np.zeros(2))


@settings(max_examples=40, deadline=None)
@given(
    n_samples=st.integers(1, 12),
    n_features=st.integers(1, 5),
    data=st.data(),
)
def test_drop_incomplete_property(n_samples, n_features, data):
    values = st.one_of(
        st.floats(-10, 10), st.sampled_from([np.nan, np.inf, -np.inf])
    )
    X = np.array(
        data.draw(
            st.lists(
                st.lists(values, min_size=n_features, max_size=n_features),
                min_size=n_samples,
                max_size=n_samples,
            )
        ),
        dtype=float,
    )
    X_kept, _, report = drop_incomplete(X)
    expected = [i for i, row in enumerate(X.tolist()) if not all(map(math.isfinite, row))]
    assert report.dropped_rows.tolist() == expected
    assert report.n_kept + report.n_dropped == n_samples
    kept_rows = [row for i, row in enumerate(X.tolist()) if i not in expected]
    assert X_kept.tolist() == kept_rows
    assert isinstance(report, DropReport)
