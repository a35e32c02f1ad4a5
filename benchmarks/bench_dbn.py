r"""DBN benchmark on MNIST: the published classification results, reproduced.

Rows (all 784-500-500-2000-10, logistic hidden units, trained on the
60,000 training images, test error on the 10,000 test images; nothing is
chosen on the test set):

- DBN pretraining (greedy CD-1 per layer, Hinton's practical-guide
  settings) then backpropagation (Hinton & Salakhutdinov 2006: 1.2%);
- the same, fine-tuned with dropout (Srivastava et al. 2014: 0.92%);
- the same network from random initialisation, same fine-tuning
  (Hinton & Salakhutdinov 2006: 1.6%).

Usage::

    python benchmarks/bench_dbn.py [--quick] [--pretrain-epochs 50] [--epochs 100]
                                   [--decay 0.99] [--rows dbn,dropout,random]

``--quick`` is a smoke run: 6,000 training images, 1 pretraining and 2
fine-tuning epochs.

README's dropout row is the mean test error over pretraining seeds 7, 8
and 9 of::

    python benchmarks/bench_dbn.py --rows dropout --seed S --finetune-seed 0 \
        --dropout 0.5,0.5,0.2 --max-norm 9 --learning-rate 0.3 --decay 0.9925 \
        --momentum 0.9 --epochs 400 --patience 0

(add ``--validation 10000`` to score the last 10,000 training images
instead, as the setting was chosen; ``--cache DIR`` keeps the pretrained
DBN for the next run).
"""

import argparse
import copy
import os
import pickle
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import blas_libraries, held_out_name, markdown_table, mnist_split, write_section  # noqa: E402

from sklearn.frozen import FrozenEstimator  # noqa: E402

from deepbelief import DBN, DBNClassifier  # noqa: E402
from deepbelief.nn.initializers import Normal  # noqa: E402
from deepbelief.nn.schedules import Exponential, LinearRamp, Schedule  # noqa: E402
from deepbelief.training import Checkpointer  # noqa: E402


class StepKeptByMomentum(Schedule):
    """``lr0 * decay**t * (1 - momentum(t))``: with scikit-learn's update
    ``v = m v - lr g`` this is Hinton's form ``v = m v - (1 - m) lr g``, whose
    steady step stays ``lr0 * decay**t`` while the momentum rises."""

    def __init__(self, decay, momentum):
        self.decay = decay
        self.momentum = momentum

    def __call__(self, learning_rate_init, epoch, losses=()):
        return learning_rate_init * self.decay ** epoch * (1.0 - self.momentum(epoch))


def dropout_arg(text):
    """``--dropout``: one hidden dropout rate, or one per hidden layer ("0.5,0.5,0.3")."""
    rates = [float(part) for part in text.split(",")]
    if len(rates) not in (1, len(SIZES)):
        raise argparse.ArgumentTypeError(
            f"give one dropout rate or {len(SIZES)} (one per hidden layer), got {len(rates)}")
    return rates[0] if len(rates) == 1 else rates


def dropout_text(rates):
    """How the hidden dropout rates read in the table's paragraph."""
    return f"{rates:g}" if np.isscalar(rates) else "/".join(f"{p:g}" for p in rates)


def momentum_arg(text):
    """``0.9`` or a ramp ``start:stop:epochs``."""
    parts = text.split(":")
    if len(parts) == 1:
        return float(parts[0])
    if len(parts) != 3:
        raise argparse.ArgumentTypeError("momentum must be a number or start:stop:epochs")
    return LinearRamp(float(parts[0]), float(parts[1]), int(parts[2]))

SIZES = (500, 500, 2000)
PUBLISHED = {
    "dbn": ("DBN pretrained, backprop fine-tuned", "1.2% (Hinton & Salakhutdinov 2006)",
            "<= 1.2%"),
    "dropout": ("DBN pretrained, fine-tuned with dropout", "0.92% (Srivastava et al. 2014)",
                "<= 1.0%"),
    "random": ("same network, random initialisation", "1.6% (Hinton & Salakhutdinov 2006)",
               "report"),
    "defaults": ("DBNClassifier() with every default (its own pretraining and "
                 "fine-tuning)", "1.2% (Hinton & Salakhutdinov 2006)", "report"),
}


def pretrainer(args):
    # The recipe reproduced (Hinton & Salakhutdinov 2006, the practical guide):
    # uncentred layers and sampled reconstructions, set here because DBN's
    # defaults are now centred with mean-field reconstructions, which suit
    # short pretraining on any data: after 50 epochs on MNIST their
    # 2000-unit top layer codes with features of median std 0.035 across
    # images, and fine-tuning at 1.0 from it ends at chance (90.2%).
    return DBN(SIZES, n_iter=args.pretrain_epochs, batch_size=100, learning_rate=0.1,
               momentum="classic", weight_decay=2e-4, init=Normal(args.pretrain_init_std),
               reconstruction="sample", centering=False,
               random_state=args.seed, verbose=args.verbose)


def blas_threads():
    """The BLAS thread counts in use, as text ("1", or "1, 2" when libraries differ)."""
    counts = sorted({i.get("num_threads") for i in blas_libraries()})
    return ", ".join(map(str, counts)) or "unknown"


def pretrain(X, args):
    """The fitted DBN, its pretraining seconds and the BLAS threads it ran with,
    from the cache when there.

    The thread count is kept because it changes the network: BLAS splits its
    float32 sums otherwise, and the rounding differences grow over the epochs.
    """
    path = None
    if args.cache is not None:
        init = "" if args.pretrain_init_std == 0.01 else f"-init{args.pretrain_init_std:g}"
        path = Path(args.cache) / (f"dbn-{args.pretrain_epochs}-{args.seed}-{len(X)}{init}"
                                   "-uncentred-sampled.pkl")
        if path.exists():
            with open(path, "rb") as f:
                cached = pickle.load(f)
            dbn, seconds, threads = cached if len(cached) == 3 else (*cached, None)
            print(f"pretraining: loaded from {path} ({seconds:.0f} s when made, "
                  f"BLAS threads {threads or 'not recorded'})", flush=True)
            return dbn, seconds, threads
    threads = blas_threads()
    t0 = time.perf_counter()
    dbn = pretrainer(args).fit(X)
    seconds = time.perf_counter() - t0
    print(f"pretraining: {seconds:.0f} s", flush=True)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        with open(partial, "wb") as f:
            pickle.dump((dbn, seconds, threads), f)
        os.replace(partial, path)  # a reader never sees half a file
    return dbn, seconds, threads


def model(row, args, pretrained):
    """The classifier of one row; ``pretrained`` is the fitted DBN, shared by rows."""
    schedule = (StepKeptByMomentum(args.decay, args.momentum)
                if isinstance(args.momentum, LinearRamp) else Exponential(args.decay))
    seed = args.seed if args.finetune_seed is None else args.finetune_seed
    common = dict(max_iter=args.epochs, batch_size=100, random_state=seed,
                  alpha=args.alpha,
                  verbose=args.verbose, learning_rate_init=args.learning_rate,
                  learning_rate=schedule, momentum=args.momentum,
                  n_iter_no_change=args.patience or args.epochs + 1,
                  checkpoint_dir=None if args.checkpoint is None
                  else str(Path(args.checkpoint) / row))
    if row == "random":
        return DBNClassifier(SIZES, pretrainer=None, **common)
    if row == "defaults":
        return DBNClassifier(random_state=seed, verbose=args.verbose,
                             **({"max_iter": args.epochs} if args.quick else {}))
    frozen = FrozenEstimator(pretrained)
    if row == "dropout":
        return DBNClassifier(SIZES, pretrainer=frozen, dropout=args.dropout,
                             input_dropout=args.input_dropout, max_norm=args.max_norm, **common)
    return DBNClassifier(SIZES, pretrainer=frozen, **common)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--pretrain-epochs", type=int, default=50)
    parser.add_argument("--pretrain-init-std", type=float, default=0.01,
                        help="standard deviation of the RBMs' initial weights (Hinton's "
                             "practical guide: 0.01; the rbm.m of Hinton & Salakhutdinov "
                             "2006, behind the published DBN results: 0.1)")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--decay", type=float, default=0.99,
                        help="fine-tuning learning rate factor per epoch")
    parser.add_argument("--learning-rate", type=float, default=0.1,
                        help="fine-tuning initial learning rate")
    parser.add_argument("--momentum", type=momentum_arg, default=0.9,
                        help="fine-tuning momentum: a number, or start:stop:epochs for a "
                             "linear ramp (Hinton et al. 2012: 0.5:0.99:500), which also "
                             "scales the learning rate by 1 - momentum so that the "
                             "step size stays that of the learning rate")
    parser.add_argument("--max-norm", type=float, default=None,
                        help="dropout row: bound on the norm of each unit's incoming "
                             "weight vector (Srivastava et al. 2014 use 3 to 4 from random "
                             "initialisation; pretrained weights here have larger norms)")
    parser.add_argument("--dropout", type=dropout_arg, default=0.5,
                        help="dropout row: fraction of hidden units dropped, one number "
                             "or one per hidden layer separated by commas "
                             "(Srivastava et al. 2014: 0.5)")
    parser.add_argument("--input-dropout", type=float, default=0.2,
                        help="dropout row: fraction of input pixels dropped "
                             "(Srivastava et al. 2014: 0.2)")
    parser.add_argument("--alpha", type=float, default=1e-4,
                        help="fine-tuning L2 penalty on the weights (Hinton et al. 2012 "
                             "fine-tune with dropout and no L2: 0)")
    parser.add_argument("--validation", type=int, default=0,
                        help="hold out the last N training images and report the error "
                             "on them instead of the test set (for model choice)")
    parser.add_argument("--cache", default=None,
                        help="folder to keep the pretrained DBN in, so that several runs "
                             "with other fine-tuning settings share one pretraining")
    parser.add_argument("--patience", type=int, default=10,
                        help="stop once the training loss has not improved by 1e-4 for "
                             "this many epochs; 0 trains all --epochs")
    parser.add_argument("--checkpoint", default=None,
                        help="folder for per-epoch checkpoints: a run stopped part way "
                             "resumes from its last epoch when started again")
    parser.add_argument("--average-from", type=int, default=0,
                        help="also report the error of the weights averaged over the ends "
                             "of epochs N to the last (Polyak averaging of the iterates, "
                             "SWA in Izmailov et al. 2018); needs --checkpoint, whose resume "
                             "runs the fine-tuning one epoch at a time from epoch N. 0: off")
    parser.add_argument("--rows", default="dbn,dropout,random")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--finetune-seed", type=int, default=None,
                        help="seed of the fine-tuning alone (initial output layer, "
                             "batch order, dropout masks); --seed by default. Runs "
                             "that differ only here share one pretraining")
    parser.add_argument("--verbose", type=int, default=0)
    parser.add_argument("--section", default=None,
                        help="section of RESULTS.md to write (keeps runs with other "
                             "epoch counts side by side)")
    args = parser.parse_args(argv)
    if args.average_from and (args.checkpoint is None or args.patience
                              or not 0 < args.average_from < args.epochs):
        parser.error("--average-from needs --checkpoint, --patience 0 and "
                     "0 < --average-from < --epochs")
    limit = None
    if args.quick:
        limit, args.pretrain_epochs, args.epochs = 6000, 1, 2
    X, y, X_test, y_test = mnist_split(limit, args.validation)
    # Unsupervised pretraining sees every training image, without labels.
    X_pre = np.concatenate([X, X_test]) if args.validation else X
    rows = []
    pretrained, pretrain_seconds, pretrain_threads = None, 0.0, None
    for row in args.rows.split(","):
        if row not in ("random", "defaults") and pretrained is None:
            # One greedy pretraining serves every pretrained row: they differ
            # in fine-tuning only, as in the papers compared with.
            pretrained, pretrain_seconds, pretrain_threads = pretrain(X_pre, args)
        clf = model(row, args, pretrained)
        done = epochs_done(clf)
        t0 = time.perf_counter()
        averaged = fit(clf, X, y, args.average_from)
        # A resumed run adds the recorded times of the epochs it did not redo.
        seconds = time.perf_counter() - t0 + sum(clf.history_["seconds"][:done])
        name, published, target = PUBLISHED[row]
        pre_epochs, pre_seconds = {"random": (0, 0.0), "defaults": ("auto", 0.0)}.get(
            row, (args.pretrain_epochs, pretrain_seconds))
        for label, fitted in [(name, clf)] + (
                [] if averaged is None else
                [(f"{name}, weights averaged over epochs {args.average_from}-{clf.n_iter_}",
                  averaged)]):
            error = 100 * (1 - fitted.score(X_test, y_test))
            train_error = 100 * (1 - fitted.score(X, y))
            rows.append([label, published, target, f"{error:.2f}%", f"{train_error:.2f}%",
                         f"{pre_epochs} per layer / {clf.n_iter_}",
                         f"{pre_seconds:.0f} + {seconds:.0f}"])
            print(f"{label}: {held_out_name(args.validation)} error {error:.2f}%, "
                  f"training error {train_error:.2f}%, fine-tuning {seconds:.0f} s",
                  flush=True)
        report(rows, X, X_test, args, pretrain_threads)


def epochs_done(clf):
    """How many epochs the checkpoint of ``clf`` already holds (``fit`` resumes after them)."""
    if clf.checkpoint_dir is None or not os.path.isdir(clf.checkpoint_dir):
        return 0
    epochs = Checkpointer(clf.checkpoint_dir).epochs()
    return epochs[-1] + 1 if epochs else 0


def fit(clf, X, y, average_from=0):
    """Fit ``clf``; with ``average_from``, also return a copy of it holding the
    mean of its weights at the ends of epochs ``average_from`` to the last.

    The run stops after epoch ``average_from`` and then goes on one epoch per
    ``fit``, each resuming from the checkpoint of the one before (the random
    generators are restored, so the epochs are those of one uninterrupted run).
    """
    epochs = clf.max_iter
    sums, count = None, 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for stop in ([epochs] if not average_from else range(average_from, epochs + 1)):
            clf.set_params(max_iter=stop)
            clf.fit(X, y)
            if average_from:
                weights = [np.asarray(w, np.float64) for w in clf.coefs_ + clf.intercepts_]
                sums = weights if sums is None else [s + w for s, w in zip(sums, weights)]
                count += 1
    if sums is None:
        return None
    averaged = copy.deepcopy(clf)
    for target, total in zip(averaged.coefs_ + averaged.intercepts_, sums):
        target[...] = total / count
    return averaged


def report(rows, X, X_test, args, pretrain_threads=None):
    """Write the rows measured so far (a long run leaves partial results)."""
    split = held_out_name(args.validation)
    body = (
        f"MNIST, {len(X)} training and {len(X_test)} {split} images, network "
        "784-500-500-2000-10 with logistic units, float32, batches of 100. "
        f"Pretraining: greedy CD-1 per layer (uncentred, sampled reconstructions), "
        f"{args.pretrain_epochs} epochs per layer, "
        "learning rate 0.1, momentum 0.5 then 0.9, weight decay 0.0002, initial weights "
        f"N(0, {args.pretrain_init_std:g}^2); one pretrained "
        "DBN serves every pretrained row (sklearn.frozen.FrozenEstimator). Fine-tuning: "
        + (f"SGD with classical momentum {args.momentum}, learning rate "
           f"{args.learning_rate} times {args.decay} per epoch"
           if not isinstance(args.momentum, LinearRamp) else
           f"SGD with classical momentum ramped linearly from {args.momentum.start} to "
           f"{args.momentum.stop} over {args.momentum.epochs} epochs, learning rate "
           f"{args.learning_rate} times {args.decay} per epoch times (1 - momentum)")
        + f", at most {args.epochs} epochs"
        + (f" (stopping once the training loss has not improved by 1e-4 for "
           f"{args.patience} epochs)" if args.patience else " (no early stopping)")
        + f", L2 alpha {args.alpha:g}; dropout row {dropout_text(args.dropout)} hidden, "
        f"{args.input_dropout:g} input"
        + (f", max-norm {args.max_norm}" if args.max_norm else "") + ". "
        + (f"The averaged row holds the mean of the weights at the ends of epochs "
           f"{args.average_from} to the last (Polyak averaging of one run's iterates). "
           if args.average_from else "")
        + (f"**Validation run**: trained on the first {len(X)} training images, the "
           f"error column is on the last {len(X_test)} (pretraining saw all "
           f"{len(X) + len(X_test)} "
           "images, without labels). " if args.validation else "")
        + (f"Fine-tuning seed {args.finetune_seed} (pretraining seed {args.seed}). "
           if args.finetune_seed is not None else "")
        + "No model choice on the test set. Seconds: pretraining + fine-tuning, wall "
        "clock, BLAS threads as the environment sets them"
        + (f" (pretraining: {pretrain_threads} BLAS threads; another count rounds "
           "differently and gives another network)" if pretrain_threads else "")
        + "; a fine-tuning resumed from its checkpoint counts the recorded epoch times "
        "of its earlier part."
        + (" **Quick smoke run: not a reproduction.**" if args.quick else "")
        + "\n\n"
        + markdown_table(["model", "published", "target", f"ours ({split} error)",
                          "training error", "epochs (pretrain / fine-tune)", "seconds"],
                         rows)
    )
    section = args.section or "DBN on MNIST" + (" (quick)" if args.quick else "")
    write_section(section, body)


if __name__ == "__main__":
    main()
