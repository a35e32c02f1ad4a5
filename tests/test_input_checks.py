"""Clear errors from the functions around the estimators (reliability review
D5 and D12)."""

import gzip
import struct

import numpy as np
import pytest
import scipy.sparse as sp

from deepbelief import Autoencoder
from deepbelief.augmentation import GaussianNoise, HorizontalFlip, shift_images
from deepbelief.datasets import read_idx
from deepbelief.preprocessing import drop_incomplete


@pytest.fixture(scope="module")
def autoencoder():
    X = np.random.default_rng(0).random((30, 6))
    return Autoencoder(3, n_iter=1, random_state=0).fit(X)


@pytest.mark.parametrize("value, match", [(np.nan, "NaN"), (np.inf, "infinity"),
                                          (-np.inf, "infinity")])
def test_inverse_transform_refuses_non_finite_codes(autoencoder, value, match):
    H = autoencoder.transform(np.random.default_rng(1).random((4, 6)))
    H[0, 0] = value
    with pytest.raises(ValueError, match=match):
        autoencoder.inverse_transform(H)


def test_inverse_transform_refuses_none_and_empty(autoencoder):
    with pytest.raises(ValueError):
        autoencoder.inverse_transform(None)
    with pytest.raises(ValueError, match="NaN"):
        autoencoder.inverse_transform(np.array([[None, 0.0, 0.0]], dtype=object))
    with pytest.raises(ValueError, match="0 sample"):
        autoencoder.inverse_transform(np.zeros((0, 3)))
    out = autoencoder.inverse_transform(np.zeros((2, 3)))
    assert out.shape == (2, 6) and np.all(np.isfinite(out))


@pytest.mark.parametrize("augment", [GaussianNoise((2, 2), std=0.1, random_state=0),
                                     HorizontalFlip((2, 2), random_state=0)])
def test_augmenters_name_sparse_and_missing_input(augment):
    X = np.random.default_rng(0).random((3, 4))
    with pytest.raises(TypeError, match="sparse"):
        augment(sp.csr_matrix(X))
    Xo = X.astype(object)
    Xo[1, 2] = None
    with pytest.raises(ValueError, match="missing"):
        augment(Xo)
    assert augment(X).shape == X.shape


def test_augmenters_name_pandas_na():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(np.random.default_rng(0).random((3, 4))).astype("Float64")
    df.iloc[0, 1] = pd.NA
    with pytest.raises(ValueError, match="missing"):
        shift_images(df, (2, 2), np.zeros((3, 2), dtype=int))


def test_drop_incomplete_on_zero_rows():
    X_kept, y_kept, report = drop_incomplete(np.zeros((0, 3)), np.zeros(0))
    assert X_kept.shape == (0, 3) and y_kept.shape == (0,) and report.n_dropped == 0


def test_read_idx_names_overflowing_header(tmp_path):
    path = tmp_path / "bad-idx3-ubyte.gz"
    with gzip.open(path, "wb") as f:
        f.write(struct.pack(">HBB", 0, 0x08, 4) + struct.pack(">4I", *[65536] * 4))
    with pytest.raises(ValueError, match="bad-idx3-ubyte.gz.*header declares shape"):
        read_idx(path)
