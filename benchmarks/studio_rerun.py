"""What one slider move costs in the Studio, on a 10 s / 16 kHz clip.

Run from the repo root:  python benchmarks/studio_rerun.py

Part 1 (core): the work the Studio's cached render function does after a slider move
(``rendered`` in views/studio.py; ``render_view`` in views/_common.py later) -- render +
mel spectrogram of the output + PNG (title "Augmented", same axis_s) + WAV bytes of the
augmented audio and of the noise -- for two recipes:
  (a) background_noise + band_pass + gain                          target <= 250 ms
  (b) time_stretch 1.1 + pitch_shift +2 st + (a)                   target <= 400 ms
In the same loop (interleaved) the "naive path": render + WAV bytes + for the original AND
the augmented clip librosa.feature.melspectrogram + power_to_db + librosa.display.specshow on
a pyplot figure with a colour bar + tight_layout + savefig(PNG) + close.
It also times what the Studio's caches save on every move (decode, the original's mel +
PNG, the original's WAV) and what a layout-frame cache miss costs.

Part 2 (AppTest): real Streamlit reruns through streamlit.testing.v1.AppTest after a
slider move, with counting wrappers around augment.audio.decode, augment.recipe.render,
augment.plots.mel_spectrogram and augment.plots.spectrogram_png to show which work is redone.

Medians of ~15 timed runs after untimed warm-up runs; snr_db changes every run, as a slider
move does, so no cache of the app is hit for the augmented side.
"""

from __future__ import annotations

import atexit
import io
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from augment import audio, plots  # noqa: E402
from augment.recipe import Recipe, render, source  # noqa: E402

DATA = ROOT / "tests" / "data"
CLIP_PATH = DATA / "cmu_arctic_us_aew_a0001.wav"
NOISE_PATH = DATA / "doing_the_dishes.wav"
DURATION_S = 10.0
SEED = 1234
N_TIMED = 15
N_WARM = 3
TARGET_MS = {"a": 250.0, "b": 400.0}

now = time.perf_counter


def med_ms(xs) -> float:
    return round(1000.0 * statistics.median(xs), 1)


def build_clip() -> tuple[np.ndarray, int]:
    a = audio.read(CLIP_PATH)
    n = int(DURATION_S * a.sample_rate)
    reps = int(np.ceil(n / len(a.samples)))
    return np.tile(a.samples, reps)[:n].astype(np.float32), a.sample_rate


def recipe_dict(kind: str, snr_db: float) -> dict:
    # the order the Studio builds steps in (STEPS order)
    steps = []
    if kind == "b":
        steps += [
            {"step": "time_stretch", "rate": 1.1},
            {"step": "pitch_shift", "semitones": 2.0},
        ]
    steps += [
        {"step": "background_noise", "snr_db": snr_db},
        {"step": "band_pass", "low_hz": 300.0, "high_hz": 3400.0},
        {"step": "gain", "gain_db": -3.0},
    ]
    return {"name": "", "steps": steps}


# --------------------------------------------------------------------------------------------
# part 1: core
# --------------------------------------------------------------------------------------------
def ours(y, sr, noise_src, kind, snr_db):
    """What the Studio's cached render function does; returns per-stage seconds."""
    t0 = now()
    r = Recipe.from_json(Recipe.from_dict(recipe_dict(kind, snr_db)).to_json(indent=None))
    out = render(r, y, sr, seed=SEED, noises=[noise_src])
    t1 = now()
    axis_s = max(len(y) / sr, len(out.samples) / out.sample_rate)
    spec = plots.mel_spectrogram(out.samples, out.sample_rate)
    t2 = now()
    png = plots.spectrogram_png(spec, title="Augmented", axis_s=axis_s)
    t3 = now()
    wav = audio.to_wav_bytes(out.samples, out.sample_rate)
    nwav = audio.to_wav_bytes(out.noise, out.sample_rate)
    t4 = now()
    assert png[:4] == b"\x89PNG" and wav[:4] == b"RIFF" and nwav[:4] == b"RIFF"
    return {"render": t1 - t0, "mel": t2 - t1, "png": t3 - t2, "wav": t4 - t3, "total": t4 - t0}


def naive(y, sr, noise_src, kind, snr_db, plt, librosa):
    """A naive Studio: pyplot + librosa.display for both spectrograms on every rerun."""
    t0 = now()
    r = Recipe.from_json(Recipe.from_dict(recipe_dict(kind, snr_db)).to_json(indent=None))
    out = render(r, y, sr, seed=SEED, noises=[noise_src])
    t1 = now()
    n_fft = plots.fft_size(sr)
    hop = n_fft // 4
    pngs = []
    for sig, title in ((y, "Original"), (out.samples, "Augmented")):
        S = librosa.feature.melspectrogram(
            y=sig, sr=sr, n_fft=n_fft, hop_length=hop, n_mels=plots.N_MELS
        )
        S_db = librosa.power_to_db(S, ref=np.max)
        fig, ax = plt.subplots(figsize=(6.4, 2.6), dpi=100)
        img = librosa.display.specshow(
            S_db, sr=sr, hop_length=hop, x_axis="time", y_axis="mel", fmax=sr / 2, ax=ax
        )
        fig.colorbar(img, ax=ax, format="%+2.0f dB")
        ax.set_title(title)
        plt.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        plt.close(fig)
        pngs.append(buf.getvalue())
    t2 = now()
    wav = audio.to_wav_bytes(out.samples, out.sample_rate)
    nwav = audio.to_wav_bytes(out.noise, out.sample_rate)
    t3 = now()
    assert all(p[:4] == b"\x89PNG" for p in pngs) and wav[:4] == b"RIFF" and nwav[:4] == b"RIFF"
    return {"render": t1 - t0, "spectrograms": t2 - t1, "wav": t3 - t2, "total": t3 - t0}


def core() -> dict:
    import matplotlib

    matplotlib.use("Agg")
    import librosa
    import librosa.display
    import matplotlib.pyplot as plt

    y, sr = build_clip()
    n = audio.read(NOISE_PATH)
    noise_src = source("dishes", "doing_the_dishes", n.samples, n.sample_rate, target_sr=sr)
    wav10 = audio.to_wav_bytes(y, sr)

    # snr values never repeat across all runs (a slider moving in 0.5 dB steps)
    snrs = iter(np.arange(-20.0, 60.0, 0.25).tolist())
    results: dict = {}
    for kind in ("a", "b"):
        for _ in range(N_WARM):
            ours(y, sr, noise_src, kind, next(snrs))
            naive(y, sr, noise_src, kind, next(snrs), plt, librosa)
        o_runs, n_runs = [], []
        for i in range(N_TIMED):
            # interleave, alternating which goes first, so machine noise hits both alike
            if i % 2 == 0:
                o_runs.append(ours(y, sr, noise_src, kind, next(snrs)))
                n_runs.append(naive(y, sr, noise_src, kind, next(snrs), plt, librosa))
            else:
                n_runs.append(naive(y, sr, noise_src, kind, next(snrs), plt, librosa))
                o_runs.append(ours(y, sr, noise_src, kind, next(snrs)))
        o = {k: med_ms([r[k] for r in o_runs]) for k in o_runs[0]}
        nv = {k: med_ms([r[k] for r in n_runs]) for k in n_runs[0]}
        results[kind] = {
            "ours_ms": o,
            "naive_ms": nv,
            "ratio_naive_over_ours": round(nv["total"] / o["total"], 2),
            "target_ms": TARGET_MS[kind],
            "pass": o["total"] <= TARGET_MS[kind],
        }

    # what the Studio's caches save on each slider move (decoded / original_spectrogram /
    # original_wav in views/_common.py), and the cost of a layout-frame cache miss
    saved = {"decode": [], "orig_mel": [], "orig_png": [], "orig_wav": [], "frame_miss_png": []}
    for i in range(N_WARM + N_TIMED):
        t0 = now()
        a = audio.decode(wav10, name="bench10s.wav")
        t1 = now()
        spec = plots.mel_spectrogram(a.samples, a.sample_rate)
        t2 = now()
        plots.spectrogram_png(spec, title="Original", axis_s=a.duration_s)
        t3 = now()
        audio.to_wav_bytes(a.samples, a.sample_rate)
        t4 = now()
        # a new axis_s (e.g. a time_stretch rate < 1 lengthens the clip) misses plots._frame
        plots.spectrogram_png(spec, title="Augmented", axis_s=DURATION_S + 0.5 + 0.01 * i)
        t5 = now()
        if i >= N_WARM:
            for k, dt in zip(saved, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True):
                saved[k].append(dt)
    saved_ms = {k: med_ms(v) for k, v in saved.items()}
    saved_ms["cached_per_move_total"] = round(
        saved_ms["decode"] + saved_ms["orig_mel"] + saved_ms["orig_png"] + saved_ms["orig_wav"], 1
    )
    results["saved_by_caches_ms"] = saved_ms
    results["blas_threads_ms"] = blas_diag(y, sr, noise_src, snrs)
    return results


def blas_diag(y, sr, noise_src, snrs, n_timed=9, idle_s=0.25) -> dict:
    """augment.audio.rms and metrics.snr_db use np.dot (OpenBLAS ddot), which wakes OpenBLAS's
    worker threads; on a shared, loaded 2-core machine that can cost milliseconds per call.
    Compare render (a) with the default BLAS thread pool and with BLAS limited to 1 thread,
    interleaved, each after ``idle_s`` of idling (as between two slider moves)."""
    from threadpoolctl import threadpool_limits

    x = np.asarray(y, np.float64)
    res = {k: [] for k in ("r_def", "r_one", "d_def", "d_one", "einsum")}
    rec = lambda: Recipe.from_dict(recipe_dict("a", next(snrs)))  # noqa: E731

    def t(fn):
        time.sleep(idle_s)
        t0 = now()
        fn()
        return now() - t0

    for i in range(2 + n_timed):
        row = {
            "r_def": t(lambda: render(rec(), y, sr, seed=SEED, noises=[noise_src])),
            "d_def": t(lambda: np.dot(x, x)),
        }
        with threadpool_limits(limits=1, user_api="blas"):
            row["r_one"] = t(lambda: render(rec(), y, sr, seed=SEED, noises=[noise_src]))
            row["d_one"] = t(lambda: np.dot(x, x))
        row["einsum"] = t(lambda: np.einsum("i,i", x, x))
        if i >= 2:
            for k, v in row.items():
                res[k].append(v)
    return {
        "idle_before_each_s": idle_s,
        "render_a_default_blas": med_ms(res["r_def"]),
        "render_a_blas_1_thread": med_ms(res["r_one"]),
        "dot_160k_default_blas": round(1000 * statistics.median(res["d_def"]), 3),
        "dot_160k_blas_1_thread": round(1000 * statistics.median(res["d_one"]), 3),
        "einsum_160k": round(1000 * statistics.median(res["einsum"]), 3),
    }


# --------------------------------------------------------------------------------------------
# part 2: AppTest
# --------------------------------------------------------------------------------------------
class Counter:
    def __init__(self):
        self.n: dict[str, int] = {}

    def wrap(self, module, attr, label=None, by_title=False):
        fn = getattr(module, attr)

        def wrapper(*args, **kwargs):
            key = label or attr
            if by_title:
                key = f"{key}[{kwargs.get('title', '')}]"
            self.n[key] = self.n.get(key, 0) + 1
            return fn(*args, **kwargs)

        setattr(module, attr, wrapper)

    def snap(self) -> dict[str, int]:
        return dict(self.n)

    @staticmethod
    def delta(a, b) -> dict[str, int]:
        return {k: b.get(k, 0) - a.get(k, 0) for k in sorted(set(a) | set(b))}


def apptest() -> dict:
    data_dir = tempfile.mkdtemp(prefix="augcheck_bench_")
    atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    os.environ["AUGCHECK_DATA_DIR"] = data_dir
    import augment.recipe
    import augment.store  # noqa: F401  (keeps its own binding of decode: uploads not counted)

    counter = Counter()
    counter.wrap(audio, "decode")
    counter.wrap(augment.recipe, "render")
    counter.wrap(plots, "mel_spectrogram")
    counter.wrap(plots, "spectrogram_png", label="png", by_title=True)

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    out: dict = {}

    def check(at):
        if at.exception:
            raise RuntimeError(f"app raised: {at.exception}")
        if len(at.error):
            raise RuntimeError(f"app shows an error: {[e.value for e in at.error]}")

    t0 = now()
    at.run()
    out["first_run_s"] = round(now() - t0, 2)
    check(at)

    values = iter([v for v in np.arange(-20.0, 60.0, 0.5).tolist() if v != 10.0])

    def moves(label, key, vals, n):
        for _ in range(2):  # untimed warm moves
            at.slider(key=key).set_value(next(vals)).run()
        before = counter.snap()
        ts = []
        for _ in range(n):
            t = now()
            at.slider(key=key).set_value(next(vals)).run()
            ts.append(now() - t)
            check(at)
        d = Counter.delta(before, counter.snap())
        out[label] = {
            "median_ms": med_ms(ts),
            "runs": n,
            "calls_per_move": {k: round(v / n, 2) for k, v in d.items() if v},
        }

    def noop(label, n=5):
        ts = []
        for _ in range(n):
            t = now()
            at.run()
            ts.append(now() - t)
        out[label] = med_ms(ts)

    # default demo clip (~2 s), default recipe (background_noise only)
    moves("demo_clip_snr_move", "background_noise.snr_db", values, 8)
    noop("demo_clip_noop_rerun_ms")

    # upload the 10 s clip; the Studio selects it
    y, sr = build_clip()
    wav10 = audio.to_wav_bytes(y, sr)
    before = counter.snap()
    t0 = now()
    at.file_uploader(key="clip_upload").upload("bench10s.wav", wav10, "audio/wav").run()
    out["upload_10s_run_s"] = round(now() - t0, 2)
    check(at)
    out["upload_10s_calls"] = {k: v for k, v in Counter.delta(before, counter.snap()).items() if v}
    caption = " ".join(c.value for c in at.caption)
    assert "bench10s.wav" in caption and "10.00 s" in caption, caption[:300]

    moves("10s_noise_only_snr_move", "background_noise.snr_db", values, 12)
    noop("10s_noop_rerun_ms")
    at.toggle(key="band_pass.on").set_value(True).run()
    at.toggle(key="gain.on").set_value(True).run()
    at.slider(key="gain.gain_db").set_value(-3.0).run()
    moves("10s_recipe_a_snr_move", "background_noise.snr_db", values, 12)
    at.toggle(key="time_stretch.on").set_value(True).run()
    at.slider(key="time_stretch.rate").set_value(1.1).run()
    at.toggle(key="pitch_shift.on").set_value(True).run()
    at.slider(key="pitch_shift.semitones").set_value(2.0).run()
    check(at)
    moves("10s_recipe_b_snr_move", "background_noise.snr_db", values, 12)
    # a time_stretch rate < 1 lengthens the output: axis_s changes on each move
    moves(
        "10s_recipe_b_rate_below_1_move",
        "time_stretch.rate",
        iter([0.97, 0.96, 0.95, 0.94, 0.93, 0.92, 0.91, 0.9]),
        6,
    )
    return out


def main() -> int:
    t_start = now()
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    res = core()
    app = apptest()

    print(f"Studio slider move, 10 s clip at 16 kHz, medians of {N_TIMED} runs (ms)")
    hdr = (
        f"{'recipe':<34}{'render':>8}{'mel':>7}{'png':>7}{'wav':>7}{'TOTAL':>8}{'target':>8}"
        "  result"
    )
    print(hdr)
    print("-" * len(hdr))
    names = {"a": "(a) noise+band_pass+gain", "b": "(b) (a)+stretch 1.1+pitch +2"}
    for k in ("a", "b"):
        o = res[k]["ours_ms"]
        print(
            f"{names[k] + ' ours':<34}{o['render']:>8}{o['mel']:>7}{o['png']:>7}{o['wav']:>7}"
            f"{o['total']:>8}{res[k]['target_ms']:>8.0f}  {'PASS' if res[k]['pass'] else 'FAIL'}"
        )
        nv = res[k]["naive_ms"]
        print(
            f"{names[k] + ' naive':<34}{nv['render']:>8}{nv['spectrograms']:>14}{nv['wav']:>7}"
            f"{nv['total']:>8}{'':>8}  naive/ours = {res[k]['ratio_naive_over_ours']}x"
        )
    s = res["saved_by_caches_ms"]
    print()
    print("Not redone on a slider move (cached in views/_common.py), medians (ms):")
    print(
        f"  decode {s['decode']}  original mel {s['orig_mel']}  original png {s['orig_png']}"
        f"  original wav {s['orig_wav']}  -> {s['cached_per_move_total']} ms saved per move"
    )
    print(f"  (png with a layout-frame cache miss, plots._frame redrawn: {s['frame_miss_png']} ms)")
    bd = res["blas_threads_ms"]
    print(
        f"  BLAS threads (each call after {bd['idle_before_each_s']} s idle): "
        f"render (a) {bd['render_a_default_blas']} ms default vs "
        f"{bd['render_a_blas_1_thread']} ms with BLAS at 1 thread; one np.dot of 160k float64 "
        f"{bd['dot_160k_default_blas']} ms vs {bd['dot_160k_blas_1_thread']} ms "
        f"(np.einsum {bd['einsum_160k']} ms)"
    )
    print()
    print("Real Streamlit reruns (AppTest), medians:")
    print(
        f"  first run (new store + demo assets + first draws; libraries already imported by "
        f"the core part): {app['first_run_s']} s"
    )
    print(
        f"  upload + select 10 s clip run: {app['upload_10s_run_s']} s, "
        f"calls {app['upload_10s_calls']}"
    )
    print(
        f"  no-op rerun: demo clip {app['demo_clip_noop_rerun_ms']} ms, "
        f"10 s clip {app['10s_noop_rerun_ms']} ms"
    )
    for k in (
        "demo_clip_snr_move",
        "10s_noise_only_snr_move",
        "10s_recipe_a_snr_move",
        "10s_recipe_b_snr_move",
        "10s_recipe_b_rate_below_1_move",
    ):
        print(f"  {k:<32}{app[k]['median_ms']:>8} ms  calls/move {app[k]['calls_per_move']}")
    load_after = Path("/proc/loadavg").read_text().split()[:3]
    print(
        f"(wall time {now() - t_start:.0f} s; load average before {' '.join(load_before)}, "
        f"after {' '.join(load_after)} on {os.cpu_count()} cores)"
    )
    out = {"core": res, "apptest": app, "loadavg_before": load_before, "loadavg_after": load_after}
    print(json.dumps(out, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
