"""Swap scikit-learn's BernoulliRBM for deepbelief's: same code, less time.

Shows that ``deepbelief.BernoulliRBM`` takes the same parameters and gives
the same attributes and methods as ``sklearn.neural_network.BernoulliRBM``:
the two are fitted with identical settings inside the same Pipeline (RBM
features, then logistic regression), and only the import differs.

Prints, for each library: the seconds the RBM's ``fit`` took (the median
of three fits on digits; deepbelief's after a warm-up fit, so Numba's
one-off compile time is not counted), the mean pseudo-likelihood of the
test images, and the test accuracy of the Pipeline; then the speed-up, and
logistic regression on the raw pixels for reference. On the small digits
set both fits take a fraction of a second and per-batch overheads
dominate, so the speed-up there is small and noisy; MNIST shows the
difference that matters. The logistic regression uses ``C=100`` (weak
regularisation), as the RBM features vary little across images.

Writes ``drop_in_filters.png``: the learned filters of both side by side.

Usage: python examples/01_drop_in_rbm.py [--quick] [--mnist DIR] [--out DIR]
"""

import warnings

import numpy as np
from _common import load_data, parse_args, pyplot, save, timed
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import BernoulliRBM as SklearnRBM
from sklearn.pipeline import make_pipeline

from deepbelief import BernoulliRBM
from deepbelief.plotting import FiltersDisplay


def main(argv=None):
    args = parse_args(__doc__, argv)
    if args.mnist:
        n_train, n_test = (5000, 1000) if args.quick else (20000, 10000)
    else:
        n_train = n_test = None
    X_train, X_test, y_train, y_test, shape = load_data(args, n_train=n_train, n_test=n_test)
    params = dict(n_components=100, learning_rate=0.06, batch_size=10,
                  n_iter=5 if args.quick else 20, random_state=0)
    BernoulliRBM(n_components=4, n_iter=1).fit(X_train[:20])  # compile once, untimed

    repeats = 1 if args.mnist else 3
    results = {}
    for name, cls in (("scikit-learn", SklearnRBM), ("deepbelief", BernoulliRBM)):
        seconds = []
        for _ in range(repeats):
            rbm = cls(**params)
            timing = {}
            with timed(timing, "fit"):
                rbm.fit(X_train)
            seconds.append(timing["fit"])
        model = make_pipeline(rbm, LogisticRegression(C=100, max_iter=2000))
        model[1].fit(rbm.transform(X_train), y_train)
        results[name] = dict(
            rbm=rbm, seconds=float(np.median(seconds)),
            pseudo_likelihood=rbm.score_samples(X_test).mean(),
            accuracy=model.score(X_test, y_test))
    print("BernoulliRBM(" + ", ".join(f"{k}={v}" for k, v in params.items()) + ")")
    print(f"{'library':<14}{'fit seconds':>12}{'pseudo-likelihood':>19}{'accuracy':>10}")
    for name, r in results.items():
        print(f"{name:<14}{r['seconds']:>12.2f}{r['pseudo_likelihood']:>19.2f}"
              f"{r['accuracy']:>10.4f}")
    speedup = results["scikit-learn"]["seconds"] / results["deepbelief"]["seconds"]
    print(f"speed-up of fit: {speedup:.1f}x")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        raw = LogisticRegression(C=100, max_iter=2000).fit(X_train, y_train)
    print(f"logistic regression on raw pixels: accuracy {raw.score(X_test, y_test):.4f}")

    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(9, 4.8), layout="constrained")
    for ax, (name, r) in zip(axes, results.items()):
        FiltersDisplay.from_estimator(r["rbm"], n_filters=64, image_shape=shape, ax=ax)
        ax.set_title(f"{name}: {r['seconds']:.2f} s, accuracy {r['accuracy']:.3f}",
                     fontsize=10)
    save(fig, args, "drop_in_filters.png")
    return results


if __name__ == "__main__":
    main()
