"""How long checklist question 3 ("is the model doing poorly?") makes a reviewer wait.

Run from the repo root:  python benchmarks/model_latency.py

* load: the built-in pocketsphinx recognizer's load time (import, then the first
  ``get_recognizer()``; then the median of a few more ``Recognizer()`` loads);
* slider move: on a 4 s / 16 kHz clip (an ARCTIC clip tiled to 4 s), the time from a new
  ``snr_db`` to the model's answer: render the recipe + ``model_report`` (the original's
  transcript is already cached, so only the augmented sample is decoded), plus the hints
  (STOI, speech SNR, LUFS) the Studio would show beside it; median of 7 moves over
  20..-5 dB, as the decode time grows in noise;
* cached: the same sample asked again (``model_report`` answered from the result cache);
* pruning: decode time and WER with augcheck's pruned decoder settings
  (``augment.model.DECODER_CONFIG``) against pocketsphinx's defaults, on the same noisy clips.

The machine may be shared: medians, and the CPU time beside the wall time.
"""

from __future__ import annotations

import csv
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

DATA = ROOT / "tests" / "data"
CLIP = "cmu_arctic_us_aew_a0001.wav"
NOISE = "doing_the_dishes.wav"
DURATION_S = 4.0
SEED = 11
MOVES_DB = (20.0, 15.0, 10.0, 5.0, 0.0, -5.0, 12.5)
N_LOADS = 5
PRUNE_DB = (20.0, 5.0, -5.0)

now = time.perf_counter
cpu = time.process_time


def ms(x: float) -> float:
    return round(1000.0 * x, 1)


def med_ms(xs) -> float:
    return ms(statistics.median(xs))


def main() -> dict:
    t0, c0 = now(), cpu()
    import pocketsphinx  # noqa: F401

    from augment import audio, hints, model
    from augment.recipe import Recipe, render, source

    import_s = now() - t0
    t1 = now()
    rec = model.get_recognizer()
    first_load_s = now() - t1
    first_load_cpu = cpu() - c0
    loads = [model.Recognizer().load_s for _ in range(N_LOADS)]

    a = audio.read(DATA / CLIP)
    sr = a.sample_rate
    n = int(DURATION_S * sr)
    y = np.tile(a.samples, int(np.ceil(n / len(a.samples))))[:n].astype(np.float32)
    nz = audio.read(DATA / NOISE)
    src = source("dishes", "doing_the_dishes", nz.samples, nz.sample_rate, target_sr=sr)
    with open(DATA / "transcripts.csv", newline="") as fh:
        ref = {r["file"]: r["transcript"] for r in csv.DictReader(fh)}[CLIP]
    # the clip is 3.9 s: tiled to 4 s it is the sentence once plus a 0.1 s fragment of silence
    transcript = ref

    m = model.load_model("")  # the built-in recognizer
    model.clear_cache()
    t = now()
    model.run_model(m, y, sr)  # the original, decoded once when the clip is picked
    original_s = now() - t

    moves = []
    for snr in MOVES_DB:
        c, t = cpu(), now()
        recipe = Recipe.from_dict({"steps": [{"step": "background_noise", "snr_db": snr}]})
        r = render(recipe, y, sr, seed=SEED, noises=[src])
        t_render = now()
        rep = model.model_report(m, y, r.samples, sr, transcript)
        t_model = now()
        h = hints.hints(y, r.samples, r.noise, sr)
        t_hints = now()
        moves.append(
            {
                "snr_db": snr,
                "render": t_render - t,
                "model": t_model - t_render,
                "hints": t_hints - t_model,
                "total": t_hints - t,
                "cpu": cpu() - c,
                "wer": rep["wer_augmented"],
                "poor": rep["poor"],
                "stoi": h["stoi"],
            }
        )
    cached = []
    for _ in range(7):
        t = now()
        model.model_report(m, y, r.samples, sr, transcript)
        cached.append(now() - t)

    # pruned (augcheck's settings) vs pocketsphinx defaults, interleaved
    from pocketsphinx import Decoder

    default = Decoder(loglevel="FATAL")
    prune: dict[str, dict[str, list]] = {"pruned": {}, "default": {}}
    for snr in PRUNE_DB:
        recipe = Recipe.from_dict({"steps": [{"step": "background_noise", "snr_db": snr}]})
        noisy = render(recipe, y, sr, seed=SEED + 1, noises=[src]).samples
        pcm = model.to_pcm16(noisy).tobytes()
        for name in ("pruned", "default"):
            c = cpu()
            if name == "pruned":
                text = rec.transcribe(noisy, sr)
            else:
                default.start_utt()
                default.process_raw(pcm, full_utt=True)
                default.end_utt()
                text = default.hyp().hypstr if default.hyp() else ""
            prune[name].setdefault("cpu", []).append(cpu() - c)
            prune[name].setdefault("wer", []).append(model.wer(transcript, text))

    print(f"4 s clip, {CLIP} tiled, noise {NOISE}; seed {SEED}")
    print(f"import pocketsphinx + augment.model: {ms(import_s)} ms")
    print(
        f"recognizer load: first {ms(first_load_s)} ms (cpu {ms(first_load_cpu)} ms since start),"
        f" median of {N_LOADS} more {med_ms(loads)} ms"
    )
    print(f"original decoded once: {ms(original_s)} ms")
    print()
    print(
        f"{'snr_db':>7} {'render':>8} {'model':>8} {'hints':>7} {'total':>8} {'cpu':>8}  wer  stoi"
    )
    for mv in moves:
        print(
            f"{mv['snr_db']:>7.1f} {ms(mv['render']):>8} {ms(mv['model']):>8} {ms(mv['hints']):>7}"
            f" {ms(mv['total']):>8} {ms(mv['cpu']):>8}  {mv['wer']:.2f} {mv['stoi']}"
        )
    med = {k: med_ms([mv[k] for mv in moves]) for k in ("render", "model", "hints", "total", "cpu")}
    print(
        f"{'median':>7} {med['render']:>8} {med['model']:>8} {med['hints']:>7} {med['total']:>8}"
        f" {med['cpu']:>8}"
    )
    print(f"cached re-request: median {round(1000 * statistics.median(cached), 3)} ms")
    print()
    print(f"decode cpu ms / WER at {list(PRUNE_DB)} dB:")
    for name, d in prune.items():
        print(
            f"  {name:>8}: cpu {[ms(x) for x in d['cpu']]}  wer {[round(w, 2) for w in d['wer']]}"
        )
    return {
        "clip_s": DURATION_S,
        "import_ms": ms(import_s),
        "load_first_ms": ms(first_load_s),
        "load_median_ms": med_ms(loads),
        "original_decode_ms": ms(original_s),
        "slider_move_median_ms": med,
        "slider_move_max_total_ms": ms(max(mv["total"] for mv in moves)),
        "cached_rerequest_median_ms": round(1000 * statistics.median(cached), 3),
        "wer_by_snr": {str(mv["snr_db"]): mv["wer"] for mv in moves},
        "pruning_cpu_ms": {k: [ms(x) for x in d["cpu"]] for k, d in prune.items()},
        "pruning_wer": {k: [round(w, 3) for w in d["wer"]] for k, d in prune.items()},
    }


if __name__ == "__main__":
    print(json.dumps(main()))
