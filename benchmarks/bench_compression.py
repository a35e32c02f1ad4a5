"""Deep Compression of LeNet-300-100 on MNIST (Han, Mao & Dally 2016).

Protocol, fixed before any run:

- Data: MNIST scaled to [0, 1]; the first 50,000 training images train,
  the last 10,000 are the validation set on which every choice is made;
  the 10,000 test images are read once per reported row.
- Baseline: our ``MLPClassifier`` 784-300-100-10, ReLU, Adam (learning
  rate 1e-3 decayed by 0.9 per epoch), batches of 100, L2 1e-4, dropout
  0.2 on both hidden layers, 30 epochs, seed 0; cached under
  ``benchmarks/cache/``.
- Pruning: three levels of kept weights per layer, the paper's
  (8%, 9%, 26%) and that scaled by 0.7 and 0.5; six prune-retrain rounds
  of 2 epochs each (Adam at the baseline's 1e-3, constant; dropout kept at
  0.2), then 4 epochs at 1e-4 with the final mask; relative positions of
  5 bits.
- Weight sharing: 6, 5 or 4 bits per weight (all layers), linear
  initialisation, two epochs of centroid fine-tuning (Adam, 1e-4).

Two pilot runs were stopped before they read the test set (24 epochs at
a constant rate and 2 rounds of 3 epochs at 5e-4; then 3 rounds of 5
epochs at 2e-4 with dropout rescaled): their pruned networks stayed 0.5
points behind the baseline on validation. Retraining settings were then
compared on validation only, at the paper's level (validation error after
pruning): 3 rounds x 4 epochs at 5e-5 3.37%, at 3e-4 2.20%, at 1e-3
1.96%; with dropout unchanged instead of rescaled 1.84%; 6 rounds x 2
epochs 1.84%; 4 more epochs at a tenth of the rate gained 0.06-0.08.
The settings above combine the better ones.
- Stage table: the headline candidate, or if none is within 0.1 points,
  the candidate of lowest validation error among those of at least 40x.
- Huffman coding of indices and position gaps.
- The error-versus-ratio table has all nine (level, bits) candidates. The
  headline row is the candidate of highest storage ratio whose validation
  error is at most 0.1 points above the baseline's validation error; its
  stage table reports bytes, both ratios, test error and seconds per stage.
- The DBNClassifier 784-500-500-2000-10 row is not run here (see README).

Usage: ``python benchmarks/bench_compression.py [--epochs 30] [--no-write]``
with one BLAS thread (``OPENBLAS_NUM_THREADS=1``).
"""

import argparse
import pickle
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import markdown_table, mnist_split, write_section  # noqa: E402

from deepbelief import MLPClassifier  # noqa: E402
from deepbelief import compression as C  # noqa: E402
from deepbelief.nn.schedules import Exponential  # noqa: E402

CACHE = Path(__file__).with_name("cache")
PAPER_KEPT = (0.08, 0.09, 0.26)
LEVELS = (1.0, 0.7, 0.5)
BITS = (6, 5, 4)
INDEX_BITS = 5
ROUNDS, RETRAIN_EPOCHS, RETRAIN_LR = 6, 2, 1e-3
POLISH_EPOCHS, POLISH_LR = 4, 1e-4
FINETUNE_EPOCHS, FINETUNE_LR = 2, 1e-4


def error(model, X, y):
    return 100.0 * float(np.mean(model.predict(X) != y))


def baseline(X, y, epochs):
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"lenet300100-adam-exp0.9-drop0.2-{epochs}-{len(X)}-seed0.pkl"
    if path.exists():
        with open(path, "rb") as f:
            return pickle.load(f)
    t0 = time.perf_counter()
    clf = MLPClassifier((300, 100), activation="relu", solver="adam",
                        learning_rate_init=1e-3, learning_rate=Exponential(0.9),
                        batch_size=100, alpha=1e-4,
                        dropout=0.2, max_iter=epochs, random_state=0, verbose=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
    seconds = time.perf_counter() - t0
    with open(path, "wb") as f:
        pickle.dump((clf, seconds), f)
    return clf, seconds


def pruned(clf, X, y, level, epochs):
    path = CACHE / (f"lenet-pruned-{level}-{epochs}-{ROUNDS}x{RETRAIN_EPOCHS}-"
                    f"{RETRAIN_LR}-keepdrop-polish{POLISH_EPOCHS}.pkl")
    if path.exists():
        with open(path, "rb") as f:
            return pickle.load(f)
    sparsity = [1 - k * level for k in PAPER_KEPT]
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est, masks = C.prune(clf, X, y, sparsity=sparsity, n_rounds=ROUNDS,
                             retrain_epochs=RETRAIN_EPOCHS, learning_rate=RETRAIN_LR,
                             rescale_dropout=False)
        est, masks = C.prune(est, X, y, sparsity=sparsity, n_rounds=1,
                             retrain_epochs=POLISH_EPOCHS, learning_rate=POLISH_LR,
                             rescale_dropout=False)
    out = (est, masks, time.perf_counter() - t0)
    with open(path, "wb") as f:
        pickle.dump(out, f)
    return out


def predict_times(cm, X, repeats=5):
    """Median seconds of predict on X, decoding once (dense) and from the
    sparse positions (scipy CSR), interleaved."""
    times = {"dense": [], "sparse": []}
    for _ in range(repeats):
        for mode in ("dense", "sparse"):
            cm.mode = mode
            cm._cache = None
            cm.predict(X[:10])  # build the operators outside the timing
            t0 = time.perf_counter()
            cm.predict(X)
            times[mode].append(time.perf_counter() - t0)
    cm.mode = "dense"
    return {k: statistics.median(v) for k, v in times.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    X, y, Xv, yv = mnist_split(validation=10000)
    clf, base_seconds = baseline(X, y, args.epochs)
    base_val = error(clf, Xv, yv)
    dense_bytes = C._dense_nbytes(clf)
    print(f"baseline: validation error {base_val:.2f}%, {base_seconds:.0f} s", flush=True)

    candidates = []
    for level in LEVELS:
        est, masks, prune_s = pruned(clf, X, y, level, args.epochs)
        p_bytes = C.sparse_nbytes(est, masks, INDEX_BITS)
        p_val = error(est, Xv, yv)
        print(f"level {level}: kept {[round(float(m.mean()), 4) for m in masks]}, "
              f"validation error {p_val:.2f}%, {prune_s:.0f} s", flush=True)
        for bits in BITS:
            t0 = time.perf_counter()
            shared = C.share_weights(est, X, y, bits=bits, masks=masks,
                                     index_bits=INDEX_BITS,
                                     finetune_epochs=FINETUNE_EPOCHS,
                                     learning_rate=FINETUNE_LR, random_state=0)
            q_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            coded = C.huffman_code(shared)
            h_bytes = coded.nbytes
            h_s = time.perf_counter() - t0
            val = error(coded, Xv, yv)
            row = dict(level=level, bits=bits, est=est, masks=masks, shared=shared,
                       coded=coded, val=val, p_val=p_val, p_bytes=p_bytes,
                       prune_s=prune_s, q_s=q_s, h_s=h_s,
                       storage=dense_bytes / h_bytes,
                       params=coded.compression_ratio_["parameters"])
            candidates.append(row)
            print(f"  {bits} bits: {h_bytes} bytes, {row['storage']:.1f}x, "
                  f"validation error {val:.2f}%", flush=True)

    eligible = [c for c in candidates if c["val"] <= base_val + 0.1]
    if eligible:
        chosen = max(eligible, key=lambda c: c["storage"])
    else:
        wide = [c for c in candidates if c["storage"] >= 40]
        chosen = min(wide, key=lambda c: c["val"]) if wide else None

    # test set: once per reported row
    _, _, Xt, yt = mnist_split()
    base_test = error(clf, Xt, yt)
    curve = []
    for c in sorted(candidates, key=lambda c: c["storage"]):
        c["test"] = error(c["coded"], Xt, yt)
        curve.append([f"{100 * c['level'] * PAPER_KEPT[0]:.1f} / "
                      f"{100 * c['level'] * PAPER_KEPT[1]:.1f} / "
                      f"{100 * c['level'] * PAPER_KEPT[2]:.1f}", c["bits"],
                      f"{c['coded'].nbytes:,}", f"{c['storage']:.1f}x",
                      f"{c['params']:.1f}x", f"{c['val']:.2f}%", f"{c['test']:.2f}%"])
    lines = [
        "MNIST, LeNet-300-100 (784-300-100-10 ReLU) trained by us on the first "
        "50,000 training images (Adam 1e-3 decayed by 0.9 per epoch, batch 100, "
        "L2 1e-4, dropout 0.2, "
        f"{args.epochs} epochs, seed 0); choices on the last 10,000 (validation), "
        "test set read once per row. Pruning: kept fractions per layer as listed, "
        f"{ROUNDS} prune-retrain rounds of {RETRAIN_EPOCHS} epochs (Adam {RETRAIN_LR}, "
        f"dropout kept) then {POLISH_EPOCHS} epochs at {POLISH_LR}; k-means weight sharing with linear initialisation and "
        f"{FINETUNE_EPOCHS} epochs of centroid fine-tuning; Huffman coding of "
        f"indices and {INDEX_BITS}-bit position gaps. Storage ratio: dense float32 "
        "weights and biases over every byte of `to_bytes()` (header, codebooks, "
        "biases, code tables, bit streams); parameter ratio: weights / kept "
        "weights. 1 BLAS thread, shared machine: seconds are indicative.",
        "",
        f"Baseline: {dense_bytes:,} bytes, validation error {base_val:.2f}%, test "
        f"error {base_test:.2f}%, {base_seconds:.0f} s to train. Published (Han et "
        "al. 2016): 1070 KB to 27 KB, 40x, 1.64% to 1.58%.",
        "",
    ]
    if chosen is not None:
        c = chosen
        p_test = error(c["est"], Xt, yt)
        q_test = error(c["shared"], Xt, yt)
        rows = [
            ["dense", f"{dense_bytes:,}", "1.0x", "1.0x", f"{base_test:.2f}%",
             f"{base_seconds:.0f}"],
            ["pruned", f"{c['p_bytes']:,}", f"{dense_bytes / c['p_bytes']:.1f}x",
             f"{c['params']:.1f}x", f"{p_test:.2f}%", f"{c['prune_s']:.0f}"],
            [f"quantised ({c['bits']} bits)", f"{c['shared'].nbytes:,}",
             f"{dense_bytes / c['shared'].nbytes:.1f}x", f"{c['params']:.1f}x",
             f"{q_test:.2f}%", f"{c['q_s']:.0f}"],
            ["Huffman", f"{c['coded'].nbytes:,}", f"{c['storage']:.1f}x",
             f"{c['params']:.1f}x", f"{c['test']:.2f}%", f"{c['h_s']:.2f}"],
        ]
        lines += [
            ("Chosen on validation (highest storage ratio within 0.1 points of the "
             "baseline's validation error)" if eligible else
             "No candidate came within 0.1 points of the baseline on validation; "
             "shown: the lowest validation error among those of at least 40x") +
            f": kept {100 * c['level'] * PAPER_KEPT[0]:.1f}"
            f"% / {100 * c['level'] * PAPER_KEPT[1]:.1f}% / "
            f"{100 * c['level'] * PAPER_KEPT[2]:.1f}%, {c['bits']} bits.", "",
            markdown_table(["stage", "bytes", "storage ratio", "parameter ratio",
                            "test error", "seconds"], rows), "",
            markdown_table(["layer", "kept", "bits", "index bytes", "position bytes",
                            "codebook bytes", "table + bias bytes"],
                           [[f"{r['shape'][0]}x{r['shape'][1]}",
                             f"{100 * r['kept_fraction']:.1f}%", r["bits"],
                             f"{r['weight_bytes']:,}", f"{r['index_bytes']:,}",
                             r["codebook_bytes"], r["table_bytes"] + r["bias_bytes"]]
                            for r in c["coded"].report()]), "",
        ]
        t = predict_times(c["coded"], Xt)
        lines += [f"Prediction on the 10,000 test images (median of 5, interleaved): "
                  f"decoded once to dense float32 {1000 * t['dense']:.1f} ms, from the "
                  f"sparse positions (scipy CSR) {1000 * t['sparse']:.1f} ms.", ""]
    else:
        lines += ["No candidate came within 0.1 points of the baseline on validation.",
                  ""]
    lines += ["Error versus ratio (all candidates):", "",
              markdown_table(["kept % per layer", "bits", "bytes", "storage ratio",
                              "parameter ratio", "validation error", "test error"],
                             curve)]
    body = "\n".join(lines)
    print(body, flush=True)
    if not args.no_write:
        write_section("bench_compression", body)


if __name__ == "__main__":
    main()
