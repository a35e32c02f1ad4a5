"""The ``deepbelief`` command (also ``python -m deepbelief``).

``demo`` measures what the library adds to scikit-learn on its bundled
digits (about 20 s on two busy cores; 30 s on a machine's first run,
which compiles the kernels; ``--quick`` a few seconds); ``train``,
``evaluate``, ``sample`` and ``info`` fit, measure, draw from and describe
model files written by :func:`deepbelief.persistence.save`. A bad argument,
a missing file or bad data is reported in one line, with exit status 2.
"""

import argparse
import ast
import json
import os
import sys
import time
import zlib


# ----------------------------------------------------------------- demo

# The demo's settings: (full run, --quick). Measured on two busy cores: the
# full run 13 to 25 s with the kernels cached, 26 to 35 s on the first run
# (compiling them); --quick about 3 s.
_DEMO_SETTINGS = {
    "repeats": (3, 1),            # fits per library in the speed comparison
    "rbm_epochs": (10, 3),        # scikit-learn's default n_iter
    "draws": (3, 1),              # draws of the labelled images
    "pretrain_epochs": (20, 5),   # CD-1 epochs per DBN layer
    "finetune_epochs": (50, 10),  # backpropagation epochs
    "n_gibbs": (200, 50),         # Gibbs steps per DBN sample
    "ais_runs": (100, 10),        # AIS runs (and the default 14,501 temperatures)
}
_DEMO_LAYERS = (128, 64)
_LABELS_PER_CLASS = 10


def _demo(args):
    """Three sections on scikit-learn's bundled digits, each printed as it
    finishes: the drop-in speed-up, pretraining against random
    initialisation when labels are scarce, and four things scikit-learn
    has no counterpart for. ``--out DIR`` adds PNG figures."""
    from sklearn.model_selection import train_test_split

    from .datasets import load_digits

    settings = {k: v[1] if args.quick else v[0] for k, v in _DEMO_SETTINGS.items()}
    plt = _demo_pyplot() if args.out else None
    start = time.perf_counter()
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, random_state=args.random_state, stratify=y)
    _say(f"deepbelief demo: scikit-learn's bundled digits, {len(X)} images of 8x8 "
         f"pixels in [0, 1]; {len(X_train)} for training, {len(X_test)} for testing"
         f"{' (--quick: fewer epochs and draws)' if args.quick else ''}.", indent=0)

    rbms = _demo_speed(args, settings, X_train, X_test)
    runs = _demo_pretraining(args, settings, X_train, X_test, y_train, y_test)
    extras = _demo_extras(args, settings, rbms["deepbelief"][0], runs,
                          X_train, X_test, y_train, y_test)
    if plt is not None:
        _demo_figures(plt, args.out, rbms, runs, extras)
    print(f"\ntotal wall time: {time.perf_counter() - start:.1f} s")
    return 0


def _say(text, indent=3):
    """Print a paragraph wrapped to 88 columns (a leading newline kept)."""
    import textwrap

    lead = "\n" if text.startswith("\n") else ""
    print(lead + textwrap.fill(text.lstrip("\n"), width=88, initial_indent=" " * indent,
                               subsequent_indent=" " * (indent + 3 if indent == 0 else indent),
                               break_on_hyphens=False), flush=True)


def _demo_pyplot():
    try:
        import matplotlib
    except ImportError:
        raise CommandError("--out: the figures need matplotlib: pip install "
                           "'deepbelief[plot]' (or leave out --out).") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _reconstruction_error(rbm, X):
    """Squared error per image of the mean-field reconstruction, computed
    from the fitted attributes alone, so both libraries are measured alike."""
    import numpy as np
    from scipy.special import expit

    X = np.asarray(X, dtype=np.float64)
    W = np.asarray(rbm.components_, dtype=np.float64)
    H = expit(X @ W.T + rbm.intercept_hidden_)
    R = expit(H @ W + rbm.intercept_visible_)
    return float(np.mean(np.sum((R - X) ** 2, axis=1)))


def _demo_speed(args, settings, X_train, X_test):
    import numpy as np
    from sklearn.neural_network import BernoulliRBM as SklearnRBM

    from . import BernoulliRBM

    params = dict(n_components=256, learning_rate=0.1, batch_size=10,
                  n_iter=settings["rbm_epochs"])
    t0 = time.perf_counter()
    BernoulliRBM(n_components=4, n_iter=1).fit(X_train[:20])
    first_use = time.perf_counter() - t0
    seconds = {"scikit-learn": [], "deepbelief": []}
    models = {}
    for i in range(settings["repeats"]):  # alternating, so both see the same load
        for name, cls in (("scikit-learn", SklearnRBM), ("deepbelief", BernoulliRBM)):
            t0 = time.perf_counter()
            models[name] = cls(random_state=args.random_state + i, **params).fit(X_train)
            seconds[name].append(time.perf_counter() - t0)
    rows = {name: (models[name], float(np.median(s)),
                   _reconstruction_error(models[name], X_test))
            for name, s in seconds.items()}
    ratio = rows["scikit-learn"][1] / rows["deepbelief"][1]
    median = f"the median of {settings['repeats']} fits, " if settings["repeats"] > 1 else ""
    _say(f"\n1. The drop-in speed-up. BernoulliRBM(n_components=256, learning_rate=0.1, "
         f"batch_size=10, n_iter={params['n_iter']}) fitted by each library on the same "
         f"training images ({median}in this run; only the import differs):", indent=0)
    print(f"   {'library':<14}{'fit seconds':>12}{'test reconstruction error':>28}")
    for name, (_, s, err) in rows.items():
        print(f"   {name:<14}{s:>12.3f}{err:>28.2f}")
    _say(f"deepbelief fits {ratio:.1f}x as fast here. With 64 pixels the matrix "
         "products are small and per-batch costs weigh; on MNIST (784 pixels, 500 "
         "hidden units) bench_rbm measured 1.6x to 2.2x (benchmarks/RESULTS.md). "
         f"Loading its compiled kernels took {first_use:.1f} s before the timed fits "
         "(on a machine's first run they are compiled, once, and cached).")
    return rows


def _finetune(pretrainer, X, y, classes, epochs, seed, X_test, y_test):
    """A DBNClassifier fine-tuned epoch by epoch (partial_fit), with its test
    error after every epoch."""
    from . import DBNClassifier

    clf = DBNClassifier(_DEMO_LAYERS, pretrainer=pretrainer, batch_size=10,
                        learning_rate_init=0.1, momentum=0.9, random_state=seed)
    curve = []
    for _ in range(epochs):
        clf.partial_fit(X, y, classes=classes)
        curve.append(1.0 - clf.score(X_test, y_test))
    return clf, curve


def _demo_pretraining(args, settings, X_train, X_test, y_train, y_test):
    import numpy as np
    from sklearn.frozen import FrozenEstimator
    from sklearn.linear_model import LogisticRegression

    from . import DBN

    classes = np.unique(y_train)
    names = ("pretrained DBN", "random initialisation", "logistic regression")
    n_few = _LABELS_PER_CLASS * len(classes)
    errors = {(n, name): [] for n in (n_few, len(y_train)) for name in names}
    curves = {name: [] for name in names[:2]}
    runs = {"dbns": [], "classifiers": [], "curves": curves, "n_few": n_few}
    epochs = settings["finetune_epochs"]
    for draw in range(settings["draws"]):
        seed = args.random_state + draw
        dbn = DBN(_DEMO_LAYERS, n_iter=settings["pretrain_epochs"], batch_size=10,
                  learning_rate=0.05, random_state=seed).fit(X_train)  # no labels
        runs["dbns"].append(dbn)
        rng = np.random.default_rng(seed)
        few = np.concatenate([rng.choice(np.flatnonzero(y_train == c), _LABELS_PER_CLASS,
                                         replace=False) for c in classes])
        for rows in (few, np.arange(len(y_train))):
            n = len(rows)
            for name, pre in zip(names, (FrozenEstimator(dbn), None)):
                clf, curve = _finetune(pre, X_train[rows], y_train[rows], classes, epochs,
                                       seed, X_test, y_test)
                errors[n, name].append(curve[-1])
                if n == n_few:
                    curves[name].append(curve)
                elif draw == 0 and pre is not None:
                    runs["classifiers"].append(clf)
            logistic = LogisticRegression(max_iter=5000).fit(X_train[rows], y_train[rows])
            errors[n, names[2]].append(1.0 - logistic.score(X_test, y_test))
    runs["errors"] = errors

    shape = "-".join(str(s) for s in (X_train.shape[1], *_DEMO_LAYERS))
    draws = settings["draws"]
    columns = ", one column per draw of the labelled images and seeds" if draws > 1 else ""
    _say(f"\n2. Pretraining when labels are scarce. A DBN {shape} learns from all "
         f"{len(X_train)} training images without their labels (CD-1, "
         f"{settings['pretrain_epochs']} epochs per layer); DBNClassifier then fine-tunes "
         f"it by backpropagation ({epochs} epochs) on {_LABELS_PER_CLASS} labelled images "
         f"per class. The same network from random weights, and logistic regression on "
         f"the pixels, learn from the same {n_few} images; then all three from every "
         f"label. Test error{columns}:", indent=0)
    header = "".join(f"{'draw ' + str(d + 1):>9}" for d in range(draws))
    print(f"   {'labels':>6}  {'model':<24}{header}{'mean':>9}")
    for (n, name), values in errors.items():
        cells = "".join(f"{v:>9.3f}" for v in values)
        print(f"   {n:>6}  {name:<24}{cells}{np.mean(values):>9.3f}")
    marks = sorted({e for e in (1, 5, 10, 25, 50, epochs) if e <= epochs})
    _say(f"Test error while fine-tuning on {n_few} labels (mean over draws) after "
         f"epoch {', '.join(map(str, marks))}:")
    for name, values in curves.items():
        mean = np.mean(values, axis=0)
        print(f"     {name:<24}" + "".join(f"{mean[e - 1]:>7.3f}" for e in marks))
    n_test = len(y_test)
    few = _verdict(errors[n_few, names[0]], errors[n_few, names[1]], n_test)
    full = _verdict(errors[len(y_train), names[0]], errors[len(y_train), names[1]], n_test)
    _say(f"With {n_few} labels, pretraining {few}: the unlabelled images teach the "
         f"network features that {n_few} labels alone do not. With all {len(y_train)} "
         f"labels it {full}: the labelled images are now the very images it pretrained "
         "on, so pretraining brings no new information, only another starting point "
         "(over --random-state 0 to 5, 18 draws: 0.084 against 0.097 with 100 labels, "
         "lower in 14; 0.019 against 0.020 with all, lower in 10).")
    return runs


def _verdict(pretrained, random, n_test):
    """How pretraining changed the mean test error, in words and in test
    images, and in how many draws it did better."""
    import numpy as np

    before, after = float(np.mean(random)), float(np.mean(pretrained))
    verb = "lowers" if after < before else "raises" if after > before else "leaves"
    wins = sum(p < r for p, r in zip(pretrained, random))
    return (f"{verb} the mean test error from {before:.3f} to {after:.3f} "
            f"({(after - before) * n_test:+.1f} misclassified of {n_test} test images; "
            f"lower in {wins} of {len(random)} draws)")


def _demo_extras(args, settings, rbm, runs, X_train, X_test, y_train, y_test):
    import tempfile

    from sklearn.linear_model import LogisticRegression

    from . import BernoulliRBM, compress

    _say("\n3. What scikit-learn has no counterpart for.", indent=0)
    dbn = runs["dbns"][0]
    samples = dbn.sample(10, n_gibbs=settings["n_gibbs"], random_state=args.random_state)
    reader = LogisticRegression(max_iter=5000).fit(X_train, y_train)
    read = reader.predict(samples)
    _say(f"Sampling: 10 images drawn from the pretrained DBN ({settings['n_gibbs']} Gibbs "
         "steps in its top RBM from random states, then a mean-field pass down):")
    for row in (samples[:5], samples[5:]):
        for line in _ascii_images(row):
            print("     " + line)
        print()
    _say(f"A logistic regression trained on the digits reads them as "
         f"{' '.join(map(str, read))}: {len(set(read.tolist()))} different digits.")

    t0 = time.perf_counter()
    ll = rbm.log_likelihood(X_test, method="ais", n_runs=settings["ais_runs"],
                            random_state=args.random_state)
    _say(f"Log-likelihood: the RBM of section 1 gives the test images {ll:.2f} nats per "
         f"image by annealed importance sampling ({settings['ais_runs']} runs, "
         f"{time.perf_counter() - t0:.1f} s); scikit-learn's RBM has only the "
         "pseudo-likelihood.")

    with tempfile.TemporaryDirectory() as folder:
        t0 = time.perf_counter()
        stopped = BernoulliRBM(n_components=256, n_iter=100, validation_fraction=0.1,
                               early_stopping=True, checkpoint_dir=folder,
                               random_state=args.random_state).fit(X_train)
        files = sorted(os.listdir(folder))
    _say(f"Early stopping with checkpoints: a BernoulliRBM allowed 100 epochs stopped "
         f"after {stopped.n_iter_} ({time.perf_counter() - t0:.1f} s), when the "
         f"pseudo-likelihood of a held-out 10% had not improved for "
         f"{stopped.n_iter_no_change} epochs, and kept the weights of its best epoch, "
         f"{stopped.best_epoch_}; after every epoch it wrote a checkpoint (the last "
         f"files: {', '.join(files)}), from which an interrupted fit resumes bit for bit "
         "(examples/09_checkpoints.py).")

    clf = runs["classifiers"][0]
    t0 = time.perf_counter()
    small = compress(clf, X_train, y_train, sparsity=0.8, bits=4,
                     random_state=args.random_state)
    seconds = time.perf_counter() - t0
    dense = small.stages_[0]["nbytes"]
    _say(f"Compression: the DBNClassifier fine-tuned on every label, pruned to 20% of "
         f"its weights, 16 shared values per layer and Huffman-coded ({seconds:.1f} s), "
         f"shrinks from {dense:,} to {small.nbytes:,} bytes "
         f"({small.compression_ratio_['storage']:.1f}x); test error "
         f"{1 - clf.score(X_test, y_test):.3f} before, {1 - small.score(X_test, y_test):.3f} "
         "after.")
    return {"dbn": dbn, "read": read}


def _demo_figures(plt, folder, rbms, runs, extras):
    import numpy as np

    from .plotting import FiltersDisplay, SamplesDisplay

    os.makedirs(folder, exist_ok=True)
    written = []

    def save(fig, name):
        path = os.path.join(folder, name)
        fig.savefig(path, dpi=80)
        plt.close(fig)
        written.append(path)

    fig, axes = plt.subplots(1, 2, figsize=(9, 4.8), layout="constrained")
    for ax, (name, (rbm, seconds, _)) in zip(axes, rbms.items()):
        FiltersDisplay.from_estimator(rbm, n_filters=64, image_shape=(8, 8), ax=ax)
        ax.set_title(f"{name}: fitted in {seconds:.2f} s", fontsize=10)
    save(fig, "demo_filters.png")

    fig, ax = plt.subplots(figsize=(5.5, 3.6), layout="constrained")
    for (name, curves), colour in zip(runs["curves"].items(), ("C0", "C1")):
        for i, curve in enumerate(curves):
            ax.plot(np.arange(1, len(curve) + 1), curve, color=colour, alpha=0.8,
                    linewidth=1, label=name if i == 0 else None)
    ax.set_xlabel("fine-tuning epoch")
    ax.set_ylabel("test error")
    ax.set_yscale("log")
    ax.set_title(f"{runs['n_few']} labels, one line per draw", fontsize=10)
    ax.legend()
    save(fig, "demo_learning_curves.png")

    display = SamplesDisplay.from_estimator(extras["dbn"], n_samples=10,
                                            n_steps=[10, 100, 1000], image_shape=(8, 8))
    display.ax_.set_title("samples of the pretrained DBN, by Gibbs steps", fontsize=10)
    save(display.figure_, "demo_samples.png")
    print(f"\nwrote {', '.join(written)}")


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


# ----------------------------------------------------------------- helpers


class CommandError(Exception):
    """A problem with the command's arguments or input: one line, status 2."""


class _Parser(argparse.ArgumentParser):
    """Reports a usage error in one line (argparse would add the usage)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def _model_classes():
    from sklearn.base import BaseEstimator

    import deepbelief

    return {name: getattr(deepbelief, name) for name in deepbelief.__all__
            if isinstance(getattr(deepbelief, name), type)
            and issubclass(getattr(deepbelief, name), BaseEstimator)}


def _model_class(name):
    classes = _model_classes()
    for key, cls in classes.items():
        if key.lower() == name.lower():
            return cls
    raise CommandError(f"unknown MODEL {name!r}; choose one of {', '.join(classes)}.")


def _parse_value(text):
    """A --param value: JSON (numbers, true/false/null, lists), a Python
    literal (tuples), or else the string itself."""
    for parse in (json.loads, ast.literal_eval):
        try:
            return parse(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            pass
    return text


def _parse_params(items):
    params = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise CommandError(f"--param must be NAME=VALUE; got {item!r}.")
        params[name.strip()] = _parse_value(value.strip())
    return params


def _is_supervised(model):
    from sklearn.base import is_classifier, is_regressor

    return is_classifier(model) or is_regressor(model)


def _scale(X, how):
    import numpy as np

    if how == "none":
        return X
    if how == "max":
        top = float(np.max(np.abs(X))) if X.size else 0.0
        return X / top if top > 0 else X.astype(np.float64)
    # auto: 8-bit images (MNIST's IDX files) become values in [0, 1]
    if X.dtype == np.uint8:
        return X.astype(np.float32) / np.float32(255)
    return X


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _read_csv(path, label_column):
    import numpy as np

    with open(path, encoding="utf-8") as f:
        first = [v.strip() for v in f.readline().strip().split(",")]
    names = None if all(_is_number(v) for v in first) else first
    try:
        table = np.loadtxt(path, delimiter=",", skiprows=1 if names else 0, ndmin=2)
    except ValueError as exc:
        raise CommandError(f"{path}: cannot read it as a CSV of numbers ({exc}).") from None
    if label_column is None:
        label_column = "label" if names and "label" in names else "-1"
    if names and label_column in names:
        index = names.index(label_column)
    else:
        try:
            index = int(label_column)
        except ValueError:
            raise CommandError(f"--label-column {label_column!r} is not a column of {path} "
                               f"(columns: {', '.join(names or [])}).") from None
    if not -table.shape[1] <= index < table.shape[1]:
        raise CommandError(f"--label-column {index} is out of range: {path} has "
                           f"{table.shape[1]} columns.")
    y = table[:, index]
    X = np.delete(table, index, axis=1)
    if np.all(y == np.round(y)):
        y = y.astype(np.int64)
    return X, y


def _load_data(path, subset="train", label_column=None, scale="auto"):
    """``(X, y)`` from an MNIST folder, an ``.npz`` with ``X`` (and ``y``) or a
    CSV with a label column; ``y`` is None when the data has no labels."""
    import numpy as np

    if not os.path.exists(path):
        raise CommandError(f"--data {path!r}: no such file or folder.")
    if os.path.isdir(path):
        from .datasets import load_mnist

        try:
            X, y = load_mnist(path, subset=subset)
        except (OSError, ValueError) as exc:
            raise CommandError(f"--data {path!r}: {exc}") from None
    elif path.endswith(".npz"):
        try:
            with np.load(path, allow_pickle=False) as data:
                if "X" not in data:
                    raise CommandError(f"--data {path!r} has no array named X (it has "
                                       f"{', '.join(data.files) or 'none'}).")
                X = data["X"]
                y = data["y"] if "y" in data else None
        except (OSError, ValueError) as exc:
            raise CommandError(f"--data {path!r}: cannot read it as .npz ({exc}).") from None
    elif path.endswith(".csv"):
        X, y = _read_csv(path, label_column)
    else:
        raise CommandError(f"--data {path!r}: expected a folder of MNIST IDX files, an "
                           ".npz file with X and y, or a .csv file.")
    if X.ndim != 2:
        X = X.reshape(X.shape[0], -1)
    return _scale(X, scale), y


def _load_model(path):
    from .persistence import load

    if not os.path.exists(path):
        raise CommandError(f"{path!r}: no such model file.")
    try:
        return load(path)
    except (ValueError, TypeError) as exc:
        raise CommandError(str(exc)) from None


def _verbose_default(model):
    """Per-epoch lines: stacks pass verbose - 1 to their layers."""
    from . import DBN, StackedAutoencoder

    return 2 if isinstance(model, (DBN, StackedAutoencoder)) else 1


# ----------------------------------------------------------------- train


def _configure(model, params):
    """``model.set_params(**params)``; nested ``pretrainer__*`` settings of a
    DBNClassifier/DBNRegressor whose pretrainer is "auto" go to the DBN that
    "auto" stands for."""
    from . import DBN, DBNClassifier, DBNRegressor

    plain = {k: v for k, v in params.items() if "__" not in k}
    nested = {k: v for k, v in params.items() if "__" in k}
    try:
        model.set_params(**plain)
        pre = model.get_params().get("pretrainer")
        if any(k.startswith("pretrainer__") for k in nested) and isinstance(pre, str):
            if not isinstance(model, (DBNClassifier, DBNRegressor)):
                raise CommandError(
                    f"--param {next(iter(nested))}: the pretrainer is {pre!r}; give "
                    "the settings of an explicit pretrainer in Python instead.")
            model.set_params(pretrainer=DBN(model.hidden_layer_sizes))
        model.set_params(**nested)
    except (ValueError, TypeError, AttributeError) as exc:
        raise CommandError(f"--param: {exc}".replace("\n", " ")) from None
    return model


def _train(args):
    from .persistence import save

    cls = _model_class(args.model)
    params = _parse_params(args.param)
    model = _configure(cls(), params)
    given_verbose = model.get_params().get("verbose")
    if "verbose" not in params and "verbose" in model.get_params() and not args.quiet:
        model.set_params(verbose=_verbose_default(model))
    if args.max_samples is not None and args.max_samples < 1:
        raise CommandError(f"--max-samples must be >= 1; got {args.max_samples}.")
    X, y = _load_data(args.data, args.subset, args.label_column, args.scale)
    if args.max_samples is not None:
        X = X[:args.max_samples]
        y = None if y is None else y[:args.max_samples]
    supervised = _is_supervised(model)
    if supervised and y is None:
        raise CommandError(f"{cls.__name__} needs labels, and {args.data!r} has none.")
    print(f"training {cls.__name__} on {X.shape[0]} samples of {X.shape[1]} features "
          f"from {args.data}", flush=True)
    start = time.perf_counter()
    try:
        model.fit(X, y) if supervised else model.fit(X)
    except (ValueError, TypeError) as exc:
        raise CommandError(str(exc).replace("\n", " ")) from None
    seconds = time.perf_counter() - start
    if "verbose" in model.get_params():
        model.set_params(verbose=given_verbose)  # progress was for this run only
    try:
        save(model, args.out)
    except (OSError, TypeError) as exc:
        raise CommandError(f"--out {args.out!r}: {exc}") from None
    print(f"fitted in {seconds:.1f} s; wrote {args.out}")
    return 0


# ----------------------------------------------------------------- evaluate


def _metrics(model, X, y, ais):
    """``(name, value)`` pairs measuring ``model`` on ``X`` (and ``y``)."""
    import numpy as np
    from sklearn.base import is_classifier

    from . import DBN
    from .rbm import _BaseRBM

    if _is_supervised(model):
        if y is None:
            raise CommandError("this data has no labels, which a supervised model needs.")
        name = "accuracy" if is_classifier(model) else "R^2"
        return [(name, model.score(X, y))]
    if isinstance(model, _BaseRBM):
        return _rbm_metrics(model, X, ais)
    if isinstance(model, DBN):
        rows, H = [], X
        for i, rbm in enumerate(model.rbms_):
            rows += [(f"layer {i} {name}", value)
                     for name, value in _rbm_metrics(rbm, H, ais and i == 0)]
            H = rbm.transform(H)
        return rows
    if hasattr(model, "inverse_transform") and hasattr(model, "score"):
        return [("reconstruction error (squared, per sample)", -model.score(X))]
    Z = model.transform(X)
    return [("transformed mean", float(np.mean(Z))), ("transformed std", float(np.std(Z)))]


def _rbm_metrics(rbm, X, ais):
    import numpy as np

    X = np.asarray(X, dtype=rbm.components_.dtype)
    rows = [("reconstruction error (squared, per value)",
             float(np.mean((rbm.reconstruct(X) - X) ** 2)))]
    if type(rbm).__name__ == "BernoulliRBM":
        rows.append(("pseudo-likelihood (per sample)", rbm.score(X)))
    if ais:
        rows.append(("AIS log-likelihood (nats per sample)",
                     rbm.log_likelihood(X, method="ais", random_state=0)))
    return rows


def _evaluate(args):
    model = _load_model(args.file)
    _check_fitted(model, args.file)
    X, y = _load_data(args.data, args.subset, args.label_column, args.scale)
    n_features = getattr(model, "n_features_in_", X.shape[1])
    if X.shape[1] != n_features:
        raise CommandError(f"--data {args.data!r} has {X.shape[1]} features; the model "
                           f"was fitted on {n_features}.")
    try:
        rows = _metrics(model, X, y, args.ais)
    except (ValueError, TypeError) as exc:
        raise CommandError(str(exc).replace("\n", " ")) from None
    print(f"{type(model).__name__} on {X.shape[0]} samples from {args.data}:")
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"  {name:<{width}}  {value:.4f}")
    return 0


def _check_fitted(model, path):
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(model)
    except NotFittedError:
        raise CommandError(f"{path!r} holds an unfitted {type(model).__name__}.") from None


# ----------------------------------------------------------------- sample


def write_png(path, image):
    """Write a 2-D array of values in [0, 1] as an 8-bit greyscale PNG.

    numpy and zlib only, so sample grids need no plotting library.
    """
    import struct

    import numpy as np

    pixels = np.round(np.clip(np.asarray(image, dtype=np.float64), 0, 1) * 255)
    pixels = pixels.astype(np.uint8)
    height, width = pixels.shape
    rows = np.zeros((height, width + 1), dtype=np.uint8)  # filter byte 0 per row
    rows[:, 1:] = pixels

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                + chunk(b"IDAT", zlib.compress(rows.tobytes(), 9)) + chunk(b"IEND", b""))


def _sample(args):
    import numpy as np

    from . import DBN
    from .plotting import tile_images
    from .rbm import _BaseRBM

    model = _load_model(args.file)
    if not isinstance(model, (_BaseRBM, DBN)):
        raise CommandError(f"{args.file!r} holds a {type(model).__name__}; sample needs an "
                           "RBM or a DBN.")
    _check_fitted(model, args.file)
    if args.n < 1:
        raise CommandError(f"--n must be >= 1; got {args.n}.")
    if args.n_gibbs < 1:
        raise CommandError(f"--n-gibbs must be >= 1; got {args.n_gibbs}.")
    if isinstance(model, DBN):
        images = model.sample(args.n, n_gibbs=args.n_gibbs, random_state=args.random_state)
    else:
        images = model.sample(args.n, n_steps=args.n_gibbs, random_state=args.random_state)
    shape = tuple(args.image_shape) if args.image_shape else None
    try:
        grid = tile_images(images, image_shape=shape, scale=False)
    except (ValueError, TypeError) as exc:
        raise CommandError(f"{exc} (set --image-shape HEIGHT WIDTH)") from None
    if args.zoom < 1:
        raise CommandError(f"--zoom must be >= 1; got {args.zoom}.")
    grid = np.kron(grid, np.ones((args.zoom, args.zoom)))
    if args.out.endswith(".npy"):
        np.save(args.out, images)
    else:
        try:
            write_png(args.out, grid)
        except OSError as exc:
            raise CommandError(f"--out {args.out!r}: {exc.strerror}.") from None
    print(f"wrote {args.n} samples ({args.n_gibbs} Gibbs steps) from {args.file} to "
          f"{args.out}: {grid.shape[1]}x{grid.shape[0]} pixels")
    return 0


# ----------------------------------------------------------------- info


def _info(args):
    import numpy as np

    from .persistence import read_header

    model = _load_model(args.file)
    header = read_header(args.file)
    print(f"{args.file}: {type(model).__name__} ({header['class']})")
    print(f"  format version {header['format_version']}, written by deepbelief "
          f"{header['library_version']}, {os.path.getsize(args.file)} bytes")
    defaults = type(model)().get_params(deep=False)
    params = model.get_params(deep=False)
    changed = {k: v for k, v in params.items() if repr(v) != repr(defaults.get(k))}
    print("  parameters (non-default): " + (", ".join(
        f"{k}={v!r}" for k, v in changed.items()) or "none"))
    fitted = [k for k in vars(model) if k.endswith("_") and not k.startswith("_")]
    if not fitted:
        print("  not fitted")
        return 0
    if hasattr(model, "n_features_in_"):
        print(f"  fitted on {model.n_features_in_} features")
    for name in fitted:
        value = getattr(model, name)
        if isinstance(value, np.ndarray):
            print(f"  {name}: {value.dtype} {value.shape}")
        elif isinstance(value, list) and value and all(isinstance(v, np.ndarray)
                                                       for v in value):
            print(f"  {name}: " + ", ".join(f"{v.dtype} {v.shape}" for v in value))
        elif isinstance(value, list) and value and all(hasattr(v, "get_params")
                                                       for v in value):
            print(f"  {name}: " + ", ".join(type(v).__name__ for v in value))
            for i, layer in enumerate(value):
                print(f"    layer {i}: {_history_summary(layer)}")
        elif hasattr(value, "get_params"):
            print(f"  {name}: {type(value).__name__}")
    _print_history(model)
    return 0


def _history_summary(model):
    """One line: a layer's epochs and the first and last of its main measure."""
    history = getattr(model, "history_", None) or {}
    epochs = max((len(v) for v in history.values()), default=0)
    for key in ("pseudo_likelihood", "reconstruction_error", "loss"):
        values = history.get(key)
        if values:
            return f"{epochs} epochs, {key} {values[0]:.4g} -> {values[-1]:.4g}"
    return f"{epochs} epochs"


def _print_history(model):
    history = getattr(model, "history_", None)
    if not history:
        return
    epochs = max(len(v) for v in history.values())
    print(f"  training history: {epochs} epochs")
    for key, values in history.items():
        numbers = [v for v in values if isinstance(v, (int, float)) and v is not None]
        if not numbers or key == "seconds":
            continue
        print(f"    {key}: {numbers[0]:.4g} -> {numbers[-1]:.4g}")
    if "seconds" in history:
        print(f"    seconds: {sum(history['seconds']):.2f} in all")


# ----------------------------------------------------------------- parser


def _add_data_options(parser, subset_default):
    parser.add_argument("--data", required=True, metavar="PATH",
                        help="a folder of MNIST IDX files (gzip or raw), an .npz file "
                             "with arrays X and y, or a .csv file with a label column")
    parser.add_argument("--subset", choices=["train", "test"], default=subset_default,
                        help="which MNIST files to read from a folder "
                             f"(default: {subset_default})")
    parser.add_argument("--label-column", metavar="NAME_OR_INDEX",
                        help="the CSV column holding the labels, by header name or "
                             "0-based index (default: 'label' if the header has it, "
                             "else the last column)")
    parser.add_argument("--scale", choices=["auto", "none", "max"], default="auto",
                        help="auto: 8-bit data (MNIST) divided by 255 into [0, 1]; none: "
                             "as read; max: divided by the largest absolute value "
                             "(default: auto)")


def build_parser():
    parser = _Parser(
        prog="deepbelief",
        description="Deep belief networks and RBMs as scikit-learn estimators.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    demo = sub.add_parser(
        "demo", help="what deepbelief adds to scikit-learn, measured on bundled digits",
        description="On scikit-learn's bundled digits: deepbelief's BernoulliRBM timed "
                    "against scikit-learn's, a pretrained DBN against random "
                    "initialisation when labels are scarce, then sampling, AIS "
                    "log-likelihood, early stopping with checkpoints and compression. "
                    "About 20 s on two cores (30 s on a machine's first run, which "
                    "compiles the kernels).")
    demo.add_argument("--quick", action="store_true",
                      help="fewer epochs, fits and draws (a few seconds)")
    demo.add_argument("--random-state", type=int, default=0,
                      help="seed of the split, the fits and the draws (default: 0)")
    demo.add_argument("--out", metavar="DIR",
                      help="write the figures (PNG) to DIR; needs matplotlib")
    demo.set_defaults(func=_demo)

    models = ", ".join(_model_classes())
    train = sub.add_parser(
        "train", help="fit a model on data and write it to a model file",
        description=f"Fit MODEL (one of: {models}) on the data and write it with "
                    "deepbelief.persistence.save. Progress is printed per epoch.")
    train.add_argument("model", metavar="MODEL", help="the estimator's class name")
    _add_data_options(train, "train")
    train.add_argument("--param", action="append", metavar="NAME=VALUE",
                       help="a constructor parameter, repeatable; VALUE is read as JSON "
                            "or a Python literal, else as a string (e.g. "
                            "hidden_layer_sizes=[64,64], pretrainer__n_iter=5)")
    train.add_argument("--max-samples", type=int, metavar="N",
                       help="use only the first N samples")
    train.add_argument("--quiet", action="store_true",
                       help="no per-epoch progress lines")
    train.add_argument("--out", required=True, metavar="FILE",
                       help="the model file to write (e.g. model.npz)")
    train.set_defaults(func=_train)

    evaluate = sub.add_parser(
        "evaluate", help="measure a saved model on data",
        description="Accuracy (classifiers) or R^2 (regressors); reconstruction error "
                    "and, for Bernoulli RBMs, pseudo-likelihood (RBMs and each layer of "
                    "a DBN); reconstruction error for autoencoders.")
    evaluate.add_argument("file", metavar="FILE", help="a model file written by train")
    _add_data_options(evaluate, "test")
    evaluate.add_argument("--ais", action="store_true",
                          help="also estimate an RBM's log-likelihood by annealed "
                               "importance sampling (slow for large models)")
    evaluate.set_defaults(func=_evaluate)

    sample = sub.add_parser(
        "sample", help="draw samples from a saved RBM or DBN as an image grid",
        description="Run Gibbs chains in an RBM (or a DBN's top RBM, then down) and "
                    "write the samples as one PNG grid (no plotting library needed).")
    sample.add_argument("file", metavar="FILE", help="a model file of an RBM or DBN")
    sample.add_argument("--n", type=int, default=64, help="number of samples (default: 64)")
    sample.add_argument("--n-gibbs", type=int, default=1000,
                        help="Gibbs steps per chain (default: 1000)")
    sample.add_argument("--image-shape", type=int, nargs=2, metavar=("HEIGHT", "WIDTH"),
                        help="shape of one image (default: square)")
    sample.add_argument("--zoom", type=int, default=1,
                        help="draw each pixel as ZOOM x ZOOM pixels (default: 1)")
    sample.add_argument("--random-state", type=int, default=0,
                        help="seed of the chains (default: 0)")
    sample.add_argument("--out", required=True, metavar="FILE",
                        help="the .png grid to write (or .npy for the raw samples)")
    sample.set_defaults(func=_sample)

    info = sub.add_parser(
        "info", help="describe a model file",
        description="Class, non-default parameters, fitted shapes, training history "
                    "and the file's format version.")
    info.add_argument("file", metavar="FILE", help="a model file")
    info.set_defaults(func=_info)
    return parser


def _one_line_warning(message, category, filename, lineno, file=None, line=None):
    print(f"warning: {message}", file=sys.stderr if file is None else file)


def main(argv=None):
    import warnings

    parser = build_parser()
    args = parser.parse_args(argv)
    with warnings.catch_warnings():
        warnings.showwarning = _one_line_warning
        try:
            return args.func(args)
        except CommandError as exc:
            print(f"deepbelief {args.command}: error: {exc}", file=sys.stderr)
            return 2


if __name__ == "__main__":
    sys.exit(main())
