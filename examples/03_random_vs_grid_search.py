"""Random search against grid search, with the same budget, on a DBNClassifier.

Shows scikit-learn's searches working on deepbelief estimators, nested
parameters included (``pretrainer__learning_rate`` reaches the DBN that
pretrains the network), and why random search is the better use of a
budget (Bergstra & Bengio 2012): when one parameter matters much more
than another, a grid of n x n points tries only n values of it, while n^2
random points try n^2 values. Here the fine-tuning learning rate matters
and the weight penalty ``alpha`` hardly does; random search draws both
from ``scipy.stats.loguniform``.

Prints, for each search: the number of distinct learning rates it tried,
its best cross-validated accuracy with the parameters that gave it, the
test accuracy of the refitted best model, and the seconds the search
took. Writes ``search.png``: cross-validated accuracy against the
learning rate for every candidate of both searches.

Usage: python examples/03_random_vs_grid_search.py [--quick] [--mnist DIR] [--out DIR]
"""

import warnings

import numpy as np
from _common import load_data, parse_args, pyplot, save, timed
from scipy.stats import loguniform
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV

from deepbelief import DBN, DBNClassifier

LR_RANGE = (1e-3, 1.0)
ALPHA_RANGE = (1e-6, 1e-2)


def main(argv=None):
    args = parse_args(__doc__, argv)
    if args.mnist:
        n_train, n_test = (2000, 1000) if args.quick else (10000, 10000)
        sizes = (64,) if args.quick else (256,)
    else:
        n_train, n_test = (600, None) if args.quick else (None, None)
        sizes = (32,) if args.quick else (64,)
    X_train, X_test, y_train, y_test, _ = load_data(args, n_train=n_train, n_test=n_test)
    side = 3 if args.quick else 4  # the grid is side x side; random search gets as many
    model = DBNClassifier(
        sizes, batch_size=20, max_iter=10 if args.quick else 40, random_state=0,
        pretrainer=DBN(sizes, n_iter=3 if args.quick else 10, batch_size=20,
                       learning_rate=0.05))
    grid = {
        "learning_rate_init": np.geomspace(*LR_RANGE, side + 2)[1:-1].round(4).tolist(),
        "alpha": np.geomspace(*ALPHA_RANGE, side + 2)[1:-1].round(7).tolist(),
    }
    distributions = {
        "learning_rate_init": loguniform(*LR_RANGE),
        "alpha": loguniform(*ALPHA_RANGE),
    }
    cv = 2 if args.quick else 3
    searches = {
        "grid": GridSearchCV(model, grid, cv=cv),
        "random": RandomizedSearchCV(model, distributions, n_iter=side * side, cv=cv,
                                     random_state=0),
    }
    print(f"budget: {side * side} candidates x {cv} folds for each search")
    for name, search in searches.items():
        timing = {}
        with timed(timing, "fit"), warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            search.fit(X_train, y_train)
        rates = np.asarray(search.cv_results_["param_learning_rate_init"], dtype=float)
        best = {k: round(float(v), 6) for k, v in search.best_params_.items()}
        print(f"{name:>6} search: {len(np.unique(rates))} learning rates tried, "
              f"best CV accuracy {search.best_score_:.4f} with {best}, "
              f"test accuracy {search.score(X_test, y_test):.4f}, {timing['fit']:.1f} s")

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.8), layout="constrained")
    for (name, search), marker in zip(searches.items(), ("s", "o")):
        rates = np.asarray(search.cv_results_["param_learning_rate_init"], dtype=float)
        ax.scatter(rates, search.cv_results_["mean_test_score"], marker=marker,
                   label=f"{name} search", alpha=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("fine-tuning learning rate (learning_rate_init)")
    ax.set_ylabel("cross-validated accuracy")
    ax.set_title("Same budget: the grid tries few learning rates", fontsize=10)
    ax.legend()
    save(fig, args, "search.png")
    return searches


if __name__ == "__main__":
    main()
