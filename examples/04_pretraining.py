"""Pretraining against random initialisation, with learning curves.

Shows what greedy DBN pretraining buys a sigmoid network: the same
``DBNClassifier`` (two hidden layers, the same fine-tuning settings, the
same seed) is fine-tuned once from the weights of a pretrained DBN and
once from random weights (``pretrainer=None``), and the validation error
of both is recorded after every epoch (``early_stopping=True`` holds out
10% of the training set; its patience is set above ``max_iter``, so both
train for every epoch).

Settings for digits-sized data, given explicitly: layers of 128 and 64
units, batches of 20, fine-tuning learning rate 0.1 with momentum 0.9,
DBN learning rate 0.05 with batches of 10.

Prints the test accuracy, the best validation error with its epoch, and
the seconds of each fit. Writes ``pretraining_curves.png`` (validation
error per epoch of both) and ``pretraining_history.png`` (every panel of
the pretrained model: each RBM layer, then fine-tuning).

Usage: python examples/04_pretraining.py [--quick] [--mnist DIR] [--out DIR]
"""

import warnings

import numpy as np
from _common import load_data, parse_args, pyplot, save, timed
from sklearn.exceptions import ConvergenceWarning

from deepbelief import DBN, DBNClassifier
from deepbelief.plotting import HistoryDisplay


def main(argv=None):
    args = parse_args(__doc__, argv)
    if args.mnist:
        n_train, n_test = (5000, 2000) if args.quick else (60000, 10000)
        sizes = (256, 128) if args.quick else (500, 500)
    else:
        n_train = n_test = None
        sizes = (128, 64)
    X_train, X_test, y_train, y_test, _ = load_data(args, n_train=n_train, n_test=n_test)
    max_iter = 15 if args.quick else 60
    common = dict(batch_size=20, learning_rate_init=0.1, momentum=0.9, max_iter=max_iter,
                  early_stopping=True, n_iter_no_change=max_iter + 1, random_state=0)
    models = {
        "pretrained": DBNClassifier(sizes, pretrainer=DBN(
            sizes, n_iter=5 if args.quick else 20, batch_size=10, learning_rate=0.05),
            **common),
        "random initialisation": DBNClassifier(sizes, pretrainer=None, **common),
    }
    print(f"{'model':<24}{'test accuracy':>14}{'best val error':>16}{'at epoch':>10}"
          f"{'seconds':>9}")
    for name, model in models.items():
        timing = {}
        with timed(timing, "fit"), warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X_train, y_train)
        val = np.asarray(model.history_["val_error"])
        print(f"{name:<24}{model.score(X_test, y_test):>14.4f}{val.min():>16.4f}"
              f"{int(val.argmin()) + 1:>10}{timing['fit']:>9.2f}")

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 3.6), layout="constrained")
    for name, model in models.items():
        val = model.history_["val_error"]
        ax.plot(np.arange(1, len(val) + 1), val, marker="o", markersize=3, label=name)
    ax.set_xlabel("fine-tuning epoch")
    ax.set_ylabel("validation error")
    ax.set_yscale("log")
    ax.set_title(f"DBNClassifier{sizes}: validation error while fine-tuning", fontsize=10)
    ax.legend()
    save(fig, args, "pretraining_curves.png")
    display = HistoryDisplay.from_estimator(models["pretrained"])
    save(display.figure_, args, "pretraining_history.png")
    return models


if __name__ == "__main__":
    main()
