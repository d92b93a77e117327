"""Time stretch and pitch shift quality: librosa's phase vocoder vs Signalsmith Stretch.

Run from the repo root:  python benchmarks/stretch_quality.py

On the three CMU ARCTIC clips (16 kHz read speech, tests/data), each method does a round
trip that should give back the original:
  pitch:   +2 semitones, then -2 semitones (same duration)
  stretch: rate 1.25 (faster), then rate 0.8
and the result is compared with the original by STOI (pystoi, extended=False; 1 = identical
intelligibility). librosa = librosa.effects.pitch_shift / time_stretch (phase vocoder);
signalsmith = augment.steps.time_stretch.signalsmith (what the project's steps use).
Time per call: median over REPEATS round trips (2 calls each), the two methods interleaved,
after one untimed warm-up round trip each.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from augment import audio  # noqa: E402
from augment.steps.time_stretch import signalsmith  # noqa: E402

DATA = ROOT / "tests" / "data"
CLIPS = [DATA / f"cmu_arctic_us_aew_a000{i}.wav" for i in (1, 2, 3)]
REPEATS = 5
now = time.perf_counter


def methods():
    import librosa

    return {
        "librosa": {
            "pitch": lambda y, sr, st: librosa.effects.pitch_shift(y, sr=sr, n_steps=st),
            "stretch": lambda y, sr, rate: librosa.effects.time_stretch(y, rate=rate),
        },
        "signalsmith": {
            "pitch": lambda y, sr, st: signalsmith(y, sr, semitones=st),
            "stretch": lambda y, sr, rate: signalsmith(y, sr, rate=rate),
        },
    }


OPS = {"pitch": (2.0, -2.0), "stretch": (1.25, 0.8)}
OP_LABEL = {"pitch": "pitch +2/-2 st", "stretch": "stretch 1.25x/0.8x"}


def same_length(y: np.ndarray, n: int) -> np.ndarray:
    y = np.asarray(y, dtype=np.float64)
    return y[:n] if len(y) >= n else np.pad(y, (0, n - len(y)))


def round_trip(fn, y, sr, there, back) -> np.ndarray:
    mid = fn(y, sr, there)
    return fn(np.asarray(mid, np.float32), sr, back)


def timed_interleaved(fns: dict, y, sr, there, back) -> dict[str, tuple[np.ndarray, float]]:
    """Round trips of every method, interleaved repeat by repeat (machine noise hits all alike).
    Returns each method's output and its median time per call (a round trip is 2 calls)."""
    for fn in fns.values():
        round_trip(fn, y, sr, there, back)  # warm-up (first-call imports, FFT plans)
    times: dict[str, list[float]] = {name: [] for name in fns}
    outs: dict[str, np.ndarray] = {}
    for i in range(REPEATS):
        order = list(fns) if i % 2 == 0 else list(fns)[::-1]
        for name in order:
            t = now()
            outs[name] = round_trip(fns[name], y, sr, there, back)
            times[name].append((now() - t) / 2)
    return {name: (outs[name], statistics.median(times[name])) for name in fns}


def main() -> int:
    from pystoi import stoi

    t_all = now()
    ms = methods()
    rows = []
    for path in CLIPS:
        a = audio.read(path)
        y, sr = a.samples, a.sample_rate
        for op, (there, back) in OPS.items():
            fns = {name: m[op] for name, m in ms.items()}
            for name, (out, t_call) in timed_interleaved(fns, y, sr, there, back).items():
                n = len(y)
                score = stoi(y.astype(np.float64), same_length(out, n), sr, extended=False)
                rows.append(
                    {
                        "clip": path.stem,
                        "op": op,
                        "method": name,
                        "stoi": round(float(score), 4),
                        "ms_per_call": round(1000 * t_call, 1),
                        "len_ratio": round(len(out) / n, 4),
                    }
                )

    print(f"Round-trip STOI vs the original, and time per call (median of {REPEATS} round trips)")
    print(f"{'clip':<26}{'operation':<20}{'method':<13}{'STOI':>7}{'ms/call':>9}{'len out/in':>11}")
    for r in rows:
        print(
            f"{r['clip']:<26}{OP_LABEL[r['op']]:<20}{r['method']:<13}{r['stoi']:>7.3f}"
            f"{r['ms_per_call']:>9.1f}{r['len_ratio']:>11.3f}"
        )
    summary = {}
    print()
    print(f"{'median over clips':<26}{'operation':<20}{'method':<13}{'STOI':>7}{'ms/call':>9}")
    for op in OPS:
        for name in ms:
            sel = [r for r in rows if r["op"] == op and r["method"] == name]
            s = {
                "stoi": round(statistics.median(r["stoi"] for r in sel), 3),
                "ms_per_call": round(statistics.median(r["ms_per_call"] for r in sel), 1),
            }
            summary[f"{op}/{name}"] = s
            print(f"{'':<26}{OP_LABEL[op]:<20}{name:<13}{s['stoi']:>7.3f}{s['ms_per_call']:>9.1f}")
        lib, sig = summary[f"{op}/librosa"], summary[f"{op}/signalsmith"]
        summary[f"{op}/stoi_gain"] = round(sig["stoi"] - lib["stoi"], 3)
        summary[f"{op}/time_ratio_librosa_over_signalsmith"] = round(
            lib["ms_per_call"] / sig["ms_per_call"], 2
        )
        gain = summary[f"{op}/stoi_gain"]
        ratio = summary[f"{op}/time_ratio_librosa_over_signalsmith"]
        print(
            f"{'':<26}{OP_LABEL[op]:<20}signalsmith - librosa STOI {gain:+.3f}"
            f", time librosa/signalsmith {ratio}x"
        )
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(f"(wall time {now() - t_all:.0f} s; load average {' '.join(load)})")
    print(json.dumps({"rows": rows, "summary": summary, "loadavg": load}, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
