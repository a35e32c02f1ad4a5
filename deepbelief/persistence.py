"""Model files that load without running code, and export to ONNX.

:func:`save` writes any estimator, transformer or parameter object of the
library, fitted or not, to one file; :func:`load` reads it back. The file is
a ``.npz`` archive (a zip of ``.npy`` arrays) that ``numpy.load`` opens with
``allow_pickle=False``:

- ``__header__``: UTF-8 JSON with the format name and version, the library
  version, the model's class, its constructor parameters and its fitted
  state as a tree of plain values, in which every array is a reference to
  a member of the archive;
- ``a0``, ``a1``, ...: the arrays, in ``.npy`` format (never of dtype
  object);
- ``__checksum__``: the SHA-256 of every other member, in name order.

Nothing read from a file is imported or unpickled: a class it names must be
in a table of the library's classes (and ``FrozenEstimator`` and
``LabelBinarizer``, which our estimators hold). Estimators are rebuilt from
their saved parameters, then every other attribute, private ones included, is
set, so a loaded model predicts, samples and continues ``partial_fit``
exactly as the saved one; Generators and RandomStates are written as their
JSON state (with their seed sequence, so ``spawn`` continues too).

A parameter only code can describe (a user's function, another library's
object) cannot be written; :func:`save` names it in a ``TypeError``. Use
pickle or joblib for such models, from trusted sources only, or skops for
whole Pipelines (:func:`skops_trusted_types`).

:func:`to_onnx` converts the fine-tuned networks to ONNX through
scikit-learn's MLPs and skl2onnx's converter for them.
"""

import hashlib
import io
import json
import math
import os
import sys
import tempfile
import types
import warnings
import zipfile
import zlib

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.frozen import FrozenEstimator
from sklearn.preprocessing import LabelBinarizer

from . import __version__
from . import augmentation as _augmentation
from . import autoencoder as _autoencoder
from . import classification_rbm as _classification_rbm
from . import dbn as _dbn
from . import mlp as _mlp
from . import preprocessing as _preprocessing
from . import rbm as _rbm
from . import training as _training
from . import units as _units
from .nn import activations as _activations
from .nn import initializers as _initializers
from .nn import layers as _layers
from .nn import losses as _losses
from .nn import optimizers as _optimizers
from .nn import schedules as _schedules

__all__ = ["FORMAT_VERSION", "save", "load", "read_header", "skops_trusted_types",
           "to_onnx"]

FORMAT_NAME = "deepbelief-model"
FORMAT_VERSION = 1

_HEADER = "__header__"
_CHECKSUM = "__checksum__"

_OUR_MODULES = (_rbm, _classification_rbm, _dbn, _mlp, _autoencoder, _preprocessing,
                _augmentation, _training, _units, _activations, _initializers, _layers,
                _losses, _optimizers, _schedules)
# Modules whose classes are never model state.
_NOT_MODEL_STATE = ("deepbelief.persistence", "deepbelief.cli", "deepbelief.__main__",
                    "deepbelief.plotting")


def _library_modules():
    """The modules above, and any other module of the package already
    imported (one an estimator uses, such as a sampler module, has been)."""
    modules = {m.__name__: m for m in _OUR_MODULES}
    for name, module in list(sys.modules.items()):
        if (name.startswith("deepbelief.") and module is not None
                and name not in _NOT_MODEL_STATE):
            modules.setdefault(name, module)
    return modules


def _allowed_classes():
    """Every class defined in the library's modules, plus the two scikit-learn
    classes our estimators hold, keyed by ``module.qualname``. Only this
    table is consulted: no name read from a file is ever imported."""
    table = {}
    for module_name, module in _library_modules().items():
        for value in vars(module).values():
            if isinstance(value, type) and value.__module__ == module_name:
                table[f"{value.__module__}.{value.__qualname__}"] = value
    for cls in (FrozenEstimator, LabelBinarizer):
        table[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return table


def _allowed_functions():
    """Public module-level functions of the parameter families (usable as
    callables in place of a name)."""
    table = {}
    for module in (_activations, _initializers, _schedules, _augmentation, _losses):
        for name, value in vars(module).items():
            if (isinstance(value, types.FunctionType) and not name.startswith("_")
                    and value.__module__ == module.__name__):
                table[f"{module.__name__}.{name}"] = value
    return table


_CLASSES = _allowed_classes()
_CLASS_NAMES = {cls: name for name, cls in _CLASSES.items()}


def _refresh_classes():
    """Add the classes of library modules imported since the table was made."""
    if set(_library_modules()) <= _SEEN_MODULES:
        return
    _CLASSES.update(_allowed_classes())
    _CLASS_NAMES.update({cls: name for name, cls in _CLASSES.items()})
    _SEEN_MODULES.update(_library_modules())


_SEEN_MODULES = set(_library_modules())
_FUNCTIONS = _allowed_functions()
_FUNCTION_NAMES = {id(fn): name for name, fn in _FUNCTIONS.items()}
_BIT_GENERATORS = _training.BIT_GENERATORS


def _class_name(cls):
    return _CLASS_NAMES.get(cls)


# ----------------------------------------------------------------- writing


class _Writer:
    """An object graph as a JSON tree plus a dict of arrays; an object met
    twice is written once and referred to, so shared state stays shared."""

    def __init__(self):
        self.arrays = {}
        self._memo = {}
        self._alive = []  # keeps memoised objects alive, so ids stay unique

    def _remember(self, value):
        ref = len(self._memo)
        self._memo[id(value)] = ref
        self._alive.append(value)
        return ref

    def _add_array(self, array):
        key = f"a{len(self.arrays)}"
        self.arrays[key] = array
        return key

    def encode(self, value, where):
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, np.generic):
            return self._encode_scalar(value, where)
        if type(value) is int:
            return value
        if type(value) is float:
            if math.isfinite(value):
                return value
            return {"__float__": repr(value)}
        if id(value) in self._memo:
            return {"__ref__": self._memo[id(value)]}
        if isinstance(value, np.ndarray):
            return self._encode_array(value, where)
        if type(value) is list:
            return [self.encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if type(value) is tuple:
            return {"__tuple__": [self.encode(v, f"{where}[{i}]")
                                  for i, v in enumerate(value)]}
        if type(value) is dict:
            return self._encode_dict(value, where)
        if isinstance(value, np.dtype):
            if value.hasobject:
                raise TypeError(f"Cannot save {where}: dtype object cannot be written "
                                "without pickle.")
            return {"__dtype__": value.str}
        if isinstance(value, np.random.Generator):
            return self._encode_generator(value, where)
        if isinstance(value, np.random.RandomState):
            ref = self._remember(value)
            state = value.get_state(legacy=False)
            return {"__random_state__": self.encode(state, f"{where}.state"), "id": ref}
        if isinstance(value, type):
            name = _class_name(value)
            if name is None:
                raise TypeError(f"Cannot save {where}: class {value.__module__}."
                                f"{value.__qualname__} is not one of deepbelief's "
                                "classes.")
            return {"__class__": name}
        if isinstance(value, types.FunctionType):
            name = _FUNCTION_NAMES.get(id(value))
            if name is None:
                raise TypeError(
                    f"Cannot save {where}: {value!r} is a function of its own, which only "
                    "code can describe; use one of deepbelief's names or objects for it, "
                    "or pickle/joblib for a model from a trusted source."
                )
            return {"__function__": name}
        name = _class_name(type(value))
        if name is None:
            raise TypeError(
                f"Cannot save {where}: an object of type {type(value).__module__}."
                f"{type(value).__qualname__} is not one of deepbelief's classes; use "
                "pickle/joblib, or skops for a Pipeline."
            )
        if isinstance(value, BaseEstimator):
            return self._encode_estimator(value, name, where)
        return self._encode_object(value, name, where)

    def _encode_scalar(self, value, where):
        array = np.asarray(value)
        if array.dtype.hasobject:
            raise TypeError(f"Cannot save {where}: an object scalar needs pickle.")
        return {"__scalar__": self._add_array(array)}

    def _encode_array(self, value, where):
        ref = self._remember(value)
        node = {"id": ref}
        if value.dtype.hasobject:
            # Feature names from a DataFrame are an object array of str:
            # written as a str array, and read back as an object array.
            flat = value.ravel()
            if not all(type(v) is str for v in flat):
                raise TypeError(f"Cannot save {where}: an array of dtype object that holds "
                                "anything but str cannot be written without pickle.")
            value = value.astype(str) if value.size else np.zeros(value.shape, "U1")
            node["object_str"] = True
        node["__array__"] = self._add_array(value)
        return node

    def _encode_dict(self, value, where):
        if all(isinstance(k, str) for k in value):
            return {"__dict__": {k: self.encode(v, f"{where}[{k!r}]")
                                 for k, v in value.items()}}
        return {"__items__": [[self.encode(k, f"{where} key"),
                               self.encode(v, f"{where}[{k!r}]")]
                              for k, v in value.items()]}

    def _encode_generator(self, value, where):
        ref = self._remember(value)
        bitgen = value.bit_generator
        name = type(bitgen).__name__
        if _BIT_GENERATORS.get(name) is not type(bitgen):
            raise TypeError(f"Cannot save {where}: bit generator {name} is not one of "
                            f"{sorted(_BIT_GENERATORS)}.")
        seq = getattr(bitgen, "seed_seq", None)
        seed = None
        if isinstance(seq, np.random.SeedSequence):
            seed = {"entropy": self.encode(seq.entropy, f"{where}.seed_seq.entropy"),
                    "spawn_key": [int(k) for k in seq.spawn_key],
                    "pool_size": int(seq.pool_size),
                    "n_children_spawned": int(seq.n_children_spawned)}
        return {"__generator__": name, "id": ref,
                "state": self.encode(bitgen.state, f"{where}.state"), "seed_seq": seed}

    def _encode_estimator(self, value, name, where):
        ref = self._remember(value)
        params = value.get_params(deep=False)
        state = {k: v for k, v in vars(value).items() if k not in params}
        return {"__estimator__": name, "id": ref,
                "params": self._encode_attributes(params, where),
                "state": self._encode_attributes(state, where)}

    def _encode_object(self, value, name, where):
        ref = self._remember(value)
        try:
            attributes = vars(value)
        except TypeError:
            raise TypeError(f"Cannot save {where}: {name} has no attribute dict.") from None
        node = {"__object__": name, "id": ref,
                "state": self._encode_attributes(attributes, where)}
        if isinstance(value, dict):
            node["items"] = self._encode_dict(dict(value), where)
        return node

    def _encode_attributes(self, attributes, where):
        return {k: self.encode(v, f"{where}.{k}") for k, v in attributes.items()}


def _npy_bytes(array):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asanyarray(array), allow_pickle=False)
    return buffer.getvalue()


def _checksum(members):
    digest = hashlib.sha256()
    for name in sorted(members):
        digest.update(name.encode())
        digest.update(len(members[name]).to_bytes(8, "little"))
        digest.update(members[name])
    return digest.hexdigest()


def _check_path(path, name="path"):
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name} must be a str or os.PathLike; got {type(path).__name__}.")
    return os.fspath(path)


def save(model, path):
    """Write ``model`` to ``path`` in a file that loads without pickle.

    Parameters
    ----------
    model : estimator, transformer or parameter object of deepbelief
        Fitted or not, with its nested estimators and parameter objects.
    path : str or os.PathLike
        The file (no suffix is added), written under a temporary name and
        renamed, so a reader never sees half a file.

    Raises
    ------
    TypeError
        Naming a parameter or attribute only code can describe.

    Examples
    --------
    >>> import os, tempfile
    >>> from deepbelief import BernoulliRBM
    >>> from deepbelief.datasets import load_digits
    >>> from deepbelief.persistence import load, save
    >>> X, _ = load_digits()
    >>> rbm = BernoulliRBM(n_components=16, n_iter=2, random_state=0).fit(X)
    >>> path = os.path.join(tempfile.mkdtemp(), "rbm.npz")
    >>> save(rbm, path)
    >>> (load(path).transform(X) == rbm.transform(X)).all()
    np.True_
    """
    path = _check_path(path)
    _refresh_classes()
    name = _class_name(type(model))
    if name is None:
        raise TypeError(f"model must be an object of one of deepbelief's classes; got "
                        f"{type(model).__module__}.{type(model).__qualname__}.")
    writer = _Writer()
    tree = writer.encode(model, type(model).__name__)
    header = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION,
              "library_version": __version__, "numpy_version": np.__version__,
              "class": name, "model": tree,
              "arrays": {k: {"dtype": a.dtype.str, "shape": list(a.shape)}
                         for k, a in writer.arrays.items()}}
    text = json.dumps(header, allow_nan=False, separators=(",", ":"))
    members = {_HEADER: _npy_bytes(np.frombuffer(text.encode(), dtype=np.uint8))}
    for key, array in writer.arrays.items():
        members[key] = _npy_bytes(array)
    digest = _checksum(members)
    members[_CHECKSUM] = _npy_bytes(np.frombuffer(digest.encode(), dtype=np.uint8))
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".deepbelief-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f, zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as zf:
            for key in (_HEADER, *writer.arrays, _CHECKSUM):
                zf.writestr(key + ".npy", members[key])
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# ----------------------------------------------------------------- reading


def _refuse(path, reason):
    return ValueError(f"Cannot load {path!r}: {reason}.")


def _npy_dtype(path, name, raw):
    """The dtype in a ``.npy`` member's header, read without its data."""
    buffer = io.BytesIO(raw)
    try:
        version = np.lib.format.read_magic(buffer)
        reader = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                  else np.lib.format.read_array_header_2_0)
        return reader(buffer)[2]
    except ValueError:
        raise _refuse(path, f"member {name!r} is not a valid .npy array") from None


def _check_dtype(path, name, raw):
    if _npy_dtype(path, name, raw).hasobject:
        raise _refuse(path, f"array {name!r} has dtype object, which only pickle can read, "
                            "and deepbelief never unpickles")


def _read_npy(path, name, raw):
    """Parse one ``.npy`` member without ever unpickling."""
    _check_dtype(path, name, raw)
    try:
        return np.lib.format.read_array(io.BytesIO(raw), allow_pickle=False)
    except ValueError:
        raise _refuse(path, f"array {name!r} is truncated or damaged") from None


def _open_members(path):
    try:
        zf = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError):
        raise _refuse(path, "the file is truncated, or not a deepbelief model file") from None
    members = {}
    with zf:
        for info in zf.infolist():
            name = info.filename
            if not name.endswith(".npy") or "/" in name:
                raise _refuse(path, f"it holds a member {name!r}, which a deepbelief model "
                                    "file never has")
            try:
                members[name[:-4]] = zf.read(info)
            except (zipfile.BadZipFile, EOFError, OSError, ValueError, zlib.error):
                raise _refuse(path, f"member {name!r} is truncated or damaged "
                                    "(checksum mismatch)") from None
    return members


def _parse_header(path, members):
    if _HEADER not in members or _CHECKSUM not in members:
        raise _refuse(path, "it is not a deepbelief model file (no header or checksum)")
    raw = _read_npy(path, _HEADER, members[_HEADER])
    try:
        header = json.loads(raw.tobytes().decode())
    except (UnicodeDecodeError, ValueError):
        raise _refuse(path, "its header is damaged (checksum mismatch)") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
        raise _refuse(path, "it is not a deepbelief model file")
    version = header.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise _refuse(path, f"its format version is {version!r}, not an integer")
    if version > FORMAT_VERSION:
        raise _refuse(path, f"it was written in format version {version} (by deepbelief "
                            f"{header.get('library_version')}), newer than the version "
                            f"{FORMAT_VERSION} this deepbelief {__version__} reads; upgrade "
                            "deepbelief")
    return header


def read_header(path):
    """The header of a model file (format and library versions, class,
    parameters in JSON form, the arrays' dtypes and shapes), after checking
    the format version and checksum; builds nothing."""
    path = _check_path(path)
    members = _open_members(path)
    header = _parse_header(path, members)
    _verify(path, members, header)
    return header


def _verify(path, members, header):
    expected = set(header.get("arrays", {})) | {_HEADER, _CHECKSUM}
    for name in members:
        if name not in expected:
            raise _refuse(path, f"it holds a member {name!r} that its header does not list")
    for name in expected:
        if name not in members:
            raise _refuse(path, f"member {name!r} is missing (truncated file)")
    for name, raw in members.items():
        # dtypes first: an object array is refused before anything else
        _check_dtype(path, name, raw)
    stored = _read_npy(path, _CHECKSUM, members[_CHECKSUM]).tobytes().decode(errors="replace")
    content = {k: v for k, v in members.items() if k != _CHECKSUM}
    if stored != _checksum(content):
        raise _refuse(path, "checksum mismatch: the file was changed or damaged after it "
                            "was written")


class _Reader:
    def __init__(self, path, arrays):
        self.path = path
        self.arrays = arrays
        self._memo = {}
        self._ints = {}

    def _fail(self, reason):
        return _refuse(self.path, reason)

    def decode(self, node):
        if type(node) is int:
            # One object per value, as Python has for small ints: state that
            # checks ``is`` against a parameter (an augmenter's seed) still
            # sees the same object after loading.
            return self._ints.setdefault(node, node)
        if node is None or isinstance(node, (bool, str, float)):
            return node
        if isinstance(node, list):
            return [self.decode(v) for v in node]
        if not isinstance(node, dict):
            raise self._fail(f"its content holds an unexpected {type(node).__name__}")
        if "__ref__" in node:
            try:
                return self._memo[node["__ref__"]]
            except (KeyError, TypeError):
                raise self._fail("it refers to an object it does not hold") from None
        if "__float__" in node:
            text = node["__float__"]
            if text not in ("nan", "inf", "-inf"):
                raise self._fail(f"{text!r} is not a float")
            return float(text)
        if "__tuple__" in node:
            return tuple(self.decode(v) for v in node["__tuple__"])
        if "__dict__" in node:
            return {k: self.decode(v) for k, v in node["__dict__"].items()}
        if "__items__" in node:
            return {self._hashable(self.decode(k)): self.decode(v)
                    for k, v in node["__items__"]}
        if "__scalar__" in node:
            return self._array(node["__scalar__"])[()]
        if "__array__" in node:
            array = self._array(node["__array__"])
            if node.get("object_str"):
                array = array.astype(object)
            return self._keep(node, array)
        if "__dtype__" in node:
            dtype = np.dtype(str(node["__dtype__"]))
            if dtype.hasobject:
                raise self._fail("it names dtype object")
            return dtype
        if "__generator__" in node:
            return self._generator(node)
        if "__random_state__" in node:
            rs = np.random.RandomState()
            self._keep(node, rs)
            rs.set_state(self.decode(node["__random_state__"]))
            return rs
        if "__class__" in node:
            return self._lookup(node["__class__"])
        if "__function__" in node:
            name = node["__function__"]
            if name not in _FUNCTIONS:
                raise self._fail(f"it names function {name!r}, which is not one of "
                                 "deepbelief's")
            return _FUNCTIONS[name]
        if "__estimator__" in node:
            return self._estimator(node)
        if "__object__" in node:
            return self._object(node)
        raise self._fail("its content holds a value of unknown kind")

    def _hashable(self, key):
        try:
            hash(key)
        except TypeError:
            raise self._fail("a dict key is not hashable") from None
        return key

    def _keep(self, node, value):
        self._memo[node.get("id")] = value
        return value

    def _array(self, key):
        try:
            return self.arrays[key]
        except (KeyError, TypeError):
            raise self._fail(f"it refers to an array {key!r} it does not hold") from None

    def _lookup(self, name):
        cls = _CLASSES.get(name) if isinstance(name, str) else None
        if cls is None:
            raise self._fail(f"it names class {name!r}, which is not one of deepbelief's "
                             "classes")
        return cls

    def _generator(self, node):
        cls = _BIT_GENERATORS.get(node["__generator__"])
        if cls is None:
            raise self._fail(f"it names bit generator {node['__generator__']!r}, which is "
                             f"not one of {sorted(_BIT_GENERATORS)}")
        seed = node.get("seed_seq")
        if seed is not None:
            entropy = self.decode(seed["entropy"])
            seq = np.random.SeedSequence(entropy, spawn_key=tuple(seed["spawn_key"]),
                                         pool_size=seed["pool_size"],
                                         n_children_spawned=seed["n_children_spawned"])
            bitgen = cls(seq)
        else:
            bitgen = cls()
        bitgen.state = self.decode(node["state"])
        return self._keep(node, np.random.Generator(bitgen))

    def _attributes(self, node):
        attributes = node.get("state", {})
        if not isinstance(attributes, dict):
            raise self._fail("an object's state is not a mapping")
        for name in attributes:
            if not name.isidentifier() or name.startswith("__"):
                raise self._fail(f"it names an attribute {name!r}, which no deepbelief "
                                 "object has")
        return attributes

    def _estimator(self, node):
        cls = self._lookup(node["__estimator__"])
        if not (isinstance(cls, type) and issubclass(cls, BaseEstimator)):
            raise self._fail(f"{node['__estimator__']} is not an estimator")
        params = {k: self.decode(v) for k, v in node.get("params", {}).items()}
        try:
            obj = cls(**params)
        except TypeError as exc:
            raise self._fail(f"its parameters do not fit {cls.__name__} ({exc})") from None
        self._keep(node, obj)
        for name, value in self._attributes(node).items():
            setattr(obj, name, self.decode(value))
        return obj

    def _object(self, node):
        cls = self._lookup(node["__object__"])
        obj = cls.__new__(cls)
        self._keep(node, obj)
        for name, value in self._attributes(node).items():
            obj.__dict__[name] = self.decode(value)
        if "items" in node:
            if not isinstance(obj, dict):
                raise self._fail(f"{cls.__name__} is not a dict")
            obj.update(self.decode(node["items"]))
        return obj


def load(path):
    """Read a model written by :func:`save`.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    model : the estimator, transformer or parameter object, as it was saved

    Raises
    ------
    ValueError
        Saying why, for a newer format, a truncated or changed file (checksum
        mismatch), a class not of deepbelief's or an array of dtype object.
    FileNotFoundError
        If there is no such file.
    """
    path = _check_path(path)
    _refresh_classes()
    members = _open_members(path)
    header = _parse_header(path, members)
    _verify(path, members, header)
    arrays = {name: _read_npy(path, name, raw) for name, raw in members.items()
              if name not in (_HEADER, _CHECKSUM)}
    saved_by = header.get("library_version")
    if saved_by != __version__:
        warnings.warn(f"{path!r} was written by deepbelief {saved_by}; this is "
                      f"{__version__}. Check the model before relying on it.",
                      UserWarning, stacklevel=2)
    reader = _Reader(path, arrays)
    try:
        return reader.decode(header["model"])
    except (KeyError, AttributeError, TypeError) as exc:
        raise _refuse(path, f"its content is malformed ({type(exc).__name__}: {exc})") from None


# ----------------------------------------------------------------- skops


def skops_trusted_types():
    """Type names of deepbelief's classes, for ``skops.io.load(..., trusted=...)``.

    skops (``pip install "deepbelief[skops]"``) saves whole Pipelines and
    builds only trusted types; this list trusts deepbelief's own.

    Returns
    -------
    list of str
        deepbelief's classes, ``FrozenEstimator``, ``LabelBinarizer`` and
        ``numpy.dtype``.
    """
    _refresh_classes()
    return sorted([*_CLASSES, "numpy.dtype"])


# ----------------------------------------------------------------- ONNX

_ONNX_HIDDEN = {"sigmoid": "logistic", "logistic": "logistic", "tanh": "tanh",
                "relu": "relu", "identity": "identity"}


def _activation_key(spec):
    """Our activation spec (a name or an Activation) as scikit-learn's name,
    or None where scikit-learn's MLP has no such activation."""
    if isinstance(spec, str):
        return _ONNX_HIDDEN.get(spec)
    if isinstance(spec, _activations.Activation):
        if type(spec) in (_activations.Sigmoid, _activations.Tanh, _activations.ReLU,
                          _activations.Identity):
            return _ONNX_HIDDEN.get(spec.name)
    return None


def _activation_label(spec):
    return spec if isinstance(spec, str) else type(spec).__name__


def _hidden_keys(specs, what):
    """scikit-learn's names of the hidden activations ``specs``; a ValueError
    names the first ``what`` (layer kind) it has no name for."""
    keys = [_activation_key(spec) for spec in specs]
    if None in keys:
        i = keys.index(None)
        raise ValueError(
            f"{what} {i} has activation {_activation_label(specs[i])!r}, which ONNX export "
            "through scikit-learn's MLP cannot express; it supports "
            f"{sorted(set(_ONNX_HIDDEN) - {'logistic'})}.")
    return keys


def _sklearn_network(cls, coefs, intercepts, keys, out_activation, n_features_in):
    """scikit-learn's ``cls`` (an MLP class) holding copies of our weights."""
    sk = cls(hidden_layer_sizes=tuple(W.shape[1] for W in coefs[:-1]),
             activation=keys[0] if keys else "identity")
    sk.coefs_ = [np.array(W) for W in coefs]
    sk.intercepts_ = [np.array(b) for b in intercepts]
    sk.n_layers_ = len(coefs) + 1
    sk.n_outputs_ = coefs[-1].shape[1]
    sk.out_activation_ = out_activation
    sk.n_features_in_ = n_features_in
    return sk


def _sklearn_mlp(model):
    """scikit-learn's MLP with our network's weights, for skl2onnx."""
    from sklearn.neural_network import MLPClassifier as SkMLPClassifier
    from sklearn.neural_network import MLPRegressor as SkMLPRegressor
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(model, "coefs_")
    specs = _mlp.per_layer(model.activation, len(model.coefs_) - 1, "activation")
    keys = _hidden_keys(specs, "hidden layer")
    if len(set(keys)) > 1:
        i = next(i for i, k in enumerate(keys) if k != keys[0])
        raise ValueError(
            f"hidden layer {i} has activation {_activation_label(specs[i])!r} but layer 0 "
            f"has {_activation_label(specs[0])!r}; ONNX export through scikit-learn's MLP "
            "needs one activation for every hidden layer.")
    is_classifier = isinstance(model, _mlp.MLPClassifier)
    sk = _sklearn_network(SkMLPClassifier if is_classifier else SkMLPRegressor,
                          model.coefs_, model.intercepts_, keys, model.out_activation_,
                          model.n_features_in_)
    if is_classifier:
        sk.classes_ = model.classes_
        sk._label_binarizer = model._label_binarizer
    return sk


def _sklearn_encoder(model):
    """The encoder half of a fitted DeepAutoencoder as a scikit-learn
    MLPRegressor (its output layer is the code layer)."""
    from sklearn.neural_network import MLPRegressor as SkMLPRegressor
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(model, "coefs_")
    n_layers = len(model.coefs_) // 2
    keys = _hidden_keys([model.activation] * (n_layers - 1), "encoder layer")
    code = _activation_key(model.code_activation)
    if code not in ("identity", "logistic"):
        raise ValueError(
            f"encoder layer {n_layers - 1} (the code layer) has activation "
            f"{_activation_label(model.code_activation)!r}; ONNX export through "
            "scikit-learn's MLP supports 'identity' or 'sigmoid' there.")
    return _sklearn_network(SkMLPRegressor, model.coefs_[:n_layers],
                            model.intercepts_[:n_layers], keys, code, model.n_features_in_)


def to_onnx(model, *, target_opset=None):
    """Convert a fine-tuned network to an ONNX model.

    The MLPs, the DBN estimators and a DeepAutoencoder's encoder: the
    weights go into scikit-learn's MLP of the same shape, which skl2onnx
    converts, so the hidden layers must all use one of its activations
    (identity, sigmoid, tanh, relu). Training-only settings are left out.

    Parameters
    ----------
    model : fitted estimator
    target_opset : int, default=None
        Passed to skl2onnx; None picks its newest supported opset.

    Returns
    -------
    onnx.ModelProto
        A float32 input ``X`` of shape ``(None, n_features)``; outputs
        ``label`` and ``probabilities`` for classifiers, else ``variable``.

    Raises
    ------
    ImportError
        If skl2onnx is not installed: ``pip install "deepbelief[onnx]"``.
    ValueError
        Naming the layer whose activation cannot be expressed.
    TypeError
        For a model of another kind.
    """
    if isinstance(model, _autoencoder.DeepAutoencoder):
        sk = _sklearn_encoder(model)
    elif isinstance(model, (_mlp.MLPClassifier, _mlp.MLPRegressor)):
        sk = _sklearn_mlp(model)
    else:
        raise TypeError("to_onnx supports MLPClassifier, MLPRegressor, DBNClassifier, "
                        "DBNRegressor and DeepAutoencoder; got "
                        f"{type(model).__name__}.")
    try:
        from skl2onnx import convert_sklearn
        from skl2onnx.common.data_types import FloatTensorType
    except ImportError:
        raise ImportError("to_onnx requires skl2onnx: pip install 'deepbelief[onnx]'") from None
    options = None
    if isinstance(sk, ClassifierMixin):
        options = {id(sk): {"zipmap": False}}
    onx = convert_sklearn(sk, initial_types=[("X", FloatTensorType([None, sk.n_features_in_]))],
                          options=options, target_opset=target_opset)
    if not isinstance(sk, ClassifierMixin):
        _restore_output_columns(onx, sk.n_outputs_)
    return onx


def _restore_output_columns(onx, n_outputs):
    """Undo skl2onnx's reshape of an MLPRegressor's output to one column."""
    from onnx import helper, numpy_helper

    graph = onx.graph
    output = graph.output[0]
    flat = output.name + "_one_column"
    for node in graph.node:
        node.output[:] = [flat if name == output.name else name for name in node.output]
    shape = output.name + "_shape"
    graph.initializer.append(
        numpy_helper.from_array(np.array([-1, n_outputs], dtype=np.int64), name=shape))
    graph.node.append(helper.make_node("Reshape", [flat, shape], [output.name],
                                       name=output.name + "_Reshape"))
    dims = output.type.tensor_type.shape.dim
    if len(dims) == 2:
        dims[1].Clear()
        dims[1].dim_value = n_outputs
