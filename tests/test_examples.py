"""Every example runs with --quick, prints what its docstring promises and
writes its figures."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

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
}


def test_every_example_is_listed():
    scripts = sorted(p.name for p in EXAMPLES.glob("[0-9]*.py"))
    assert scripts == sorted(EXPECTED)
    gallery = (EXAMPLES / "README.md").read_text()
    for name in scripts:
        assert name in gallery


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_runs_quick(name, tmp_path):
    figures, line = EXPECTED[name]
    env = dict(os.environ, MPLBACKEND="Agg")
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name), "--quick", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert line in result.stdout, result.stdout
    assert "Traceback" not in result.stderr
    for figure in figures:
        path = tmp_path / figure
        assert path.exists() and path.stat().st_size > 2000, figure
        assert f"wrote {path}" in result.stdout
