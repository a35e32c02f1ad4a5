"""deepbelief: energy-based models and deep belief networks for scikit-learn.

Restricted Boltzmann Machines trained by contrastive divergence with
Numba-compiled kernels, stacked into Deep Belief Networks and autoencoders
whose weights initialise a multilayer perceptron fine-tuned by
backpropagation, all as scikit-learn estimators.
"""

__version__ = "0.1.0"

# after __version__, which persistence imports
from .rbm import BernoulliRBM, GaussianBernoulliRBM  # noqa: E402
from .preprocessing import GlobalContrastNormalization, ZCAWhitening, drop_incomplete  # noqa: E402
from .mlp import MLPClassifier, MLPRegressor  # noqa: E402
from .dbn import DBN, DBNClassifier, DBNRegressor  # noqa: E402
from .autoencoder import Autoencoder, DeepAutoencoder, StackedAutoencoder  # noqa: E402
from .likelihood import (AISEstimate, LikelihoodBounds, RAISEEstimate,  # noqa: E402
                         ais_log_partition, exact_log_partition, log_likelihood,
                         log_likelihood_bounds, raise_log_likelihood)
from .classification_rbm import ClassificationRBM  # noqa: E402
from .generative import GenerativeDBNClassifier  # noqa: E402
from .compression import CompressedModel, compress  # noqa: E402

__all__ = ["__version__", "BernoulliRBM", "GaussianBernoulliRBM",
           "GlobalContrastNormalization", "ZCAWhitening", "drop_incomplete",
           "MLPClassifier", "MLPRegressor", "DBN", "DBNClassifier", "DBNRegressor",
           "Autoencoder", "DeepAutoencoder", "StackedAutoencoder", "AISEstimate",
           "LikelihoodBounds", "RAISEEstimate", "ais_log_partition", "exact_log_partition",
           "log_likelihood", "log_likelihood_bounds", "raise_log_likelihood",
           "ClassificationRBM", "GenerativeDBNClassifier", "CompressedModel", "compress"]
