"""A longer fuzzing campaign than the test suite's: `python benchmarks/fuzz.py 5000`."""

from __future__ import annotations

import os
import sys

import pytest

if __name__ == "__main__":
    os.environ["TRUTHLINT_FUZZ_EXAMPLES"] = sys.argv[1] if len(sys.argv) > 1 else "2000"
    here = os.path.dirname(os.path.abspath(__file__))
    sys.exit(pytest.main(["-q", "-p", "no:cacheprovider",
                          os.path.join(here, "..", "tests", "test_fuzz.py")]))
