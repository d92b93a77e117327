"""What a person feels in the Studio: a slider move, and an A/B switch in the player.

Run from the repo root:  python benchmarks/player_latency.py

Part 1, server side, on a 10 s / 16 kHz clip (AppTest, the real Studio script):
  (a) background_noise + band_pass + gain                target: fragment run <= 100 ms
  (b) (a) + time_stretch 1.1 + pitch_shift +2 st         target: fragment run <= 200 ms
For every snr_db move: the full-page rerun (``AppTest.run()``, what every slider move cost
before the Studio's tuning part became a fragment) and, inside that same run, the tuning
fragment's own run (timed by ``views._common.timed`` through ``AUGCHECK_TIMINGS``): that is
all a slider move reruns now. Printed side by side with the ratio.

Part 2, in Chromium (Playwright, /usr/bin/chromium, the guide's flags) against a real
``streamlit run``:
  * a key press (ArrowRight) on the focused snr_db slider -> the new augmented sound decoded
    and in the player (``performance.now()`` in the page: the keydown listener's time to the
    player's load record), target <= 300 ms; with the server-side fragment runs of those moves
    (AUGCHECK_TIMINGS in the server);
  * A/B switch while playing: key 1/2/3 -> the other signal's source started (the keydown
    event's timeStamp to the player's ``start()`` call), target <= 50 ms; the AudioContext's
    own output latency (base + output) is printed beside it (the same for any player).
Medians; the machine is shared (the load average is printed).
"""

from __future__ import annotations

import atexit
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
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

import numpy as np  # noqa: E402

from augment import audio  # noqa: E402

CLIP_PATH = ROOT / "tests" / "data" / "cmu_arctic_us_aew_a0001.wav"
DURATION_S = 10.0
N_MOVES = 12
TARGETS_MS = {"a": 100.0, "b": 200.0, "browser_move": 300.0, "switch": 50.0}
now = time.perf_counter


def med(xs) -> float | None:
    return round(statistics.median(xs), 1) if xs else None


def build_clip() -> tuple[np.ndarray, int]:
    """10 s at 16 kHz: a CMU ARCTIC clip repeated."""
    a = audio.read(CLIP_PATH)
    n = int(DURATION_S * a.sample_rate)
    return np.resize(a.samples, n).astype(np.float32), a.sample_rate


def read_timings(path: Path, what: str, since: float) -> list[float]:
    if not path.exists():
        return []
    out = []
    for line in path.read_text().splitlines():
        row = json.loads(line)
        if row["what"] == what and row["at"] >= since:
            out.append(row["ms"])
    return out


# ------------------------------------------------------------------------------------------
# part 1: AppTest
# ------------------------------------------------------------------------------------------
def server_side() -> dict:
    data_dir = tempfile.mkdtemp(prefix="augcheck_bench_")
    atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    timings = Path(data_dir) / "timings.jsonl"
    os.environ["AUGCHECK_DATA_DIR"] = data_dir
    os.environ["AUGCHECK_TIMINGS"] = str(timings)
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()

    def check():
        if at.exception:
            raise RuntimeError(f"app raised: {at.exception}")
        if len(at.error):
            raise RuntimeError(f"app shows an error: {[e.value for e in at.error]}")

    check()
    y, sr = build_clip()
    at.file_uploader(key="clip_upload").upload(
        "bench10s.wav", audio.to_wav_bytes(y, sr), "audio/wav"
    ).run()
    check()
    caption = " ".join(c.value for c in at.caption)
    assert "10.00 s" in caption, caption[:300]
    values = iter([v for v in np.arange(-20.0, 60.0, 0.5).tolist() if v != 10.0])

    def moves(n: int) -> dict:
        for _ in range(2):  # warm
            at.slider(key="background_noise.snr_db").set_value(next(values)).run()
        full, frag = [], []
        for _ in range(n):
            since = time.time()
            t = now()
            at.slider(key="background_noise.snr_db").set_value(next(values)).run()
            full.append(1000 * (now() - t))
            check()
            frag += read_timings(timings, "studio.tune", since)
        return {"full_rerun_ms": med(full), "fragment_ms": med(frag), "n": n}

    out = {}
    at.toggle(key="band_pass.on").set_value(True).run()
    at.toggle(key="gain.on").set_value(True).run()
    at.slider(key="gain.gain_db").set_value(-3.0).run()
    out["a"] = moves(N_MOVES)
    at.toggle(key="time_stretch.on").set_value(True).run()
    at.slider(key="time_stretch.rate").set_value(1.1).run()
    at.toggle(key="pitch_shift.on").set_value(True).run()
    at.slider(key="pitch_shift.semitones").set_value(2.0).run()
    check()
    out["b"] = moves(N_MOVES)
    return out


# ------------------------------------------------------------------------------------------
# part 2: Chromium
# ------------------------------------------------------------------------------------------
KEY_PROBE_JS = """() => {
    window.__keys = [];
    document.addEventListener('keydown', (e) => window.__keys.push(performance.now()), true);
}"""


def browser_side() -> dict:
    import conftest as e2e  # tests/e2e/conftest.py: serve_app, CHROMIUM_ARGS
    from e2e_helpers import PLAYER_INFO_JS, new_context, player_info, settle, wait_player
    from playwright.sync_api import expect, sync_playwright

    base = Path(tempfile.mkdtemp(prefix="augcheck_bench_browser_"))
    atexit.register(shutil.rmtree, base, ignore_errors=True)
    timings = base / "timings.jsonl"
    os.environ["AUGCHECK_TIMINGS"] = str(timings)  # inherited by the server
    out: dict = {}
    with e2e.serve_app(base) as app, sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=e2e.CHROMIUM.as_posix(), args=e2e.CHROMIUM_ARGS
        )
        context = new_context(browser)
        page = context.new_page()
        page.set_viewport_size({"width": 1400, "height": 900})
        page.goto(app.url + "/", wait_until="domcontentloaded")
        expect(page.get_by_role("button", name="Save label")).to_be_visible(timeout=60_000)
        settle(page)
        wait_player(page, "i.loaded.augmented && i.loaded.augmented === i.urls.augmented")
        page.evaluate(KEY_PROBE_JS)

        # --- slider key press -> new augmented sound in the player --------------------------
        slider = page.get_by_role("slider", name="snr_db")
        slider.focus()
        moves, frags = [], []
        for i in range(N_MOVES + 2):
            before = player_info(page)["loaded"]["augmented"]
            since = time.time()
            page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
            info = wait_player(
                page,
                "i.loaded.augmented && i.loaded.augmented !== arg",
                arg=before,
                timeout=30_000,
            )
            settle(page, timeout=30_000)
            key_at = page.evaluate("() => window.__keys[window.__keys.length - 1]")
            url = info["loaded"]["augmented"]
            load = [x for x in info["stats"]["loads"] if x["url"] == url][-1]
            if i >= 2:  # the first two warm up
                moves.append(load["at"] - key_at)
                frags += read_timings(timings, "studio.tune", since)
        out["slider_to_audio_ms"] = med(moves)
        out["slider_fragment_server_ms"] = med(frags)
        out["slider_moves"] = len(moves)

        # --- A/B switch while playing -------------------------------------------------------
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
        page.keyboard.press("Space")
        wait_player(page, "i.playing && i.position > 0.1", timeout=10_000)
        switches = []
        for i in range(N_MOVES):
            page.keyboard.press("2" if i % 2 == 0 else "1")
            page.wait_for_timeout(120)
            s = player_info(page)["stats"]["switches"][-1]
            if s["key"] is not None:
                switches.append(s["started"] - s["key"])
            if not player_info(page)["playing"]:
                page.keyboard.press("Space")
                page.wait_for_timeout(100)
        last = player_info(page)["stats"]["switches"][-1]
        out["switch_ms"] = med(switches)
        out["switch_n"] = len(switches)
        out["audio_output_latency_ms"] = round(
            1000 * (last["baseLatency"] + last["outputLatency"]), 1
        )
        page.evaluate(f"() => ({PLAYER_INFO_JS})()")
        context.close()
        browser.close()
    return out


def main() -> int:
    t0 = now()
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    server = server_side()
    browser = browser_side()
    load_after = Path("/proc/loadavg").read_text().split()[:3]

    print("Studio slider move, 10 s clip at 16 kHz, server side, medians (ms)")
    print(f"{'recipe':<36}{'full rerun':>12}{'fragment':>10}{'ratio':>8}{'target':>8}  result")
    names = {"a": "(a) noise+band_pass+gain", "b": "(b) (a)+stretch 1.1+pitch +2"}
    for k in ("a", "b"):
        r = server[k]
        ratio = round(r["full_rerun_ms"] / r["fragment_ms"], 1) if r["fragment_ms"] else None
        ok = r["fragment_ms"] is not None and r["fragment_ms"] <= TARGETS_MS[k]
        print(
            f"{names[k]:<36}{r['full_rerun_ms']:>12}{r['fragment_ms']!s:>10}{ratio!s:>7}x"
            f"{TARGETS_MS[k]:>8.0f}  {'PASS' if ok else 'FAIL'}"
        )
    print()
    print("In Chromium (demo clip, 1400x900), medians (ms):")
    b = browser
    print(
        f"  key press on the snr_db slider -> new augmented sound in the player: "
        f"{b['slider_to_audio_ms']} (target {TARGETS_MS['browser_move']:.0f}, "
        f"{'PASS' if b['slider_to_audio_ms'] <= TARGETS_MS['browser_move'] else 'FAIL'}; "
        f"server-side fragment run {b['slider_fragment_server_ms']}; {b['slider_moves']} moves)"
    )
    print(
        f"  A/B switch, key press -> the other signal started: {b['switch_ms']} "
        f"(target {TARGETS_MS['switch']:.0f}, "
        f"{'PASS' if b['switch_ms'] <= TARGETS_MS['switch'] else 'FAIL'}; {b['switch_n']} "
        f"switches; the AudioContext's output latency, any player: "
        f"{b['audio_output_latency_ms']})"
    )
    print(
        f"(wall time {now() - t0:.0f} s; load average before {' '.join(load_before)}, after "
        f"{' '.join(load_after)} on {os.cpu_count()} cores)"
    )
    out = {"server": server, "browser": browser, "loadavg": [load_before, load_after]}
    print(json.dumps(out, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
