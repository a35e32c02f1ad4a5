"""Tests of deepbelief.compression: pruning, weight sharing, Huffman coding
and the compressed model."""

import copy
import itertools
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError

from deepbelief import DBN, DBNClassifier, DeepAutoencoder, MLPClassifier, MLPRegressor
from deepbelief import compression as C


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X[:600] / 16).astype(np.float32), y[:600]


@pytest.fixture(scope="module")
def clf(digits):
    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return MLPClassifier((24,), max_iter=15, random_state=0).fit(X, y)


def small_data(n=120, d=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(int) + (X[:, 3] > 1)
    return X, y


# ----------------------------------------------------------------------
# Huffman

def kraft_sum(lengths):
    return sum(2.0 ** -l for l in lengths if l > 0)


def is_prefix_free(codes, lengths):
    words = [format(int(c), f"0{int(l)}b") for c, l in zip(codes, lengths) if l > 0]
    return not any(a != b and b.startswith(a) for a in words for b in words)


def brute_force_optimum(counts):
    """Least total code length over every length vector satisfying Kraft's
    inequality (any such vector has a prefix code)."""
    n = len(counts)
    best = math.inf
    for lengths in itertools.product(range(1, n), repeat=n):
        if kraft_sum(lengths) <= 1:
            best = min(best, sum(c * l for c, l in zip(counts, lengths)))
    return best


@pytest.mark.parametrize("counts", [[5, 1], [1, 1, 1], [10, 3, 3, 1], [4, 4, 2, 1, 1],
                                    [1, 2, 3, 5, 8]])
def test_huffman_lengths_optimal_by_enumeration(counts):
    lengths = C.huffman_code_lengths(counts)
    assert sum(c * l for c, l in zip(counts, lengths)) == brute_force_optimum(counts)


def test_huffman_dyadic_distribution_meets_entropy():
    counts = [32, 16, 8, 4, 2, 1, 1]
    lengths = C.huffman_code_lengths(counts)
    np.testing.assert_array_equal(lengths, [1, 2, 3, 4, 5, 6, 6])


@given(st.lists(st.integers(0, 50), min_size=1, max_size=40))
@settings(max_examples=60, deadline=None)
def test_canonical_codes_prefix_free_and_complete(counts):
    lengths = C.huffman_code_lengths(counts)
    codes = C.canonical_codes(lengths)
    assert is_prefix_free(codes, lengths)
    n_present = sum(c > 0 for c in counts)
    if n_present >= 2:
        assert kraft_sum(lengths) == pytest.approx(1.0)
    assert all((l > 0) == (c > 0) for l, c in zip(lengths, counts))


def roundtrip(symbols, n_alphabet):
    symbols = np.asarray(symbols, dtype=np.int64)
    lengths = C.huffman_code_lengths(np.bincount(symbols, minlength=n_alphabet))
    data, n_bits = C.huffman_encode(symbols, lengths)
    assert n_bits == int(lengths[symbols].sum())
    assert len(data) == (n_bits + 7) // 8
    return C.huffman_decode(data, n_bits, len(symbols), lengths)


@given(st.lists(st.integers(0, 20), min_size=0, max_size=300))
@settings(max_examples=80, deadline=None)
def test_huffman_roundtrip_random(symbols):
    np.testing.assert_array_equal(roundtrip(symbols, 21), symbols)


@given(st.integers(1, 200), st.integers(0, 9))
@settings(max_examples=20, deadline=None)
def test_huffman_roundtrip_one_symbol(n, s):
    np.testing.assert_array_equal(roundtrip([s] * n, 10), [s] * n)


def test_huffman_roundtrip_all_distinct_and_skewed():
    rng = np.random.default_rng(0)
    distinct = rng.permutation(257)
    np.testing.assert_array_equal(roundtrip(distinct, 257), distinct)
    # Fibonacci counts give the longest codes Huffman can make
    fib = [1, 1]
    while len(fib) < 25:
        fib.append(fib[-1] + fib[-2])
    skew = np.repeat(np.arange(25), [f // 50 + 1 for f in fib])
    skew = skew[rng.permutation(len(skew))]
    np.testing.assert_array_equal(roundtrip(skew, 25), skew)
    lengths = C.huffman_code_lengths(fib)
    assert lengths.max() == 24


# ----------------------------------------------------------------------
# sparse positions

def test_positions_fillers_for_wide_gaps():
    gaps, fill = C.encode_positions([0, 40, 41, 200], index_bits=5)
    # gaps 1, 40 = 32 + 8, 1, 159 = 4 * 32 + 31
    np.testing.assert_array_equal(gaps + 1, [1, 32, 8, 1, 32, 32, 32, 32, 31])
    np.testing.assert_array_equal(fill, [0, 1, 0, 0, 1, 1, 1, 1, 0])
    np.testing.assert_array_equal(C.decode_positions(gaps, fill), [0, 40, 41, 200])


@given(st.sets(st.integers(0, 3000), max_size=200), st.integers(1, 8))
@settings(max_examples=40, deadline=None)
def test_positions_roundtrip(positions, index_bits):
    positions = np.array(sorted(positions), dtype=np.int64)
    gaps, fill = C.encode_positions(positions, index_bits)
    assert gaps.min(initial=0) >= 0 and gaps.max(initial=0) < 2 ** index_bits
    np.testing.assert_array_equal(C.decode_positions(gaps, fill), positions)


# ----------------------------------------------------------------------
# pruning

SOLVERS = [dict(solver="sgd", momentum=0.9, nesterovs_momentum=False),
           dict(solver="sgd", momentum=0.9, nesterovs_momentum=True),
           dict(solver="adam"), dict(solver="adagrad"), dict(solver="rmsprop"),
           dict(solver="adam", dropout=0.5, input_dropout=0.2, max_norm=1.0,
                alpha=0.01, l1=0.01)]


@pytest.mark.parametrize("params", SOLVERS)
def test_pruned_weights_stay_zero_through_retraining(params):
    X, y = small_data()
    model = MLPClassifier((12, 8), max_iter=5, learning_rate_init=0.01,
                          random_state=0, **params).fit(X, y)
    pruned, masks = C.prune(model, X, y, sparsity=[0.6, 0.5, 0.3], n_rounds=2,
                            retrain_epochs=3)
    for W0, W, keep in zip(model.coefs_, pruned.coefs_, masks):
        assert np.all(W[~keep] == 0)
        assert keep.sum() == W.size - round(W.size * {6: 0.6, 12: 0.5, 8: 0.3}[
            W.shape[0]])
        # the kept weights were retrained, not just copied
        assert not np.array_equal(W[keep], W0[keep])
    # the model's own parameters are restored, the hook removed
    assert pruned.get_params() == model.get_params()
    assert not hasattr(pruned, "_weight_masks")


def test_prune_keeps_largest_magnitudes(clf, digits):
    X, y = digits
    pruned, masks = C.prune(clf, X, y, sparsity=0.7, retrain_epochs=0)
    for W, keep in zip(clf.coefs_, masks):
        a = np.abs(W)
        assert a[keep].min() >= a[~keep].max()
        assert keep.sum() == W.size - round(0.7 * W.size)
    for W, keep in zip(pruned.coefs_, masks):
        np.testing.assert_array_equal(W != 0, keep)


def test_prune_quality_threshold(clf, digits):
    X, y = digits
    _, masks = C.prune(clf, X, y, quality=1.0, retrain_epochs=0)
    for W, keep in zip(clf.coefs_, masks):
        expected = np.abs(W) >= np.std(W)
        assert abs(int(keep.sum()) - int(expected.sum())) <= 1


def test_prune_does_not_modify_the_model(clf, digits):
    X, y = digits
    before = [W.copy() for W in clf.coefs_]
    C.prune(clf, X, y, sparsity=0.5, retrain_epochs=1)
    for W, B in zip(clf.coefs_, before):
        np.testing.assert_array_equal(W, B)


# ----------------------------------------------------------------------
# weight sharing

def test_kmeans_centroids_and_nearest_assignment():
    rng = np.random.default_rng(1)
    w = rng.normal(size=2000)
    for k in (1, 2, 7, 32):
        c, labels = C.kmeans_1d(w, k)
        assert len(c) == k
        brute = np.argmin(np.abs(w[:, None] - c[None, :]), axis=1)
        np.testing.assert_array_equal(labels, brute)
        # Lloyd's fixed point: each centroid is the mean of its members
        for j in range(k):
            assert c[j] == pytest.approx(w[labels == j].mean(), abs=1e-6)


def test_kmeans_fewer_distinct_values_than_clusters():
    c, labels = C.kmeans_1d([0.5, -1.0, 0.5, 2.0], 8)
    np.testing.assert_array_equal(c, [-1.0, 0.5, 2.0])
    np.testing.assert_array_equal(c[labels], [0.5, -1.0, 0.5, 2.0])


def test_share_weights_cluster_count_per_layer(clf, digits):
    X, y = digits
    pruned, masks = C.prune(clf, X, y, sparsity=0.5, retrain_epochs=0)
    cm = C.share_weights(pruned, bits=[3, 2], masks=masks)
    assert [len(layer.codebook) for layer in cm.layers] == [8, 4]
    for layer, keep in zip(cm.layers, masks):
        np.testing.assert_array_equal(layer.positions, np.flatnonzero(keep))


def test_centroid_gradient_matches_finite_differences():
    X, y = small_data(60, 5)
    model = MLPClassifier((7,), max_iter=3, random_state=0, dtype="float64",
                          activation="tanh").fit(X, y)
    cm = C.share_weights(model, bits=2)
    net, Xc, Y, dense_idx = C._training_network(copy.deepcopy(model), X, y)
    layers = [net.layers[i] for i in dense_idx]

    def set_weights(codebooks):
        for dense, layer, c in zip(layers, cm.layers, codebooks):
            dense.W[...] = 0
            dense.W.ravel()[layer.positions] = c[layer.labels]

    def loss(codebooks):
        set_weights(codebooks)
        net.allocate(len(Xc), Xc.dtype)
        Z = net.forward(Xc).copy()
        total, _ = net.loss.delta(Z, Y, 1.0)
        return total / len(Xc)

    base = [layer.codebook.astype(np.float64) for layer in cm.layers]
    set_weights(base)
    net.allocate(len(Xc), Xc.dtype)
    net.train_batch(Xc, Y)
    for li, (dense, layer) in enumerate(zip(layers, cm.layers)):
        g = C.centroid_gradients(dense.grads[0], layer.positions, layer.labels,
                                 len(layer.codebook))
        for k in range(len(layer.codebook)):
            eps = 1e-6
            up = [c.copy() for c in base]
            down = [c.copy() for c in base]
            up[li][k] += eps
            down[li][k] -= eps
            fd = (loss(up) - loss(down)) / (2 * eps)
            assert g[k] == pytest.approx(fd, rel=1e-4, abs=1e-7)
        set_weights(base)
        net.allocate(len(Xc), Xc.dtype)
        net.train_batch(Xc, Y)


def test_centroid_finetuning_lowers_the_loss(clf, digits):
    X, y = digits
    pruned, masks = C.prune(clf, X, y, sparsity=0.8, retrain_epochs=0)
    plain = C.share_weights(pruned, bits=2, masks=masks)
    tuned = C.share_weights(pruned, X, y, bits=2, masks=masks, finetune_epochs=5,
                            learning_rate=1e-3, random_state=0)

    def nll(cm):
        P = cm.predict_proba(X)
        return -np.mean(np.log(P[np.arange(len(y)), y] + 1e-12))

    assert nll(tuned) < nll(plain)
    for a, b in zip(plain.layers, tuned.layers):
        np.testing.assert_array_equal(a.labels, b.labels)


# ----------------------------------------------------------------------
# the compressed model

def rebuilt(model, cm):
    dense = copy.deepcopy(model)
    for i, (W, b) in enumerate(cm.weights()):
        dense.coefs_[i][...] = W
        dense.intercepts_[i][...] = b
    return dense


def test_compressed_classifier_predicts_like_rebuilt_dense(clf, digits):
    X, y = digits
    cm = C.compress(clf, X, y, sparsity=0.7, bits=4, retrain_epochs=2,
                    finetune_epochs=1, random_state=0)
    dense = rebuilt(clf, cm)
    np.testing.assert_allclose(cm.predict_proba(X), dense.predict_proba(X), rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_array_equal(cm.predict(X), dense.predict(X))
    assert cm.score(X, y) == dense.score(X, y)
    cm.mode = "sparse"
    np.testing.assert_allclose(cm.predict_proba(X), dense.predict_proba(X), rtol=1e-4,
                               atol=1e-6)
    assert [s["stage"] for s in cm.stages_] == ["dense", "pruned", "quantised", "huffman"]
    ratio = cm.compression_ratio_
    n_w = sum(W.size for W in clf.coefs_)
    n_kept = sum(len(layer.positions) for layer in cm.layers)
    assert ratio["parameters"] == pytest.approx(n_w / n_kept)
    dense_bytes = 4 * sum(W.size + b.size for W, b in zip(clf.coefs_, clf.intercepts_))
    assert ratio["storage"] == pytest.approx(dense_bytes / len(cm.to_bytes()))


@pytest.mark.parametrize("coding", ["fixed", "huffman"])
def test_bytes_roundtrip_predicts_identically(clf, digits, coding):
    X, y = digits
    pruned, masks = C.prune(clf, X, y, sparsity=0.95, retrain_epochs=0)
    cm = C.share_weights(pruned, bits=3, masks=masks, index_bits=3)  # fillers needed
    if coding == "huffman":
        cm = C.huffman_code(cm)
    data = cm.to_bytes()
    assert cm.nbytes == len(data)
    back = C.CompressedModel.from_bytes(data)
    np.testing.assert_array_equal(back.predict_proba(X), cm.predict_proba(X))
    np.testing.assert_array_equal(back.predict(X), cm.predict(X))
    for a, b in zip(cm.layers, back.layers):
        np.testing.assert_array_equal(a.positions, b.positions)
        np.testing.assert_array_equal(a.labels, b.labels)
        assert len(a.codebook) <= 2 ** 3
    assert back.to_bytes() == data


def test_huffman_is_smaller_than_fixed(clf, digits):
    X, y = digits
    pruned, masks = C.prune(clf, X, y, sparsity=0.8, retrain_epochs=0)
    fixed = C.share_weights(pruned, bits=5, masks=masks)
    coded = C.huffman_code(fixed)
    # fixed-width words are a prefix code too: Huffman's streams are no longer
    for f, h in zip(fixed._streams, coded._streams):
        assert h["lab"][1] <= f["lab"][1] and h["gap"][1] <= f["gap"][1]
    assert coded.nbytes < fixed.nbytes or sum(
        h["lab"][1] + h["gap"][1] for h in coded._streams) < sum(
        f["lab"][1] + f["gap"][1] for f in fixed._streams)
    for row in fixed.report():
        assert row["kept"] == round(row["kept_fraction"] * row["shape"][0] * row["shape"][1])


def test_regressor_binary_and_dbn_models():
    X, y = small_data(150, 6)
    reg = MLPRegressor((10,), max_iter=20, random_state=0).fit(X, X[:, 0] - X[:, 1])
    cm = C.compress(reg, X, X[:, 0] - X[:, 1], sparsity=0.5, bits=5, retrain_epochs=1,
                    finetune_epochs=1, random_state=0)
    np.testing.assert_allclose(cm.predict(X), rebuilt(reg, cm).predict(X), rtol=1e-5,
                               atol=1e-5)
    assert cm.predict(X).shape == (150,)
    assert math.isfinite(cm.score(X, X[:, 0] - X[:, 1]))

    yb = np.where(y > 0, "yes", "no")
    binary = MLPClassifier((10,), max_iter=20, random_state=0).fit(X, yb)
    cm = C.CompressedModel.from_bytes(
        C.compress(binary, X, yb, sparsity=0.5, bits=4, retrain_epochs=1,
                   random_state=0).to_bytes())
    dense = rebuilt(binary, cm)
    np.testing.assert_array_equal(cm.predict(X), dense.predict(X))
    np.testing.assert_allclose(cm.predict_proba(X), dense.predict_proba(X), rtol=1e-5,
                               atol=1e-6)

    dbn = DBNClassifier((8,), max_iter=5, random_state=0,
                        pretrainer=DBN((8,), n_iter=2, random_state=0)).fit(X, y)
    cm = C.compress(dbn, X, y, sparsity=0.5, bits=4, retrain_epochs=1, random_state=0)
    dense = rebuilt(dbn, cm)
    np.testing.assert_array_equal(cm.predict(X), dense.predict(X))


def test_deep_autoencoder_encoder(digits):
    X, _ = digits
    dae = DeepAutoencoder((16, 4), max_iter=1, random_state=0).fit(X)
    cm = C.compress(dae, X, sparsity=0.6, bits=5, retrain_epochs=1, finetune_epochs=1,
                    random_state=0)
    assert len(cm.layers) == 2
    dense = copy.deepcopy(dae)
    for i, (W, b) in enumerate(cm.weights()):
        dense.coefs_[i][...] = W
        dense.intercepts_[i][...] = b
    np.testing.assert_allclose(cm.transform(X), dense.transform(X), rtol=1e-4,
                               atol=1e-5)
    back = C.CompressedModel.from_bytes(cm.to_bytes())
    np.testing.assert_array_equal(back.transform(X), cm.transform(X))
    with pytest.raises(AttributeError, match="predict"):
        cm.predict(X)


# ----------------------------------------------------------------------
# bad input

def test_errors(clf, digits):
    X, y = digits
    with pytest.raises(NotFittedError):
        C.compress(MLPClassifier(), X, y)
    with pytest.raises(TypeError, match="model must be"):
        C.prune(object(), X, y, sparsity=0.5)
    for bad in (1.0, -0.1, 1.5):
        with pytest.raises(ValueError, match=r"sparsity must be in \[0, 1\); got"):
            C.prune(clf, X, y, sparsity=bad)
    with pytest.raises(ValueError, match="sparsity must be one value or a list"):
        C.prune(clf, X, y, sparsity=[0.5, 0.5, 0.5])
    with pytest.raises(ValueError, match="exactly one of sparsity and quality"):
        C.prune(clf, X, y, sparsity=0.5, quality=1.0)
    for bad in (0, 17):
        with pytest.raises(ValueError, match=r"bits must be in \[1, 16\]; got"):
            C.share_weights(clf, bits=bad)
    with pytest.raises(TypeError, match="bits must be an integer"):
        C.share_weights(clf, bits=2.5)
    with pytest.raises(ValueError, match=r"index_bits must be in \[1, 16\]"):
        C.share_weights(clf, index_bits=0)
    with pytest.raises(ValueError, match="X must be given"):
        C.share_weights(clf, finetune_epochs=1)
    with pytest.raises(ValueError, match="bad magic"):
        C.CompressedModel.from_bytes(b"nope" + bytes(20))
    cm = C.share_weights(clf, bits=2)
    with pytest.raises(ValueError, match="X must have 64 features"):
        cm.predict(X[:, :10])
    with pytest.raises(AttributeError, match="transform"):
        cm.transform(X)


def test_persistence_save_load(clf, digits, tmp_path):
    from deepbelief import persistence

    X, _ = digits
    cm = C.huffman_code(C.share_weights(clf, bits=3))
    for mode in ("dense", "sparse"):
        cm.mode = mode
        cm.predict(X[:5])  # fills the operator cache, which is saved too
        persistence.save(cm, tmp_path / "cm.npz")
        back = persistence.load(tmp_path / "cm.npz")
        np.testing.assert_array_equal(back.predict_proba(X), cm.predict_proba(X))
        assert back.to_bytes() == cm.to_bytes()


@pytest.mark.parametrize("rescale", [True, False])
def test_retraining_rescales_dropout(monkeypatch, rescale):
    X, y = small_data()
    model = MLPClassifier((12, 8), max_iter=3, dropout=[0.5, 0.4], input_dropout=0.2,
                          random_state=0).fit(X, y)
    seen = []
    original = MLPClassifier._fit

    def spy(self, *args, **kwargs):
        seen.append((list(self.dropout), self.input_dropout, self.learning_rate))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(MLPClassifier, "_fit", spy)
    pruned, masks = C.prune(model, X, y, sparsity=[0.75, 0.75, 0.0], retrain_epochs=1,
                            rescale_dropout=rescale)
    drop, inp, lr = seen[0]
    if rescale:  # p * sqrt(kept fraction of the layer producing the units)
        np.testing.assert_allclose(drop, [0.5 * 0.5, 0.4 * 0.5], rtol=1e-12)
        assert inp == pytest.approx(0.2 * 0.5, rel=1e-3)
    else:
        assert drop == [0.5, 0.4] and inp == 0.2
    assert lr == "constant"
    assert pruned.dropout == [0.5, 0.4] and pruned.input_dropout == 0.2


def test_verbose_compression_reports_each_stage_and_changes_nothing(clf, digits, capsys):
    from deepbelief import compress
    X, y = digits
    kw = dict(sparsity=0.5, bits=3, n_rounds=2, retrain_epochs=1, finetune_epochs=1,
              random_state=0)
    quiet = compress(clf, X, y, **kw)
    assert capsys.readouterr().out == ""
    loud = compress(clf, X, y, verbose=True, **kw)
    out = capsys.readouterr().out
    assert "[prune] round 1 of 2" in out and "[prune] round 2 of 2" in out
    assert "Iteration 1, loss" in out and "[centroid fine-tuning] Iteration 1" in out
    np.testing.assert_array_equal(quiet.predict_proba(X), loud.predict_proba(X))
