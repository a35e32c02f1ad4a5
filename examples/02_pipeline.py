"""A scikit-learn Pipeline: DBN features, then a linear classifier.

Shows that ``deepbelief.DBN`` is an ordinary transformer: it goes in a
``Pipeline`` in front of any classifier, is fitted without labels
(greedy layer-wise RBM training), and its learning curves come out of the
fitted Pipeline with one call to ``HistoryDisplay``.

The DBN's settings are set for digits-sized data and given explicitly:
two layers of 128 and 64 units, mini-batches of 10 (the DBN default of 100
gives only 14 updates per epoch on 1,437 images), learning rate 0.05.

Prints the test accuracy of the Pipeline, of logistic regression on the
raw pixels (the baseline it must be judged against) and of logistic
regression on the first layer's features alone, with the seconds each
fit took. Writes ``pipeline_history.png``: the learning curves of both
layers.

Usage: python examples/02_pipeline.py [--quick] [--mnist DIR] [--out DIR]
"""

import warnings

from _common import load_data, parse_args, pyplot, save, timed
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from deepbelief import DBN
from deepbelief.plotting import HistoryDisplay


def main(argv=None):
    args = parse_args(__doc__, argv)
    if args.mnist:
        n_train, n_test = (3000, 1000) if args.quick else (20000, 10000)
        sizes = (256, 128) if args.quick else (500, 500)
    else:
        n_train = n_test = None
        sizes = (128, 64)
    X_train, X_test, y_train, y_test, _ = load_data(args, n_train=n_train, n_test=n_test)
    n_iter = 10 if args.quick else 30

    def classifier():
        return LogisticRegression(C=100, max_iter=2000)

    models = {
        "DBN + logistic regression": Pipeline([
            ("dbn", DBN(sizes, n_iter=n_iter, batch_size=10, learning_rate=0.05,
                        random_state=0)),
            ("clf", classifier())]),
        "first layer only + logistic regression": Pipeline([
            ("dbn", DBN(sizes[:1], n_iter=n_iter, batch_size=10, learning_rate=0.05,
                        random_state=0)),
            ("clf", classifier())]),
        "logistic regression on pixels": classifier(),
    }
    print(f"{'model':<40}{'accuracy':>9}{'seconds':>9}")
    for name, model in models.items():
        timing = {}
        with timed(timing, "fit"), warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X_train, y_train)
        print(f"{name:<40}{model.score(X_test, y_test):>9.4f}{timing['fit']:>9.2f}")

    pyplot()
    display = HistoryDisplay.from_estimator(
        models["DBN + logistic regression"],
        panels=["pseudo_likelihood", "reconstruction_error", "schedule"])
    display.figure_.suptitle("DBN layers inside a Pipeline", fontsize=10)
    save(display.figure_, args, "pipeline_history.png")
    return models


if __name__ == "__main__":
    main()
