"""Fits on an ``np.memmap`` larger than the memory the process may use.

The fit runs in a subprocess under ``RLIMIT_DATA`` (heap and private
writable mappings; a read-only file mapping is not counted), set a little
above what the process already uses once the kernels are compiled, while
the memmap is several times that margin: any full copy of the training
data fails with a MemoryError.
"""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

resource = pytest.importorskip("resource")

_PROBE = textwrap.dedent("""
    import resource, sys, warnings
    import numpy as np
    from deepbelief import DBN, BernoulliRBM, DBNClassifier, MLPClassifier
    warnings.simplefilter("ignore")
    path, n, d, dtype, which, margin_mb = sys.argv[1:7]
    n, d, margin = int(n), int(d), int(margin_mb) << 20
    X = np.memmap(path, dtype=dtype, mode="r", shape=(n, d))
    y = np.arange(n) % 3

    def make(which):
        if which == "rbm":
            return BernoulliRBM(8, n_iter=1, batch_size=500, random_state=0)
        if which == "rbm_val":
            return BernoulliRBM(8, n_iter=2, batch_size=500, validation_fraction=0.05,
                                early_stopping=True, random_state=0)
        if which == "mlp":
            return MLPClassifier((8,), max_iter=1, batch_size=500, random_state=0)
        if which == "mlp_early":
            return MLPClassifier((8,), max_iter=2, batch_size=500, early_stopping=True,
                                 validation_fraction=0.05, random_state=0)
        if which == "mlp64":
            return MLPClassifier((8,), max_iter=1, batch_size=500, dtype="float64",
                                 random_state=0)
        if which == "dbn_clf_early":
            return DBNClassifier((8,), max_iter=2, batch_size=500, early_stopping=True,
                                 validation_fraction=0.05,
                                 pretrainer=DBN((8,), n_iter=1, batch_size=500),
                                 random_state=0)
        if which in ("dbn_features", "dbn_features_in_memory"):
            folder = path + ".features" if which == "dbn_features" else None
            return DBN((256, 8), n_iter=1, batch_size=500, feature_dir=folder,
                       random_state=0)
        raise ValueError(which)

    # compile the kernels (and load everything) before any limit is set, on
    # read-only rows as the memmap's are (numba compiles read-only arrays apart)
    small = np.ascontiguousarray(X[:600])
    small.flags.writeable = False
    for name in which.split(","):
        make(name).fit(small, y[:600])

    for name in which.split(","):
        with open("/proc/self/status") as f:
            used = next(int(line.split()[1]) << 10 for line in f
                        if line.startswith("VmData:"))
        # the soft limit only, so that it can be lifted for the next fit
        resource.setrlimit(resource.RLIMIT_DATA, (used + margin, resource.RLIM_INFINITY))
        try:
            make(name).fit(X, y)
            print(name, "ok")
        except MemoryError:
            print(name, "MemoryError")
        finally:
            resource.setrlimit(resource.RLIMIT_DATA,
                               (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
""")


def _run(path, shape, dtype, which, margin_mb):
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, str(path), str(shape[0]), str(shape[1]),
         np.dtype(dtype).name, ",".join(which), str(margin_mb)],
        capture_output=True, text=True, timeout=600, check=False,
        env={"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
             "NUMBA_NUM_THREADS": "1", **_inherited_env()})
    assert out.returncode == 0, out.stderr[-3000:]
    return dict(line.split() for line in out.stdout.strip().splitlines())


def _inherited_env():
    import os
    keep = ("PATH", "HOME", "PYTHONPATH", "NUMBA_CACHE_DIR", "LANG")
    return {k: os.environ[k] for k in keep if k in os.environ}


@pytest.fixture(scope="module")
def memmap_file(tmp_path_factory):
    # 48 MiB of float32 in [0, 1]: three times the 16 MiB margin below
    shape = (24576, 512)
    path = tmp_path_factory.mktemp("memmap") / "X.f32"
    X = np.memmap(path, dtype=np.float32, mode="w+", shape=shape)
    rng = np.random.default_rng(0)
    for start in range(0, shape[0], 4096):
        X[start:start + 4096] = rng.random((min(4096, shape[0] - start), shape[1]),
                                           dtype=np.float32)
    X.flush()
    del X
    return path, shape


def test_fit_on_a_memmap_larger_than_the_memory_limit(memmap_file):
    path, shape = memmap_file
    # mlp64: a float64 MLP casts the float32 memmap, a full copy (96 MiB)
    # that must fail, or the limit would prove nothing about the others
    got = _run(path, shape, np.float32, ["rbm", "rbm_val", "mlp", "mlp_early", "mlp64"],
               margin_mb=16)
    assert got == {"rbm": "ok", "rbm_val": "ok", "mlp": "ok", "mlp_early": "ok",
                   "mlp64": "MemoryError"}


def test_dbn_classifier_early_stopping_pretrains_without_copying(memmap_file):
    # The pretrainer reads the training rows of the split from the memmap:
    # copied, they would be 95% of 48 MiB, nearly twice the 24 MiB margin
    # (wider than the others' 16 MiB: the column means of the first RBM
    # read two blocks of 4096 rows, 8 MiB each, while the fine-tuning's
    # validation rows and buffers already hold 3 MiB).
    path, shape = memmap_file
    got = _run(path, shape, np.float32, ["dbn_clf_early"], margin_mb=24)
    assert got == {"dbn_clf_early": "ok"}


def test_dbn_upper_layers_train_on_features_on_disk(memmap_file, tmp_path):
    # 256 features of 24,576 rows in float32 are 24 MiB, over the 16 MiB
    # margin: kept in memory they fail, written to feature_dir they do not
    path, shape = memmap_file
    got = _run(path, shape, np.float32, ["dbn_features", "dbn_features_in_memory"],
               margin_mb=16)
    assert got == {"dbn_features": "ok", "dbn_features_in_memory": "MemoryError"}
    import os
    assert os.listdir(str(path) + ".features") == []
