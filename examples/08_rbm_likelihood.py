"""An RBM's filters and samples, and its AIS log-likelihood over training.

Shows how to watch an RBM learn: a ``BernoulliRBM`` is trained one epoch
at a time with ``partial_fit`` (persistent CD), and after every few
epochs its log partition function is estimated by annealed importance
sampling (``deepbelief.likelihood.ais_log_partition``, Salakhutdinov &
Murray 2008) to give the log-likelihood of the training and test images
in nats. With ``--quick`` the model has 16 hidden units, so log Z is also
summed exactly (65,536 hidden states) and the AIS estimate can be
checked against it; the full run has 100 hidden units and AIS alone.

Settings for digits-sized data, given explicitly: learning rate 0.05,
batches of 10, PCD-1.

Prints, at each measured epoch: the AIS log Z with its +-3 standard error
bounds, the exact log Z where there is one, and the mean log-likelihood
of the training and test images. Writes ``rbm_filters.png``,
``rbm_samples.png`` (chains after 1, 10, 100 and 1000 Gibbs steps from
the same starts) and ``rbm_likelihood.png`` (log-likelihood per epoch).

Usage: python examples/08_rbm_likelihood.py [--quick] [--mnist DIR] [--out DIR]
"""

import numpy as np
from _common import load_data, parse_args, pyplot, save

from deepbelief import BernoulliRBM
from deepbelief.likelihood import ais_log_partition, exact_log_partition, log_likelihood
from deepbelief.plotting import FiltersDisplay, SamplesDisplay


def main(argv=None):
    args = parse_args(__doc__, argv)
    if args.mnist:
        n_train, n_test = (5000, 1000) if args.quick else (60000, 10000)
    else:
        n_train = n_test = None
    X_train, X_test, _, _, shape = load_data(args, n_train=n_train, n_test=n_test)
    n_hidden = 16 if args.quick else (500 if args.mnist else 100)
    n_epochs = 12 if args.quick else 60
    measure_every = 3 if args.quick else 10
    betas = np.linspace(0.0, 1.0, 2000 if args.quick else 20000)
    n_runs = 50 if args.quick else 100
    rbm = BernoulliRBM(n_components=n_hidden, learning_rate=0.05, batch_size=10,
                       random_state=0)
    curve = {"epoch": [], "train": [], "test": []}
    print(f"{'epoch':>5}{'AIS log Z':>11}{'[-3 se, +3 se]':>20}{'exact':>9}"
          f"{'train LL':>10}{'test LL':>10}")
    for epoch in range(1, n_epochs + 1):
        rbm.partial_fit(X_train)
        if epoch % measure_every and epoch != 1:
            continue
        estimate = ais_log_partition(rbm, n_runs=n_runs, betas=betas, random_state=0,
                                     X=X_train)
        exact = exact_log_partition(rbm) if n_hidden <= 20 else float("nan")
        train = log_likelihood(rbm, X_train, log_z=estimate)
        test = log_likelihood(rbm, X_test, log_z=estimate)
        curve["epoch"].append(epoch)
        curve["train"].append(train)
        curve["test"].append(test)
        print(f"{epoch:>5}{estimate.log_z:>11.2f}  [{estimate.log_z_low:7.2f}, "
              f"{estimate.log_z_high:7.2f}]{exact:>9.2f}{train:>10.2f}{test:>10.2f}")

    pyplot()
    display = FiltersDisplay.from_estimator(rbm, image_shape=shape)
    save(display.figure_, args, "rbm_filters.png")
    display = SamplesDisplay.from_estimator(rbm, n_samples=10, n_steps=(1, 10, 100, 1000),
                                            image_shape=shape, random_state=0)
    save(display.figure_, args, "rbm_samples.png")
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 3.6), layout="constrained")
    for key in ("train", "test"):
        ax.plot(curve["epoch"], curve[key], marker="o", label=f"{key} images")
    ax.set_xlabel("epoch")
    ax.set_ylabel("log-likelihood (nats per image, AIS)")
    ax.set_title(f"BernoulliRBM({n_hidden}) on {'MNIST' if args.mnist else 'digits'}",
                 fontsize=10)
    ax.legend()
    save(fig, args, "rbm_likelihood.png")
    return rbm, curve


if __name__ == "__main__":
    main()
