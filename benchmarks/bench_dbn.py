"""DBN benchmark on MNIST: the published classification results, reproduced.

Rows (all 784-500-500-2000-10, logistic hidden units, trained on the
60,000 training images, test error on the 10,000 test images; nothing is
chosen on the test set):

- DBN pretraining (greedy CD-1 per layer, Hinton's practical-guide
  settings) then backpropagation (Hinton & Salakhutdinov 2006: 1.2%);
- the same, fine-tuned with dropout (Srivastava et al. 2014: 0.92%);
- the same network from random initialisation, same fine-tuning
  (Hinton & Salakhutdinov 2006: 1.6%).

Usage::

    python benchmarks/bench_dbn.py [--quick] [--pretrain-epochs 10] [--epochs 50]
                                   [--rows dbn,dropout,random]

``--quick`` is a smoke run: 6,000 training images, 1 pretraining and 2
fine-tuning epochs.
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import DEFAULT_MNIST, markdown_table, write_section  # noqa: E402

from deepbelief import DBN, DBNClassifier  # noqa: E402
from deepbelief.datasets import load_mnist  # noqa: E402

SIZES = (500, 500, 2000)
PUBLISHED = {
    "dbn": ("DBN pretrained, backprop fine-tuned", "1.2% (Hinton & Salakhutdinov 2006)",
            "<= 1.2%"),
    "dropout": ("DBN pretrained, fine-tuned with dropout", "0.92% (Srivastava et al. 2014)",
                "<= 1.0%"),
    "random": ("same network, random initialisation", "1.6% (Hinton & Salakhutdinov 2006)",
               "report"),
}


def load(subset, limit=None):
    X, y = load_mnist(DEFAULT_MNIST, subset)
    X = (X / np.float32(255)).astype(np.float32)
    if limit is not None:
        X, y = X[:limit], y[:limit]
    return X, y


def model(row, args):
    pre = DBN(SIZES, n_iter=args.pretrain_epochs, batch_size=100, learning_rate=0.1,
              momentum="classic", weight_decay=2e-4, random_state=args.seed,
              verbose=args.verbose)
    common = dict(max_iter=args.epochs, batch_size=100, random_state=args.seed,
                  verbose=args.verbose)
    if row == "dbn":
        return DBNClassifier(SIZES, pretrainer=pre, learning_rate_init=0.1,
                             learning_rate="exponential", **common)
    if row == "dropout":
        return DBNClassifier(SIZES, pretrainer=pre, dropout=0.5, input_dropout=0.2,
                             learning_rate_init=0.1, learning_rate="exponential",
                             **common)
    return DBNClassifier(SIZES, pretrainer=None, learning_rate_init=0.1,
                         learning_rate="exponential", **common)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--pretrain-epochs", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--rows", default="dbn,dropout,random")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", type=int, default=0)
    parser.add_argument("--section", default=None,
                        help="section of RESULTS.md to write (keeps runs with other "
                             "epoch counts side by side)")
    args = parser.parse_args(argv)
    limit = None
    if args.quick:
        limit, args.pretrain_epochs, args.epochs = 6000, 1, 2
    X, y = load("train", limit)
    X_test, y_test = load("test")
    rows = []
    for row in args.rows.split(","):
        clf = model(row, args)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf.fit(X, y)
        seconds = time.perf_counter() - t0
        error = 100 * (1 - clf.score(X_test, y_test))
        name, published, target = PUBLISHED[row]
        pre_epochs = 0 if row == "random" else args.pretrain_epochs
        rows.append([name, published, target, f"{error:.2f}%",
                     f"{pre_epochs} per layer / {clf.n_iter_}", f"{seconds:.0f}"])
        print(f"{name}: test error {error:.2f}% in {seconds:.0f} s", flush=True)
        report(rows, X, X_test, args)


def report(rows, X, X_test, args):
    """Write the rows measured so far (a long run leaves partial results)."""
    body = (
        f"MNIST, {len(X)} training and {len(X_test)} test images, network "
        "784-500-500-2000-10 with logistic units, float32, batches of 100. "
        "Pretraining: greedy CD-1 per layer, learning rate 0.1, momentum 0.5 then "
        "0.9, weight decay 0.0002. Fine-tuning: SGD with classical momentum 0.9, "
        "learning rate 0.1 decayed exponentially per epoch; dropout row 0.5 hidden, "
        "0.2 input. No model choice on the test set."
        + (" **Quick smoke run: not a reproduction.**" if args.quick else "")
        + "\n\n"
        + markdown_table(["model", "published", "target", "ours (test error)",
                          "epochs (pretrain / fine-tune)", "seconds"], rows)
    )
    section = args.section or "DBN on MNIST" + (" (quick)" if args.quick else "")
    write_section(section, body)


if __name__ == "__main__":
    main()
