"""Choosing DBNRegressor's fine-tuning defaults on folds that are never reported.

The candidates below were fixed before any of them ran. Each is scored by
the 5-fold cross-validation of ``bench_small_data.py`` on diabetes and
make_friedman1 with the folds of shuffle seed 1 (the reported table uses
seed 0), beside scikit-learn's MLPRegressor on the same folds. The rule,
also fixed in advance: the fastest candidate whose mean R² is within 0.02
of scikit-learn's on both sets (the target allows 0.03; the margin is for
fold noise); if none is, the one with the largest worst-case difference.

Usage::

    python benchmarks/select_small_data.py [--cv-seed 1]
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import markdown_table, write_section  # noqa: E402

from bench_small_data import SETS, evaluate  # noqa: E402
from sklearn.model_selection import KFold  # noqa: E402
from sklearn.neural_network import MLPRegressor as SkMLPRegressor  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from deepbelief import DBNRegressor  # noqa: E402

# Fine-tuning settings only: the pretraining is DBNRegressor's default in every row.
CANDIDATES = {
    "A (before: SGD 0.03, batch auto)": dict(),
    "B SGD 0.1, batch 100": dict(learning_rate_init=0.1, batch_size=100),
    "C SGD 0.3, batch 100": dict(learning_rate_init=0.3, batch_size=100),
    "D SGD 0.1, batch 50": dict(learning_rate_init=0.1, batch_size=50),
    "E Adam 0.001, batch 200": dict(solver="adam", learning_rate_init=0.001, batch_size=200),
    "F Adam 0.01, batch 200": dict(solver="adam", learning_rate_init=0.01, batch_size=200),
    "G Adam 0.003, batch 100": dict(solver="adam", learning_rate_init=0.003, batch_size=100),
}
DATA = ("diabetes", "friedman1")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv-seed", type=int, default=1)
    args = parser.parse_args(argv)
    data, baseline = {}, {}
    with threadpool_limits(1):
        for name in DATA:
            X, y = SETS[name][0]()
            y = (y - y.mean()) / y.std()
            cv = KFold(5, shuffle=True, random_state=args.cv_seed)
            data[name] = (X, y, cv)
            baseline[name] = evaluate(lambda: SkMLPRegressor(random_state=0), X, y, cv)
            print(f"{name}: scikit-learn R² {baseline[name][0]:.3f} in "
                  f"{baseline[name][2]:.1f} s", flush=True)
        rows, results = [], {}
        for label, params in CANDIDATES.items():
            scores = {}
            for name in DATA:
                X, y, cv = data[name]
                scores[name] = evaluate(lambda: DBNRegressor(random_state=0, **params), X, y, cv)
            diffs = [scores[n][0] - baseline[n][0] for n in DATA]
            ratios = [scores[n][2] / baseline[n][2] for n in DATA]
            results[label] = (min(diffs), max(ratios))
            rows.append([label] + [f"{scores[n][0]:.3f} ({d:+.3f})" for n, d in zip(DATA, diffs)]
                        + [f"{r:.1f}x" for r in ratios])
            print(" | ".join(rows[-1]), flush=True)
    eligible = [k for k, (d, _) in results.items() if d >= -0.02]
    chosen = (min(eligible, key=lambda k: results[k][1]) if eligible
              else max(results, key=lambda k: results[k][0]))
    header = ["candidate"] + [f"{n} R² (vs scikit-learn)" for n in DATA] + \
        [f"{n} time ratio" for n in DATA]
    table = markdown_table(header, rows)
    print(table)
    print(f"chosen: {chosen}")
    body = (f"Folds of shuffle seed {args.cv_seed} (the reported table uses seed 0); "
            "scikit-learn's MLPRegressor on the same folds: "
            + ", ".join(f"{n} R² {baseline[n][0]:.3f} in {baseline[n][2]:.1f} s" for n in DATA)
            + ". Rule fixed before the runs: the fastest candidate within 0.02 of "
            "scikit-learn's R² on both sets. "
            f"**Chosen: {chosen}.**\n\n" + table)
    write_section("Small data sets: choosing DBNRegressor's fine-tuning", body)


if __name__ == "__main__":
    main()
