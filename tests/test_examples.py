"""Every example runs with --quick, prints what its docstring promises and
writes its figures."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

import deepbelief

pytest.importorskip("matplotlib")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# example -> (figures it writes, a line of its output)
EXPECTED = {
    "01_drop_in_rbm.py": (["drop_in_filters.png"], "speed-up of fit:"),
    "02_pipeline.py": (["pipeline_history.png"], "DBN + logistic regression"),
    "03_random_vs_grid_search.py": (["search.png"], "random search: 9 learning rates tried"),
    "04_pretraining.py": (["pretraining_curves.png", "pretraining_history.png"],
                          "random initialisation"),
    "05_regularisation.py": (["regularisation.png"], "elastic distortions"),
    "06_preprocessing.py": (["preprocessing.png"],
                            "drop_incomplete: dropped 10 of 1437 samples (7 with missing"),
    "07_autoencoder_codes.py": (["autoencoder_codes.png", "autoencoder_reconstructions.png"],
                                "deep autoencoder"),
    "08_rbm_likelihood.py": (["rbm_filters.png", "rbm_samples.png", "rbm_likelihood.png"],
                             "exact"),
    "09_checkpoints.py": (["checkpoints.png"], "parameters equal to an uninterrupted fit: True"),
    "10_compression.py": (["compression.png"],
                          "the model read back predicts the same: True"),
}
# The distributed search needs dask.distributed; without it, it only says so.
if importlib.util.find_spec("distributed") is not None:
    EXPECTED["11_distributed_search.py"] = (
        ["distributed_search.png"], "the same cross-validated scores in both runs: True")


def test_every_example_is_listed():
    scripts = sorted(p.name for p in EXAMPLES.glob("[0-9]*.py"))
    assert scripts == sorted(set(EXPECTED) | {"11_distributed_search.py"})
    gallery = (EXAMPLES / "README.md").read_text()
    for name in scripts:
        assert name in gallery


# One interpreter runs every example in turn (as ``python example.py`` would,
# through runpy), which saves eight start-ups of numpy, numba, scikit-learn
# and matplotlib; each example's output and outcome are kept apart.
DRIVER = """
import contextlib, io, os, runpy, sys, traceback
examples, out = sys.argv[1], sys.argv[2]
sys.path.insert(0, examples)
for name in sys.argv[3:]:
    folder = os.path.join(out, name[:-3])
    os.makedirs(folder)
    buffer, outcome = io.StringIO(), "ok"
    sys.argv = [name, "--quick", "--out", folder]
    with contextlib.redirect_stdout(buffer):
        try:
            runpy.run_path(os.path.join(examples, name), run_name="__main__")
        except BaseException:
            outcome = traceback.format_exc()
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    with open(os.path.join(folder, "stdout.txt"), "w") as f:
        f.write(buffer.getvalue())
    with open(os.path.join(folder, "outcome.txt"), "w") as f:
        f.write(outcome)
"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("examples")
    # the examples import the deepbelief under test, whatever its folder
    package_parent = os.path.dirname(os.path.dirname(deepbelief.__file__))
    env = dict(os.environ, MPLBACKEND="Agg",
               PYTHONPATH=package_parent + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run(
        [sys.executable, "-c", DRIVER, str(EXAMPLES), str(out), *sorted(EXPECTED)],
        capture_output=True, text=True, timeout=600, env=env, cwd=out,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return out


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_runs_quick(name, runs):
    figures, line = EXPECTED[name]
    folder = runs / name[:-3]
    outcome = (folder / "outcome.txt").read_text()
    assert outcome == "ok", outcome
    stdout = (folder / "stdout.txt").read_text()
    assert line in stdout, stdout
    for figure in figures:
        path = folder / figure
        assert path.exists() and path.stat().st_size > 2000, figure
        assert f"wrote {path}" in stdout


def test_distributed_example_says_what_it_needs_without_dask(tmp_path):
    # distributed made unimportable: the example explains and writes nothing
    code = ("import runpy, sys; sys.modules['distributed'] = None; "
            f"sys.path.insert(0, {str(EXAMPLES)!r}); "
            "sys.argv = ['11_distributed_search.py', '--quick', '--out', 'figures']; "
            f"runpy.run_path({str(EXAMPLES / '11_distributed_search.py')!r}, "
            "run_name='__main__')")
    package_parent = os.path.dirname(os.path.dirname(deepbelief.__file__))
    env = dict(os.environ, PYTHONPATH=package_parent + os.pathsep
               + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "needs dask.distributed: pip install 'deepbelief[distributed]'" in result.stdout
    assert not (tmp_path / "figures").exists()


README = EXAMPLES.parent / "README.md"

# Runs the README's ```python blocks in order in one namespace, as a reader
# pasting them into one script would, and records what each printed as a
# warning. A file, not -c: the LocalCluster block's workers re-import it.
README_DRIVER = '''
import json, re, sys, warnings

def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    blocks = re.findall(r"^( *)```python\\n(.*?)^\\1```", text, flags=re.S | re.M)
    namespace = {"__name__": "__main__"}
    report = []
    def show(message, category, filename, lineno, file=None, line=None):
        report[-1]["warnings"].append(f"{category.__name__}: {message}")
    warnings.showwarning = show
    for indent, body in blocks:
        source = "\\n".join(line[len(indent):] for line in body.splitlines())
        report.append({"first_line": source.splitlines()[0], "warnings": [],
                       "outcome": "ok"})
        if "path/to/" in source:
            report[-1]["outcome"] = "skipped: needs the reader's files"
            continue
        try:
            exec(compile(source, "<README block>", "exec"), namespace)
        except ModuleNotFoundError as exc:
            report[-1]["outcome"] = f"missing module {exc.name}"
        except Exception as exc:
            report[-1]["outcome"] = f"{type(exc).__name__}: {exc}"
    with open("report.json", "w") as f:
        json.dump(report, f)

if __name__ == "__main__":
    main()
'''

# Optional extras a README block may import; without them the block is skipped.
OPTIONAL = {"skops", "onnxruntime", "skl2onnx", "onnx", "distributed", "dask"}


def test_readme_python_blocks_run_clean(tmp_path):
    import json

    (tmp_path / "driver.py").write_text(README_DRIVER)
    package_parent = os.path.dirname(os.path.dirname(deepbelief.__file__))
    env = dict(os.environ, MPLBACKEND="Agg",
               PYTHONPATH=package_parent + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run([sys.executable, "driver.py", str(README)], capture_output=True,
                            text=True, timeout=300, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((tmp_path / "report.json").read_text())
    assert len(report) >= 10
    for block in report:
        outcome = block["outcome"]
        assert (outcome == "ok" or outcome.startswith("skipped")
                or outcome.split()[-1].split(".")[0] in OPTIONAL), block
        assert block["warnings"] == [], block
    assert sum(b["outcome"] == "ok" for b in report) >= len(report) - 4
