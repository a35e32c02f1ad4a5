"""The helpers every estimator shares: chunked inference and the one
random-generator resolver."""

import numpy as np
import pytest
import scipy.sparse as sp

from deepbelief import Autoencoder, BernoulliRBM, MLPClassifier
from deepbelief import training
from deepbelief.augmentation import GaussianNoise, RandomShift
from deepbelief.training import CHUNK_ROWS, make_generator, row_chunks


@pytest.mark.parametrize("chunk_rows", [1, 7, 60, 1000])
@pytest.mark.parametrize("sparse", [False, True])
def test_row_chunks_cover_the_rows_in_order(small_data, chunk_rows, sparse):
    X, _ = small_data
    given = sp.csr_matrix(X) if sparse else np.asfortranarray(X)
    seen = []
    for rows, block in row_chunks(given, chunk_rows, dtype=np.float32):
        assert isinstance(block, np.ndarray) and block.flags.c_contiguous
        assert block.dtype == np.float32 and 1 <= block.shape[0] <= chunk_rows
        np.testing.assert_array_equal(block, X[rows].astype(np.float32))
        seen.append(rows)
    assert [r.start for r in seen] == list(range(0, 60, chunk_rows))
    assert seen[-1].stop == 60
    assert [r.stop for r in seen[:-1]] == [r.start for r in seen[1:]]


def test_row_chunks_default_to_chunk_rows(small_data):
    X, _ = small_data
    assert next(row_chunks(X))[1].shape[0] == min(60, CHUNK_ROWS)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_estimators_give_the_same_outputs_in_chunks_as_at_once(unit_digits, monkeypatch):
    X, y = unit_digits[0][:200].copy(), unit_digits[1][:200]
    models = [BernoulliRBM(8, n_iter=1, random_state=0).fit(X),
              Autoencoder(6, n_iter=1, random_state=0).fit(X),
              MLPClassifier((6,), max_iter=2, random_state=0).fit(X, y)]
    whole = [models[0].transform(X), models[1].transform(X), models[2].predict_proba(X)]
    monkeypatch.setattr(training, "CHUNK_ROWS", 13)
    chunked = [models[0].transform(X), models[1].transform(X)]
    for got, expected in zip(chunked, whole):
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)
    proba = models[2]._build_network(models[2].coefs_[0].dtype).predict(X, chunk_size=13)
    np.testing.assert_allclose(proba, whole[2], rtol=1e-6, atol=1e-7)


def test_make_generator_inputs():
    g = np.random.default_rng(1)
    assert make_generator(g) is g
    # an int gives the stream scikit-learn's check_random_state seeds
    expected = np.random.default_rng(np.random.RandomState(3).randint(0, 2**31 - 1, size=4))
    np.testing.assert_array_equal(make_generator(3).random(5), expected.random(5))
    np.testing.assert_array_equal(make_generator(np.int64(3)).random(5),
                                  make_generator(3).random(5))
    # a RandomState is advanced, so two calls differ
    rs = np.random.RandomState(0)
    assert make_generator(rs).random() != make_generator(rs).random()
    seq = np.random.SeedSequence(5)
    np.testing.assert_array_equal(make_generator(seq).random(3),
                                  np.random.default_rng(np.random.SeedSequence(5)).random(3))
    np.random.seed(2)
    a = make_generator(None).random()
    np.random.seed(2)
    assert make_generator(None).random() == a


@pytest.mark.parametrize("bad", [True, 1.5, "seed", [1, 2]])
def test_make_generator_rejects_other_types(bad):
    with pytest.raises(TypeError, match=r"random_state must be None, an int, or a numpy "
                                        r"RandomState, Generator or SeedSequence; got"):
        make_generator(bad)


def test_make_generator_rejects_out_of_range_ints():
    with pytest.raises(ValueError, match=r"random_state must be an int in \[0, 2\*\*32\); "
                                         r"got -1\."):
        make_generator(-1)


@pytest.mark.filterwarnings("ignore::deepbelief.training.DegenerateFitWarning")
def test_estimators_and_augmenters_accept_the_same_random_states(small_data):
    X, _ = small_data
    images = np.random.default_rng(0).random((4, 16))
    for random_state in (None, 4, np.random.RandomState(4), np.random.default_rng(4),
                         np.random.SeedSequence(4)):
        BernoulliRBM(3, n_iter=1, random_state=random_state).fit(X)
        RandomShift((4, 4), random_state=random_state)(images)
        GaussianNoise(std=0.1)(images, random_state=random_state)
    for bad in (True, "seed"):
        with pytest.raises(TypeError, match="random_state must be"):
            BernoulliRBM(3, n_iter=1, random_state=bad).fit(X)
        with pytest.raises(TypeError, match="random_state must be"):
            RandomShift((4, 4), random_state=bad)(images)
