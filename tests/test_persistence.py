"""Model files: round trips, refusals, skops and ONNX."""

import hashlib
import io
import json
import os
import pickle
import subprocess
import sys
import textwrap
import warnings
import zipfile

import joblib
import numpy as np
import pytest
from sklearn.base import is_classifier, is_regressor
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.utils.validation import check_is_fitted

import deepbelief
from deepbelief import (DBN, Autoencoder, BernoulliRBM, DBNClassifier, DBNRegressor,
                        DeepAutoencoder, GaussianBernoulliRBM, GlobalContrastNormalization,
                        MLPClassifier, MLPRegressor, StackedAutoencoder, ZCAWhitening)
from deepbelief.augmentation import GaussianNoise, RandomShift
from deepbelief.nn.initializers import Orthogonal
from deepbelief.nn.layers import PReLU
from deepbelief.nn.schedules import LinearRamp, Step
from deepbelief.persistence import (FORMAT_VERSION, load, read_header, save,
                                    skops_trusted_types, to_onnx)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _data():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return X[:60] / 16.0, y[:60]


X, Y = _data()

# One tiny model per public estimator and transformer of the library.
MODELS = {
    "BernoulliRBM": lambda: BernoulliRBM(8, n_iter=2, random_state=0),
    "GaussianBernoulliRBM": lambda: GaussianBernoulliRBM(8, n_iter=2, random_state=0),
    "BernoulliRBM-pt": lambda: BernoulliRBM(6, n_iter=2, sampler="pt", pt_betas=3,
                                            momentum="classic", random_state=0),
    "DBN": lambda: DBN((8, 6), n_iter=2, random_state=0),
    "DBNClassifier": lambda: DBNClassifier((8,), max_iter=2, random_state=0),
    "DBNRegressor": lambda: DBNRegressor((8,), max_iter=2, random_state=0),
    "MLPClassifier": lambda: MLPClassifier((8,), max_iter=2, random_state=0),
    "MLPRegressor": lambda: MLPRegressor((8,), max_iter=2, random_state=0),
    "Autoencoder": lambda: Autoencoder(8, n_iter=2, random_state=0),
    "StackedAutoencoder": lambda: StackedAutoencoder((8, 6), n_iter=2, random_state=0),
    "DeepAutoencoder": lambda: DeepAutoencoder((8, 6), max_iter=2, random_state=0),
    "ZCAWhitening": lambda: ZCAWhitening(),
    "GlobalContrastNormalization": lambda: GlobalContrastNormalization(),
    "MLPClassifier-objects": lambda: MLPClassifier(
        (8, 6), activation=["relu", PReLU()], solver="sgd", learning_rate=Step(0.5, 1),
        momentum=LinearRamp(0.5, 0.9, 3), init=Orthogonal(), max_iter=3,
        augment=RandomShift((8, 8), max_shift=1, random_state=3), early_stopping=True,
        validation_fraction=0.2, n_iter_no_change=2, random_state=0),
    "DBNClassifier-frozen": lambda: DBNClassifier(
        (8,), pretrainer=FrozenEstimator(DBN((8,), n_iter=2, random_state=1).fit(X)),
        max_iter=2, random_state=0),
    "MLPRegressor-2out": lambda: MLPRegressor((8,), dtype="float64", max_iter=2,
                                              random_state=0),
}


def _target(name):
    return np.c_[Y, Y ** 2].astype(float) if name == "MLPRegressor-2out" else Y


def _fit(name):
    model = MODELS[name]()
    supervised = is_classifier(model) or is_regressor(model)
    return model.fit(X, _target(name)) if supervised else model.fit(X)


_FITTED = {}


def _fitted(name):
    if name not in _FITTED:
        _FITTED[name] = _fit(name)
    return _FITTED[name]


def _outputs(model):
    """Everything a fitted model computes, with fixed seeds."""
    out = {}
    for method in ("predict", "predict_proba", "transform", "score_samples",
                   "free_energy", "reconstruct"):
        if hasattr(model, method):
            out[method] = getattr(model, method)(X)
    if hasattr(model, "inverse_transform"):
        out["inverse_transform"] = model.inverse_transform(model.transform(X))
    if hasattr(model, "sample"):
        out["sample"] = model.sample(3, random_state=1)
    if hasattr(model, "score"):
        supervised = is_classifier(model) or is_regressor(model)
        target = Y
        if is_regressor(model) and model.n_outputs_ == 2:
            target = np.c_[Y, Y ** 2]
        out["score"] = np.array(model.score(X, target) if supervised else model.score(X))
    return out


def _assert_same_outputs(expected, got):
    assert expected.keys() == got.keys()
    for key in expected:
        np.testing.assert_array_equal(got[key], expected[key], err_msg=key)
        assert got[key].dtype == expected[key].dtype, key


@pytest.mark.parametrize("name", list(MODELS))
def test_fitted_round_trip_is_exact(name, tmp_path):
    model = _fitted(name)
    expected = _outputs(model)
    path = tmp_path / "model.npz"
    save(model, path)
    loaded = load(path)
    assert type(loaded) is type(model)
    _assert_same_outputs(expected, _outputs(loaded))
    # the original is untouched by saving: its outputs are still the same
    _assert_same_outputs(expected, _outputs(model))


@pytest.mark.parametrize("name", list(MODELS))
def test_partial_fit_continues_identically_after_load(name, tmp_path):
    model = _fit(name)
    if not hasattr(model, "partial_fit"):
        pytest.skip(f"{type(model).__name__} has no partial_fit")
    save(model, tmp_path / "model.npz")
    loaded = load(tmp_path / "model.npz")
    supervised = is_classifier(model) or is_regressor(model)
    for m in (model, loaded):
        m.partial_fit(X, _target(name)) if supervised else m.partial_fit(X)
    _assert_same_outputs(_outputs(model), _outputs(loaded))


@pytest.mark.parametrize("name", list(MODELS))
def test_unfitted_round_trip_keeps_parameters(name, tmp_path):
    model = MODELS[name]()
    save(model, tmp_path / "model.npz")
    loaded = load(tmp_path / "model.npz")
    assert type(loaded) is type(model)
    assert repr(loaded.get_params(deep=False)) == repr(model.get_params(deep=False))
    assert _is_fitted(loaded) == _is_fitted(model) == (name == "GlobalContrastNormalization")
    if name == "DBNClassifier-frozen":
        np.testing.assert_array_equal(loaded.pretrainer.transform(X),
                                      model.pretrainer.transform(X))


def _is_fitted(model):
    try:
        check_is_fitted(model)
    except NotFittedError:
        return False
    return True


def test_loaded_unfitted_model_fits_like_the_original(tmp_path):
    model = MODELS["MLPClassifier-objects"]()
    save(model, tmp_path / "model.npz")
    loaded = load(tmp_path / "model.npz")
    _assert_same_outputs(_outputs(model.fit(X, Y)), _outputs(loaded.fit(X, Y)))


def test_checkpointed_fit_saved_and_loaded_continues_with_partial_fit(tmp_path):
    for make in (lambda d: MLPClassifier((8,), max_iter=2, checkpoint_dir=d, random_state=0),
                 lambda d: BernoulliRBM(8, n_iter=2, checkpoint_dir=d, random_state=0)):
        folder = tmp_path / f"ckpt{len(os.listdir(tmp_path))}"
        model = make(str(folder))
        model.fit(X, Y)
        assert os.listdir(folder)  # it did write checkpoints
        save(model, tmp_path / "model.npz")
        loaded = load(tmp_path / "model.npz")
        for m in (model, loaded):
            for _ in range(2):
                m.partial_fit(X, Y)
        _assert_same_outputs(_outputs(model), _outputs(loaded))


def test_shared_objects_stay_shared(tmp_path):
    from deepbelief.nn.activations import Tanh

    tanh = Tanh()
    model = MLPClassifier((4, 4), activation=[tanh, tanh], init=Orthogonal(), max_iter=1,
                          random_state=0).fit(X, Y)
    assert model._activations[0] is model._activations[1] is model.activation[0]
    save(model, tmp_path / "m.npz")
    loaded = load(tmp_path / "m.npz")
    assert loaded._activations[0] is loaded._activations[1] is loaded.activation[0]
    assert isinstance(loaded._activations[0], Tanh)
    assert isinstance(loaded.init, Orthogonal)


def test_parameter_objects_save_on_their_own(tmp_path):
    for obj in (Step(0.3, 4), LinearRamp(0.1, 0.2, 7), Orthogonal(),
                GaussianNoise(std=0.1, random_state=0)):
        save(obj, tmp_path / "o.npz")
        back = load(tmp_path / "o.npz")
        assert type(back) is type(obj) and repr(back) == repr(obj)


@pytest.mark.parametrize("seed", [0, 12345])
def test_augmenter_stream_continues_after_load(seed, tmp_path):
    aug = GaussianNoise(std=0.1, random_state=seed)
    aug(X)  # starts its stream
    save(aug, tmp_path / "a.npz")
    back = load(tmp_path / "a.npz")
    np.testing.assert_array_equal(back(X), aug(X))


def test_generators_round_trip_with_their_seed_sequence(tmp_path):
    rng = np.random.default_rng(12345)
    rng.random(3)
    model = BernoulliRBM(4, n_iter=1, random_state=rng)
    save(model, tmp_path / "m.npz")
    back = load(tmp_path / "m.npz").random_state
    np.testing.assert_array_equal(back.random(5), rng.random(5))
    np.testing.assert_array_equal(back.spawn(1)[0].random(3), rng.spawn(1)[0].random(3))
    legacy = np.random.RandomState(7)
    legacy.rand(2)
    save(BernoulliRBM(4, random_state=legacy), tmp_path / "r.npz")
    np.testing.assert_array_equal(load(tmp_path / "r.npz").random_state.rand(4),
                                  legacy.rand(4))


def test_new_process_gives_the_same_outputs(tmp_path):
    names = list(MODELS)
    expected = {}
    for i, name in enumerate(names):
        model = _fitted(name)
        save(model, tmp_path / f"m{i}.npz")
        expected[i] = _outputs(model)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "Y.npy", Y)
    script = textwrap.dedent(f"""
        import sys, warnings
        import numpy as np
        sys.path.insert(0, {os.path.dirname(__file__)!r})
        warnings.simplefilter("ignore")
        import test_persistence as t
        from deepbelief.persistence import load
        for i in range({len(names)}):
            out = t._outputs(load({str(tmp_path)!r} + f"/m{{i}}.npz"))
            np.savez({str(tmp_path)!r} + f"/out{{i}}.npz", **out)
    """)
    # the subprocess imports the deepbelief under test, whatever its folder
    package_parent = os.path.dirname(os.path.dirname(deepbelief.__file__))
    env = dict(os.environ, PYTHONHASHSEED="1",
               PYTHONPATH=package_parent + os.pathsep + os.environ.get("PYTHONPATH", ""))
    subprocess.run([sys.executable, "-c", script], check=True, env=env, timeout=300,
                   cwd=tmp_path)
    for i in expected:
        with np.load(tmp_path / f"out{i}.npz") as got:
            _assert_same_outputs(expected[i], dict(got))


def test_pickle_and_joblib_keep_working(tmp_path):
    for name in ("DBNClassifier", "BernoulliRBM", "DeepAutoencoder"):
        model = _fitted(name)
        expected = _outputs(model)
        _assert_same_outputs(expected, _outputs(pickle.loads(pickle.dumps(model))))
        joblib.dump(model, tmp_path / "m.joblib")
        _assert_same_outputs(expected, _outputs(joblib.load(tmp_path / "m.joblib")))


# ------------------------------------------------------------ the file


def _members(path):
    with zipfile.ZipFile(path) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def _npy(array):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def _header(members):
    return json.loads(np.load(io.BytesIO(members["__header__.npy"])).tobytes())


def _sha256(members):
    """The documented checksum: SHA-256 over (name, length, bytes) of every
    member but the checksum, in name order, names without ``.npy``."""
    digest = hashlib.sha256()
    for member in sorted(m for m in members if m != "__checksum__.npy"):
        name = member[:-4] if member.endswith(".npy") else member
        raw = members[member]
        digest.update(name.encode())
        digest.update(len(raw).to_bytes(8, "little"))
        digest.update(raw)
    return digest.hexdigest()


def _write(path, members, fix_checksum=True):
    if fix_checksum:
        digest = np.frombuffer(_sha256(members).encode(), dtype=np.uint8)
        members = dict(members, **{"__checksum__.npy": _npy(digest)})
    with zipfile.ZipFile(path, "w") as zf:
        for name, raw in members.items():
            zf.writestr(name, raw)


def _with_header(members, edit):
    header = _header(members)
    edit(header)
    raw = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    return dict(members, **{"__header__.npy": _npy(raw)})


def test_file_is_a_plain_npz_with_versions_and_checksum(tmp_path):
    path = tmp_path / "m.npz"
    save(_fitted("BernoulliRBM"), path)
    with np.load(path, allow_pickle=False) as data:
        header = json.loads(data["__header__"].tobytes())
        assert data["__checksum__"].tobytes().decode() == _sha256(_members(path))
        components = [data[k] for k in header["arrays"]
                      if np.array_equal(data[k], _fitted("BernoulliRBM").components_)]
    assert header["format"] == "deepbelief-model"
    assert header["format_version"] == FORMAT_VERSION == 1
    assert header["library_version"] == deepbelief.__version__
    assert header["class"] == "deepbelief.rbm.BernoulliRBM"
    assert header["model"]["params"]["n_components"] == 8
    assert len(components) == 1
    assert read_header(path)["class"] == "deepbelief.rbm.BernoulliRBM"


def test_load_refuses_a_newer_format(tmp_path):
    path = tmp_path / "m.npz"
    save(_fitted("BernoulliRBM"), path)
    _write(path, _with_header(_members(path), lambda h: h.update(format_version=2)))
    with pytest.raises(ValueError, match="format version 2.*newer"):
        load(path)


def test_load_refuses_a_changed_array(tmp_path):
    path = tmp_path / "m.npz"
    save(_fitted("BernoulliRBM"), path)
    members = _members(path)
    raw = bytearray(members["a0.npy"])
    raw[-1] ^= 0xFF
    members["a0.npy"] = bytes(raw)
    _write(path, members, fix_checksum=False)
    with pytest.raises(ValueError, match="checksum mismatch"):
        load(path)


def test_load_refuses_a_truncated_file(tmp_path):
    path = tmp_path / "m.npz"
    save(_fitted("DBN"), path)
    data = path.read_bytes()
    for cut in (len(data) // 2, len(data) - 10, 30):
        path.write_bytes(data[:cut])
        with pytest.raises(ValueError, match="truncated"):
            load(path)


@pytest.mark.parametrize("name", ["os.system", "builtins.eval",
                                  "sklearn.linear_model.LogisticRegression"])
def test_load_refuses_an_unknown_class(name, tmp_path):
    path = tmp_path / "m.npz"
    save(_fitted("BernoulliRBM"), path)

    def edit(header):
        header["model"]["__estimator__"] = name
    _write(path, _with_header(_members(path), edit))
    with pytest.raises(ValueError, match=f"names class '{name}', which is not one"):
        load(path)


def test_load_refuses_an_unknown_class_deep_inside(tmp_path):
    path = tmp_path / "m.npz"
    save(_fitted("DBN"), path)

    def edit(header):
        header["model"]["state"]["rbms_"][1]["__estimator__"] = "subprocess.Popen"
    _write(path, _with_header(_members(path), edit))
    with pytest.raises(ValueError, match="subprocess.Popen"):
        load(path)


class _Payload:
    """Unpickling this writes a marker file."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').write('ran')",))


def test_malicious_object_array_is_refused_without_running(tmp_path):
    marker = tmp_path / "marker"
    evil = np.array([_Payload(marker)], dtype=object)
    # The payload is live: pickle would run it.
    probe = tmp_path / "probe"
    np.load(io.BytesIO(_npy(np.array([_Payload(probe)], dtype=object))), allow_pickle=True)
    assert probe.exists()

    path = tmp_path / "m.npz"
    save(_fitted("BernoulliRBM"), path)
    members = _members(path)
    members["a0.npy"] = _npy(evil)
    for fix in (True, False):
        _write(path, members, fix_checksum=fix)
        with pytest.raises(ValueError, match="dtype object"):
            load(path)
        with pytest.raises(ValueError, match="dtype object"):
            read_header(path)
        assert not marker.exists()


def test_crafted_members_are_refused_without_running(tmp_path):
    marker = tmp_path / "marker"
    path = tmp_path / "m.npz"
    save(_fitted("BernoulliRBM"), path)
    members = _members(path)
    crafted = [dict(members, **{"payload.pkl": pickle.dumps(_Payload(marker))}),
               dict(members, **{"extra.npy": _npy(np.array([_Payload(marker)], dtype=object))}),
               dict(members, **{"__header__.npy": _npy(np.array([_Payload(marker)],
                                                               dtype=object))})]
    for bad in crafted:
        _write(path, bad)
        with pytest.raises(ValueError, match="Cannot load"):
            load(path)
        assert not marker.exists()


def test_load_refuses_what_is_not_a_model_file(tmp_path):
    path = tmp_path / "x.npz"
    np.savez(path, a=np.arange(3))
    with pytest.raises(ValueError, match="not a deepbelief model file"):
        load(path)
    path.write_text("hello")
    with pytest.raises(ValueError, match="truncated, or not a deepbelief model file"):
        load(path)
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.npz")
    with pytest.raises(TypeError, match="path must be a str"):
        load(3)


def test_save_names_a_parameter_only_code_can_describe(tmp_path):
    model = MLPClassifier((4,), learning_rate=lambda lr, epoch, losses: lr)
    with pytest.raises(TypeError, match=r"MLPClassifier\.learning_rate.*function"):
        save(model, tmp_path / "m.npz")
    model = DBNClassifier((4,), pretrainer=DBN((4,), init=lambda shape, rng: np.zeros(shape)))
    with pytest.raises(TypeError, match=r"DBNClassifier\.pretrainer\.init"):
        save(model, tmp_path / "m.npz")
    from sklearn.linear_model import LogisticRegression

    with pytest.raises(TypeError, match=r"pretrainer.*LogisticRegression"):
        save(MLPClassifier(pretrainer=LogisticRegression()), tmp_path / "m.npz")
    with pytest.raises(TypeError, match="one of deepbelief's classes"):
        save(LogisticRegression(), tmp_path / "m.npz")
    assert not (tmp_path / "m.npz").exists()
    assert os.listdir(tmp_path) == []  # no temporary file left behind


def test_classes_of_a_library_module_imported_later_are_allowed(tmp_path, monkeypatch):
    import types

    module = types.ModuleType("deepbelief._extra_for_test")
    exec("class Sampler:\n    def __init__(self, k=1):\n        self.k = k\n",
         module.__dict__)
    monkeypatch.setitem(sys.modules, module.__name__, module)
    model = BernoulliRBM(4)
    model.sampler_state_ = module.Sampler(3)
    save(model, tmp_path / "m.npz")
    back = load(tmp_path / "m.npz")
    assert type(back.sampler_state_) is module.Sampler and back.sampler_state_.k == 3


def test_classes_that_are_not_model_state_are_refused(tmp_path):
    from deepbelief.cli import CommandError

    with pytest.raises(TypeError, match="CommandError is not one of deepbelief's"):
        save(BernoulliRBM(4, random_state=CommandError()), tmp_path / "m.npz")


def test_feature_names_from_a_dataframe_round_trip(tmp_path):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, columns=[f"px{i}" for i in range(X.shape[1])])
    model = ZCAWhitening().fit(frame)
    save(model, tmp_path / "m.npz")
    back = load(tmp_path / "m.npz")
    np.testing.assert_array_equal(back.feature_names_in_, model.feature_names_in_)
    assert back.feature_names_in_.dtype == object
    np.testing.assert_array_equal(back.transform(frame), model.transform(frame))


# ------------------------------------------------------------ skops


def test_skops_pipeline_with_our_classes_as_trusted_types(tmp_path):
    sio = pytest.importorskip("skops.io")
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    pipe = Pipeline([("rbm", BernoulliRBM(8, n_iter=2, random_state=0)),
                     ("clf", LogisticRegression(max_iter=200))]).fit(X, Y)
    path = tmp_path / "pipe.skops"
    sio.dump(pipe, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert "deepbelief.rbm.BernoulliRBM" in untrusted
    assert set(untrusted) <= set(skops_trusted_types())
    with pytest.raises(Exception, match="[Uu]ntrusted"):
        sio.load(path)
    back = sio.load(path, trusted=skops_trusted_types())
    np.testing.assert_array_equal(back.predict_proba(X), pipe.predict_proba(X))

    clf = Pipeline([("zca", ZCAWhitening()),
                    ("mlp", MLPClassifier((8,), max_iter=2, random_state=0))]).fit(X, Y)
    sio.dump(clf, path)
    assert set(sio.get_untrusted_types(file=path)) <= set(skops_trusted_types())
    back = sio.load(path, trusted=skops_trusted_types())
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))


# ------------------------------------------------------------ ONNX


def _onnx_run(model, X):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("skl2onnx")
    session = ort.InferenceSession(to_onnx(model).SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    return session.run(None, {"X": X.astype(np.float32)})


def _digits():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return (X / 16.0).astype(np.float32), y


def test_onnx_classifiers_match_ours_to_float32_rounding():
    pytest.importorskip("onnxruntime")
    pytest.importorskip("skl2onnx")
    Xd, yd = _digits()
    models = [
        MLPClassifier((16, 8), activation="relu", max_iter=5, random_state=0).fit(Xd, yd),
        MLPClassifier((16,), activation="tanh", max_iter=5, random_state=0).fit(Xd, yd % 2),
        DBNClassifier((16,), pretrainer=DBN((16,), n_iter=2), max_iter=5,
                      random_state=0).fit(Xd, yd),
    ]
    for model in models:
        label, proba = _onnx_run(model, Xd)
        np.testing.assert_array_equal(label, model.predict(Xd))
        np.testing.assert_allclose(proba, model.predict_proba(Xd), rtol=1e-5, atol=1e-6)


def test_onnx_regressors_and_encoder_match_ours_to_float32_rounding():
    pytest.importorskip("onnxruntime")
    pytest.importorskip("skl2onnx")
    Xd, yd = _digits()
    reg = DBNRegressor((16,), max_iter=5, random_state=0).fit(Xd, yd.astype(float))
    (out,) = _onnx_run(reg, Xd)
    assert out.shape == (len(Xd), 1)
    np.testing.assert_allclose(out[:, 0], reg.predict(Xd), rtol=1e-5, atol=1e-5)
    two = MLPRegressor((16,), max_iter=5, random_state=0).fit(Xd, np.c_[yd, yd % 3])
    (out,) = _onnx_run(two, Xd)
    np.testing.assert_allclose(out, two.predict(Xd), rtol=1e-5, atol=1e-5)
    for code in ("identity", "sigmoid"):
        ae = DeepAutoencoder((16, 4), code_activation=code, max_iter=2,
                             random_state=0).fit(Xd)
        (codes,) = _onnx_run(ae, Xd)
        assert codes.shape == (len(Xd), 4)
        np.testing.assert_allclose(codes, ae.transform(Xd), rtol=1e-5, atol=1e-6)


def test_onnx_names_the_layer_it_cannot_express():
    Xd, yd = X.astype(np.float32), Y
    prelu = MLPClassifier((6, 5), activation=["relu", "prelu"], max_iter=1,
                          random_state=0).fit(Xd, yd)
    with pytest.raises(ValueError, match="hidden layer 1 has activation 'prelu'"):
        to_onnx(prelu)
    maxout = MLPClassifier((6,), activation="maxout", max_iter=1, random_state=0).fit(Xd, yd)
    with pytest.raises(ValueError, match="hidden layer 0 has activation 'maxout'"):
        to_onnx(maxout)
    mixed = MLPRegressor((6, 5), activation=["relu", "tanh"], max_iter=1,
                         random_state=0).fit(Xd, yd)
    with pytest.raises(ValueError, match="hidden layer 1 has activation 'tanh'"):
        to_onnx(mixed)
    with pytest.raises(TypeError, match="to_onnx supports"):
        to_onnx(_fitted("BernoulliRBM"))
    with pytest.raises(NotFittedError):
        to_onnx(MLPClassifier())
