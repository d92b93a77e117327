"""Offline rendering speed: augcheck against the project's exported audiomentations Compose.

Makes 200 files of 4 s at 16 kHz (windows of the bundled demo speech), then renders them with

- (a) background_noise + band_pass + gain;
- (b) time_stretch + pitch_shift + (a), in the Studio's order (the order the Studio gives every
  recipe it makes: the talker's speed and pitch, then the noise around, then the channel);
- (b2) (a) + time_stretch + pitch_shift, in that order (a recipe only an import can make): after
  the noise augcheck carries the signal and the noise apart, so the stretch and the pitch shift
  run twice (the manifest's measured ``snr_db`` and the Studio's "noise alone" come from that);
  printed for comparison, not one of the issue's targets.

Speed (1 worker): augcheck is ``augment.render.render_dataset`` in-process (read each file with
soundfile, hash it, render, write a 16-bit WAV under a temporary name + rename, journal,
manifests); audiomentations is the Compose ``augment.export.audiomentations`` exports for the
same recipe, over the same files, the same I/O (soundfile read, 16-bit WAV write). The two run
interleaved, ``--repeats`` times each, in this one process (so with the same memory-allocator
settings: augcheck's render sets glibc's thresholds, see ``augment/render/allocator.py``).
The figures are audio seconds per CPU second of the process (``time.process_time``): on a shared
machine the wall clock moves with the other jobs' load, the CPU time much less; wall-clock
figures are printed beside them.

Scaling 1 -> 2 workers (wall clock, which is what scaling is about): the process pool
(``--workers 1`` in-process against ``--workers 2``, forked) and a Dask ``LocalCluster`` of 1 and
of 2 worker processes, on enough work per run (chain (a) with 4 copies of each file: 800 outputs;
chain (b) with 1). Cluster start-up and a warm-up render (the workers' first imports, the noise
decoded once per worker) are timed apart and not counted; the pool's start-up (fork, the first
file per worker) is timed apart on a 2-file render and is counted (it is part of every run).
Beside each scaling figure: the cores the run got (the workers' CPU seconds over the wall
seconds): on a machine other jobs keep busy, 2 workers cannot get 2 cores, and the scaling can
be no better than that ratio.

Usage: ``python benchmarks/render.py [--files 200] [--repeats 3] [--no-dask]``; prints the
figures and a final JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
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
STRETCH_PITCH = [
    {"step": "time_stretch", "rate": [0.9, 1.1]},
    {"step": "pitch_shift", "semitones": [-2, 2]},
]
CHAINS = {
    "a": ("background_noise + band_pass + gain", CHAIN_A, 100.0),
    "b": ("time_stretch + pitch_shift + (a), the Studio's order", STRETCH_PITCH + CHAIN_A, 20.0),
    "b2": ("(a) + time_stretch + pitch_shift, after the noise", CHAIN_A + STRETCH_PITCH, None),
}
#: Copies per file in the scaling runs: enough work that a run takes seconds, not a fraction.
SCALING_COPIES = {"a": 4, "b": 1}
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


def run_augcheck(recipe, src, out, **kw) -> dict:
    """Wall seconds, CPU seconds of this process, the workers' CPU seconds, audio seconds."""
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
    return {
        "wall": wall,
        "cpu": cpu,
        "workers_cpu": record["timings"]["cpu_s"],
        "audio": record["timings"]["audio_s"],
        "executor": record["executor"]["kind"],
    }


def run_audiomentations(recipe, src, out, noise_dir) -> dict:
    compose = compose_from_dict(to_audiomentations_dict(recipe), noise_dir=noise_dir)
    out.mkdir(parents=True, exist_ok=True)
    t, c = time.perf_counter(), time.process_time()
    for path in sorted(src.glob("*.wav")):
        y, sr = sf.read(path, dtype="float32")
        z = compose(samples=y, sample_rate=sr)
        sf.write(out / path.name, np.clip(z, -1, 1), sr, subtype="PCM_16")
    return {"wall": time.perf_counter() - t, "cpu": time.process_time() - c}


def med(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=3, help="runs per figure (median)")
    ap.add_argument("--no-dask", action="store_true", help="skip the Dask LocalCluster scaling")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        src, noise_dir, warm = tmp / "src", tmp / "noise", tmp / "warm"
        for d in (src, noise_dir, warm):
            d.mkdir()
        os.symlink(NOISE, noise_dir / NOISE.name)
        audio_s = make_files(src, args.files)
        for p in sorted(src.glob("*.wav"))[:4]:
            os.symlink(p, warm / p.name)
        counter = iter(range(10**6))

        def fresh() -> Path:
            return tmp / f"out{next(counter)}"

        recipes = {k: Recipe.from_dict({"name": k, "steps": c[1]}) for k, c in CHAINS.items()}
        for r in recipes.values():  # warm-up: imports, filter designs, the noise decoded
            run_augcheck(r, warm, fresh(), workers=1)
            run_audiomentations(r, warm, fresh(), noise_dir)

        results: dict = {
            "files": args.files,
            "audio_s": audio_s,
            "repeats": args.repeats,
            "cores": os.cpu_count(),
            "load_average_start": round(os.getloadavg()[0], 2),
        }
        print(
            f"{args.files} files x {SECONDS:g} s at {SR} Hz = {audio_s / 60:.1f} min of audio; "
            f"{args.repeats} runs per figure (medians); "
            f"load average {results['load_average_start']}"
        )
        print("\nSpeed, 1 worker (audio seconds per CPU second of the process; wall clock beside)")
        for key, (names, _steps, target) in CHAINS.items():
            ours, theirs = [], []
            for _ in range(args.repeats):  # interleaved: both see the same load
                ours.append(run_augcheck(recipes[key], src, fresh(), workers=1))
                theirs.append(run_audiomentations(recipes[key], src, fresh(), noise_dir))
            fig = {
                "augcheck_rtf_per_cpu_second": round(audio_s / med(ours, "cpu"), 1),
                "audiomentations_rtf_per_cpu_second": round(audio_s / med(theirs, "cpu"), 1),
                "ratio_by_cpu_time": round(med(theirs, "cpu") / med(ours, "cpu"), 2),
                "ratio_runs_by_cpu_time": [
                    round(t["cpu"] / o["cpu"], 2) for o, t in zip(ours, theirs, strict=True)
                ],
                "augcheck_rtf_wall": round(audio_s / med(ours, "wall"), 1),
                "audiomentations_rtf_wall": round(audio_s / med(theirs, "wall"), 1),
                "target_rtf_per_core": target,
            }
            results[f"chain_{key}"] = fig
            met = (
                ""
                if target is None
                else "  [target >= {:g}x and >= audiomentations: {}]".format(
                    target,
                    "met"
                    if fig["augcheck_rtf_per_cpu_second"] >= target
                    and fig["ratio_by_cpu_time"] >= 1.0
                    else "NOT met",
                )
            )
            print(f"\n({key}) {names}{met}")
            print(
                f"  augcheck         {fig['augcheck_rtf_per_cpu_second']:7.1f}x real time per "
                f"CPU second  (wall {fig['augcheck_rtf_wall']:.1f}x)"
            )
            print(
                f"  audiomentations  {fig['audiomentations_rtf_per_cpu_second']:7.1f}x real time "
                f"per CPU second  (wall {fig['audiomentations_rtf_wall']:.1f}x)"
            )
            print(
                f"  augcheck / audiomentations by CPU time: {fig['ratio_by_cpu_time']:.2f} "
                f"(runs: {', '.join(f'{x:.2f}' for x in fig['ratio_runs_by_cpu_time'])})"
            )

        print("\nScaling 1 -> 2 workers (wall clock; 'cores' = the workers' CPU s / wall s)")
        t = time.perf_counter()
        run_augcheck(recipes["a"], warm, fresh(), workers=2)
        results["pool_startup_2_files_s"] = round(time.perf_counter() - t, 3)
        fork = threading.active_count() == 1 and os.name == "posix"
        results["pool_start_method"] = "fork" if fork else "spawn"
        print(
            f"  process pool start-up ({results['pool_start_method']}) + one 4 s file per "
            f"worker: {results['pool_startup_2_files_s']:.2f} s (counted in each 2-worker run)"
        )
        for key in SCALING_COPIES:
            copies = SCALING_COPIES[key]
            one, two = [], []
            for _ in range(args.repeats):
                one.append(run_augcheck(recipes[key], src, fresh(), workers=1, copies=copies))
                two.append(run_augcheck(recipes[key], src, fresh(), workers=2, copies=copies))
            assert two[0]["executor"] == "process pool", two[0]
            results[f"pool_{key}"] = scaling_figures(one, two)
            print_scaling(f"({key}) process pool, {copies} copies", results[f"pool_{key}"])
        if not args.no_dask:
            dask_scaling(recipes, src, warm, fresh, results, args.repeats)
        results["load_average_end"] = round(os.getloadavg()[0], 2)
        print(f"\nload average at the end: {results['load_average_end']}")
    print(json.dumps(results))


def scaling_figures(one: list[dict], two: list[dict]) -> dict:
    cores1 = med(one, "workers_cpu") / med(one, "wall")
    cores2 = med(two, "workers_cpu") / med(two, "wall")
    scaling = med(one, "wall") / med(two, "wall")
    return {
        "outputs_audio_s": one[0]["audio"],
        "wall_1_s": round(med(one, "wall"), 2),
        "wall_2_s": round(med(two, "wall"), 2),
        "scaling_1_to_2": round(scaling, 2),
        "scaling_runs": [round(a["wall"] / b["wall"], 2) for a, b in zip(one, two, strict=True)],
        "cores_1": round(cores1, 2),
        "cores_2": round(cores2, 2),
        # the scaling per core obtained: near 1 when the render scales with the cores it gets
        "scaling_over_cores_ratio": round(scaling / (cores2 / cores1), 2),
        "rtf_1_wall": round(one[0]["audio"] / med(one, "wall"), 1),
        "rtf_2_wall": round(one[0]["audio"] / med(two, "wall"), 1),
    }


def print_scaling(label: str, f: dict) -> None:
    print(
        f"  {label}: {f['wall_1_s']:.2f} s -> {f['wall_2_s']:.2f} s = "
        f"{f['scaling_1_to_2']:.2f}x (runs {', '.join(f'{x:.2f}' for x in f['scaling_runs'])}; "
        f"target >= 1.7); cores {f['cores_1']:.2f} -> {f['cores_2']:.2f}, so "
        f"{f['scaling_over_cores_ratio']:.2f}x per core obtained"
    )


def dask_scaling(recipes, src, warm, fresh, results, repeats) -> None:
    from distributed import Client, LocalCluster

    runs: dict[int, dict[str, list[dict]]] = {}
    for n in (1, 2):
        t = time.perf_counter()
        with (
            LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0"
            ) as cluster,
            Client(cluster),
        ):
            started = time.perf_counter() - t
            address = cluster.scheduler_address
            t = time.perf_counter()
            for key in SCALING_COPIES:  # the workers' imports, filter designs, noise decoded
                run_augcheck(recipes[key], warm, fresh(), dask=address)
            warmed = time.perf_counter() - t
            results[f"dask_{n}_start_s"] = round(started, 2)
            results[f"dask_{n}_warm_up_s"] = round(warmed, 2)
            print(
                f"  Dask LocalCluster of {n}: start {started:.1f} s, warm-up {warmed:.1f} s "
                "(neither counted)"
            )
            runs[n] = {
                key: [
                    run_augcheck(
                        recipes[key], src, fresh(), dask=address, copies=SCALING_COPIES[key]
                    )
                    for _ in range(repeats)
                ]
                for key in SCALING_COPIES
            }
    for key in SCALING_COPIES:
        results[f"dask_{key}"] = scaling_figures(runs[1][key], runs[2][key])
        print_scaling(
            f"({key}) Dask LocalCluster, {SCALING_COPIES[key]} copies", results[f"dask_{key}"]
        )


if __name__ == "__main__":
    main()
