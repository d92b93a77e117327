"""Offline rendering speed: augcheck against the project's exported audiomentations Compose.

Makes 200 files of 4 s at 16 kHz (windows of the bundled demo speech), then renders them with
(a) background_noise + band_pass + gain and (b) (a) + time_stretch + pitch_shift:

- augcheck: ``augment.render.render_dataset`` with one worker (in-process), which reads each
  file with soundfile, hashes it, renders, writes a WAV (temporary name + rename) and the manifests;
- audiomentations: the Compose that ``augment.export.audiomentations`` exports for the same
  recipe, over the same files, same I/O (soundfile read, WAV write), one worker;
- scaling: augcheck with a 2-process pool against 1 worker, and a Dask LocalCluster of 1 and of 2
  worker processes (cluster start-up and the workers' first imports timed apart).

On a shared machine the wall-clock figures move with the load (printed); the CPU-time figures
(audio seconds per CPU second) do not, so both are printed.

Prints the real-time factor per core, the augcheck/audiomentations throughput ratio, the scaling,
and a final JSON line. Usage: ``python benchmarks/render.py [--files 200] [--repeats 1]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from augment import audio  # noqa: E402
from augment.export.audiomentations import compose_from_dict, to_audiomentations_dict  # noqa: E402
from augment.recipe import Recipe  # noqa: E402
from augment.render import Options, render_dataset  # noqa: E402

SR, SECONDS = 16000, 4.0
CHAIN_A = [
    {"step": "background_noise", "snr_db": [0, 20]},
    {"step": "band_pass", "low_hz": 300, "high_hz": 3400},
    {"step": "gain", "gain_db": [-6, 0]},
]
CHAIN_B = [
    *CHAIN_A,
    {"step": "time_stretch", "rate": [0.9, 1.1]},
    {"step": "pitch_shift", "semitones": [-2, 2]},
]
NOISE = ROOT / "assets" / "noise_cafe_babble.ogg"


def make_files(folder: Path, n: int) -> float:
    """``n`` 4 s windows of the demo speech (looped, offset, scaled), as 16-bit WAV."""
    speech = np.concatenate(
        [audio.read(p).samples for p in sorted((ROOT / "assets").glob("speech_*.flac"))]
    )
    rng = np.random.default_rng(0)
    length = int(SR * SECONDS)
    for i in range(n):
        start = int(rng.integers(0, len(speech)))
        idx = (start + np.arange(length)) % len(speech)
        y = speech[idx] * rng.uniform(0.5, 1.0)
        sf.write(folder / f"clip{i:04d}.wav", y.astype(np.float32), SR, subtype="PCM_16")
    return n * SECONDS


def run_augcheck(recipe, src, out, **kw) -> tuple[float, float]:
    """(wall seconds, CPU seconds: this process plus the workers' rendering)."""
    t, c = time.perf_counter(), time.process_time()
    record = render_dataset(
        Options(
            recipe=recipe,
            input=str(src),
            out=str(out),
            noises=[str(NOISE)],
            assume_train=True,
            status="accepted",
            **kw,
        )
    )
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    assert record["counts"]["errors"] == 0 and record["counts"]["rendered"] > 0, record["counts"]
    if record["executor"]["kind"] != "in-process":
        cpu += record["timings"]["cpu_s"]
    return wall, cpu


def run_audiomentations(recipe, src, out, noise_dir) -> tuple[float, float]:
    compose = compose_from_dict(to_audiomentations_dict(recipe), noise_dir=noise_dir)
    out.mkdir(parents=True, exist_ok=True)
    t, c = time.perf_counter(), time.process_time()
    for path in sorted(src.glob("*.wav")):
        y, sr = sf.read(path, dtype="float32")
        z = compose(samples=y, sample_rate=sr)
        sf.write(out / path.name, np.clip(z, -1, 1), sr, subtype="PCM_16")
    return time.perf_counter() - t, time.process_time() - c


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=1, help="runs per figure (median)")
    args = ap.parse_args()
    from distributed import Client, LocalCluster

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        src, noise_dir = tmp / "src", tmp / "noise"
        src.mkdir()
        noise_dir.mkdir()
        os.symlink(NOISE, noise_dir / NOISE.name)
        audio_s = make_files(src, args.files)
        counter = iter(range(10**6))

        def fresh() -> Path:
            return tmp / f"out{next(counter)}"

        def median(fn) -> tuple[float, float]:
            runs = [fn() for _ in range(args.repeats)]
            return (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs))

        # warm-up (imports, filter design caches) on a few files, for both libraries
        warm = tmp / "warm"
        warm.mkdir()
        for p in sorted(src.glob("*.wav"))[:3]:
            os.symlink(p, warm / p.name)
        for steps in (CHAIN_A, CHAIN_B):
            r = Recipe.from_dict({"name": "warm-up", "steps": steps})
            run_augcheck(r, warm, fresh(), workers=1)
            run_audiomentations(r, warm, fresh(), noise_dir)

        results = {
            "files": args.files,
            "audio_s": audio_s,
            "cores": os.cpu_count(),
            "load_average": round(os.getloadavg()[0], 2),
        }
        print(
            f"{args.files} files x {SECONDS:g} s at {SR} Hz = {audio_s / 60:.1f} min of audio; "
            f"load average {results['load_average']}"
        )
        for label, steps in (("a", CHAIN_A), ("b", CHAIN_B)):
            recipe = Recipe.from_dict({"name": f"chain {label}", "steps": steps})
            ours, ours_cpu = median(lambda r=recipe: run_augcheck(r, src, fresh(), workers=1))
            theirs, theirs_cpu = median(
                lambda r=recipe: run_audiomentations(r, src, fresh(), noise_dir)
            )
            pool2, _ = median(lambda r=recipe: run_augcheck(r, src, fresh(), workers=2))
            t = time.perf_counter()
            with (
                LocalCluster(
                    n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
                ) as c1,
                Client(c1),
            ):
                start1 = time.perf_counter() - t
                run_augcheck(recipe, warm, fresh(), dask=c1.scheduler_address)  # worker imports
                dask1, _ = median(
                    lambda r=recipe, a=c1.scheduler_address: run_augcheck(r, src, fresh(), dask=a)
                )
            with (
                LocalCluster(
                    n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
                ) as c2,
                Client(c2),
            ):
                # warm both workers (imports) with as many files as there are workers, twice
                run_augcheck(recipe, warm, fresh(), dask=c2.scheduler_address)
                run_augcheck(recipe, warm, fresh(), dask=c2.scheduler_address)
                dask2, _ = median(
                    lambda r=recipe, a=c2.scheduler_address: run_augcheck(r, src, fresh(), dask=a)
                )
            fig = {
                "augcheck_rtf_per_core": round(audio_s / ours, 1),
                "audiomentations_rtf_per_core": round(audio_s / theirs, 1),
                "ratio_augcheck_over_audiomentations": round(theirs / ours, 2),
                "augcheck_rtf_per_cpu_second": round(audio_s / ours_cpu, 1),
                "audiomentations_rtf_per_cpu_second": round(audio_s / theirs_cpu, 1),
                "ratio_by_cpu_time": round(theirs_cpu / ours_cpu, 2),
                "pool_2_workers_rtf": round(audio_s / pool2, 1),
                "pool_scaling_1_to_2": round(ours / pool2, 2),
                "dask_1_worker_rtf": round(audio_s / dask1, 1),
                "dask_2_workers_rtf": round(audio_s / dask2, 1),
                "dask_scaling_1_to_2": round(dask1 / dask2, 2),
                "dask_cluster_start_s": round(start1, 2),
            }
            results[f"chain_{label}"] = fig
            names = " + ".join(s["step"] for s in steps)
            print(f"\n({label}) {names}")
            print(f"  augcheck, 1 worker:        {fig['augcheck_rtf_per_core']:8.1f}x real time")
            print(
                f"  audiomentations, 1 worker: {fig['audiomentations_rtf_per_core']:8.1f}x "
                f"real time -> augcheck is {fig['ratio_augcheck_over_audiomentations']:.2f}x "
                "its throughput"
            )
            print(
                f"  by CPU time (steadier on a busy machine): augcheck "
                f"{fig['augcheck_rtf_per_cpu_second']:.1f}x, audiomentations "
                f"{fig['audiomentations_rtf_per_cpu_second']:.1f}x, ratio "
                f"{fig['ratio_by_cpu_time']:.2f}"
            )
            print(
                f"  process pool, 2 workers:   {fig['pool_2_workers_rtf']:8.1f}x "
                f"({fig['pool_scaling_1_to_2']:.2f}x one worker)"
            )
            print(
                f"  Dask LocalCluster 1 -> 2:  {fig['dask_1_worker_rtf']:8.1f}x -> "
                f"{fig['dask_2_workers_rtf']:.1f}x ({fig['dask_scaling_1_to_2']:.2f}x; "
                f"cluster start {fig['dask_cluster_start_s']:.1f} s, not counted)"
            )
        results["load_average_end"] = round(os.getloadavg()[0], 2)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
