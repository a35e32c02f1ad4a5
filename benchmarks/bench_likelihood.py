"""Held-out log-likelihood of MNIST RBMs by AIS, per training sampler.

MNIST binarised by sampling: each grey level x/255 is the probability of a
1, drawn once with a fixed seed (0 for the training set, 1 for the test
set), as in Salakhutdinov & Murray (2008); ``--binarize threshold`` uses
x/255 > 0.5 instead (easier data: not comparable with the published
numbers). 784 visible, 500 hidden units, float32, batch size 100, for each
sampler: CD-1, CD-k (``--cd-k``, default 25), PCD-1, FPCD-1 and PT-1
(``--pt-betas`` replicas). Then for each model: log Z by AIS (100 runs,
Salakhutdinov & Murray's 14,501 inverse temperatures, base rate from the
training set's pixel means), the test set's average log-probability and
that of 10,000 training images, and the wall and CPU seconds of training
and of the AIS estimate.

With ``--reverse``, each model's log-likelihood also comes as a bracket on
the first ``--reverse-samples`` test images (default 500; 50 with
``--quick``): reverse AIS (RAISE, Burda, Grosse & Salakhutdinov 2015,
``--reverse-runs`` runs per image, default 10, the same schedule and base
model) from below, forward AIS from above, both on those images. Forward
AIS tends to err high, reverse AIS low; a wide bracket says the schedule
is too short for the model. Several runs per image matter: on a CD-1
model about half of the single reverse runs ended some 150 nats low, the
rest within a nat of the forward value, and the mean of the weights is
dominated by the good ones.

Published (Salakhutdinov & Murray 2008, 500 hidden units): CD-1 about
-125.5 nats, CD-25 about -86.3 nats on the test set, after long training.

With ``--centering``, every RBM is the centred one of Melchior, Fischer &
Wiskott (2016) (``BernoulliRBM(centering=True)``: visible offsets at the
data's means, hidden offsets the running mean of the hidden activations),
trained otherwise as the uncentred one; its rows carry "centred".

Rows are written to ``benchmarks/RESULTS.md`` after every model, so an
interrupted run keeps the rows it finished.

Usage: python benchmarks/bench_likelihood.py [--mnist DIR] [--epochs 5]
       [--quick] [--samplers cd1,cd25,pcd,fpcd,pt] [--reverse] [--centering]
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DEFAULT_MNIST, markdown_table, write_section  # noqa: E402

from deepbelief import BernoulliRBM, ais_log_partition, raise_log_likelihood  # noqa: E402
from deepbelief.datasets import load_mnist  # noqa: E402


def binarize(X, how, seed):
    P = X.astype(np.float32) / 255.0
    if how == "threshold":
        return (P > 0.5).astype(np.float32)
    return (np.random.default_rng(seed).random(P.shape, dtype=np.float32) < P).astype(
        np.float32)


def configs(cd_k, pt_betas):
    return {
        "cd1": ("CD-1", dict(sampler="cd", k=1)),
        "cd25": (f"CD-{cd_k}", dict(sampler="cd", k=cd_k)),
        "pcd": ("PCD-1", dict(sampler="pcd", k=1)),
        "fpcd": ("FPCD-1", dict(sampler="fpcd", k=1)),
        "pt": (f"PT-1 ({pt_betas} replicas)", dict(sampler="pt", k=1, pt_betas=pt_betas)),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist", default=str(DEFAULT_MNIST))
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--quick", action="store_true",
                        help="10,000 training images, 2 epochs, 20 AIS runs")
    parser.add_argument("--samplers", default="cd1,cd25,pcd,fpcd,pt")
    parser.add_argument("--cd-k", type=int, default=25)
    parser.add_argument("--pt-betas", type=int, default=10)
    parser.add_argument("--n-runs", type=int, default=100)
    parser.add_argument("--learning-rate", type=float, default=0.05)
    parser.add_argument("--momentum", default="classic",
                        help='"classic" (0.5 for 5 epochs, then 0.9) or a number')
    parser.add_argument("--schedule", choices=["constant", "linear"], default="constant",
                        help="linear: the learning rate falls linearly to 0 at the last "
                             "epoch (as Tieleman used for PCD and FPCD)")
    parser.add_argument("--ais-betas", type=int, default=None,
                        help="evenly spaced inverse temperatures instead of the default "
                             "14,501-value schedule (for quick comparisons only)")
    parser.add_argument("--binarize", choices=["sample", "threshold"], default="sample")
    parser.add_argument("--reverse", action="store_true",
                        help="add the reverse-AIS lower bound on a subset of the test set")
    parser.add_argument("--reverse-samples", type=int, default=None,
                        help="test images the reverse runs score (default 500; 50 with "
                             "--quick)")
    parser.add_argument("--reverse-runs", type=int, default=10,
                        help="reverse runs per test image")
    parser.add_argument("--n-train", type=int, default=None,
                        help="train on the first N training images only")
    parser.add_argument("--centering", action="store_true",
                        help="centred RBMs (Melchior et al. 2016)")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--section", default="bench_likelihood",
                        help="section of RESULTS.md to write (to keep runs with other "
                             "settings side by side)")
    args = parser.parse_args()

    X_train = binarize(load_mnist(args.mnist, "train")[0], args.binarize, 0)
    X_test = binarize(load_mnist(args.mnist, "test")[0], args.binarize, 1)
    epochs, n_runs = args.epochs, args.n_runs
    if args.n_train is not None:
        X_train = X_train[: args.n_train]
    if args.quick:
        X_train, epochs, n_runs = X_train[:10_000], min(epochs, 2), min(n_runs, 20)
    X_monitor = X_train[:10_000]
    n_reverse = args.reverse_samples or (50 if args.quick else 500)
    X_reverse = X_test[:n_reverse]
    table = configs(args.cd_k, args.pt_betas)
    rows = []
    header = ["sampler", "epochs", "train s", "log Z (AIS)", "interval (+/-3 se)",
              "ESS", "test LL", "train LL", "AIS wall s", "AIS CPU s"]
    if args.reverse:
        header += [f"test[:{n_reverse}] LL: reverse (RAISE)", "forward (AIS)",
                   "RAISE wall s"]
    momentum = args.momentum if args.momentum == "classic" else float(args.momentum)
    if args.schedule == "linear":
        def schedule(rate, epoch, losses, n=epochs):
            return rate * (1.0 - epoch / n)
    else:
        schedule = "constant"
    betas = None if args.ais_betas is None else np.linspace(0, 1, args.ais_betas)
    for key in args.samplers.split(","):
        name, params = table[key]
        if args.centering:
            name, params = f"{name} centred", dict(params, centering=True)
        rbm = BernoulliRBM(500, learning_rate=args.learning_rate, batch_size=100,
                           n_iter=epochs, momentum=momentum, weight_decay=2e-4,
                           learning_rate_schedule=schedule, random_state=0, **params)
        t0 = time.perf_counter()
        rbm.fit(X_train)
        train_s = time.perf_counter() - t0
        print(f"{name}: trained {epochs} epochs in {train_s:.1f} s", flush=True)
        t0, c0 = time.perf_counter(), time.process_time()
        est = ais_log_partition(rbm, n_runs=n_runs, betas=betas, random_state=0, X=X_train)
        ais_wall, ais_cpu = time.perf_counter() - t0, time.process_time() - c0
        test_ll = rbm.log_likelihood(X_test, log_z=est)
        train_ll = rbm.log_likelihood(X_monitor, log_z=est)
        row = [name, epochs, f"{train_s:.0f}", f"{est.log_z:.2f}",
               f"[{est.log_z_low:.2f}, {est.log_z_high:.2f}]",
               f"{est.effective_sample_size:.1f}", f"{test_ll:.2f}",
               f"{train_ll:.2f}", f"{ais_wall:.1f}", f"{ais_cpu:.1f}"]
        if args.reverse:
            t0 = time.perf_counter()
            rev = raise_log_likelihood(rbm, X_reverse, n_runs=args.reverse_runs,
                                       betas=betas, random_state=1, X_base=X_train)
            rev_wall = time.perf_counter() - t0
            row += [f"{rev.log_likelihood:.2f} (se {rev.standard_error:.2f})",
                    f"{rbm.log_likelihood(X_reverse, log_z=est):.2f}", f"{rev_wall:.1f}"]
        rows.append(row)
        print(" | ".join(map(str, row)), flush=True)
        if not args.no_write:
            write(args, rows, header, epochs, n_runs, X_train.shape[0], n_reverse)


def write(args, rows, header, epochs, n_runs, n_train, n_reverse):
    reverse = (
        f" Reverse AIS (RAISE): the first {n_reverse} test images, {args.reverse_runs} "
        "run(s) each, the same schedule and base model, seed 1; the forward column beside "
        "it scores the same images with the forward log Z. Reverse AIS errs low more "
        "often than not, forward AIS high: the pair brackets the log-likelihood, and "
        "its width is what the schedule leaves unsettled (se: the spread of the "
        "per-image values over the images, divided by the square root of their number)."
        if args.reverse else "")
    if args.binarize == "sample":
        binarised = "sampling (seeds 0 train, 1 test), as in Salakhutdinov & Murray (2008)"
    else:
        binarised = ("thresholding at 0.5 (not comparable with the published numbers, "
                     "which are on sampled MNIST)")
    body = (
        f"Every number here is on MNIST binarised by {binarised}, "
        f"{n_train} training images; BernoulliRBM(500), float32, batch 100, "
        f"learning_rate {args.learning_rate} ({args.schedule}), momentum "
        f"{'0.5 -> 0.9' if args.momentum == 'classic' else args.momentum}, weight_decay "
        f"2e-4, {epochs} epochs. log Z by AIS: {n_runs} runs, "
        + ("14,501 inverse temperatures (Salakhutdinov & Murray)" if args.ais_betas is None
           else f"{args.ais_betas} evenly spaced inverse temperatures")
        + ", base rate from the training pixel means. LL = mean "
        "log-probability in nats (test: 10,000 images; train: first 10,000). AIS "
        "underestimates log Z more often than not, so LL errs high; a small effective "
        "sample size (ESS, out of the runs) or an interval open below (-inf: three "
        "standard errors exceed the mean weight) says the estimate rests on a few runs. "
        "Published (500 "
        "hidden, long training, sampled MNIST): CD-1 -125.5, CD-25 -86.3."
        + reverse + "\n\n"
        + markdown_table(header, rows)
        + "\n\nThe machine is shared: wall seconds include time other processes took; "
        "CPU seconds are this process's own, summed over its BLAS threads (their "
        "number is in the line above)."
    )
    write_section(args.section, body)


if __name__ == "__main__":
    main()
