import sys

import numpy as np
import pytest

from deepbelief.plotting import tile_images


def test_tile_images_places_each_image_in_its_cell():
    images = np.arange(6 * 4, dtype=float).reshape(6, 4)
    grid = tile_images(images, n_cols=4, padding=1, scale=False)
    assert grid.shape == (2 * 2 + 1, 4 * 2 + 3)
    np.testing.assert_array_equal(grid[0:2, 0:2], images[0].reshape(2, 2))
    np.testing.assert_array_equal(grid[0:2, 9:11], images[3].reshape(2, 2))
    np.testing.assert_array_equal(grid[3:5, 3:5], images[5].reshape(2, 2))
    # padding and the two empty cells hold the brightest value
    assert np.all(grid[2, :] == images.max())
    assert np.all(grid[3:5, 6:] == images.max())


def test_tile_images_scales_each_tile_to_unit_range():
    rng = np.random.default_rng(0)
    images = rng.normal(size=(3, 9)) * np.array([[1.0], [100.0], [0.01]])
    grid = tile_images(images, n_cols=3, padding=0)
    for col in range(3):
        tile = grid[:, 3 * col : 3 * col + 3]
        assert tile.min() == 0.0 and tile.max() == 1.0


def test_tile_images_constant_tile_and_default_columns():
    grid = tile_images(np.full((5, 4), 3.0), padding=0)
    assert grid.shape == (2 * 2, 3 * 2)  # ceil(sqrt(5)) = 3 columns
    assert np.all(grid[:2, :] == 0.0)


def test_tile_images_accepts_stacks_and_rectangles():
    images = np.zeros((2, 2, 3))
    assert tile_images(images, padding=2).shape == (2, 8)
    assert tile_images(images.reshape(2, 6), image_shape=(2, 3), padding=0).shape == (2, 6)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(images=np.zeros((2, 5))), "perfect square"),
        (dict(images=np.zeros((2, 6)), image_shape=(4, 2)), "multiply"),
        (dict(images=np.zeros(4)), "shape"),
        (dict(images=np.zeros((0, 4))), "at least one"),
        (dict(images=np.zeros((2, 4)), n_cols=0), "n_cols"),
        (dict(images=np.zeros((2, 4)), padding=-1), "padding"),
        (dict(images=np.zeros((2, 2, 2)), image_shape=(1, 4)), "match"),
    ],
)
def test_tile_images_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        tile_images(**kwargs)


def test_tile_images_rejects_non_int_columns():
    with pytest.raises(TypeError, match="n_cols"):
        tile_images(np.zeros((2, 4)), n_cols=1.5)


def test_plotting_imports_without_matplotlib():
    import subprocess

    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "import deepbelief.plotting as p\n"
        "print(p.tile_images([[0, 1, 2, 3]]).shape)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(2, 2)"


# ---------------------------------------------------------------------------
# Displays (need matplotlib)


@pytest.fixture(scope="module")
def plt():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")


@pytest.fixture(scope="module")
def digits():
    from deepbelief.datasets import load_digits

    X, y = load_digits()
    return X[:300], y[:300]


@pytest.fixture(scope="module")
def models(digits):
    import warnings

    from deepbelief import (
        DBN,
        BernoulliRBM,
        DBNClassifier,
        DeepAutoencoder,
        MLPClassifier,
        StackedAutoencoder,
    )

    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "rbm": BernoulliRBM(n_components=9, n_iter=2, batch_size=20,
                                validation_fraction=0.2, random_state=0).fit(X),
            "dbn": DBN((9, 4), n_iter=2, batch_size=20, random_state=0).fit(X),
            "clf": DBNClassifier((9, 4), max_iter=2, batch_size=20, early_stopping=True,
                                 pretrainer=DBN((9, 4), n_iter=2, batch_size=20),
                                 random_state=0).fit(X, y),
            "mlp": MLPClassifier((9,), max_iter=2, random_state=0).fit(X, y),
            "sae": StackedAutoencoder((9, 4), n_iter=2, batch_size=20, random_state=0).fit(X),
            "dae": DeepAutoencoder((9, 2), max_iter=2, batch_size=20,
                                   random_state=0).fit(X),
        }


def _png(figure, tmp_path, name):
    """Save ``figure`` as PNG and return the pixels read back."""
    import matplotlib.image

    path = tmp_path / f"{name}.png"
    figure.savefig(path, dpi=50)
    assert path.stat().st_size > 0
    return matplotlib.image.imread(path)


def _assert_drawn(figure, tmp_path, name):
    pixels = _png(figure, tmp_path, name)
    width, height = figure.get_size_inches() * 50
    assert abs(pixels.shape[0] - height) <= 1 and abs(pixels.shape[1] - width) <= 1
    assert pixels.shape[0] > 40 and pixels.shape[1] > 100
    rgb = pixels[..., :3].reshape(-1, 3)
    # not blank: a fair share of the pixels differ from the white background,
    # and in more than a couple of shades
    assert np.mean(np.any(rgb < 0.95, axis=1)) > 0.02
    assert len(np.unique(np.round(rgb, 2), axis=0)) > 5


def test_filters_display_rbm(plt, models, tmp_path):
    from deepbelief.plotting import FiltersDisplay

    rbm = models["rbm"]
    display = FiltersDisplay.from_estimator(rbm, n_filters=4)
    np.testing.assert_allclose(display.filters, rbm.components_[:4])
    assert display.ax_.figure is display.figure_
    _assert_drawn(display.figure_, tmp_path, "filters_rbm")


def test_filters_display_upper_layers_are_weight_products(plt, models, tmp_path):
    from deepbelief.plotting import FiltersDisplay

    dbn, mlp, dae = models["dbn"], models["mlp"], models["dae"]
    display = FiltersDisplay.from_estimator(dbn, layer=1)
    (W0, _), (W1, _) = dbn.layer_weights_
    np.testing.assert_allclose(display.filters, (W0 @ W1).T, rtol=1e-5)
    assert display.filters.shape == (4, 64)
    _assert_drawn(display.figure_, tmp_path, "filters_dbn")
    display = FiltersDisplay.from_estimator(mlp, layer=-1)
    np.testing.assert_allclose(display.filters, (mlp.coefs_[0] @ mlp.coefs_[1]).T, atol=1e-6)
    display = FiltersDisplay.from_estimator(dae, layer=0)
    np.testing.assert_allclose(display.filters, dae.coefs_[0].T)


def test_filters_display_draws_into_given_axes(plt, models):
    from deepbelief.plotting import FiltersDisplay

    fig, axes = plt.subplots(1, 2)
    display = FiltersDisplay.from_estimator(models["clf"], ax=axes[1])
    assert display.ax_ is axes[1] and display.figure_ is fig
    assert len(axes[1].images) == 1 and not axes[0].images


def test_filters_display_rejects_bad_layers_and_models(plt, models):
    from sklearn.exceptions import NotFittedError
    from sklearn.pipeline import make_pipeline

    from deepbelief import BernoulliRBM
    from deepbelief.plotting import FiltersDisplay

    with pytest.raises(ValueError, match="layer must be in"):
        FiltersDisplay.from_estimator(models["dbn"], layer=2)
    with pytest.raises(TypeError, match="layer must be an int"):
        FiltersDisplay.from_estimator(models["dbn"], layer=0.5)
    with pytest.raises(NotFittedError):
        FiltersDisplay.from_estimator(BernoulliRBM())
    with pytest.raises(TypeError, match="not a Pipeline"):
        FiltersDisplay.from_estimator(make_pipeline(models["rbm"]))


def test_samples_display_rows_follow_the_same_chains(plt, models, tmp_path):
    from deepbelief.plotting import SamplesDisplay

    rbm = models["rbm"]
    display = SamplesDisplay.from_estimator(rbm, n_samples=5, n_steps=(1, 20), random_state=3)
    assert display.samples.shape == (2, 5, 64)
    np.testing.assert_array_equal(display.samples[1], rbm.sample(5, n_steps=20, random_state=3))
    labels = [t.get_text() for t in display.ax_.get_yticklabels()]
    assert labels == ["1 steps", "20 steps"]
    _assert_drawn(display.figure_, tmp_path, "samples_rbm")


def test_samples_display_dbn(plt, models, tmp_path):
    from deepbelief.plotting import SamplesDisplay

    dbn = models["dbn"]
    display = SamplesDisplay.from_estimator(dbn, n_samples=4, n_steps=7, random_state=1)
    np.testing.assert_allclose(display.samples[0], dbn.sample(4, n_gibbs=7, random_state=1))
    assert "7 Gibbs steps" in display.ax_.get_title()
    _assert_drawn(display.figure_, tmp_path, "samples_dbn")
    with pytest.raises(TypeError, match="RBM or DBN"):
        SamplesDisplay.from_estimator(models["mlp"])
    with pytest.raises(ValueError, match="n_steps"):
        SamplesDisplay.from_estimator(dbn, n_steps=[])


def test_history_display_single_estimator(plt, models, tmp_path):
    from deepbelief.plotting import HistoryDisplay

    rbm = models["rbm"]
    display = HistoryDisplay.from_estimator(rbm)
    assert display.ax_.shape == (1, 4)  # pseudo-likelihood, reconstruction, gap, schedule
    line = display.lines_[("BernoulliRBM", "free_energy_gap")]
    np.testing.assert_allclose(line.get_ydata(), rbm.history_["free_energy_gap"])
    np.testing.assert_array_equal(line.get_xdata(), [1, 2])
    _assert_drawn(display.figure_, tmp_path, "history_rbm")


def test_history_display_pretrained_and_fine_tuned(plt, models, tmp_path):
    from deepbelief.plotting import HistoryDisplay

    dbn, clf = models["dbn"], models["clf"]
    display = HistoryDisplay.from_estimator(dbn)
    assert [label for label, _ in display.sections] == ["layer 0 (64-9)", "layer 1 (9-4)"]
    assert display.sections[1][1] == dbn.rbms_[1].history_
    _assert_drawn(display.figure_, tmp_path, "history_dbn")

    display = HistoryDisplay.from_estimator(clf)
    labels = [label for label, _ in display.sections]
    assert labels == ["pretraining layer 0 (64-9)", "pretraining layer 1 (9-4)", "fine-tuning"]
    np.testing.assert_allclose(display.lines_[("fine-tuning", "val_error")].get_ydata(),
                               clf.history_["val_error"])
    assert ("fine-tuning", "pseudo_likelihood") not in display.lines_
    _assert_drawn(display.figure_, tmp_path, "history_clf")


def test_stacked_autoencoder_filters_history_and_reconstructions(plt, models, digits,
                                                                 tmp_path):
    from deepbelief.plotting import FiltersDisplay, HistoryDisplay, ReconstructionDisplay

    X, _ = digits
    sae = models["sae"]
    display = FiltersDisplay.from_estimator(sae, layer=1)
    (W0, _), (W1, _) = sae.layer_weights_
    np.testing.assert_allclose(display.filters, (W0 @ W1).T, rtol=1e-5)
    display = HistoryDisplay.from_estimator(sae)
    assert [label for label, _ in display.sections] == ["layer 0 (64-9)", "layer 1 (9-4)"]
    assert display.ax_.shape == (2, 3)  # loss, reconstruction error, schedule per layer
    _assert_drawn(display.figure_, tmp_path, "history_sae")
    display = ReconstructionDisplay.from_estimator(sae, X, n_images=4)
    np.testing.assert_allclose(display.X_reconstructed,
                               sae.inverse_transform(sae.transform(X[:4])))


def test_history_display_of_a_pipeline(plt, models, digits):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from deepbelief import DBN
    from deepbelief.plotting import HistoryDisplay

    X, y = digits
    pipe = make_pipeline(DBN((4,), n_iter=2, random_state=0),
                         LogisticRegression(max_iter=50)).fit(X, y)
    display = HistoryDisplay.from_estimator(pipe)
    assert [label for label, _ in display.sections] == ["dbn: layer 0 (64-4)"]
    with pytest.raises(ValueError, match="no training history"):
        HistoryDisplay.from_estimator(make_pipeline(LogisticRegression()).fit(X, y))


def test_history_display_panels_and_axes(plt, models):
    from deepbelief.plotting import HistoryDisplay

    fig, axes = plt.subplots(1, 3)
    display = HistoryDisplay.from_estimator(models["dbn"], panels=["reconstruction_error"],
                                            ax=axes)
    assert display.figure_ is fig
    assert axes[0].lines and axes[1].lines and not axes[2].lines
    with pytest.raises(ValueError, match="panels must be names"):
        HistoryDisplay.from_estimator(models["dbn"], panels=["accuracy"])
    with pytest.raises(ValueError, match="at least 2 axes"):
        HistoryDisplay.from_estimator(models["dbn"], panels=["reconstruction_error"],
                                      ax=axes[:1])
    with pytest.raises(ValueError, match="none of the panels"):
        HistoryDisplay.from_estimator(models["mlp"], panels=["pseudo_likelihood"])


def test_reconstruction_display(plt, models, digits, tmp_path):
    from deepbelief.plotting import ReconstructionDisplay

    X, _ = digits
    for name in ("rbm", "dbn", "dae"):
        display = ReconstructionDisplay.from_estimator(models[name], X, n_images=6, n_cols=4)
        assert display.X_reconstructed.shape == (6, 64)
        labels = [t.get_text() for t in display.ax_.get_yticklabels()]
        assert labels == ["input", "reconstruction"] * 2
        _assert_drawn(display.figure_, tmp_path, f"reconstruction_{name}")
    rbm = models["rbm"]
    display = ReconstructionDisplay.from_estimator(rbm, X, n_images=3)
    np.testing.assert_allclose(display.X_reconstructed, rbm.reconstruct(X[:3]))
    expected = np.mean(np.sum((X[:3] - rbm.reconstruct(X[:3])) ** 2, axis=1))
    assert display.mean_squared_error_ == pytest.approx(expected)
    # the DBN goes up through both layers and down again
    dbn = models["dbn"]
    H = dbn.transform(X[:3])
    for (W, b) in dbn.decoder_weights_[::-1]:
        H = 1 / (1 + np.exp(-(H @ W + b)))
    display = ReconstructionDisplay.from_estimator(dbn, X, n_images=3)
    np.testing.assert_allclose(display.X_reconstructed, H, rtol=1e-6)
    with pytest.raises(TypeError, match="reconstruct"):
        ReconstructionDisplay.from_estimator(models["mlp"], X)


def test_codes_display(plt, models, digits, tmp_path):
    from sklearn.decomposition import PCA

    from deepbelief.plotting import CodesDisplay

    X, y = digits
    dae = models["dae"]
    display = CodesDisplay.from_estimator(dae, X, y)
    assert len(display.collections_) == len(np.unique(y))
    np.testing.assert_allclose(display.codes, dae.transform(X))
    assert len(display.ax_.get_legend().get_texts()) == 10
    _assert_drawn(display.figure_, tmp_path, "codes_dae")
    display = CodesDisplay.from_estimator(PCA(3).fit(X), X, dims=(2, 0))
    np.testing.assert_allclose(display.codes, PCA(3).fit(X).transform(X)[:, [2, 0]])
    display = CodesDisplay(X[:, 20:22], np.linspace(0, 1, len(X)))  # continuous: a colour bar
    display.plot()
    assert len(display.figure_.axes) == 2
    _assert_drawn(display.figure_, tmp_path, "codes_continuous")
    with pytest.raises(ValueError, match="at least 2 columns"):
        CodesDisplay.from_estimator(PCA(1).fit(X), X)
    with pytest.raises(ValueError, match="dims must be < 2"):
        CodesDisplay.from_estimator(dae, X, dims=(0, 2))


def test_missing_matplotlib_names_the_extra(monkeypatch, models):
    from deepbelief.plotting import FiltersDisplay

    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r'pip install "deepbelief\[plot\]"'):
        FiltersDisplay.from_estimator(models["rbm"])


def test_compression_display(plt, digits, tmp_path):
    from deepbelief import MLPClassifier, compress
    from deepbelief.plotting import CompressionDisplay

    X, y = digits
    clf = MLPClassifier((24,), max_iter=15, random_state=0).fit(X[:200], y[:200])
    small = [compress(clf, X[:200], y[:200], sparsity=s, bits=3, retrain_epochs=1,
                      finetune_epochs=0, random_state=0) for s in (0.9, 0.5)]
    display = CompressionDisplay.from_models([clf] + small, X[200:], y[200:],
                                             labels=["dense", "90%", "50%"])
    # the points: the dense model at 1, each compressed model at its own ratio
    # and its own held-out error, drawn in the order of the ratios
    expected = [1.0] + [m.compression_ratio_["storage"] for m in small]
    np.testing.assert_allclose(display.ratios, expected)
    np.testing.assert_allclose(display.errors[1], 1 - small[0].score(X[200:], y[200:]))
    xs = display.line_.get_xdata()
    assert list(xs) == sorted(expected) and xs[0] == 1.0
    assert display.ax_.get_xscale() == "log" and display.estimator_name == "MLPClassifier"
    assert len(display.ax_.texts) == 3
    _assert_drawn(display.figure_, tmp_path, "compression")
    params = CompressionDisplay.from_models(small, X[200:], y[200:], kind="parameters")
    np.testing.assert_allclose(params.ratios, [m.compression_ratio_["parameters"]
                                               for m in small])
    with pytest.raises(ValueError, match="kind must be"):
        CompressionDisplay.from_models(small, X, y, kind="bits")
    with pytest.raises(ValueError, match="one entry per point"):
        CompressionDisplay([1.0, 2.0], [0.1, 0.2], labels=["a"]).plot()
