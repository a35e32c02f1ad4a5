"""Deep Compression of a fine-tuned DBN: pruning, weight sharing, Huffman codes.

Shows ``deepbelief.compression`` on a ``DBNClassifier``: each stage alone,
then all three in one call. ``prune`` removes the smallest weights of each
layer and retrains the rest (the pruned weights held at zero);
``share_weights`` replaces each layer's surviving weights by ``2**bits``
shared values found by k-means; ``huffman_code`` codes the cluster indices
and the gaps between kept positions with Huffman codes; ``compress`` runs
the three, and its ``CompressedModel`` predicts, reports its size per layer
and writes itself to bytes (no pickle).

Prints the network's size and test error; a table over pruned fractions of
the test error without and with retraining, and the bytes and test error
after weight sharing (4 bits) and Huffman coding; the test error by bits
per shared value at one sparsity; the per-layer report of ``compress``
with its stages (the codebook column includes the Huffman tables); and whether the model read back from its bytes predicts
exactly as before. Writes ``compression.png``: test error against storage
ratio (dense float32 bytes over compressed bytes) for pruning alone and for
the full pipeline.

Usage: python examples/10_compression.py [--quick] [--mnist DIR] [--out DIR]
"""

import warnings

import numpy as np
from _common import load_data, parse_args, pyplot, save, timed
from sklearn.exceptions import ConvergenceWarning

from deepbelief import DBNClassifier
from deepbelief.compression import (CompressedModel, compress, huffman_code, prune,
                                    share_weights, sparse_nbytes)


def main(argv=None):
    args = parse_args(__doc__, argv)
    if args.mnist:
        n_train, n_test = (5000, 2000) if args.quick else (60000, 10000)
        sizes, max_iter = ((300, 100), 10) if args.quick else ((300, 100), 30)
    else:
        n_train = n_test = None
        sizes, max_iter = (128, 64), 100
    X_train, X_test, y_train, y_test, _ = load_data(args, n_train=n_train, n_test=n_test)
    sparsities = [0.5, 0.8, 0.9, 0.95] if args.quick else [0.5, 0.7, 0.8, 0.9, 0.95, 0.97]
    timing = {}
    with timed(timing, "fit"), warnings.catch_warnings():
        # on MNIST max_iter is a time budget, not convergence
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = DBNClassifier(sizes, max_iter=max_iter, learning_rate_init=0.1,
                            random_state=0).fit(X_train, y_train)
    base_error = 1 - clf.score(X_test, y_test)
    n_weights = sum(W.size for W in clf.coefs_)
    print(f"DBNClassifier{sizes}: {n_weights:,} weights, test error {base_error:.4f}, "
          f"fitted in {timing['fit']:.1f} s")

    print(f"\n{'pruned':>7}{'no retraining':>15}{'retrained':>11}{'sparse bytes':>14}"
          f"{'+ 4-bit sharing':>17}{'+ Huffman':>11}{'ratio':>8}{'error':>8}")
    rows = []
    for s in sparsities:
        bare, _ = prune(clf, X_train, y_train, sparsity=s, retrain_epochs=0)
        pruned, masks = prune(clf, X_train, y_train, sparsity=s, retrain_epochs=5)
        shared = share_weights(pruned, X_train, y_train, bits=4, masks=masks,
                               finetune_epochs=2, random_state=0)
        coded = huffman_code(shared)
        dense = coded.dense_nbytes
        row = dict(sparsity=s, bare=1 - bare.score(X_test, y_test),
                   pruned=1 - pruned.score(X_test, y_test),
                   pruned_ratio=dense / sparse_nbytes(pruned, masks),
                   sparse=sparse_nbytes(pruned, masks), shared=shared.nbytes,
                   coded=coded.nbytes, ratio=coded.compression_ratio_["storage"],
                   error=1 - coded.score(X_test, y_test))
        rows.append(row)
        print(f"{s:>7.0%}{row['bare']:>15.4f}{row['pruned']:>11.4f}{row['sparse']:>14,}"
              f"{row['shared']:>17,}{row['coded']:>11,}{row['ratio']:>7.1f}x"
              f"{row['error']:>8.4f}")
    print(f"(dense float32 model: {dense:,} bytes)")

    pruned, masks = prune(clf, X_train, y_train, sparsity=0.9)
    print("\nbits per shared value at 90% pruned (2**bits values per layer):")
    for bits in (1, 2, 3, 4, 5):
        shared = share_weights(pruned, bits=bits, masks=masks)
        print(f"  {bits} bit{'s' if bits > 1 else ' '}: test error {1 - shared.score(X_test, y_test):.4f}, "
              f"{huffman_code(shared).nbytes:,} bytes")

    with timed(timing, "compress"):
        small = compress(clf, X_train, y_train, sparsity=0.9, bits=4, random_state=0)
    print(f"\ncompress(clf, X, y, sparsity=0.9, bits=4) in {timing['compress']:.1f} s:")
    for stage in small.stages_:
        print(f"  {stage['stage']:<10}{stage['nbytes']:>10,} bytes {stage['storage']:>7.1f}x")
    print(f"  {'layer':<12}{'kept':>12}{'bits':>5}{'weights':>9}{'positions':>10}"
          f"{'codebook':>9}{'biases':>7}  (bytes)")
    for layer in small.report():
        shape = "x".join(map(str, layer["shape"]))
        kept = f"{layer['kept']} ({layer['kept_fraction']:.0%})"
        print(f"  {shape:<12}{kept:>12}{layer['bits']:>5}{layer['weight_bytes']:>9}"
              f"{layer['index_bytes']:>10}{layer['codebook_bytes'] + layer['table_bytes']:>9}"
              f"{layer['bias_bytes']:>7}")
    blob = small.to_bytes()
    again = CompressedModel.from_bytes(blob)
    same = bool(np.array_equal(again.predict_proba(X_test), small.predict_proba(X_test)))
    print(f"{len(blob):,} bytes written; the model read back predicts the same: {same}")

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 3.6), layout="constrained")
    ax.plot([r["pruned_ratio"] for r in rows], [r["pruned"] for r in rows], marker="o",
            label="pruned and retrained")
    ax.plot([r["ratio"] for r in rows], [r["error"] for r in rows], marker="s",
            label="+ 4-bit sharing + Huffman")
    for r in rows:
        for x, y in ((r["pruned_ratio"], r["pruned"]), (r["ratio"], r["error"])):
            ax.annotate(f"{r['sparsity']:.0%}", (x, y), fontsize=7,
                        textcoords="offset points", xytext=(3, -9))
    ax.axhline(base_error, color="grey", linestyle="--", linewidth=1, label="dense")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ticks = [t for t in (1, 2, 5, 10, 20, 50, 100) if t <= 1.5 * rows[-1]["ratio"]]
    ax.set_xticks(ticks, [f"{t}x" for t in ticks])
    ax.xaxis.set_minor_formatter(plt.NullFormatter())
    errors = [e for r in rows for e in (r["pruned"], r["error"])] + [base_error]
    yticks = [t for t in (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
              if min(errors) / 2 <= t <= 2 * max(errors)]
    ax.set_yticks(yticks, [f"{t:g}" for t in yticks])
    ax.yaxis.set_minor_formatter(plt.NullFormatter())
    ax.set_xlabel("storage ratio (dense bytes / compressed bytes)")
    ax.set_ylabel("test error")
    ax.set_title(f"DBNClassifier{sizes}: error against compression", fontsize=10)
    ax.legend(fontsize=8)
    save(fig, args, "compression.png")
    return rows


if __name__ == "__main__":
    main()
