"""The ``deepbelief`` command (also ``python -m deepbelief``).

``demo`` runs the main job on scikit-learn's bundled digits; ``train``,
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
