"""Do two commits fit the same models?  Same seeds, fitted arrays compared.

Exports ``--base`` (a commit) with ``git archive`` into a temporary folder,
then fits a fixed list of estimators on scikit-learn's digits (scaled to
[0, 1]) and diabetes, once with that tree and once with the working tree,
each in a subprocess with one thread, and compares every fitted array
(``coefs_``, ``components_``, ``intercepts_``... everything ending in
``_`` that is an array or a list of arrays) with ``np.array_equal``.
Prints one row per case: identical, or the largest difference.

    python benchmarks/compare_fits.py --base HEAD~1
    python benchmarks/compare_fits.py --base 7c47a7b --cases rbm_cd mlp_sgd
"""

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name -> (data, constructor expression); evaluated inside the subprocess.
CASES = {
    "rbm_cd": ("digits", "BernoulliRBM(16, n_iter=3, batch_size=20, random_state=0)"),
    "rbm_classic": ("digits", "BernoulliRBM(16, n_iter=7, momentum='classic', "
                              "weight_decay=1e-3, sparsity_cost=0.1, random_state=1)"),
    "rbm_pcd": ("digits", "BernoulliRBM(16, n_iter=3, persistent=True, sampler='pcd', "
                          "random_state=0)"),
    "rbm_fpcd": ("digits", "BernoulliRBM(16, n_iter=3, sampler='fpcd', random_state=0)"),
    "rbm_pt": ("digits", "BernoulliRBM(16, n_iter=2, sampler='pt', pt_betas=4, "
                         "random_state=0)"),
    "rbm_centred": ("digits", "BernoulliRBM(16, n_iter=3, centering=True, "
                              "reconstruction='mean', sampler='cd', persistent=False, "
                              "momentum=0.5, random_state=0)"),
    "rbm_early": ("digits", "BernoulliRBM(16, n_iter=8, early_stopping=True, "
                            "n_iter_no_change=2, random_state=0)"),
    "rbm_validation": ("digits", "BernoulliRBM(16, n_iter=3, validation_fraction=0.2, "
                                 "random_state=0)"),
    "rbm_centred_validation": ("digits", "BernoulliRBM(16, n_iter=3, centering=True, "
                                         "validation_fraction=0.2, random_state=0)"),
    "rbm_schedule": ("digits", "BernoulliRBM(16, n_iter=4, learning_rate_schedule='step', "
                               "random_state=0)"),
    "grbm": ("digits", "GaussianBernoulliRBM(16, n_iter=3, learning_rate=0.001, "
                       "random_state=0)"),
    "grbm_var": ("digits", "GaussianBernoulliRBM(16, n_iter=3, learning_rate=0.001, "
                           "learn_variance=True, random_state=0)"),
    "rbm_float32": ("digits32", "BernoulliRBM(16, n_iter=3, momentum=0.5, random_state=0)"),
    "mlp_sgd": ("digits_y", "MLPClassifier((32,), max_iter=5, solver='sgd', "
                            "random_state=0)"),
    "mlp_adam_early": ("digits_y", "MLPClassifier((32, 16), max_iter=12, early_stopping=True, "
                                   "n_iter_no_change=3, random_state=0)"),
    "mlp_dropout": ("digits_y", "MLPClassifier((32,), max_iter=4, dropout=0.2, "
                                "input_dropout=0.1, max_norm=2.0, alpha=1e-3, l1=1e-5, "
                                "random_state=0)"),
    "mlp_adaptive": ("digits_y", "MLPClassifier((16,), max_iter=15, solver='sgd', "
                                 "learning_rate='adaptive', n_iter_no_change=2, "
                                 "tol=1e-2, random_state=0)"),
    "mlp_regressor": ("diabetes", "MLPRegressor((16,), max_iter=10, random_state=0)"),
    "autoencoder": ("digits", "Autoencoder(16, n_iter=3, corruption_level=0.2, "
                              "random_state=0)"),
    "autoencoder_untied": ("digits", "Autoencoder(16, n_iter=3, tied_weights=False, "
                                     "sparsity_cost=0.1, solver='adam', "
                                     "learning_rate=0.001, random_state=0)"),
    "deep_autoencoder": ("digits", "DeepAutoencoder((32, 8), max_iter=3, random_state=0)"),
    "stacked_autoencoder": ("digits", "StackedAutoencoder((32, 8), n_iter=2, "
                                      "random_state=0)"),
    "dbn": ("digits", "DBN((32, 16), n_iter=2, random_state=0)"),
    "dbn_classifier": ("digits_y", "DBNClassifier((32, 16), max_iter=3, random_state=0)"),
    "dbn_regressor": ("diabetes", "DBNRegressor((16,), max_iter=5, random_state=0)"),
    "dbn_classifier_early": ("digits_y", "DBNClassifier((32, 16), max_iter=5, "
                                         "early_stopping=True, random_state=0)"),
    "dbn_classifier_early64": ("digits_y", "DBNClassifier((32, 16), max_iter=5, "
                                           "early_stopping=True, dtype='float64', "
                                           "random_state=0)"),
    "dbn_feature_dir": ("digits32", "DBN((32, 16, 8), n_iter=2, random_state=0, "
                                    "**({'feature_dir': 'features'} if 'feature_dir' in "
                                    "DBN().get_params() else {}))"),
    "autoencoder_early": ("digits", "Autoencoder(16, n_iter=6, early_stopping=True, "
                                    "random_state=0)"),
    "deep_autoencoder_early": ("digits", "DeepAutoencoder((16, 4), max_iter=4, "
                                         "early_stopping=True, random_state=0)"),
}

_CHILD = r'''
import sys, warnings
import numpy as np
warnings.simplefilter("ignore")
from sklearn.datasets import load_digits, load_diabetes
import deepbelief as db
from deepbelief import *  # noqa: F401,F403
name, data, expr, out = sys.argv[1:5]
if data == "diabetes":
    X, y = load_diabetes(return_X_y=True)
    X = (X - X.min(0)) / (X.max(0) - X.min(0))
    y = (y - y.mean()) / y.std()
else:
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    if data == "digits32":
        X = X.astype(np.float32)
est = eval(expr)
est.fit(X, y) if data in ("digits_y", "diabetes") else est.fit(X)  # noqa
arrays = {}
def collect(obj, prefix):
    for key, value in vars(obj).items():
        if not key.endswith("_") or key.startswith("_"):
            continue
        items = value if isinstance(value, list) else [value]
        for i, v in enumerate(items):
            name = prefix + key + (f"[{i}]" if isinstance(value, list) else "")
            if isinstance(v, np.ndarray) and v.dtype.kind in "fiub":
                arrays[name] = v
            elif hasattr(v, "get_params") and hasattr(v, "__dict__"):
                collect(v, name + ".")
collect(est, "")
np.savez(out, **arrays)
'''


def fit_all(tree, folder, cases):
    env = dict(os.environ, PYTHONPATH=tree, OPENBLAS_NUM_THREADS="1",
               NUMBA_NUM_THREADS="1", OMP_NUM_THREADS="1")
    paths = {}
    for name in cases:
        data, expr = CASES[name]
        out = os.path.join(folder, f"{name}.npz")
        run = subprocess.run([sys.executable, "-c", _CHILD, name, data, expr, out],
                             env=env, cwd=folder, capture_output=True, text=True)
        paths[name] = out if run.returncode == 0 else run.stderr.strip().splitlines()[-1]
    return paths


def compare(a, b):
    if not os.path.exists(a) or not os.path.exists(b):
        return f"failed: {a if not os.path.exists(a) else b}"
    with np.load(a) as A, np.load(b) as B:
        keys = sorted(set(A.files) & set(B.files))
        lost = sorted(set(A.files) ^ set(B.files))
        worst, differ = 0.0, []
        for k in keys:
            if A[k].shape != B[k].shape or not np.array_equal(A[k], B[k], equal_nan=True):
                differ.append(k)
                if A[k].shape == B[k].shape:
                    worst = max(worst, float(np.max(np.abs(A[k].astype(float)
                                                           - B[k].astype(float)))))
        text = ("identical" if not differ else
                f"DIFFERENT: {', '.join(differ[:4])} (max |diff| {worst:.3g})")
        if lost:
            text += f"; attributes only in one: {', '.join(lost[:4])}"
        return f"{text} [{len(keys)} arrays]"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="commit to compare against")
    parser.add_argument("--cases", nargs="*", default=list(CASES), choices=list(CASES))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base_tree = os.path.join(tmp, "base")
        os.makedirs(base_tree)
        archive = subprocess.run(["git", "archive", args.base], cwd=ROOT, check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", base_tree], input=archive, check=True)
        os.makedirs(os.path.join(tmp, "a"))
        os.makedirs(os.path.join(tmp, "b"))
        old = fit_all(base_tree, os.path.join(tmp, "a"), args.cases)
        new = fit_all(ROOT, os.path.join(tmp, "b"), args.cases)
        width = max(map(len, args.cases))
        print(f"| case | {args.base} vs working tree |\n|---|---|")
        for name in args.cases:
            print(f"| {name:<{width}} | {compare(old[name], new[name])} |")


if __name__ == "__main__":
    main()
