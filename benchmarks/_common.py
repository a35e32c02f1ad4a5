"""Shared helpers for the benchmark scripts: machine description, timing
medians and writing a section of ``benchmarks/RESULTS.md``."""

import datetime
import os
import platform
import re
import statistics
import time
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")
DEFAULT_MNIST = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mnist"


def held_out_name(validation):
    """What the held-out images of a run are: "validation" with --validation, else "test"."""
    return "validation" if validation else "test"


def mnist_split(limit=None, validation=0):
    """(X, y, X_test, y_test): MNIST scaled to [0, 1] in float32.

    ``limit`` keeps the first training images only; ``validation`` > 0 holds
    out the last ``validation`` of them as the evaluation set instead of the
    test set (for model choice, so that nothing is chosen on the test set).
    """
    import numpy as np

    from deepbelief.datasets import load_mnist

    def load(subset):
        X, y = load_mnist(DEFAULT_MNIST, subset)
        return (X / np.float32(255)).astype(np.float32), y

    X, y = load("train")
    if limit is not None:
        X, y = X[:limit], y[:limit]
    if validation:
        return X[:-validation], y[:-validation], X[-validation:], y[-validation:]
    X_test, y_test = load("test")
    return X, y, X_test, y_test


def blas_libraries():
    """threadpoolctl's description of each BLAS library loaded (none without it)."""
    try:
        from threadpoolctl import threadpool_info

        return [i for i in threadpool_info() if i.get("user_api") == "blas"]
    except Exception:  # threadpoolctl is optional here
        return []


def machine():
    """One line describing this machine: CPU model, cores, Python, BLAS."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    blas = ", ".join(
        f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')}, "
        f"{i.get('num_threads')} threads)"
        for i in blas_libraries()
    )
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"
        + (f", BLAS: {blas}" if blas else "")
    )


def median_time(fn, repeats):
    """Run ``fn`` ``repeats`` times; return (median seconds, list of seconds)."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        lines.append("| " + " | ".join(str(c) for c in row) + " |")
    return "\n".join(lines)


def write_section(name, body):
    """Replace (or append) the section ``name`` of RESULTS.md with ``body``.

    Each benchmark owns one section, delimited by HTML comments, so scripts
    can be rerun independently without clobbering each other's rows.
    """
    stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    block = (
        f"<!-- {name}:start -->\n## {name}\n\n"
        f"Run {stamp} on {machine()}.\n\n{body.strip()}\n<!-- {name}:end -->"
    )
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(
        rf"<!-- {re.escape(name)}:start -->.*?<!-- {re.escape(name)}:end -->", re.S
    )
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    RESULTS.write_text(text)
