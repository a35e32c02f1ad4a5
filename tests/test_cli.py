"""The ``deepbelief`` command, driven in subprocesses on tiny digits data."""

import contextlib
import gzip
import io
import os
import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest
from sklearn.datasets import load_digits

import deepbelief
from deepbelief import DBN, BernoulliRBM, DBNClassifier
from deepbelief.cli import build_parser, main
from deepbelief.persistence import load, save

# The folder holding the deepbelief under test, so that the subprocesses run it too.
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(deepbelief.__file__)))


def _run(*args, cwd):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", NUMBA_NUM_THREADS="1",
               PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "deepbelief", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """Digits as .npz, as CSV with a header and as gzipped IDX files."""
    folder = tmp_path_factory.mktemp("cli")
    X, y = load_digits(return_X_y=True)
    X, y = X[:200], y[:200]
    np.savez(folder / "digits.npz", X=X / 16.0, y=y)
    header = ",".join([f"px{i}" for i in range(64)] + ["label"])
    np.savetxt(folder / "digits.csv", np.c_[X / 16.0, y], delimiter=",", header=header,
               comments="", fmt="%.6g")
    images = np.clip(X * 16, 0, 255).astype(np.uint8).reshape(-1, 8, 8)
    idx = folder / "idx"
    idx.mkdir()
    for subset in ("train", "t10k"):
        with gzip.open(idx / f"{subset}-images-idx3-ubyte.gz", "wb") as f:
            f.write(struct.pack(">IIII", 0x0803, len(images), 8, 8) + images.tobytes())
        with gzip.open(idx / f"{subset}-labels-idx1-ubyte.gz", "wb") as f:
            f.write(struct.pack(">II", 0x0801, len(y)) + y.astype(np.uint8).tobytes())
    save(BernoulliRBM(4, n_iter=1, random_state=0).fit(X / 16.0), folder / "tiny-rbm.npz")
    return folder, X / 16.0, y


def _read_png(path):
    """Decode the 8-bit greyscale PNGs the command writes (filter 0 rows)."""
    raw = open(path, "rb").read()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(raw):
        (length,) = struct.unpack(">I", raw[pos:pos + 4])
        kind = raw[pos + 4:pos + 8]
        body = raw[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", raw[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(kind + body)
        chunks[kind] = chunks.get(kind, b"") + body
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour) == (8, 0)
    rows = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), np.uint8).reshape(height, -1)
    assert (rows[:, 0] == 0).all()
    return rows[:, 1:]


def test_every_command_end_to_end_in_subprocesses(data):
    folder, X, y = data
    out = _run("train", "DBN", "--data", "idx", "--param", "hidden_layer_sizes=(16, 9)",
               "--param", "n_iter=2", "--param", "random_state=0", "--out", "dbn.npz",
               cwd=folder)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "training DBN on 200 samples of 64 features from idx"
    # per-epoch lines of each layer's RBM, then the DBN's line per layer
    assert [line.split(",")[0] for line in lines[1:4]] == [
        "[DBN layer 0] Iteration 1", "[DBN layer 0] Iteration 2",
        "[DBN] layer 0: 64 -> 16 units"]
    assert lines[-1].endswith("wrote dbn.npz")
    dbn = load(folder / "dbn.npz")
    assert isinstance(dbn, DBN)
    # the IDX images were X * 256 clipped to bytes: divided by 255 on reading
    expected = DBN((16, 9), n_iter=2, random_state=0).fit(
        np.clip(X * 256, 0, 255).astype(np.uint8).astype(np.float32) / np.float32(255))
    np.testing.assert_array_equal(dbn.transform(X), expected.transform(X))

    out = _run("sample", "dbn.npz", "--n", "6", "--n-gibbs", "20", "--zoom", "2",
               "--out", "grid.png", cwd=folder)
    assert out.returncode == 0, out.stderr
    zoomed = _read_png(folder / "grid.png")
    assert zoomed.shape == (34, 52)
    grid = zoomed[::2, ::2]
    np.testing.assert_array_equal(zoomed[1::2, 1::2], grid)
    # 6 tiles of 8x8, 3 per row, with 1-pixel gaps: 17x26 pixels
    assert grid.shape == (17, 26)
    samples = dbn.sample(6, n_gibbs=20, random_state=0)
    for i in range(6):
        r, c = divmod(i, 3)
        tile = grid[9 * r:9 * r + 8, 9 * c:9 * c + 8].astype(float) / 255
        np.testing.assert_allclose(tile, samples[i].reshape(8, 8), atol=0.5 / 255 + 1e-9)

    out = _run("evaluate", "dbn.npz", "--data", "digits.npz", cwd=folder)
    assert out.returncode == 0, out.stderr
    values = _values(out.stdout)
    rbm = dbn.rbms_[0]
    assert values["layer 0 pseudo-likelihood (per sample)"] == pytest.approx(
        rbm.score(X), abs=1e-4)

    out = _run("info", "dbn.npz", cwd=folder)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[:3] == [
        "dbn.npz: DBN (deepbelief.dbn.DBN)",
        f"  format version 1, written by deepbelief {deepbelief.__version__}, "
        f"{os.path.getsize(folder / 'dbn.npz')} bytes",
        "  parameters (non-default): hidden_layer_sizes=(16, 9), n_iter=2, random_state=0",
    ]
    assert "  rbms_: BernoulliRBM, BernoulliRBM" in out.stdout
    pl = dbn.rbms_[1].history_["pseudo_likelihood"]
    assert f"    layer 1: 2 epochs, pseudo_likelihood {pl[0]:.4g} -> {pl[1]:.4g}" in out.stdout

    out = _run("evaluate", "missing.npz", "--data", "digits.npz", cwd=folder)
    assert out.returncode == 2
    assert out.stderr == "deepbelief evaluate: error: 'missing.npz': no such model file.\n"
    assert out.stdout == ""


def _values(text):
    """``{name: value}`` from evaluate's lines ``  name  value``."""
    return {line.rsplit(None, 1)[0].strip(): float(line.rsplit(None, 1)[1])
            for line in text.splitlines()[1:]}


def _in_process(*args):
    """main(args) with its output captured: (status, stdout, stderr)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            status = main(list(args))
        except SystemExit as exc:
            status = exc.code
    return status, stdout.getvalue(), stderr.getvalue()




def test_train_classifier_on_npz_evaluate_on_csv_and_info(data, tmp_path):
    folder, X, y = data
    out_file = str(tmp_path / "clf.npz")
    status, out, err = _in_process(
        "train", "DBNClassifier", "--data", str(folder / "digits.npz"),
        "--param", "hidden_layer_sizes=[16]", "--param", "max_iter=3",
        "--param", "pretrainer__n_iter=2", "--param", "random_state=0", "--out", out_file)
    assert status == 0, err
    lines = out.splitlines()
    assert [line.split(",")[0] for line in lines[1:4]] == [
        f"[DBNClassifier] Iteration {i}" for i in (1, 2, 3)]
    model = load(out_file)
    assert isinstance(model, DBNClassifier) and model.n_iter_ == 3
    assert model.pretrainer_.rbms_[0].n_iter_ == 2
    assert model.verbose is False  # progress was asked of this run, not saved

    status, out, err = _in_process("evaluate", out_file, "--data", str(folder / "digits.csv"))
    assert status == 0, err
    table = np.loadtxt(folder / "digits.csv", delimiter=",", skiprows=1)
    expected = np.mean(model.predict(table[:, :-1]) == table[:, -1])
    assert _values(out)["accuracy"] == pytest.approx(expected, abs=5e-5)

    status, out, err = _in_process("info", out_file)
    assert status == 0, err
    assert "max_iter=3" in out and "random_state=0" in out
    assert "coefs_: float32 (64, 16), float32 (16, 10)" in out
    assert "training history: 3 epochs" in out
    assert "  pretrainer_: DBN" in out


def test_train_rbm_on_csv_evaluate_with_ais(data, tmp_path):
    folder, X, _ = data
    out_file = str(tmp_path / "rbm.npz")
    status, out, err = _in_process(
        "train", "bernoullirbm", "--data", str(folder / "digits.csv"),
        "--param", "n_components=8", "--param", "n_iter=2", "--param", "random_state=0",
        "--quiet", "--out", out_file)
    assert status == 0, err
    assert "Iteration" not in out
    rbm = load(out_file)
    assert isinstance(rbm, BernoulliRBM) and rbm.n_features_in_ == 64  # label dropped
    status, out, err = _in_process("evaluate", out_file, "--data",
                                   str(folder / "digits.npz"), "--ais")
    assert status == 0, err
    values = _values(out)
    assert values["pseudo-likelihood (per sample)"] == pytest.approx(rbm.score(X), abs=1e-4)
    error = np.mean((rbm.reconstruct(X) - X) ** 2)
    assert values["reconstruction error (squared, per value)"] == pytest.approx(error,
                                                                               abs=1e-4)
    exact = rbm.log_likelihood(X, method="exact")
    assert values["AIS log-likelihood (nats per sample)"] == pytest.approx(exact, abs=2.0)


@pytest.mark.parametrize("command", ["demo", "train", "evaluate", "sample", "info"])
def test_help_on_every_command(command):
    status, out, _ = _in_process(command, "--help")
    assert status == 0
    assert out.startswith(f"usage: deepbelief {command}")
    for option in {"train": ["--data", "--param", "--out", "--label-column", "--scale"],
                   "evaluate": ["--data", "--ais"], "sample": ["--n", "--out", "--n-gibbs"],
                   "info": ["FILE"], "demo": ["--quick", "--out", "--random-state"]}[command]:
        assert option in out


@pytest.mark.parametrize("args, message", [
    (["train", "NoSuchModel", "--data", "{f}/digits.npz", "--out", "{f}/x.npz"],
     "unknown MODEL 'NoSuchModel'"),
    (["train", "MLPClassifier", "--data", "{f}/nothing.npz", "--out", "{f}/x.npz"],
     "--data '{f}/nothing.npz': no such file or folder."),
    (["train", "MLPClassifier", "--data", "{f}/digits.npz", "--param", "max_iter",
      "--out", "{f}/x.npz"], "--param must be NAME=VALUE; got 'max_iter'."),
    (["train", "MLPClassifier", "--data", "{f}/digits.npz", "--param", "colour=1",
      "--out", "{f}/x.npz"], "Invalid parameter 'colour'"),
    (["train", "MLPClassifier", "--data", "{f}/digits.npz", "--param",
      "learning_rate_init=-1", "--out", "{f}/x.npz"], "learning_rate_init must be > 0"),
    (["train", "MLPClassifier", "--data", "{f}/digits.csv", "--label-column", "nope",
      "--out", "{f}/x.npz"], "--label-column 'nope' is not a column"),
    (["train", "MLPClassifier", "--data", "{f}/digits.npz", "--max-samples", "0",
      "--out", "{f}/x.npz"], "--max-samples must be >= 1; got 0."),
    (["train", "MLPClassifier", "--data", "{f}/idx/train-images-idx3-ubyte.gz",
      "--out", "{f}/x.npz"], "expected a folder of MNIST IDX files"),
    (["train", "MLPClassifier", "--data", "{f}", "--out", "{f}/x.npz"],
     "not found in folder"),
    (["info", "{f}/digits.npz"], "not a deepbelief model file"),
    (["sample", "{f}/nothing.npz", "--out", "{f}/g.png"], "no such model file"),
    (["evaluate", "{f}/x.npz"], "the following arguments are required: --data"),
    (["sample", "{f}/x.npz", "--n", "many", "--out", "g.png"], "invalid int value: 'many'"),
    (["sample", "{f}/tiny-rbm.npz", "--zoom", "0", "--out", "{f}/g.png"],
     "--zoom must be >= 1; got 0."),
    (["sample", "{f}/tiny-rbm.npz", "--n", "0", "--out", "{f}/g.png"],
     "--n must be >= 1; got 0."),
    (["sample", "{f}/tiny-rbm.npz", "--image-shape", "4", "4", "--out", "{f}/g.png"],
     "image_shape must multiply to n_features=64"),
    (["evaluate", "{f}/tiny-rbm.npz", "--data", "{f}/digits.csv", "--label-column", "99"],
     "--label-column 99 is out of range"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
])
def test_bad_arguments_give_one_line_and_status_2(data, args, message):
    folder = str(data[0])
    args = [a.format(f=folder) for a in args]
    status, out, err = _in_process(*args)
    assert status == 2
    assert err.count("\n") == 1 and err.startswith("deepbelief")
    assert message.format(f=folder) in err


def test_parser_lists_every_command():
    help_text = build_parser().format_help()
    for command in ("demo", "train", "evaluate", "sample", "info"):
        assert command in help_text


def _demo_table(text, title):
    """``{(labels, model): [test errors...]}`` from the pretraining table."""
    lines = text.split(title, 1)[1].splitlines()
    rows = {}
    for line in lines[1:]:
        parts = line.split()
        if not parts or not parts[0].isdigit():
            break
        numbers = [float(p) for p in parts if p.replace(".", "", 1).isdigit()][1:]
        rows[int(parts[0]), " ".join(p for p in parts[1:] if not p[0].isdigit())] = numbers
    return rows


def test_demo_quick_prints_its_tables_and_writes_figures(tmp_path):
    pytest.importorskip("matplotlib")
    out = _run("demo", "--quick", "--out", "figures", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    # 1: both libraries timed in this run, and the ratio printed is theirs
    table = text.split("fit seconds", 1)[1].splitlines()[1:3]
    seconds = {line.split()[0]: float(line.split()[1]) for line in table}
    assert sorted(seconds) == ["deepbelief", "scikit-learn"]
    ratio = float(text.split("deepbelief fits ", 1)[1].split("x")[0])
    assert ratio == pytest.approx(seconds["scikit-learn"] / seconds["deepbelief"], abs=0.15)
    # 2: every model with few and with all labels; the verdict follows the numbers
    rows = _demo_table(text, "labels  model")
    models = ("pretrained DBN", "random initialisation", "logistic regression")
    assert sorted(rows) == sorted((n, m) for n in (100, 1437) for m in models)
    for values in rows.values():
        assert len(values) == 2 and values[1] == pytest.approx(values[0], abs=1e-3)
        assert 0 <= values[0] < 0.5
    few_pre, few_rand = rows[100, models[0]][1], rows[100, models[1]][1]
    verb = "lowers" if few_pre < few_rand else "raises" if few_pre > few_rand else "leaves"
    assert f"With 100 labels, pretraining {verb} the mean test error" in " ".join(text.split())
    # 3: what scikit-learn lacks
    for topic in ("Sampling:", "Log-likelihood:", "Early stopping with checkpoints:",
                  "Compression:"):
        assert topic in text
    assert "total wall time:" in text
    for name in ("demo_filters.png", "demo_learning_curves.png", "demo_samples.png"):
        path = tmp_path / "figures" / name
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 2000
        assert f"figures/{name}" in text


def test_demo_out_without_matplotlib_says_so_before_any_work(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import fails
    status, out, err = _in_process("demo", "--quick", "--out", str(tmp_path / "figures"))
    assert status == 2
    assert err == ("deepbelief demo: error: --out: the figures need matplotlib: pip install "
                   "'deepbelief[plot]' (or leave out --out).\n")
    assert out == ""
    assert not (tmp_path / "figures").exists()


@pytest.mark.slow
def test_demo_runs_in_under_a_minute(tmp_path):
    out = _run("demo", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    seconds = float(out.stdout.rsplit("total wall time:", 1)[1].split()[0])
    assert seconds < 60
    assert "lower in" in out.stdout and "misclassified of 360 test images" in out.stdout
