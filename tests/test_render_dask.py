"""The same render in this process, in a 2-process pool and on a Dask LocalCluster of 2 worker
processes gives byte-identical files and manifests (also written to a ``file://`` URL by the Dask
workers); each Dask worker reads the noise once."""

from __future__ import annotations

import pytest

from augment.render import render_dataset
from tests.conftest import noise_signal, speechlike
from tests.test_render import RECIPE, opts, tree, write


@pytest.fixture
def many(tmp_path):
    root = tmp_path / "data"
    for i in range(6):
        write(root / f"d{i % 2}" / f"clip{i}.wav", speechlike(0.5, seed=i))
    noise = write(tmp_path / "noise.wav", noise_signal(2.0))
    return {"root": root, "noise": noise, "manifest": root}


def test_one_worker_two_workers_and_dask_give_the_same_bytes(many, tmp_path):
    from distributed import Client, LocalCluster

    from augment.render import work

    one, two, dask = tmp_path / "w1", tmp_path / "w2", tmp_path / "dask"
    kw = dict(input=str(many["root"]), assume_train=True, copies=2, recipe=RECIPE)
    r1 = render_dataset(opts(many, one, workers=1, **kw))
    r2 = render_dataset(opts(many, two, workers=2, **kw))
    assert r1["executor"]["kind"] == "in-process" and r2["executor"]["kind"] == "process pool"
    with (
        LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        r3 = render_dataset(opts(many, dask, dask=cluster.scheduler_address, **kw))
        caches = client.run(work.cache_info)
        # the workers write to an fsspec URL the same bytes (a file:// URL here)
        url = f"file://{tmp_path / 'dask_url'}"
        render_dataset(opts(many, url, dask=cluster.scheduler_address, **kw))
    assert r3["executor"]["kind"] == "dask" and r3["counts"]["outputs"] == 12
    files = tree(one)
    assert len([p for p in files if p.endswith(".wav")]) == 12
    assert tree(two) == files
    assert tree(dask) == files
    assert tree(tmp_path / "dask_url") == files
    # the noise was decoded once in each worker that rendered, never once per file
    assert caches and all(c["decoded"] <= 1 for c in caches.values())
    assert sum(c["decoded"] for c in caches.values()) >= 1


def test_dask_local_starts_and_closes_its_own_cluster(many, tmp_path):
    kw = dict(input=str(many["root"] / "d0"), assume_train=True, recipe=RECIPE)
    local = render_dataset(opts(many, tmp_path / "local", dask="local", workers=1, **kw))
    serial = render_dataset(opts(many, tmp_path / "serial", workers=1, **kw))
    assert local["executor"] == {"kind": "dask", "workers": 1, "dask": "local"}
    assert (
        tree(tmp_path / "local") == tree(tmp_path / "serial") and serial["counts"]["outputs"] == 3
    )


def test_short_files_go_several_to_a_dask_task_with_the_same_bytes(tmp_path):
    """After the first tasks (one file each), files go several to a task: the same outputs."""
    from distributed import Client, LocalCluster, get_task_stream

    root = tmp_path / "data"
    for i in range(14):
        write(root / f"clip{i:02d}.wav", speechlike(0.3, seed=i))
    noise = write(tmp_path / "noise.wav", noise_signal(2.0))
    ds = {"root": root, "noise": noise, "manifest": root}
    kw = dict(input=str(root), assume_train=True, recipe=RECIPE)
    serial = render_dataset(opts(ds, tmp_path / "serial", workers=1, **kw))
    with (
        LocalCluster(
            n_workers=1, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
        get_task_stream(client) as stream,
    ):
        dask = render_dataset(opts(ds, tmp_path / "dask", dask=cluster.scheduler_address, **kw))
    tasks = [t for t in stream.data if str(t["key"]).startswith(("render_tasks", "('render_tasks"))]
    assert 4 < len(tasks) < 10  # 4 single-file tasks first (1 worker x 4 in flight), then fewer
    assert dask["counts"]["outputs"] == serial["counts"]["outputs"] == 14
    assert tree(tmp_path / "dask") == tree(tmp_path / "serial")
