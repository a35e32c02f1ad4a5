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

    _demo_dbn(args, X_train, X_test, y_train, y_test)
    print(f"\ntotal wall time: {time.perf_counter() - start:.1f} s")
    return 0


# Darkest last: a pixel's ink in [0, 1] picks one of these characters.
_SHADES = " .:-=+*#%@"


def _ascii_images(images, shape=(8, 8), gap="   "):
    """Lines drawing ``images`` (rows of pixels in [0, 1]) side by side."""
    import numpy as np

    grids = [np.clip(np.asarray(img).reshape(shape), 0, 1) for img in images]
    lines = []
    for r in range(shape[0]):
        lines.append(gap.join(
            "".join(_SHADES[int(round(v * (len(_SHADES) - 1)))] * 2 for v in g[r])
            for g in grids))
    return lines


def _demo_dbn(args, X_train, X_test, y_train, y_test):
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    from . import DBN, DBNClassifier

    sizes = tuple(args.dbn_layers)
    pretrainer = DBN(sizes, n_iter=args.pretrain_epochs, batch_size=20,
                     random_state=args.random_state)
    common = dict(batch_size=20, max_iter=args.finetune_epochs,
                  random_state=args.random_state)
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for label, pre in (("DBN pretraining + backprop (DBNClassifier)", pretrainer),
                           ("same network, random initialisation", None)):
            t0 = time.perf_counter()
            clf = DBNClassifier(sizes, pretrainer=pre, **common).fit(X_train, y_train)
            rows.append((label, clf.score(X_test, y_test), time.perf_counter() - t0))
            if pre is not None:
                dbn = clf.pretrainer_
    shape = "-".join(str(s) for s in (X_train.shape[1], *sizes, 10))
    print(f"\nDeep belief network {shape}, logistic units: {args.pretrain_epochs} "
          f"epochs of CD-1 per layer, then {args.finetune_epochs} epochs of "
          "backpropagation")
    print(f"{'model':<44} {'test accuracy':>13} {'fit seconds':>12}")
    for label, acc, seconds in rows:
        print(f"{label:<44} {acc:>13.4f} {seconds:>12.2f}")

    samples = dbn.sample(args.n_samples, n_gibbs=args.n_gibbs,
                         random_state=args.random_state)
    print(f"\n{args.n_samples} samples drawn from the pretrained DBN ({args.n_gibbs} "
          "Gibbs steps in the top RBM, then a mean-field pass down):")
    for line in _ascii_images(samples):
        print("  " + line)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="deepbelief",
        description="Deep belief networks and RBMs as scikit-learn estimators.")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="RBM + logistic regression, and a DBN classifier and sampler, on bundled digits")
    demo.add_argument("--n-components", type=int, default=100)
    demo.add_argument("--n-iter", type=int, default=20)
    demo.add_argument("--random-state", type=int, default=0)
    demo.add_argument("--dbn-layers", type=int, nargs="+", default=[100, 100],
                      help="hidden layer sizes of the DBN")
    demo.add_argument("--pretrain-epochs", type=int, default=20,
                      help="CD-1 epochs per DBN layer")
    demo.add_argument("--finetune-epochs", type=int, default=30,
                      help="backpropagation epochs")
    demo.add_argument("--n-samples", type=int, default=6,
                      help="images drawn from the DBN")
    demo.add_argument("--n-gibbs", type=int, default=200,
                      help="Gibbs steps in the top RBM per sample")
    demo.set_defaults(func=_demo)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
