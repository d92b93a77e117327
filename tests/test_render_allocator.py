"""The render workers keep freed memory (glibc thresholds), measured in benchmarks/render.py."""

import platform
import subprocess
import sys

import pytest

from augment.render.allocator import keep_freed_memory
from tests.conftest import ROOT

GLIBC = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


@pytest.mark.skipif(not GLIBC, reason="the thresholds are glibc's mallopt")
def test_glibc_takes_the_thresholds():
    assert keep_freed_memory() is True
    assert keep_freed_memory() is True  # once per process; a second call changes nothing


@pytest.mark.skipif(not GLIBC, reason="the thresholds are glibc's mallopt")
def test_freed_clip_sized_arrays_are_not_faulted_in_again():
    """Allocating and freeing arrays of a clip's size: with the thresholds set, no page is
    handed back and faulted in again (without them, glibc's trimming faults them every time)."""
    code = """
import resource, sys
import numpy as np
from augment.render.allocator import keep_freed_memory
from tests.conftest import ROOT
if sys.argv[1] == "tuned":
    keep_freed_memory()
def work():
    a = np.ones(96_000) * 2.0          # 750 KB float64: a 6 s clip at 16 kHz
    b = a.astype(np.float32) + 1.0
    c = np.concatenate([a, a])         # 1.5 MB
    return float(c.sum() + b.sum())
for _ in range(5):
    work()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(200):
    work()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""
    faults = {
        mode: int(subprocess.check_output([sys.executable, "-c", code, mode], text=True, cwd=ROOT))
        for mode in ("default", "tuned")
    }
    print(faults)
    assert faults["tuned"] < 50, faults
    assert faults["default"] > 10 * max(faults["tuned"], 1), faults
