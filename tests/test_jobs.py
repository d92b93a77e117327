"""augment.jobs: keyed background jobs in a real worker process (no Streamlit)."""

import os
from concurrent.futures.process import BrokenProcessPool

import pytest

from augment.jobs import JobScheduler, outcome

WAIT_S = 120  # a spawned worker on a busy 2-core machine can take a while to start


@pytest.fixture
def jobs():
    scheduler = JobScheduler(workers=1)
    yield scheduler
    scheduler.shutdown()


def test_a_job_runs_in_the_worker_and_a_key_is_asked_once(jobs):
    f = jobs.submit(("hypot", 1), "math:hypot", 3.0, 4.0)
    assert jobs.submit(("hypot", 1), "math:hypot", 3.0, 4.0) is f
    assert f.result(timeout=WAIT_S) == 5.0
    assert outcome(f) == (5.0, None)
    pid = jobs.submit(("pid", 1), "os:getpid").result(timeout=WAIT_S)

    assert pid != os.getpid()


def test_outcome_says_what_went_wrong_in_one_line(jobs):
    bad_value = jobs.submit(("sqrt", 1), "math:sqrt", -1.0)
    bad_other = jobs.submit(("div", 1), "operator:truediv", 1, 0)
    for f in (bad_value, bad_other):
        f.exception(timeout=WAIT_S)
    assert outcome(bad_value) == (None, "math domain error")  # a ValueError: the message only
    assert outcome(bad_other) == (None, "ZeroDivisionError: division by zero")
    assert outcome(None) == (None, None)


def test_older_queued_jobs_of_the_same_kind_are_cancelled(jobs):
    busy = [jobs.submit((f"sleep{i}",), "time:sleep", 1.0) for i in range(3)]  # fill the worker
    older = jobs.submit(("model", "sample 1"), "math:hypot", 1.0, 1.0)
    other_kind = jobs.submit(("hints", "sample 1"), "math:hypot", 2.0, 0.0)
    newer = jobs.submit(("model", "sample 2"), "math:hypot", 3.0, 4.0)
    assert older.cancelled()
    assert outcome(older) == (None, None)
    assert newer.result(timeout=WAIT_S) == 5.0 and other_kind.result(timeout=WAIT_S) == 2.0
    assert all(b.result(timeout=WAIT_S) is None for b in busy)
    # asking again for a cancelled key runs it anew
    again = jobs.submit(("model", "sample 1"), "math:hypot", 1.0, 1.0)
    assert again is not older and again.result(timeout=WAIT_S) == pytest.approx(2**0.5)


def test_a_dead_worker_is_replaced(jobs):
    crash = jobs.submit(("crash", 1), "os:_exit", 1)
    assert isinstance(crash.exception(timeout=WAIT_S), BrokenProcessPool)
    assert outcome(crash)[1].startswith("BrokenProcessPool")
    assert jobs.submit(("hypot", 2), "math:hypot", 6.0, 8.0).result(timeout=WAIT_S) == 10.0


def test_only_the_newest_jobs_are_remembered():
    jobs = JobScheduler(workers=1, keep=3)
    try:
        futures = [jobs.submit((f"kind{i}",), "math:hypot", float(i), 0.0) for i in range(5)]
        assert len(jobs) == 3
        assert [f.result(timeout=WAIT_S) for f in futures] == [0.0, 1.0, 2.0, 3.0, 4.0]
    finally:
        jobs.shutdown()
