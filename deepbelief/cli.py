"""The ``deepbelief`` command (also ``python -m deepbelief``)."""

import argparse
import sys
import time


def _demo(args):
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import Pipeline

    from . import BernoulliRBM
    from .datasets import load_digits

    start = time.perf_counter()
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, random_state=args.random_state, stratify=y)
    print(f"deepbelief demo: scikit-learn's bundled digits, {X.shape[1]} pixels in [0, 1], "
          f"{len(X_train)} training and {len(X_test)} test images.")

    t0 = time.perf_counter()
    raw = LogisticRegression(C=100, max_iter=2000).fit(X_train, y_train)
    raw_time = time.perf_counter() - t0
    raw_acc = raw.score(X_test, y_test)

    t0 = time.perf_counter()
    pipe = Pipeline([
        ("rbm", BernoulliRBM(n_components=args.n_components, learning_rate=0.06,
                             n_iter=args.n_iter, random_state=args.random_state)),
        ("logistic", LogisticRegression(C=100, max_iter=2000)),
    ]).fit(X_train, y_train)
    rbm_time = time.perf_counter() - t0
    rbm_acc = pipe.score(X_test, y_test)
    rbm = pipe.named_steps["rbm"]

    print()
    print(f"{'model':<44} {'test accuracy':>13} {'fit seconds':>12}")
    print(f"{'logistic regression on raw pixels':<44} {raw_acc:>13.4f} {raw_time:>12.2f}")
    label = f"BernoulliRBM({args.n_components}) + logistic regression"
    print(f"{label:<44} {rbm_acc:>13.4f} {rbm_time:>12.2f}")
    pl = rbm.history_["pseudo_likelihood"]
    print(f"\nRBM pseudo-likelihood per epoch: {pl[0]:.2f} -> {pl[-1]:.2f} "
          f"({len(pl)} epochs, {np.mean(rbm.history_['seconds']):.3f} s each)")
    print(f"total wall time: {time.perf_counter() - start:.1f} s")
    return 0


def build_parser():
    parser = argparse.ArgumentParser(
        prog="deepbelief",
        description="Deep belief networks and RBMs as scikit-learn estimators.")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="fit an RBM + logistic regression on bundled digits")
    demo.add_argument("--n-components", type=int, default=100)
    demo.add_argument("--n-iter", type=int, default=20)
    demo.add_argument("--random-state", type=int, default=0)
    demo.set_defaults(func=_demo)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
