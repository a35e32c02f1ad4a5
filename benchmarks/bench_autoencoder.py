"""Autoencoder benchmarks on MNIST.

Rows:

- stacked denoising autoencoder, 3 hidden layers of 1000 logistic units
  (masking noise 0.1, 0.2, 0.3), pretrained greedily, then fine-tuned as a
  classifier by backpropagation: test error (deeplearning.net SdA
  tutorial: 1.3%);
- deep autoencoder 784-1000-500-250-30 unrolled from a DBN (linear code
  layer) and fine-tuned on reconstruction: squared reconstruction error per
  test image (Hinton & Salakhutdinov 2006: 3.00), beside PCA with 30
  components measured here (published 13.87).

Usage::

    python benchmarks/bench_autoencoder.py [--quick] [--rows sda,deep]
        [--pretrain-epochs 10] [--epochs 30]

``--quick``: 6,000 training images, 1 pretraining and 2 fine-tuning epochs.
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import held_out_name, markdown_table, mnist_split, write_section  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402

from deepbelief import DBN, DeepAutoencoder, MLPClassifier, StackedAutoencoder  # noqa: E402
from deepbelief.nn.schedules import Exponential  # noqa: E402


def squared_error(A, B):
    return float(np.mean(np.sum((A.astype(np.float64) - B) ** 2, axis=1)))


def run_sda(X, y, X_test, y_test, args):
    sizes = (1000, 1000, 1000)
    pre = StackedAutoencoder(sizes, corruption_level=[0.1, 0.2, 0.3],
                             n_iter=args.pretrain_epochs, batch_size=100,
                             learning_rate=0.05, momentum=0.9, random_state=args.seed,
                             verbose=args.verbose)
    clf = MLPClassifier(sizes, activation="sigmoid", solver="sgd", momentum=0.9,
                        nesterovs_momentum=False, learning_rate_init=args.learning_rate,
                        learning_rate=Exponential(args.decay), batch_size=100,
                        max_iter=args.epochs, pretrainer=pre, random_state=args.seed,
                        verbose=args.verbose)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
    seconds = time.perf_counter() - t0
    error = 100 * (1 - clf.score(X_test, y_test))
    split = held_out_name(args.validation)
    return [[f"stacked denoising autoencoder 784-1000-1000-1000-10, {split} error",
             "1.3% (deeplearning.net SdA tutorial)", "<= 1.3%", f"{error:.2f}%",
             f"{args.pretrain_epochs} per layer / {clf.n_iter_}", f"{seconds:.0f}"]]


def run_deep(X, X_test, args):
    sizes = (1000, 500, 250, 30)
    pre = DBN(sizes, hidden_unit=["bernoulli"] * 3 + ["gaussian"],
              learning_rate=[0.1, 0.1, 0.1, 0.001], n_iter=args.pretrain_epochs,
              batch_size=100, random_state=args.seed, verbose=args.verbose,
              # the reproduced row's pretraining: sampled reconstructions, no
              # centring (DBN's defaults since that row was measured)
              reconstruction="sample", centering=False)
    dae = DeepAutoencoder(sizes, pretrainer=pre, learning_rate_init=0.01, momentum=0.9,
                          batch_size=100, max_iter=args.epochs, random_state=args.seed,
                          verbose=args.verbose)
    t0 = time.perf_counter()
    dae.fit(X)
    seconds = time.perf_counter() - t0
    err = squared_error(dae.inverse_transform(dae.transform(X_test)), X_test)
    t0 = time.perf_counter()
    pca = PCA(30, random_state=args.seed).fit(X)
    pca_seconds = time.perf_counter() - t0
    pca_err = squared_error(pca.inverse_transform(pca.transform(X_test)), X_test)
    return [
        ["deep autoencoder 784-1000-500-250-30, squared error per test image",
         "3.00 (Hinton & Salakhutdinov 2006)", "<= 3.0", f"{err:.2f}",
         f"{args.pretrain_epochs} per layer / {dae.n_iter_}", f"{seconds:.0f}"],
        ["PCA, 30 components, same measure", "13.87", "-", f"{pca_err:.2f}", "-",
         f"{pca_seconds:.0f}"],
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rows", default="sda,deep")
    parser.add_argument("--pretrain-epochs", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--decay", type=float, default=0.95,
                        help="SdA fine-tuning learning rate factor per epoch")
    parser.add_argument("--learning-rate", type=float, default=0.1,
                        help="SdA fine-tuning initial learning rate")
    parser.add_argument("--validation", type=int, default=0,
                        help="hold out the last N training images and report on them "
                             "instead of the test set (for model choice)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", type=int, default=0)
    parser.add_argument("--section", default=None,
                        help="section of RESULTS.md to write (keeps runs with other "
                             "epoch counts side by side)")
    args = parser.parse_args(argv)
    limit = None
    if args.quick:
        limit, args.pretrain_epochs, args.epochs = 6000, 1, 2
    X, y, X_test, y_test = mnist_split(limit, args.validation)
    rows = []
    for row in args.rows.split(","):
        new = run_sda(X, y, X_test, y_test, args) if row == "sda" else run_deep(X, X_test,
                                                                               args)
        for r in new:
            print(" | ".join(r), flush=True)
        rows += new
        report(rows, X, X_test, args)


def report(rows, X, X_test, args):
    """Write the rows measured so far (a long run leaves partial results)."""
    body = (
        f"MNIST, {len(X)} training and {len(X_test)} "
        f"{held_out_name(args.validation)} images scaled to [0, 1], "
        "float32, batches of 100. SdA: masking noise 0.1/0.2/0.3, tied weights, "
        "cross-entropy, SGD (learning rate 0.05, momentum 0.9) per layer, then an "
        f"MLP with logistic units fine-tuned by SGD ({args.learning_rate}, momentum 0.9, "
        f"times {args.decay} per epoch). Deep autoencoder: DBN pretraining (CD-1; code "
        "layer with Gaussian hidden units, learning rate 0.001), unrolled, fine-tuned on "
        "cross-entropy by SGD (0.01, momentum 0.9). "
        + (f"**Validation run**: trained on the first {len(X)} training images, the "
           f"'ours' column is measured on the last {len(X_test)}. " if args.validation else "")
        + "No model choice on the test set."
        + (" **Quick smoke run: not a reproduction.**" if args.quick else "")
        + "\n\n"
        + markdown_table(["model", "published", "target", "ours",
                          "epochs (pretrain / fine-tune)", "seconds"], rows)
    )
    section = args.section or "Autoencoders on MNIST" + (" (quick)" if args.quick else "")
    write_section(section, body)


if __name__ == "__main__":
    main()
