"""The problems with many factors of variation of Larochelle et al. (2007),
regenerated here, and DBNClassifier with its defaults on each.

Larochelle, H., Erhan, D., Courville, A., Bergstra, J. & Bengio, Y. (2007).
An empirical evaluation of deep architectures on problems with many factors
of variation. ICML. The sets are rebuilt with this script's own code and a
fixed seed, following the paper's descriptions:

- ``basic``: MNIST digits (drawn from all 70,000 images);
- ``rot``: the digits rotated by an angle uniform in [0, 2 pi);
- ``bg-rand``: every background pixel (value 0) replaced by U(0, 1) noise;
- ``bg-img``: the background replaced by a 28x28 patch of a grey-level
  photograph (scikit-learn's two bundled sample images stand in for the
  paper's 20; patches at random positions, flips and transpositions);
- ``rot-bg-img``: rotated, then over an image patch;
- ``rect``: the outline of one rectangle, label tall or wide (height and
  width drawn uniformly, equal ones redrawn);
- ``rect-img``: a rectangle filled with one image patch over another;
- ``convex``: one white region, label convex (an intersection of random
  half-planes) or not (a union of convex pieces that is not convex).

Sizes (training / validation / test) as in the paper: 10,000 / 2,000 /
50,000, rectangles 1,000 / 200 / 50,000, convex 6,000 / 2,000 / 50,000.
The models are fitted on the training split with their defaults (nothing
is chosen), the validation error is reported beside the test error, and the
test split is read once per row.

Two options serve studies of a setting on the validation split alone:

- ``--validation-only``: the models are fitted and scored on the validation
  split only; the test split is generated (so the sets are the same ones)
  but never evaluated, nothing is written to RESULTS.md, and the table is
  printed instead;
- ``--pretrain-epochs N``: the DBN rows' pretrainer is the one "auto"
  builds (the DBN of the resolved layer sizes, its seed, and a pretrained
  layer with constant features replaced by random initialisation as for
  "auto"), with ``n_iter=N`` epochs per layer instead of "auto"'s;
  everything else stays at its default. It needs ``--validation-only`` and
  does not go with ``--sdae``;
- ``--param NAME=VALUE`` (repeatable; VALUE a Python literal): one more
  DBNClassifier parameter for the DBN rows, e.g. ``--param momentum=0.5``
  or ``--param "hidden_layer_sizes=(500,)"``; it needs ``--validation-only``.

Usage::

    python benchmarks/bench_factors.py [--sets rect,convex] [--test-size 50000]
                                       [--sdae] [--mnist DIR]
                                       [--validation-only] [--pretrain-epochs N]
                                       [--param NAME=VALUE ...]
"""

import argparse
import ast
import re
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import markdown_table, write_section  # noqa: E402

from deepbelief import DBNClassifier, StackedAutoencoder  # noqa: E402
from deepbelief.datasets import load_mnist  # noqa: E402
from deepbelief.training import DegenerateFitWarning  # noqa: E402

SIDE = 28
SIZES = {"rect": (1000, 200, 50000), "convex": (6000, 2000, 50000)}
DEFAULT_SIZES = (10000, 2000, 50000)
# Test error of DBN-3 and SdA-3 in Larochelle et al. (2007) and Vincent et
# al. (2010), as commonly quoted (not yet checked against the papers' tables).
PUBLISHED = {
    "basic": (3.11, 2.84), "rot": (10.30, 9.53), "bg-rand": (6.73, 10.30),
    "bg-img": (16.31, 16.68), "rot-bg-img": (47.39, 43.76), "rect": (2.60, 1.99),
    "rect-img": (22.50, 21.59), "convex": (18.63, 19.06),
}


# ---------------------------------------------------------------- generators


def grey_images():
    """scikit-learn's bundled photographs as grey levels in [0, 1]."""
    from sklearn.datasets import load_sample_images
    return [img.astype(np.float64).mean(axis=2) / 255.0
            for img in load_sample_images().images]


def image_patches(n, images, rng):
    """``n`` random 28x28 patches, each randomly flipped and transposed."""
    out = np.empty((n, SIDE, SIDE))
    for i in range(n):
        img = images[rng.integers(len(images))]
        r = rng.integers(img.shape[0] - SIDE + 1)
        c = rng.integers(img.shape[1] - SIDE + 1)
        patch = img[r:r + SIDE, c:c + SIDE]
        if rng.random() < 0.5:
            patch = patch[::-1]
        if rng.random() < 0.5:
            patch = patch.T
        out[i] = patch
    return out.reshape(n, -1)


def rotate(X, rng):
    """Each image rotated by an angle uniform in [0, 360) degrees."""
    from scipy.ndimage import rotate as nd_rotate
    out = np.empty_like(X)
    for i, x in enumerate(X):
        angle = rng.uniform(0.0, 360.0)
        out[i] = nd_rotate(x.reshape(SIDE, SIDE), angle, reshape=False, order=1,
                           mode="constant", cval=0.0).ravel()
    return np.clip(out, 0.0, 1.0)


def over_background(X, background):
    """The digits' pixels where they are not 0, the background elsewhere."""
    return np.where(X > 0, X, background)


def rectangles(n, rng, images=None):
    """Tall (1) or wide (0) rectangles: outlines, or with ``images`` a
    rectangle filled with one patch over another."""
    X = np.zeros((n, SIDE, SIDE))
    y = np.empty(n, dtype=np.int64)
    inside = image_patches(n, images, rng).reshape(n, SIDE, SIDE) if images else None
    outside = image_patches(n, images, rng).reshape(n, SIDE, SIDE) if images else None
    for i in range(n):
        low = 3 if images else 1
        h, w = rng.integers(low, SIDE + 1, size=2)
        while h == w:
            h, w = rng.integers(low, SIDE + 1, size=2)
        r = rng.integers(0, SIDE - h + 1)
        c = rng.integers(0, SIDE - w + 1)
        if images:
            X[i] = outside[i]
            X[i, r:r + h, c:c + w] = inside[i, r:r + h, c:c + w]
        else:
            X[i, r, c:c + w] = X[i, r + h - 1, c:c + w] = 1.0
            X[i, r:r + h, c] = X[i, r:r + h, c + w - 1] = 1.0
        y[i] = int(h > w)
    return X.reshape(n, -1), y


_GRID = np.stack(np.meshgrid(np.arange(SIDE) + 0.5, np.arange(SIDE) + 0.5,
                             indexing="ij"), axis=-1).reshape(-1, 2)


def _convex_region(rng, n_planes):
    """Pixels inside the intersection of ``n_planes`` random half-planes
    through points of the image, each keeping the image's centre side."""
    inside = np.ones(len(_GRID), dtype=bool)
    centre = rng.uniform(8, 20, size=2)
    for _ in range(n_planes):
        point = rng.uniform(0, SIDE, size=2)
        normal = rng.standard_normal(2)
        if (centre - point) @ normal < 0:
            normal = -normal
        inside &= (_GRID - point) @ normal >= 0
    return inside


def is_convex(region):
    """Whether a pixel region holds every pixel of the convex hull of its
    pixels' centres (digital convexity): the hull's facet inequalities,
    tested on every pixel centre at once."""
    from scipy.spatial import ConvexHull, QhullError
    points = _GRID[region]
    if len(points) < 3:
        return True
    try:
        hull = ConvexHull(points)
    except QhullError:  # collinear points: a segment is convex
        return True
    inside = np.all(_GRID @ hull.equations[:, :2].T + hull.equations[:, 2] <= 1e-9, axis=1)
    return bool(np.all(region[inside]))


def convex_shapes(n, rng, min_area=0.1, max_area=0.7):
    """Convex (1) or non-convex (0) white regions, half of each."""
    X = np.zeros((n, SIDE * SIDE))
    y = np.empty(n, dtype=np.int64)
    area = (min_area * SIDE * SIDE, max_area * SIDE * SIDE)
    for i in range(n):
        want_convex = i % 2 == 0
        while True:
            if want_convex:
                region = _convex_region(rng, rng.integers(3, 9))
            else:
                region = np.zeros(len(_GRID), dtype=bool)
                for _ in range(rng.integers(2, 5)):
                    region |= _convex_region(rng, rng.integers(3, 9))
            if not area[0] <= region.sum() <= area[1]:
                continue
            # A digitised intersection of half-planes is digitally convex
            # (the hull of its pixel centres lies in the intersection), so
            # only the unions need the test.
            if want_convex or not is_convex(region):
                break
        X[i, region] = 1.0
        y[i] = int(want_convex)
    order = rng.permutation(n)
    return X[order], y[order]


def make_set(name, digits, labels, images, rng, sizes):
    """(X, y) of ``sum(sizes)`` examples of the set ``name``."""
    n = sum(sizes)
    if name == "rect":
        return rectangles(n, rng)
    if name == "rect-img":
        return rectangles(n, rng, images)
    if name == "convex":
        return convex_shapes(n, rng)
    pick = rng.choice(len(digits), size=n, replace=False)
    X, y = digits[pick].astype(np.float64) / 255.0, labels[pick]
    if name in ("rot", "rot-bg-img"):
        X = rotate(X, rng)
    if name == "bg-rand":
        X = over_background(X, rng.random(X.shape))
    if name in ("bg-img", "rot-bg-img"):
        X = over_background(X, image_patches(n, images, rng))
    return X, y


# ---------------------------------------------------------------- the run


def error(model, X, y):
    return 100.0 * (1.0 - model.score(X, y))


def with_pretrain_epochs(n_iter):
    """A DBNClassifier class whose "auto" pretrainer trains ``n_iter``
    epochs per layer. The ``pretrainer`` parameter stays "auto", so that
    everything else "auto" decides (layer sizes, seed, the handling of a
    layer with constant features) is unchanged."""
    class DBNClassifierEpochs(DBNClassifier):
        def _resolve_pretrainer(self):
            return super()._resolve_pretrainer().set_params(n_iter=n_iter)
    return DBNClassifierEpochs


def pretrain_epochs(model):
    """The epochs per layer the fitted pretrainer of ``model`` ran: one
    number when all layers ran the same, else one per layer."""
    pre = getattr(model, "pretrainer_", None)
    layers = getattr(pre, "rbms_", None) or getattr(pre, "autoencoders_", None) or []
    epochs = [str(getattr(layer, "n_iter_", "?")) for layer in layers]
    if not epochs:
        return "-"
    return epochs[0] if len(set(epochs)) == 1 else "/".join(epochs)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(PUBLISHED))
    parser.add_argument("--mnist", default=str(Path(__file__).resolve().parents[2]
                                               / "shared" / "data" / "mnist"))
    parser.add_argument("--test-size", type=int, default=None,
                        help="fewer test examples than the paper's 50,000 (a smoke run)")
    parser.add_argument("--sdae", action="store_true",
                        help="also the StackedAutoencoder pretrainer (SdA rows)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--section", default="Factors of variation (Larochelle et al. 2007)")
    parser.add_argument("--validation-only", action="store_true",
                        help="validation error only: the test split is not evaluated and "
                             "RESULTS.md is not written; the table is printed")
    parser.add_argument("--pretrain-epochs", type=int, default=None, metavar="N",
                        help="pretraining epochs per layer of the DBN rows' \"auto\" "
                             "pretrainer (needs --validation-only)")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="a DBNClassifier parameter for the DBN rows, VALUE a Python "
                             "literal (needs --validation-only; repeatable)")
    args = parser.parse_args(argv)
    try:
        extra = {k: ast.literal_eval(v) for k, v in (p.split("=", 1) for p in args.param)}
    except (ValueError, SyntaxError) as exc:
        parser.error(f"--param needs NAME=VALUE with VALUE a Python literal: {exc}")
    if extra and not args.validation_only:
        parser.error("--param needs --validation-only")
    if args.pretrain_epochs is not None:
        if not args.validation_only:
            parser.error("--pretrain-epochs needs --validation-only")
        if args.sdae:
            parser.error("--pretrain-epochs does not go with --sdae")
        if args.pretrain_epochs < 0:
            parser.error("--pretrain-epochs must be at least 0")
    names = args.sets.split(",")
    digits = labels = None
    if any(name not in ("rect", "rect-img", "convex") for name in names):
        Xa, ya = load_mnist(args.mnist, subset="train")
        Xb, yb = load_mnist(args.mnist, subset="test")
        digits, labels = np.vstack([Xa, Xb]), np.concatenate([ya, yb])
    images = grey_images()
    rows = []
    for name in names:
        sizes = list(SIZES.get(name, DEFAULT_SIZES))
        if args.test_size is not None:
            sizes[2] = args.test_size
        # One stream per set, whatever the others run with it.
        rng = np.random.default_rng([args.seed, list(PUBLISHED).index(name)])
        X, y = make_set(name, digits, labels, images, rng, sizes)
        X = X.astype(np.float32)
        n_tr, n_va = sizes[0], sizes[1]
        parts = (X[:n_tr], y[:n_tr]), (X[n_tr:n_tr + n_va], y[n_tr:n_tr + n_va]), \
            (X[n_tr + n_va:], y[n_tr + n_va:])
        dbn_class = (DBNClassifier if args.pretrain_epochs is None
                     else with_pretrain_epochs(args.pretrain_epochs))
        dbn_label = "DBN" + "".join(f" {p}" for p in args.param)
        models = [(dbn_label, lambda: dbn_class(random_state=args.seed, **extra))]
        if args.sdae:
            models.append(("SdA", lambda: DBNClassifier(
                pretrainer=StackedAutoencoder(random_state=args.seed),
                random_state=args.seed)))
        for j, (label, make) in enumerate(models):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", DegenerateFitWarning)
                start = time.perf_counter()
                model = make().fit(*parts[0])
                seconds = time.perf_counter() - start
            degenerate = [w for w in caught if issubclass(w.category, DegenerateFitWarning)]
            n_warn = len(degenerate)
            for w in degenerate:
                print(f"  {name} {label}: {w.message}", flush=True)
            if args.validation_only:
                row = [name, label, f"{sizes[0]} / {sizes[1]}", pretrain_epochs(model),
                       f"{error(model, *parts[1]):.2f}%", f"{seconds:.0f}", str(n_warn)]
                rows.append(row)
                print(" | ".join(row), flush=True)
                continue
            row = [name, label, f"{sizes[0]} / {sizes[1]} / {sizes[2]}",
                   f"{PUBLISHED[name][j]:.2f}%", f"{error(model, *parts[1]):.2f}%",
                   f"{error(model, *parts[2]):.2f}%", f"{seconds:.0f}", str(n_warn)]
            rows.append(row + [time.strftime("%Y-%m-%d")])
            print(" | ".join(row), flush=True)
            report(args, rows)
    if args.validation_only:
        print(markdown_table(VALIDATION_HEADER, rows))


VALIDATION_HEADER = ["set", "model", "train / validation", "pretraining epochs a layer",
                     "ours, validation", "seconds (fit)", "DegenerateFitWarnings"]
HEADER = ["set", "model", "train / validation / test", "published (test)",
          "ours, validation", "ours, test", "seconds (fit)", "DegenerateFitWarnings", "run"]


def recorded_rows(section):
    """The rows of ``section`` in RESULTS.md, keyed by (set, model); rows
    written before the "run" column get the section's date."""
    from _common import RESULTS
    text = RESULTS.read_text() if RESULTS.exists() else ""
    match = re.search(rf"<!-- {re.escape(section)}:start -->(.*?)<!-- {re.escape(section)}:end -->",
                      text, re.S)
    if match is None:
        return {}
    stamp = re.search(r"Run (\d{4}-\d{2}-\d{2})", match.group(1))
    rows = {}
    for line in match.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0] in PUBLISHED and len(cells) >= len(HEADER) - 1:
            if len(cells) == len(HEADER) - 1:
                cells.append(stamp.group(1) if stamp else "")
            rows[cells[0], cells[1]] = cells
    return rows


def report(args, rows):
    """Write the section: this run's rows, and the rows of earlier runs for
    the sets and models it did not run (each row says when it was run)."""
    smoke = args.test_size is not None and args.test_size < 50000
    section = args.section + (" (smoke run)" if smoke else "")
    merged = recorded_rows(section)
    merged.update({(row[0], row[1]): row for row in rows})
    order = {name: i for i, name in enumerate(PUBLISHED)}
    table = markdown_table(HEADER, sorted(merged.values(),
                                          key=lambda r: (order[r[0]], r[1])))
    print(table)
    body = ("Sets regenerated by benchmarks/bench_factors.py (seed "
            f"{args.seed}); DBNClassifier with its defaults (DBN row) and with a "
            "StackedAutoencoder pretrainer (SdA row), fitted on the training split, "
            "nothing chosen. Published: DBN-3 of Larochelle et al. (2007) and SdA-3 of "
            "Vincent et al. (2010), as commonly quoted, not yet checked against the "
            "papers' tables."
            + (" **Smoke run with a smaller test split: not the benchmark.**" if smoke
               else "") + "\n\n" + table)
    write_section(section, body)


if __name__ == "__main__":
    main()
