"""A deep autoencoder's 2-D codes against PCA's.

Shows ``DeepAutoencoder`` in the role Hinton & Salakhutdinov (2006) gave
it: a non-linear, learned replacement for PCA. A DBN is pretrained (the
2-unit code layer with linear, Gaussian hidden units and a small
learning rate), unrolled into an encoder and a decoder, and fine-tuned
on reconstruction; its 2-D codes of the test images are drawn beside
PCA's two components, coloured by digit (labels are never used in
training).

Settings for digits-sized data, given explicitly: encoder 64-128-64-2,
pretraining with batches of 10, fine-tuning with batches of 20 and
learning rate 0.01.

Prints, for the autoencoder and for PCA with 2 components: the squared
reconstruction error per test image, and the test accuracy of a
5-nearest-neighbour classifier in the 2-D code space (how well the codes
keep the digits apart). Writes ``autoencoder_codes.png`` (both scatter
plots) and ``autoencoder_reconstructions.png``.

Usage: python examples/07_autoencoder_codes.py [--quick] [--mnist DIR] [--out DIR]
"""

import numpy as np
from _common import load_data, parse_args, pyplot, save, timed
from sklearn.decomposition import PCA
from sklearn.neighbors import KNeighborsClassifier

from deepbelief import DBN, DeepAutoencoder
from deepbelief.plotting import CodesDisplay, ReconstructionDisplay


def main(argv=None):
    args = parse_args(__doc__, argv)
    if args.mnist:
        n_train, n_test = (5000, 2000) if args.quick else (60000, 10000)
        sizes = (256, 64, 2) if args.quick else (1000, 500, 250, 2)
    else:
        n_train = n_test = None
        sizes = (128, 64, 2)
    X_train, X_test, y_train, y_test, shape = load_data(args, n_train=n_train, n_test=n_test)
    n_layers = len(sizes)
    pretrainer = DBN(sizes, hidden_unit=["bernoulli"] * (n_layers - 1) + ["gaussian"],
                     learning_rate=[0.05] * (n_layers - 1) + [0.001], batch_size=10,
                     n_iter=5 if args.quick else 20)
    models = {
        "deep autoencoder": DeepAutoencoder(sizes, pretrainer=pretrainer, batch_size=20,
                                            learning_rate_init=0.01,
                                            max_iter=15 if args.quick else 100,
                                            random_state=0),
        "PCA": PCA(n_components=2, random_state=0),
    }
    print(f"{'model':<18}{'squared error':>14}{'5-NN accuracy':>15}{'seconds':>9}")
    for name, model in models.items():
        timing = {}
        with timed(timing, "fit"):
            model.fit(X_train)
        recon = model.inverse_transform(model.transform(X_test))
        error = np.mean(np.sum((recon - X_test) ** 2, axis=1))
        knn = KNeighborsClassifier(5).fit(model.transform(X_train), y_train)
        accuracy = knn.score(model.transform(X_test), y_test)
        print(f"{name:<18}{error:>14.3f}{accuracy:>15.4f}{timing['fit']:>9.2f}")

    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.3), layout="constrained")
    for ax, (name, model) in zip(axes, models.items()):
        CodesDisplay.from_estimator(model, X_test, y_test, ax=ax)
        ax.set_title(f"{name}: 2-D codes of the test images", fontsize=10)
    axes[1].get_legend().remove()
    save(fig, args, "autoencoder_codes.png")
    display = ReconstructionDisplay.from_estimator(models["deep autoencoder"], X_test,
                                                   image_shape=shape)
    save(display.figure_, args, "autoencoder_reconstructions.png")
    return models


if __name__ == "__main__":
    main()
