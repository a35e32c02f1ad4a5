"""deepbelief: energy-based models and deep belief networks for scikit-learn.

Restricted Boltzmann Machines trained by contrastive divergence with
Numba-compiled kernels, stacked into Deep Belief Networks and autoencoders
whose weights initialise a multilayer perceptron fine-tuned by
backpropagation, all as scikit-learn estimators.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]

from .rbm import BernoulliRBM, GaussianBernoulliRBM  # noqa: E402

__all__ += ["BernoulliRBM", "GaussianBernoulliRBM"]

from .preprocessing import GlobalContrastNormalization, ZCAWhitening, drop_incomplete  # noqa: E402

__all__ += ["GlobalContrastNormalization", "ZCAWhitening", "drop_incomplete"]

from .mlp import MLPClassifier, MLPRegressor  # noqa: E402

__all__ += ["MLPClassifier", "MLPRegressor"]

from .dbn import DBN, DBNClassifier, DBNRegressor  # noqa: E402

__all__ += ["DBN", "DBNClassifier", "DBNRegressor"]

from .autoencoder import Autoencoder, DeepAutoencoder, StackedAutoencoder  # noqa: E402

__all__ += ["Autoencoder", "DeepAutoencoder", "StackedAutoencoder"]

from .likelihood import (  # noqa: E402
    AISEstimate,
    LikelihoodBounds,
    RAISEEstimate,
    ais_log_partition,
    exact_log_partition,
    log_likelihood,
    log_likelihood_bounds,
    raise_log_likelihood,
)

__all__ += ["AISEstimate", "LikelihoodBounds", "RAISEEstimate", "ais_log_partition",
            "exact_log_partition", "log_likelihood", "log_likelihood_bounds",
            "raise_log_likelihood"]

from .classification_rbm import ClassificationRBM  # noqa: E402

__all__ += ["ClassificationRBM"]

from .generative import GenerativeDBNClassifier  # noqa: E402

__all__ += ["GenerativeDBNClassifier"]

from .compression import CompressedModel, compress  # noqa: E402

__all__ += ["CompressedModel", "compress"]
