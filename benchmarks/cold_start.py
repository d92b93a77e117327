"""Cold start: from `streamlit run` to the first fully rendered Studio page.

Run from the repo root:  python benchmarks/cold_start.py

Each round starts ``python -m streamlit run app.py`` on a free port with a fresh, empty
``AUGCHECK_DATA_DIR`` (so the first start also loads the demo assets into the database), opens
it in headless Chromium (Playwright, /usr/bin/chromium, launched once beforehand and not
counted), and measures the time from process start until the main area shows the original and
augmented spectrograms and the three signals decoded in the A/B player (read from the player).
The server is then stopped and started again on the same data folder (second start: the database
exists, the demo assets are not loaded again). 3 rounds; medians; target <= 6 s.

Then ``python -X importtime`` of what the Studio page imports plus a first
``plots.mel_spectrogram`` (and a first ``plots.spectrogram_png``, which imports matplotlib),
top 10 cumulative import times, to show where the cold time goes.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

ROUNDS = 3
TARGET_S = 6.0
TIMEOUT_S = 60.0
#: Stop starting new rounds when the next one would likely end past this (the script should
#: finish in about 3 minutes even on a loaded machine); at least one round always runs.
BUDGET_S = 170.0
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

# what the page shows, in the order the Studio script produces it
STATE_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  if (!main) return {shell: false};
  const exc = document.querySelector('[data-testid="stException"]');
  if (exc) return {error: exc.innerText.slice(0, 400)};
  const h1 = [...main.querySelectorAll('h1')].some(h => h.textContent.includes('Studio'));
  // the A/B player (views/_player.js) lives in a shadow root
  let info = null, pics = [];
  for (const host of main.querySelectorAll('[data-testid="stBidiComponentIsolated"]')) {
    const w = host.shadowRoot && host.shadowRoot.querySelector('.acp');
    if (w && w.player) {
      info = w.player.info();
      pics = [...w.querySelectorAll('.acp-pic img')].filter(i => i.complete && i.naturalWidth > 0);
    }
  }
  const decoded = !!info && Object.keys(info.urls).length >= 3
    && Object.keys(info.urls).every(k => info.loaded[k] === info.urls[k]);
  return {
    shell: true,
    title: h1,
    store: main.querySelectorAll('[data-testid="stSelectbox"]').length >= 3,
    // the step controls' box with its toggles and the sliders of the steps that are on
    sliders: !!main.querySelector('.st-key-studio_controls [data-testid="stSlider"]'),
    audio: decoded,
    ready: pics.length >= 2 && decoded,
  };
}"""
MARKS = {
    "shell": "frontend up (stMain in DOM)",
    "title": "script running (Studio title)",
    "store": "store + demo assets ready (3 selectboxes)",
    "sliders": "clip decoded, step controls drawn",
    "audio": "rendered: the player has decoded its 3 signals",
    "ready": "both spectrogram images loaded in the player",
}

now = time.perf_counter


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, deadline: float, proc: subprocess.Popen) -> None:
    while now() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited early with code {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"port {port} did not open")


def one_start(browser, data_dir: str, log_dir: Path, label: str) -> dict:
    port = free_port()
    env = dict(os.environ, AUGCHECK_DATA_DIR=data_dir)
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true",
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    log = open(log_dir / f"{label}.log", "wb")
    t0 = now()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    context = None
    try:
        deadline = t0 + TIMEOUT_S
        wait_port(port, deadline, proc)
        t_port = now()
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{port}/", wait_until="commit", timeout=TIMEOUT_S * 1000)
        marks: dict[str, float] = {}
        while "ready" not in marks:
            if now() > deadline:
                raise TimeoutError(f"Studio not ready after {TIMEOUT_S} s (seen: {marks})")
            state = page.evaluate(STATE_JS)
            t = now()
            if "error" in state:
                raise RuntimeError(f"the app shows an exception: {state['error']!r}")
            for k, v in state.items():
                if v and k not in marks:
                    marks[k] = round(t - t0, 2)
            time.sleep(0.03)
        t_ready = now()
        errors = page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]')
        n_err = errors.count()
        return {
            "to_port_s": round(t_port - t0, 2),
            "to_studio_s": round(t_ready - t0, 2),
            "marks_s": {k: marks.get(k) for k in MARKS},
            "errors_on_page": n_err,
        }
    finally:
        if context is not None:
            context.close()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def importtime() -> dict:
    code = (
        "import sys, time; sys.path.insert(0, ROOT)\n"
        "t0 = time.perf_counter()\n"
        "import streamlit, augment.recipe, augment.plots, augment.store, augment.audio\n"
        "import views._common\n"
        "t1 = time.perf_counter()\n"
        "import numpy as np\n"
        "y = (0.1 * np.sin(np.arange(32000) * 0.05)).astype(np.float32)\n"
        "spec = augment.plots.mel_spectrogram(y, 16000)\n"
        "t2 = time.perf_counter()\n"
        "augment.plots.spectrogram_png(spec, title='Augmented', axis_s=2.0)\n"
        "t3 = time.perf_counter()\n"
        "print('TIMES', t1 - t0, t2 - t1, t3 - t2)\n"
    ).replace("ROOT", repr(str(ROOT)), 1)
    with tempfile.TemporaryDirectory() as d:
        env = dict(os.environ, AUGCHECK_DATA_DIR=d)
        p = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", code],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    rows = []
    for line in p.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        self_us, cum_us, name = line.split(":", 1)[1].split("|")
        depth = (len(name) - len(name.lstrip())) // 2
        rows.append((int(cum_us), int(self_us), depth, name.strip()))
    times = next((ln.split()[1:] for ln in p.stdout.splitlines() if ln.startswith("TIMES")), None)
    top = sorted(rows, reverse=True)[:10]
    top_level = sorted((r for r in rows if r[2] == 0), reverse=True)[:10]
    return {
        "imports_s": round(float(times[0]), 2) if times else None,
        "first_mel_s": round(float(times[1]), 2) if times else None,
        "first_png_s": round(float(times[2]), 2) if times else None,
        "top10_cumulative": [{"module": n, "cum_ms": c / 1000, "depth": d} for c, _, d, n in top],
        "top10_top_level": [{"module": n, "cum_ms": c / 1000} for c, _, d, n in top_level],
        "rc": p.returncode,
    }


FIRST_RUN_CODE = r"""
import json, os, sys, tempfile, time
sys.path.insert(0, ROOT)
os.environ["AUGCHECK_DATA_DIR"] = tempfile.mkdtemp(prefix="augcheck_cold_steps_")
T = time.perf_counter()
out = {}
def lap(k):
    global T
    t = time.perf_counter()
    out[k] = round(t - T, 3)
    T = t
import numpy as np
lap("import numpy")
import streamlit
lap("import streamlit")
import augment.audio, augment.recipe, augment.plots as plots
lap("import augment.audio/recipe/plots")
import augment.store
lap("import augment.store (sqlalchemy)")
from augment.store import Store, load_demo_assets
store = Store()
load_demo_assets(store)
lap("Store() + load_demo_assets (fresh dir)")
clip = store.list_media("speech")[0]
nz = store.list_media("noise")[0]
a = augment.audio.decode(store.media_bytes(clip.hash))
n = augment.audio.decode(store.media_bytes(nz.hash))
lap("decode clip + noise")
steps = [{"step": "background_noise", "snr_db": 10}]
r = augment.recipe.Recipe.from_dict({"name": "", "steps": steps})
src = augment.recipe.source(nz.hash, "n", n.samples, n.sample_rate, target_sr=a.sample_rate)
o = augment.recipe.render(r, a.samples, a.sample_rate, seed=1, noises=[src])
lap("render (background_noise)")
spec = plots.mel_spectrogram(o.samples, o.sample_rate)
lap("first mel_spectrogram (numpy STFT)")
plots.spectrogram_png(spec, title="Augmented", axis_s=a.duration_s)
lap("first spectrogram_png (draws the Pillow frame)")
spec0 = plots.mel_spectrogram(a.samples, a.sample_rate)
lap("mel_spectrogram original")
plots.spectrogram_png(spec0, title="Original", axis_s=a.duration_s)
lap("spectrogram_png original (new frame)")
for y in (o.samples, a.samples, o.noise):
    augment.audio.to_wav_bytes(y, o.sample_rate)
lap("3 WAV encodings")
print("STEPS " + json.dumps(out))
store.engine.dispose()
import shutil
shutil.rmtree(os.environ["AUGCHECK_DATA_DIR"], ignore_errors=True)
"""


def first_run_steps() -> dict:
    """The Studio's first run, step by step, in a fresh process (no Streamlit runtime)."""
    p = subprocess.run(
        [sys.executable, "-c", FIRST_RUN_CODE.replace("ROOT", repr(str(ROOT)), 1)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    line = next((ln for ln in p.stdout.splitlines() if ln.startswith("STEPS ")), None)
    if line is None:
        raise RuntimeError(f"first-run breakdown failed: {p.stderr[-2000:]}")
    return json.loads(line[6:])


def main() -> int:
    from playwright.sync_api import sync_playwright

    t_all = now()
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    # first the bounded parts, so the start rounds get what is left of the time budget
    imp = importtime()
    steps = first_run_steps()
    log_dir = Path(tempfile.mkdtemp(prefix="augcheck_cold_logs_"))
    first, second = [], []
    with sync_playwright() as pw:
        t = now()
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        browser_s = now() - t
        # untimed: put Python, streamlit and the libraries in the OS file cache
        subprocess.run(
            [sys.executable, "-c", "import streamlit, librosa, librosa.core, matplotlib.figure,"
             " scipy.signal, sqlalchemy, numba, soundfile, python_stretch"],
            cwd=ROOT, capture_output=True, timeout=120,
        )  # fmt: skip
        failures = []
        skipped = 0
        round_s = []
        for i in range(ROUNDS):
            if round_s and now() - t_all + max(round_s) > BUDGET_S:
                skipped = ROUNDS - i
                print(f"time budget: skipping the last {skipped} round(s)", file=sys.stderr)
                break
            t_round = now()
            for attempt in range(2):  # one retry: an app error or a timeout is reported
                data_dir = tempfile.mkdtemp(prefix="augcheck_cold_")
                try:
                    a = one_start(browser, data_dir, log_dir, f"fresh{i}_{attempt}")
                    b = one_start(browser, data_dir, log_dir, f"second{i}_{attempt}")
                except (RuntimeError, TimeoutError) as exc:
                    failures.append(f"round {i + 1} attempt {attempt + 1}: {exc}")
                    print(f"round {i + 1} failed: {exc}", file=sys.stderr)
                    continue
                finally:
                    shutil.rmtree(data_dir, ignore_errors=True)
                first.append(a)
                second.append(b)
                break
            round_s.append(now() - t_round)
        if not first:
            print(json.dumps({"error": "no successful start", "failures": failures}))
            return 1
        browser.close()

    med_first = round(statistics.median(r["to_studio_s"] for r in first), 2)
    med_second = round(statistics.median(r["to_studio_s"] for r in second), 2)
    print("Cold start to the rendered Studio (the player: 3 signals decoded, 2 spectrograms)")
    print(f"(Chromium launched once beforehand, not counted: {browser_s:.2f} s)")
    print(f"{'round':<8}{'fresh dir: port':>16}{'studio':>9}{'   same dir: port':>18}{'studio':>9}")
    for i, (a, b) in enumerate(zip(first, second, strict=True)):
        print(
            f"{i + 1:<8}{a['to_port_s']:>15.2f}s{a['to_studio_s']:>8.2f}s"
            f"{b['to_port_s']:>17.2f}s{b['to_studio_s']:>8.2f}s"
        )
    ok1, ok2 = med_first <= TARGET_S, med_second <= TARGET_S
    print(
        f"{'median':<8}{'':>16}{med_first:>8.2f}s{'':>18}{med_second:>8.2f}s"
        f"   target <= {TARGET_S:.0f} s: fresh {'PASS' if ok1 else 'FAIL'}, "
        f"same dir {'PASS' if ok2 else 'FAIL'}"
    )
    print()
    print("When each part of the page appeared, median s from process start (fresh | same dir):")
    for k, label in MARKS.items():
        f = [r["marks_s"][k] for r in first if r["marks_s"][k] is not None]
        g = [r["marks_s"][k] for r in second if r["marks_s"][k] is not None]
        fm = f"{statistics.median(f):.2f}" if f else "-"
        gm = f"{statistics.median(g):.2f}" if g else "-"
        print(f"  {label:<44}{fm:>7} |{gm:>6}")
    n_err = sum(r["errors_on_page"] for r in first + second)
    if n_err:
        print(f"WARNING: {n_err} error element(s) seen on the page; logs in {log_dir}")
    print()
    print(
        "python -X importtime (Studio imports + first mel_spectrogram + first spectrogram_png):"
        f" imports {imp['imports_s']} s, first mel {imp['first_mel_s']} s,"
        f" first png {imp['first_png_s']} s"
    )
    print(f"  {'cumulative ms':>13}  module (indent = nesting)")
    for r in imp["top10_cumulative"]:
        print(f"  {r['cum_ms']:>13.0f}  {'  ' * r['depth']}{r['module']}")
    print("  top-level only: " + ", ".join(
        f"{r['module']} {r['cum_ms']:.0f}" for r in imp["top10_top_level"]
    ))  # fmt: skip
    print()
    print("The Studio's first run step by step in a fresh process (s):")
    for k, v in steps.items():
        print(f"  {v:>6.2f}  {k}")
    print(f"  {sum(steps.values()):>6.2f}  total")
    load_after = Path("/proc/loadavg").read_text().split()[:3]
    print(
        f"(wall time {now() - t_all:.0f} s; load average before {' '.join(load_before)}, after "
        f"{' '.join(load_after)} on {os.cpu_count()} cores; server logs in {log_dir})"
    )
    if skipped:
        print(f"(time budget: {skipped} of {ROUNDS} rounds skipped; the machine is slow right now)")
    print(
        json.dumps(
            {
                "fresh_dir": first,
                "same_dir": second,
                "median_fresh_s": med_first,
                "median_same_dir_s": med_second,
                "target_s": TARGET_S,
                "pass_fresh": ok1,
                "pass_same_dir": ok2,
                "browser_launch_s": round(browser_s, 2),
                "failures": failures,
                "rounds_skipped": skipped,
                "loadavg_before": load_before,
                "loadavg_after": load_after,
                "importtime": imp,
                "first_run_steps_s": steps,
            },
            separators=(",", ":"),
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
