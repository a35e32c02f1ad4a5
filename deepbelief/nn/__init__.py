"""Building blocks of neural networks, each usable alone on numpy arrays.

Initialisers, activations, optimizers, learning-rate schedules, losses
and layers (dropout is the ``Dropout`` layer; the L1 and L2 penalties and
max-norm are options of the MLPs, applied inside the optimizers' update
kernels); each family resolves names through one registry
(``INITIALIZERS``, ``ACTIVATIONS``, ``OPTIMIZERS``, ``SCHEDULES``,
``LOSSES``) and also accepts instances (and, where it makes sense,
callables).
"""

from .activations import (ACTIVATIONS, ELU, Activation, Identity, LeakyReLU, ReLU,
                          Sigmoid, Softmax, Softplus, Tanh, elu, get_activation, identity,
                          leaky_relu, relu, sigmoid, softmax, softplus, tanh)
from .initializers import (INITIALIZERS, GlorotNormal, GlorotSigmoid, GlorotUniform,
                           HeNormal, HeUniform, Initializer, LecunNormal, Normal,
                           Orthogonal, TruncatedNormal, Uniform, Zeros, get_initializer,
                           glorot_normal, glorot_sigmoid, glorot_uniform, he_normal,
                           he_uniform, lecun_normal, normal, orthogonal, truncated_normal,
                           uniform, zeros)
from .layers import (ACTIVATION_LAYERS, ActivationLayer, Dense, Dropout, Maxout, Network,
                     PReLU, gemm)
from .losses import (LOSSES, BinaryCrossEntropy, CrossEntropy, Loss, SquaredError,
                     binary_cross_entropy, cross_entropy, get_loss, squared_error)
from .optimizers import OPTIMIZERS, SGD, Adagrad, Adam, Optimizer, RMSProp, get_optimizer
from .schedules import (SCHEDULES, Constant, Exponential, InverseTime, ReduceOnPlateau,
                        Schedule, Step, get_schedule)

# Lower-case aliases so that every family is reachable by its registry name.
prelu, maxout, sgd, adagrad, rmsprop, adam = PReLU, Maxout, SGD, Adagrad, RMSProp, Adam
constant, step, exponential = Constant, Step, Exponential
inverse_time, reduce_on_plateau = InverseTime, ReduceOnPlateau

__all__ = [
    # activations
    "ACTIVATIONS", "Activation", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "ELU",
    "Softplus", "Identity", "Softmax", "get_activation", "sigmoid", "tanh", "relu",
    "leaky_relu", "elu", "softplus", "identity", "softmax", "prelu", "maxout",
    # initializers
    "INITIALIZERS", "Initializer", "Normal", "TruncatedNormal", "Uniform",
    "GlorotUniform", "GlorotNormal", "GlorotSigmoid", "HeNormal", "HeUniform",
    "LecunNormal", "Orthogonal", "Zeros", "get_initializer", "normal",
    "truncated_normal", "uniform", "glorot_uniform", "glorot_normal", "glorot_sigmoid",
    "he_normal", "he_uniform", "lecun_normal", "orthogonal", "zeros",
    # layers
    "ACTIVATION_LAYERS", "ActivationLayer", "Dense", "Dropout", "Maxout", "PReLU",
    "Network", "gemm",
    # losses
    "LOSSES", "Loss", "SquaredError", "CrossEntropy", "BinaryCrossEntropy",
    "get_loss", "squared_error", "cross_entropy", "binary_cross_entropy",
    # optimizers
    "OPTIMIZERS", "Optimizer", "SGD", "Adagrad", "RMSProp", "Adam", "get_optimizer",
    "sgd", "adagrad", "rmsprop", "adam",
    # schedules
    "SCHEDULES", "Schedule", "Constant", "Step", "Exponential", "InverseTime",
    "ReduceOnPlateau", "get_schedule", "constant", "step", "exponential",
    "inverse_time", "reduce_on_plateau",
]
