"""Dropout, max-norm and elastic distortions against over-fitting.

Shows three ways the MLP fights over-fitting, each switched on by one
parameter: ``dropout`` and ``input_dropout`` (Srivastava et al. 2014; 0.5
for hidden units and 0.2 for inputs, the classic values), ``max_norm``
(a bound of 3 on each hidden unit's incoming weight vector, used with
dropout), and ``augment`` with
``deepbelief.augmentation.ElasticDistortion`` (Simard et al. 2003: every
mini-batch is seen through a fresh random smooth warp). All networks have
one hidden layer of 256 ReLU units, learning rate 0.01 with momentum
0.9, batches of 20 (100 on MNIST), the same seed and the same number of epochs; nothing else changes.
(Srivastava et al. pair max-norm with a larger learning rate; here 0.05
with momentum 0.9 makes every variant worse, so all keep 0.01.)

What to expect: dropout slows learning down, and in the few epochs of
``--quick`` it costs accuracy on digits; the distortions shrink the gap
between training and test accuracy.

The distortion's size is scaled to the images: Simard's ``alpha=34,
sigma=4`` for 28x28 MNIST; ``alpha=6, sigma=1.5`` for 8x8 digits, which
warps strokes by about a pixel (see the picture).

Prints, for each model: training and test accuracy and the gap between
them, and the seconds of the fit. Writes ``regularisation.png``: a row of
digits, the same digits warped, and the test error of each model.

Usage: python examples/05_regularisation.py [--quick] [--mnist DIR] [--out DIR]
"""

import warnings

import numpy as np
from _common import load_data, parse_args, pyplot, save, timed
from sklearn.exceptions import ConvergenceWarning

from deepbelief import MLPClassifier
from deepbelief.augmentation import ElasticDistortion
from deepbelief.plotting import tile_images


def main(argv=None):
    args = parse_args(__doc__, argv)
    if args.mnist:
        n_train, n_test = (3000, 1000) if args.quick else (60000, 10000)
        distortion = dict(alpha=34.0, sigma=4.0)
        batch_size = 100
    else:
        n_train = n_test = None
        distortion = dict(alpha=6.0, sigma=1.5)
        batch_size = 20
    X_train, X_test, y_train, y_test, shape = load_data(args, n_train=n_train, n_test=n_test)
    elastic = ElasticDistortion(shape, **distortion, random_state=0)
    common = dict(activation="relu", batch_size=batch_size, momentum=0.9,
                  max_iter=20 if args.quick else 100, random_state=0)
    models = {
        "plain": MLPClassifier((256,), learning_rate_init=0.01, **common),
        "dropout 0.5 / input 0.2": MLPClassifier(
            (256,), learning_rate_init=0.01, dropout=0.5, input_dropout=0.2, **common),
        "dropout + max-norm 3": MLPClassifier(
            (256,), learning_rate_init=0.01, dropout=0.5, input_dropout=0.2, max_norm=3.0,
            **common),
        "elastic distortions": MLPClassifier(
            (256,), learning_rate_init=0.01, augment=elastic, **common),
    }
    print(f"{'model':<26}{'train acc':>10}{'test acc':>10}{'gap':>8}{'seconds':>9}")
    errors = {}
    for name, model in models.items():
        timing = {}
        with timed(timing, "fit"), warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X_train, y_train)
        train, test = model.score(X_train, y_train), model.score(X_test, y_test)
        errors[name] = 1 - test
        print(f"{name:<26}{train:>10.4f}{test:>10.4f}{train - test:>8.4f}"
              f"{timing['fit']:>9.2f}")

    plt = pyplot()
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(6, 4.2), layout="constrained",
                                      height_ratios=[1.2, 1])
    originals = X_train[:8]
    warped = elastic(originals, random_state=1)
    top.imshow(tile_images(np.vstack([originals, warped]), shape, n_cols=8, scale=False),
               cmap="gray", vmin=0, vmax=1)
    top.set_axis_off()
    top.set_title(f"training digits (top) and elastically distorted "
                  f"(alpha={distortion['alpha']:g}, sigma={distortion['sigma']:g})",
                  fontsize=9)
    names = list(errors)
    bottom.barh(names[::-1], [errors[n] for n in names[::-1]], color="C0")
    bottom.set_xlabel("test error")
    bottom.tick_params(labelsize=8)
    save(fig, args, "regularisation.png")
    return models


if __name__ == "__main__":
    main()
