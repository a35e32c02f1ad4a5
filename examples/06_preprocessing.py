"""Preprocessing: drop_incomplete, contrast normalisation, ZCA against PCA whitening.

Shows the three preprocessing tools scikit-learn lacks, on images:

- ``drop_incomplete(X, y)`` removes the samples with a missing or
  non-finite value or a missing label, and reports which (here on a copy
  of the training set with a few values spoilt on purpose);
- ``GlobalContrastNormalization`` gives every image zero mean and the same
  contrast;
- ``ZCAWhitening`` decorrelates the pixels like PCA whitening
  (``sklearn.decomposition.PCA(whiten=True)``), but rotates back to pixel
  space, so whitened images still look like images (with edges
  emphasised), while PCA whitening leaves coordinates in the eigenbasis.
  ``epsilon=0.01``: on contrast-normalised digits most of the 64
  variances are below 0.1, so the 0.1 that suits larger images would
  leave them nearly unwhitened. PCA keeps the components holding 99% of
  the variance, since the constant border pixels of digits have no
  variance to whiten.

Prints the report of ``drop_incomplete``; for each whitening, how many
eigenvalues of the output covariance are close to 1; and the test
accuracy of logistic regression after each preprocessing. Writes
``preprocessing.png``: the same images raw, contrast-normalised,
ZCA-whitened, and PCA-whitened (the PCA coordinates laid out as an image).

Usage: python examples/06_preprocessing.py [--quick] [--mnist DIR] [--out DIR]
"""

import warnings

import numpy as np
from _common import load_data, parse_args, pyplot, save
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from deepbelief import GlobalContrastNormalization, ZCAWhitening, drop_incomplete
from deepbelief.plotting import tile_images


def main(argv=None):
    args = parse_args(__doc__, argv)
    if args.mnist:
        n_train, n_test = (3000, 1000) if args.quick else (20000, 10000)
    else:
        n_train = n_test = None
    X_train, X_test, y_train, y_test, shape = load_data(args, n_train=n_train, n_test=n_test)

    # A spoilt copy: a NaN pixel in 5 images, an infinite one in 2, 3 lost labels.
    rng = np.random.default_rng(0)
    X_bad, y_bad = X_train.astype(np.float64), y_train.astype(np.float64)
    rows = rng.choice(len(X_bad), 10, replace=False)
    X_bad[rows[:5], 10] = np.nan
    X_bad[rows[5:7], 20] = np.inf
    y_bad[rows[7:]] = np.nan
    X_clean, y_clean, report = drop_incomplete(X_bad, y_bad)
    print(report)
    assert np.array_equal(np.sort(report.dropped_rows), np.sort(rows))

    gcn = GlobalContrastNormalization()
    whiteners = {
        "ZCA": make_pipeline(GlobalContrastNormalization(), ZCAWhitening(epsilon=0.01)),
        "PCA": make_pipeline(GlobalContrastNormalization(),
                             PCA(n_components=0.99, whiten=True, random_state=0)),
    }
    for name, whitener in whiteners.items():
        Z = whitener.fit_transform(X_clean)
        eigenvalues = np.linalg.eigvalsh(np.cov(Z, rowvar=False, bias=True))
        near_one = int(np.sum(np.abs(eigenvalues - 1) < 0.1))
        # ZCA's epsilon shrinks directions of small variance towards 0 rather
        # than blowing them up; PCA dropped them instead.
        print(f"{name} whitening: {Z.shape[1]} outputs, {near_one} of {len(eigenvalues)} "
              f"covariance eigenvalues within 0.1 of 1, the smallest {eigenvalues.min():.3f}")

    preprocessings = {
        "raw pixels": None,
        "contrast-normalised": GlobalContrastNormalization(),
        "contrast-normalised + ZCA": whiteners["ZCA"],
        "contrast-normalised + PCA whitening": whiteners["PCA"],
    }
    print(f"{'logistic regression after':<38}{'test accuracy':>14}")
    for name, step in preprocessings.items():
        classifier = LogisticRegression(max_iter=2000)
        model = classifier if step is None else make_pipeline(step, classifier)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X_clean, y_clean.astype(int))
        print(f"{name:<38}{model.score(X_test, y_test):>14.4f}")

    images = X_test[:8]
    n_pixels = images.shape[1]
    pca_codes = whiteners["PCA"].transform(images)
    padded = np.zeros((len(images), n_pixels))
    padded[:, : pca_codes.shape[1]] = pca_codes
    rows = [images, gcn.fit_transform(images), whiteners["ZCA"].transform(images), padded]
    labels = ["raw", "contrast-normalised", "ZCA-whitened",
              f"PCA-whitened ({pca_codes.shape[1]} coords)"]
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 3.8), layout="constrained")
    ax.imshow(tile_images(np.vstack(rows), shape, n_cols=len(images)), cmap="gray")
    height = shape[0]
    ax.set_xticks([])
    ax.set_yticks([r * (height + 1) + (height - 1) / 2 for r in range(len(rows))])
    ax.set_yticklabels(labels, fontsize=8)
    ax.tick_params(axis="y", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title("ZCA output stays in pixel space; PCA whitening gives eigen-coordinates\n"
                 "(each image scaled to its own range)", fontsize=9)
    save(fig, args, "preprocessing.png")
    return report


if __name__ == "__main__":
    main()
