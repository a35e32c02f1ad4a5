"""The IDX reader and MNIST loader, on tiny files written by the tests."""

import gzip
import struct

import numpy as np
import pytest

from deepbelief.datasets import load_digits, load_mnist, read_idx


def _idx_bytes(array, type_code=0x08):
    header = struct.pack(">HBB", 0, type_code, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def _write_mnist(folder, n=5, gz=True, subset="train"):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, n, dtype=np.uint8)
    stems = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
             "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}[subset]
    for stem, array in zip(stems, (images, labels)):
        data = _idx_bytes(array)
        if gz:
            with gzip.open(folder / (stem + ".gz"), "wb") as f:
                f.write(data)
        else:
            (folder / stem).write_bytes(data)
    return images, labels


@pytest.mark.parametrize("gz", [True, False])
@pytest.mark.parametrize("subset", ["train", "test"])
def test_load_mnist_round_trip(tmp_path, gz, subset):
    images, labels = _write_mnist(tmp_path, gz=gz, subset=subset)
    X, y = load_mnist(tmp_path, subset)
    assert X.shape == (5, 784) and X.dtype == np.uint8
    np.testing.assert_array_equal(X, images.reshape(5, -1))
    np.testing.assert_array_equal(y, labels)
    X3, _ = load_mnist(str(tmp_path), subset, flatten=False)
    np.testing.assert_array_equal(X3, images)


def test_other_idx_types_are_read_in_native_byte_order(tmp_path):
    a = np.arange(12, dtype=np.float32).reshape(3, 4) / 7
    (tmp_path / "f.idx").write_bytes(_idx_bytes(a, 0x0D))
    out = read_idx(tmp_path / "f.idx")
    assert out.dtype == np.float32 and out.dtype.isnative
    np.testing.assert_array_equal(out, a)


def test_missing_file_names_the_file_and_the_folder(tmp_path):
    _write_mnist(tmp_path, subset="train")
    with pytest.raises(FileNotFoundError) as info:
        load_mnist(tmp_path, "test")
    assert "t10k-images-idx3-ubyte" in str(info.value) and str(tmp_path) in str(info.value)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_mnist(tmp_path / "nowhere")
    with pytest.raises(ValueError, match="subset"):
        load_mnist(tmp_path, "validation")


def test_truncated_and_mislabelled_files_are_rejected(tmp_path):
    images = np.zeros((4, 28, 28), np.uint8)
    data = _idx_bytes(images)
    (tmp_path / "short").write_bytes(data[:-10])
    with pytest.raises(ValueError, match="truncated or mislabelled"):
        read_idx(tmp_path / "short")
    (tmp_path / "magic").write_bytes(b"\x12\x34" + data[2:])
    with pytest.raises(ValueError, match="magic number"):
        read_idx(tmp_path / "magic")
    (tmp_path / "tiny").write_bytes(b"\x00")
    with pytest.raises(ValueError, match="too short"):
        read_idx(tmp_path / "tiny")
    # images and labels that disagree in number
    _write_mnist(tmp_path, n=5)
    with gzip.open(tmp_path / "train-labels-idx1-ubyte.gz", "wb") as f:
        f.write(_idx_bytes(np.zeros(3, np.uint8)))
    with pytest.raises(ValueError, match="5 images but .* 3 labels"):
        load_mnist(tmp_path)


def test_load_digits_is_scaled_to_unit_interval():
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.min() == 0 and X.max() == 1
    assert load_digits(return_images=True)[0].shape == (1797, 8, 8)
