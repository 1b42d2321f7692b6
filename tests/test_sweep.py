"""The corpus sweep (benchmarks/sweep.py) on a sample of the standard library: no rule fails."""

from __future__ import annotations

import importlib.util
import sysconfig

import pytest

from .conftest import REPO

pytestmark = pytest.mark.slow  # a few hundred standard-library files


def load_sweep():
    spec = importlib.util.spec_from_file_location("sweep", REPO / "benchmarks" / "sweep.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # our own benchmark script, not code under check
    return module


def test_sweep_on_a_standard_library_sample():
    sweep = load_sweep()
    result = sweep.sweep([sysconfig.get_paths()["stdlib"] + "/json",
                          sysconfig.get_paths()["stdlib"] + "/email",
                          sysconfig.get_paths()["stdlib"] + "/asyncio"], limit=200)
    assert result["failures"] == []
    assert result["files"] >= 60
    assert set(result["findings"]) <= {"STI004", "STI005", "STI006", "SOI002", "SOI003",
                                       "TBV001", "TBV004", "STI003", "STI002"}
