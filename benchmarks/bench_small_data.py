"""Small data sets: DBNClassifier and DBNRegressor with their defaults beside
scikit-learn's MLP with its defaults, on the same folds.

The first thing a scikit-learn user tries: scikit-learn's bundled data sets
and two generated ones, each scaled by MinMaxScaler in a Pipeline (the
scaler the docstrings recommend for binary units), 5-fold cross-validation
(stratified for classification), the same folds for both models, one
thread. Targets of the regression sets are standardised. The table gives
the mean score (accuracy or R²), the seconds of the whole cross-validation
and their ratio, and the number of DegenerateFitWarnings the fits raised.

Usage::

    python benchmarks/bench_small_data.py [--sets wine,digits] [--cv-seed 0]

``--cv-seed`` picks the folds; settings were chosen with another seed than
the reported one, so the reported folds were not used to choose them.
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import markdown_table, write_section  # noqa: E402

from sklearn.datasets import (load_breast_cancer, load_diabetes, load_digits,  # noqa: E402
                              load_iris, load_wine, make_classification, make_friedman1)
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score  # noqa: E402
from sklearn.neural_network import MLPClassifier as SkMLPClassifier  # noqa: E402
from sklearn.neural_network import MLPRegressor as SkMLPRegressor  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import MinMaxScaler  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from deepbelief import DBNClassifier, DBNRegressor  # noqa: E402
from deepbelief.training import DegenerateFitWarning  # noqa: E402

SETS = {
    "iris": (lambda: load_iris(return_X_y=True), False),
    "wine": (lambda: load_wine(return_X_y=True), False),
    "breast_cancer": (lambda: load_breast_cancer(return_X_y=True), False),
    "digits": (lambda: load_digits(return_X_y=True), False),
    "make_classification": (lambda: make_classification(1000, 20, n_informative=10,
                                                        random_state=0), False),
    "diabetes": (lambda: load_diabetes(return_X_y=True), True),
    "friedman1": (lambda: make_friedman1(1000, random_state=0), True),
}


def evaluate(make, X, y, cv):
    """(mean score, per-fold scores, seconds, DegenerateFitWarnings raised)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        scores = cross_val_score(make_pipeline(MinMaxScaler(), make()), X, y, cv=cv,
                                 error_score="raise")
        seconds = time.perf_counter() - start
    degenerate = sum(issubclass(w.category, DegenerateFitWarning) for w in caught)
    return float(np.mean(scores)), scores, seconds, degenerate


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--cv-seed", type=int, default=0)
    parser.add_argument("--no-write", action="store_true",
                        help="print the table without writing RESULTS.md")
    args = parser.parse_args(argv)
    rows = []
    with threadpool_limits(1):
        for name in args.sets.split(","):
            load, regression = SETS[name]
            X, y = load()
            if regression:
                y = (y - y.mean()) / y.std()
                cv = KFold(5, shuffle=True, random_state=args.cv_seed)
                ours, theirs = DBNRegressor, SkMLPRegressor
            else:
                cv = StratifiedKFold(5, shuffle=True, random_state=args.cv_seed)
                ours, theirs = DBNClassifier, SkMLPClassifier
            sk = evaluate(lambda: theirs(random_state=0), X, y, cv)
            db = evaluate(lambda: ours(random_state=0), X, y, cv)
            row = [name, f"{X.shape[0]} x {X.shape[1]}", "R²" if regression else "accuracy",
                   f"{sk[0]:.3f}", f"{db[0]:.3f}", f"{db[0] - sk[0]:+.3f}",
                   " ".join(f"{s:.3f}" for s in db[1]),
                   f"{sk[2]:.1f}", f"{db[2]:.1f}", f"{db[2] / sk[2]:.1f}x", str(db[3])]
            rows.append(row)
            print(" | ".join(row), flush=True)
    header = ["data set", "samples x features", "score", "scikit-learn MLP",
              "deepbelief DBN", "difference", "DBN per fold", "seconds (sklearn)",
              "seconds (DBN)", "time ratio", "DegenerateFitWarnings"]
    table = markdown_table(header, rows)
    print(table)
    if not args.no_write:
        body = ("MinMaxScaler then the model with its defaults "
                "(scikit-learn's MLPClassifier/MLPRegressor against deepbelief's "
                "DBNClassifier/DBNRegressor, random_state=0), 5-fold cross-validation "
                f"(stratified for classification, shuffled with seed {args.cv_seed}), the "
                "same folds for both, one BLAS thread (threadpoolctl; the line above gives the "
                "library default); regression targets standardised. "
                "Seconds are the whole cross-validation's; the target is a score within "
                "0.02 of scikit-learn's in at most 5 times its time (R²: 0.03). The "
                "settings were chosen on other folds (shuffle seed 1) of wine, breast "
                "cancer and digits, and the regressor's learning rate and patience on "
                "seed-1 folds of diabetes and make_friedman1.\n\n" + table)
        write_section("Small data sets (defaults against scikit-learn's MLP)", body)


if __name__ == "__main__":
    main()
