"""The pages' memory is bounded in bytes, not entries (issue 9, item 11: three 115 MB uploads took
the server from 198 MB to 2.4 GB)."""

from __future__ import annotations

import numpy as np
import pytest

from augment import cache

MB = 1024 * 1024


def test_the_cache_keeps_under_its_byte_budget():
    c = cache.ByteCache(3 * MB)
    calls = []

    @c.memo
    def block(i: int) -> np.ndarray:
        calls.append(i)
        return np.zeros(MB // 4, np.float32) + i  # 1 MB

    for i in range(10):
        block(i)
        assert c.nbytes <= 3 * MB
    assert len(c) == 3 and calls == list(range(10))
    block(9)  # a hit: not computed again, and now the most recent
    assert calls == list(range(10))
    block(0)  # long gone: computed again
    assert calls[-1] == 0 and c.nbytes <= 3 * MB


def test_a_value_bigger_than_the_budget_is_returned_not_kept():
    c = cache.ByteCache(MB)
    big = c.memo(lambda n: np.zeros(n, np.uint8))(2 * MB)
    assert big.nbytes == 2 * MB and c.nbytes <= MB


def test_errors_are_not_kept():
    c = cache.ByteCache(MB)
    tries = []

    @c.memo
    def fails(x):
        tries.append(x)
        raise ValueError(x)

    for _ in range(2):
        with pytest.raises(ValueError):
            fails(1)
    assert tries == [1, 1]


def test_sizeof_weighs_what_the_pages_keep():
    from augment.audio import Audio

    a = Audio(np.zeros(16000, np.float32), 16000)
    assert cache.sizeof(a) >= 64_000
    view = {"samples": np.zeros(1000, np.float32), "wav": b"x" * 5000, "params": [{"a": 1}]}
    assert cache.sizeof(view) >= 9000


def test_budget_from_the_environment(monkeypatch):
    monkeypatch.setenv("AUGCHECK_CACHE_MB", "64")
    assert cache.budget_bytes() == 64 * MB
    monkeypatch.setenv("AUGCHECK_CACHE_MB", "lots")
    assert cache.budget_bytes() == cache.DEFAULT_CACHE_MB * MB


def test_the_pages_keep_audio_in_the_shared_byte_budget():
    from views import _common

    for helper in ("decoded", "as_source", "original_wav", "original_mel", "render_view"):
        assert getattr(_common, helper).cache is cache.shared, helper
    assert cache.shared.max_bytes == cache.budget_bytes()
