"""Checkpoints: interrupt a fit, then resume it where it stopped.

Shows ``checkpoint_dir``: after every epoch the estimator writes its
parameters, random generator state and history to one ``.npz`` file
(atomically: an interrupted write never leaves a broken file), and a
later ``fit`` with the same settings and folder resumes from the latest
one. Here a ``BernoulliRBM`` fit is interrupted as Ctrl-C would interrupt
it (a ``KeyboardInterrupt`` raised in the main thread once the fourth
epoch's checkpoint exists), and a fresh estimator with the same
parameters then finishes the job. Because the generator state is saved
too, the resumed model is the one an uninterrupted fit gives, bit for bit.

Prints the epochs found on disk after the interruption, the epoch the
second fit resumed from, and whether its parameters and history equal
those of an uninterrupted fit. Writes ``checkpoints.png``: the
reconstruction error per epoch of the resumed fit (its history restored
from the checkpoint) and of the uninterrupted one.

Usage: python examples/09_checkpoints.py [--quick] [--mnist DIR] [--out DIR]
"""

import _thread
import os
import tempfile
import threading
import time

import numpy as np
from _common import load_data, parse_args, pyplot, save

from deepbelief import BernoulliRBM
from deepbelief.training import Checkpointer

INTERRUPT_AFTER = 4


def interrupt_after(directory, epoch, done):
    """Raise KeyboardInterrupt in the main thread once ``epoch`` is on disk."""
    name = os.path.join(directory, f"epoch_{epoch:05d}.npz")
    while not done.is_set():
        if os.path.exists(name):
            _thread.interrupt_main()
            return
        time.sleep(0.002)


def main(argv=None):
    args = parse_args(__doc__, argv)
    if args.mnist:
        n_train = 5000 if args.quick else 60000
    else:
        n_train = None
    X_train, _, _, _, _ = load_data(args, n_train=n_train, n_test=1)
    params = dict(n_components=64 if args.quick else 256, learning_rate=0.05,
                  batch_size=10, n_iter=12 if args.quick else 40,
                  validation_fraction=0.1, random_state=0)

    with tempfile.TemporaryDirectory() as tmp:
        folder = os.path.join(tmp, "rbm")
        done = threading.Event()
        watcher = threading.Thread(target=interrupt_after,
                                   args=(folder, INTERRUPT_AFTER, done))
        watcher.start()
        try:
            BernoulliRBM(**params, checkpoint_dir=folder).fit(X_train)
            print("the fit finished before it could be interrupted")
        except KeyboardInterrupt:
            print("fit interrupted")
        finally:
            done.set()
            watcher.join()
        on_disk = Checkpointer(folder).epochs()
        print(f"checkpoints on disk: epochs {on_disk}")

        resumed = BernoulliRBM(**params, checkpoint_dir=folder)
        resumed.fit(X_train)
        print(f"second fit resumed from epoch {on_disk[-1]} and ran to epoch "
              f"{resumed.n_iter_}")
    reference = BernoulliRBM(**params).fit(X_train)
    same = all(np.array_equal(getattr(resumed, a), getattr(reference, a))
               for a in ("components_", "intercept_hidden_", "intercept_visible_"))
    keys = [k for k in reference.history_ if k != "seconds"]
    same_history = all(np.array_equal(resumed.history_[k], reference.history_[k])
                       for k in keys)
    print(f"parameters equal to an uninterrupted fit: {same}")
    print(f"history (all but timings) equal to an uninterrupted fit: {same_history}")

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 3.4), layout="constrained")
    for model, label, style in ((reference, "uninterrupted", "-"),
                                (resumed, "interrupted, then resumed", "--")):
        errors = model.history_["reconstruction_error"]
        ax.plot(np.arange(1, len(errors) + 1), errors, style, marker="o", markersize=3,
                label=label)
    ax.axvline(on_disk[-1] + 0.5, color="0.5", linewidth=0.8)
    ax.annotate("interrupted", (on_disk[-1] + 0.6, ax.get_ylim()[1]), va="top", fontsize=8)
    ax.set_xlabel("epoch")
    ax.set_ylabel("reconstruction error")
    ax.set_title("BernoulliRBM with checkpoint_dir", fontsize=10)
    ax.legend()
    save(fig, args, "checkpoints.png")
    return same and same_history


if __name__ == "__main__":
    main()
