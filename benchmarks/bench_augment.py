"""Augmentation on MNIST: augmenter throughput, and an MLP trained with and
without RandomShift + ElasticDistortion.

Usage::

    python benchmarks/bench_augment.py            # throughput only
    python benchmarks/bench_augment.py --train --quick
    python benchmarks/bench_augment.py --train --epochs 30

Throughput is measured on batches of 100 MNIST training images (images per
second, median over repeats, one thread). Beside it stands the cost of one
training step of a 784-800-800-10 network on the same batch, so it shows
whether augmenting on the fly slows training down: the MLP's own step when
``deepbelief.mlp.MLPClassifier`` is available, and always the six dense
matrix products of a forward and backward pass done with numpy (a lower
bound on any implementation's step).

The training comparison (``--train``) fits the same 784-800-800-10 ReLU
network with dropout for the same number of epochs with and without
augmentation and reports both test errors. Simard et al. (2003) report 1.6%
for a two-layer MLP without and 0.7% with elastic distortions; matching that
takes hundreds of epochs, far more than ``--quick``.

Results go to the ``bench_augment`` section of ``benchmarks/RESULTS.md``.
"""

import argparse
import gzip
import os
import struct
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import DEFAULT_MNIST, markdown_table, median_time, write_section  # noqa: E402

from deepbelief.augmentation import Compose, ElasticDistortion, RandomShift  # noqa: E402

IMAGE_SHAPE = (28, 28)
BATCH = 100


def _read_idx(path):
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    _, dtype_code, ndim = struct.unpack(">HBB", data[:4])
    if dtype_code != 0x08:
        raise ValueError(f"{path}: only unsigned-byte IDX files are read here.")
    shape = struct.unpack(">" + "I" * ndim, data[4 : 4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load(path, subset):
    """MNIST images scaled to [0, 1] as float32 flat rows, and labels."""
    try:
        from deepbelief.datasets import load_mnist
    except ImportError:
        load_mnist = None
    if load_mnist is not None:
        X, y = load_mnist(path, subset=subset)
    else:
        prefix = "train" if subset == "train" else "t10k"
        folder = Path(path)

        def find(kind):
            for name in (f"{prefix}-{kind}-idx{1 if kind == 'labels' else 3}-ubyte.gz",
                         f"{prefix}-{kind}-idx{1 if kind == 'labels' else 3}-ubyte"):
                if (folder / name).exists():
                    return folder / name
            raise FileNotFoundError(f"no MNIST {subset} {kind} file in {folder}")

        X, y = _read_idx(find("images")), _read_idx(find("labels"))
    X = np.asarray(X).reshape(len(X), -1)
    if X.dtype == np.uint8 or X.max() > 1.0:
        X = X.astype(np.float32) / 255.0
    return np.ascontiguousarray(X, dtype=np.float32), np.asarray(y)


def augmenters():
    return {
        "RandomShift(max_shift=2)": RandomShift(IMAGE_SHAPE, max_shift=2, random_state=0),
        "ElasticDistortion(alpha=34, sigma=4)": ElasticDistortion(
            IMAGE_SHAPE, alpha=34.0, sigma=4.0, random_state=0
        ),
        "Compose(RandomShift, ElasticDistortion)": training_augmenter(),
    }


def training_augmenter():
    return Compose(
        [
            RandomShift(IMAGE_SHAPE, max_shift=2),
            ElasticDistortion(IMAGE_SHAPE, alpha=34.0, sigma=4.0),
        ],
        random_state=0,
    )


def throughput(X, n_batches, repeats):
    rows = []
    batches = [X[i * BATCH : (i + 1) * BATCH] for i in range(n_batches)]
    for dtype in (np.float32, np.float64):
        typed = [b.astype(dtype) for b in batches]
        for name, aug in augmenters().items():
            aug(typed[0])  # compile and warm up

            def run():
                for b in typed:
                    aug(b)

            seconds, _ = median_time(run, repeats)
            per_batch = seconds / n_batches
            rows.append((name, np.dtype(dtype).name, f"{per_batch * 1e3:.2f}", f"{BATCH / per_batch:,.0f}"))
            print(f"{name:45s} {np.dtype(dtype).name:8s} {per_batch * 1e3:8.2f} ms/batch "
                  f"{BATCH / per_batch:12,.0f} images/s", flush=True)
    return rows


def gemm_step_time(repeats):
    """Seconds for the dense products of one forward+backward pass of a
    784-800-800-10 network on a batch of 100 (float32)."""
    rng = np.random.default_rng(0)
    sizes = [784, 800, 800, 10]
    W = [rng.standard_normal((a, b), dtype=np.float32) * 0.01 for a, b in zip(sizes, sizes[1:])]
    x = rng.standard_normal((BATCH, 784), dtype=np.float32)

    def step():
        acts = [x]
        for w in W:
            acts.append(np.maximum(acts[-1] @ w, 0))
        delta = acts[-1]
        for i in range(len(W) - 1, -1, -1):
            _ = acts[i].T @ delta
            if i:
                delta = delta @ W[i].T

    step()
    seconds, _ = median_time(lambda: [step() for _ in range(20)], repeats)
    return seconds / 20


def find_mlp():
    """MLPClassifier if it exists and takes ``augment``; else None and why."""
    try:
        from deepbelief.mlp import MLPClassifier
    except ImportError as exc:
        return None, f"deepbelief.mlp.MLPClassifier is not available ({exc})"
    if "augment" not in MLPClassifier().get_params():
        return None, "MLPClassifier has no augment parameter"
    return MLPClassifier, ""


def make_mlp(MLPClassifier, epochs, augment):
    wanted = dict(
        hidden_layer_sizes=(800, 800),
        activation="relu",
        solver="sgd",
        learning_rate_init=0.05,
        momentum=0.9,
        batch_size=BATCH,
        max_iter=epochs,
        dropout=0.5,
        input_dropout=0.2,
        early_stopping=False,
        random_state=0,
        augment=augment,
    )
    model = MLPClassifier()
    accepted = model.get_params()
    model.set_params(**{k: v for k, v in wanted.items() if k in accepted})
    return model


def mlp_step_times(MLPClassifier, X, y, repeats):
    """Seconds per mini-batch of 100 for one epoch of the MLP on 2,000 images,
    without and with augmentation, measured alternately so that both see
    the same machine load."""
    Xs, ys = X[:2000], y[:2000]
    n_batches = len(Xs) / BATCH
    times = {"none": [], "augmented": []}
    for augment in (None, training_augmenter()):  # warm up both paths
        make_mlp(MLPClassifier, 1, augment).fit(Xs, ys)
    for _ in range(repeats):
        for label, augment in (("none", None), ("augmented", training_augmenter())):
            model = make_mlp(MLPClassifier, 1, augment)
            t0 = time.perf_counter()
            model.fit(Xs, ys)
            times[label].append((time.perf_counter() - t0) / n_batches)
    return {label: float(np.median(t)) for label, t in times.items()}


def train_compare(MLPClassifier, X, y, X_test, y_test, epochs):
    rows = []
    for label, augment in (("none", None), ("RandomShift + ElasticDistortion", training_augmenter())):
        model = make_mlp(MLPClassifier, epochs, augment)
        t0 = time.perf_counter()
        model.fit(X, y)
        seconds = time.perf_counter() - t0
        error = 100.0 * np.mean(model.predict(X_test) != y_test)
        rows.append((label, epochs, len(X), f"{error:.2f}", f"{seconds:.0f}"))
        print(f"augment={label}: test error {error:.2f}% in {seconds:.0f} s", flush=True)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist", default=os.environ.get("DEEPBELIEF_MNIST", DEFAULT_MNIST))
    parser.add_argument("--quick", action="store_true", help="fewer batches, epochs and samples")
    parser.add_argument("--train", action="store_true", help="also train the MLP with and without augmentation")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    args = parser.parse_args(argv)

    X, y = load(args.mnist, "train")
    n_batches, repeats = (10, 3) if args.quick else (50, 5)
    print(f"MNIST train {X.shape}; batches of {BATCH}, {n_batches} batches x {repeats} repeats")
    rows = throughput(X, n_batches, repeats)
    body = [
        f"Augmenter throughput on MNIST batches of {BATCH} images "
        f"({n_batches} batches, median of {repeats}; "
        f"NUMBA_NUM_THREADS={os.environ.get('NUMBA_NUM_THREADS', 'default')}, "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'default')}).",
        "",
        markdown_table(["augmenter", "dtype", "ms / batch", "images / s"], rows),
        "",
    ]

    step = gemm_step_time(repeats)
    step_rows = [("numpy products of forward+backward, 784-800-800-10, float32",
                  f"{step * 1e3:.2f}", f"{BATCH / step:,.0f}")]
    print(f"numpy training-step products: {step * 1e3:.2f} ms/batch, {BATCH / step:,.0f} images/s")

    MLPClassifier, why = find_mlp()
    if MLPClassifier is not None:
        steps = mlp_step_times(MLPClassifier, X, y, repeats)
        for label, seconds in steps.items():
            name = "MLPClassifier step (dropout 0.5, SGD), 784-800-800-10"
            if label == "augmented":
                name += ", with Compose(RandomShift, ElasticDistortion)"
            step_rows.append((name, f"{seconds * 1e3:.2f}", f"{BATCH / seconds:,.0f}"))
            print(f"{name}: {seconds * 1e3:.2f} ms/batch", flush=True)
    body += [
        "Training step on the same batch, for comparison:",
        "",
        markdown_table(["training step", "ms / batch", "images / s"], step_rows),
        "",
    ]

    if args.train:
        if MLPClassifier is None:
            body.append(f"Training comparison not run: {why}.")
            print(f"training comparison skipped: {why}")
        else:
            X_test, y_test = load(args.mnist, "test")
            epochs = args.epochs or (2 if args.quick else 30)
            n_train = 10000 if args.quick else len(X)
            train_rows = train_compare(MLPClassifier, X[:n_train], y[:n_train], X_test, y_test, epochs)
            body += [
                "784-800-800-10 ReLU MLP, dropout 0.5 (inputs 0.2), SGD with momentum, "
                "batches of 100, same epochs and seed with and without augmentation "
                "(Simard et al. 2003: 1.6% without, 0.7% with elastic distortions, "
                "after far longer training). Fit times are wall-clock on a shared "
                "machine; the per-batch step times above, measured alternately, are "
                "the fair comparison of cost:",
                "",
                markdown_table(["augmentation", "epochs", "training images", "test error %", "fit s"],
                               train_rows),
                "",
            ]
    else:
        body.append("Training comparison not run here (run with --train).")

    if not args.no_write:
        write_section("bench_augment", "\n".join(body))
        print("wrote the bench_augment section of benchmarks/RESULTS.md")


if __name__ == "__main__":
    main()
