"""Regenerate augcheck's demo audio (speech, noises, room impulse response) into ``assets/``.

Run from the repository root::

    python assets/make_assets.py [--source DIR]

The speech is real: three CMU ARCTIC recordings, copied sample for sample (WAV to FLAC, lossless)
from ``--source`` (default ``../shared/data``, which also holds ``transcripts.csv`` with their
prompts and ``doing_the_dishes.wav``, the Speech Commands kitchen recording cut for the kitchen
noise). Their prompts are written to ``arctic_prompts.data`` in CMU ARCTIC's own
``txt.done.data`` format; the app reads the transcripts from there on first start.

Requires ``espeak-ng`` on PATH for the cafe babble (only to regenerate; the app just reads the
files) plus numpy, scipy and soundfile. ``soxr`` is used for resampling when importable, else scipy.

All randomness goes through one ``numpy.random.default_rng(SEED)`` so the decoded audio is the
same on every run. Everything is written at 16 kHz mono.
"""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy import signal

SR = 16_000
SEED = 20_240_601
ASSETS_DIR = Path(__file__).resolve().parent
OGG_SERIAL = 0x41554743  # "AUGC": fixed Ogg stream serial so re-runs give identical bytes

NOISE_PEAK_DBFS = -6.0
NOISE_SECONDS = 10.0


@dataclass(frozen=True)
class Asset:
    """One generated file and its manifest entry."""

    file: str
    name: str
    kind: str  # "speech" | "noise" | "impulse_response"
    transcript: str | None = None
    #: CMU ARCTIC prompt id; the app takes the transcript from ``arctic_prompts.data``
    prompt: str | None = None


#: Real read speech: (asset file, CMU ARCTIC prompt id, name, source file in --source).
ARCTIC_CLIPS = [
    # a0003 first: the Studio opens on it, and the built-in model hears it perfectly
    (
        "speech_arctic_a0003.flac",
        "arctic_a0003",
        "Speech 1: For the twentieth time (US male, CMU ARCTIC)",
        "cmu_arctic_us_aew_a0003.wav",
    ),
    (
        "speech_arctic_a0001.flac",
        "arctic_a0001",
        "Speech 2: Author of the danger trail (US male, CMU ARCTIC)",
        "cmu_arctic_us_aew_a0001.wav",
    ),
    (
        "speech_arctic_a0002.flac",
        "arctic_a0002",
        "Speech 3: Not at this particular case (US male, CMU ARCTIC)",
        "cmu_arctic_us_aew_a0002.wav",
    ),
]
#: CMU ARCTIC's prompt file, ``( arctic_a0001 "text" )`` per line.
PROMPTS_FILE = "arctic_prompts.data"
#: The real kitchen noise: this stretch of Speech Commands' ``doing_the_dishes.wav`` (clinks,
#: running water, plates), chosen for its events.
KITCHEN_SOURCE = "doing_the_dishes.wav"
KITCHEN_START_S = 30.0

# Everyday chatter for the babble; never heard on its own, only as a 6-voice mixture.
BABBLE_SENTENCES = [
    "So I told him we should meet again next week, maybe on Thursday.",
    "Can I get a large latte with oat milk, please?",
    "The train was late again this morning, I waited for twenty minutes.",
    "Have you tried the lemon cake? It is really good here.",
    "We are thinking about moving to a bigger flat before the summer.",
    "Honestly, the meeting could have been an email.",
    "My sister is visiting on Saturday with the kids.",
    "I think the new project starts in March, but nobody is sure yet.",
    "Did you see the match last night? What a finish!",
    "Let me check my calendar and I will get back to you.",
    "The weather has been so strange this year.",
    "They finally opened the new bakery around the corner.",
]

BABBLE_VOICES = [
    # (voice, words per minute, pitch 0-99)
    ("en-us+m1", 165, 40),
    ("en-gb+f3", 175, 60),
    ("en-us+m7", 150, 35),
    ("en-gb-x-rp+f5", 170, 55),
    ("en-029+m2", 160, 50),
    ("en-gb-scotland+f1", 180, 65),
]


# --------------------------------------------------------------------------------------------
# Small DSP helpers
# --------------------------------------------------------------------------------------------


def db_to_amp(db: float) -> float:
    """Convert decibels to a linear amplitude factor."""
    return float(10.0 ** (db / 20.0))


def resample(x: np.ndarray, sr_in: int, sr_out: int) -> np.ndarray:
    """Resample a mono signal, preferring soxr and falling back to scipy's polyphase filter."""
    if sr_in == sr_out:
        return x
    try:
        import soxr
    except ImportError:
        g = np.gcd(sr_in, sr_out)
        return signal.resample_poly(x, sr_out // g, sr_in // g)
    return soxr.resample(x, sr_in, sr_out)


def normalise_peak(x: np.ndarray, peak_dbfs: float) -> np.ndarray:
    """Scale ``x`` so its absolute peak sits at ``peak_dbfs``."""
    return x * (db_to_amp(peak_dbfs) / np.max(np.abs(x)))


def fade(x: np.ndarray, seconds: float) -> np.ndarray:
    """Apply raised-cosine fade-in and fade-out of ``seconds`` each."""
    n = int(seconds * SR)
    ramp = 0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, n))
    y = x.copy()
    y[:n] *= ramp
    y[-n:] *= ramp[::-1]
    return y


def butter(kind: str, cutoff: float | tuple[float, float], order: int = 4) -> np.ndarray:
    """Butterworth filter as second-order sections (``kind``: lowpass/highpass/bandpass)."""
    return signal.butter(order, cutoff, btype=kind, fs=SR, output="sos")


def coloured_noise(rng: np.random.Generator, n: int, exponent: float) -> np.ndarray:
    """Unit-RMS noise with power spectrum ~ 1/f**exponent (1 = pink, 2 = brown)."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1.0 / SR)
    f[0] = f[1]
    y = np.fft.irfft(spec / f ** (exponent / 2.0), n)
    y = signal.sosfilt(butter("highpass", 25.0, order=2), y)  # drop sub-audio rumble
    return y / np.sqrt(np.mean(y**2))


def place(track: np.ndarray, clip: np.ndarray, start: int, gain: float = 1.0) -> None:
    """Add ``clip * gain`` into ``track`` at sample ``start``, clipping at both ends."""
    a, b = max(start, 0), min(start + len(clip), len(track))
    if a < b:
        track[a:b] += gain * clip[a - start : b - start]


# --------------------------------------------------------------------------------------------
# espeak-ng (only for the cafe babble)
# --------------------------------------------------------------------------------------------


def espeak(text: str, voice: str, wpm: int, workdir: Path, pitch: int = 50) -> np.ndarray:
    """Speak ``text`` with espeak-ng and return float64 audio at 16 kHz."""
    wav = workdir / "espeak.wav"
    cmd = ["espeak-ng", "-v", voice, "-s", str(wpm), "-p", str(pitch), "-w", str(wav), text]
    subprocess.run(cmd, check=True, capture_output=True)
    x, sr = sf.read(wav, dtype="float64")
    if x.ndim > 1:
        x = x.mean(axis=1)
    return resample(x, sr, SR)


def trim_silence(x: np.ndarray, pad: float = 0.2, threshold_db: float = -40.0) -> np.ndarray:
    """Cut leading/trailing silence (10 ms frames below peak-relative threshold), keep ``pad`` s."""
    hop = SR // 100
    frames = len(x) // hop
    rms = np.sqrt(np.mean(x[: frames * hop].reshape(frames, hop) ** 2, axis=1) + 1e-20)
    loud = np.flatnonzero(20 * np.log10(rms / rms.max()) > threshold_db)
    core = x[loud[0] * hop : (loud[-1] + 1) * hop]
    p = int(pad * SR)
    return np.concatenate([np.zeros(p), fade(core, 0.005), np.zeros(p)])


def read_prompts(source: Path) -> dict[str, str]:
    """``{file name: transcript}`` from ``transcripts.csv`` (columns ``file,transcript``)."""
    import csv

    with open(source / "transcripts.csv", newline="", encoding="utf-8") as fh:
        return {row["file"]: row["transcript"] for row in csv.DictReader(fh)}


def make_speech(source: Path) -> tuple[list[tuple[Asset, np.ndarray]], str]:
    """The CMU ARCTIC clips as they are (int16 samples kept exactly) and their prompt file."""
    prompts = read_prompts(source)
    out, lines = [], []
    for file, prompt_id, name, src in ARCTIC_CLIPS:
        x, sr = sf.read(source / src, dtype="int16")
        if sr != SR or x.ndim != 1:
            raise SystemExit(f"{src}: expected 16 kHz mono, got {sr} Hz, shape {x.shape}")
        out.append((Asset(file, name, "speech", prompt=prompt_id), x))
        text = prompts[src].replace('"', "'")
        lines.append(f'( {prompt_id} "{text}" )')
    return out, "\n".join(lines) + "\n"


def make_kitchen(source: Path) -> np.ndarray:
    """10 s of a real kitchen (Speech Commands ``doing_the_dishes``), peak at -6 dBFS, faded."""
    x, sr = sf.read(source / KITCHEN_SOURCE, dtype="float64")
    if sr != SR:
        raise SystemExit(f"{KITCHEN_SOURCE}: expected {SR} Hz, got {sr}")
    start = int(KITCHEN_START_S * SR)
    y = x[start : start + int(NOISE_SECONDS * SR)]
    return fade(normalise_peak(y, NOISE_PEAK_DBFS), 0.05)


# --------------------------------------------------------------------------------------------
# Room impulse response
# --------------------------------------------------------------------------------------------
# Hand-written: a measured IR would need a licence check and a download; an exponentially
# decaying noise tail is the textbook statistical model of a diffuse room and is tiny to make.


def make_room_ir(
    rng: np.random.Generator,
    rt60: float = 0.5,
    length: float = 0.6,
    drr_db: float = 0.0,
    n_early: int = 6,
) -> np.ndarray:
    """Synthetic RIR: direct path at t=0, a few early reflections and a diffuse decaying tail.

    Below 4 kHz energy falls 60 dB in ``rt60`` seconds; above 4 kHz it decays 30 % faster, a
    cheap stand-in for air/wall absorption (the tail gets duller over time). ``drr_db`` is the
    direct-to-reverberant energy ratio. The result is normalised to a peak of 1.0.
    """
    n = int(length * SR)
    t = np.arange(n) / SR

    early = np.zeros(n)
    for d in np.sort(rng.uniform(0.002, 0.025, n_early)):
        sign = rng.choice([-1.0, 1.0])
        early[round(d * SR)] += sign * rng.uniform(0.5, 1.0) * 10 ** (-3 * d / rt60)

    white = rng.standard_normal(n)
    low = signal.sosfilt(butter("lowpass", 4000.0), white)
    high = signal.sosfilt(butter("highpass", 4000.0), white)
    tail = low * 10 ** (-3 * t / rt60) + high * 10 ** (-3 * t / (0.7 * rt60))
    onset = np.clip((t - 0.002) / 0.008, 0.0, 1.0)  # diffuse field builds up over ~10 ms
    tail *= 0.5 - 0.5 * np.cos(np.pi * onset)

    # Reverberant energy relative to the direct path (1.0): 25 % early reflections, 75 % tail.
    target = db_to_amp(-drr_db) ** 2
    ir = np.zeros(n)
    ir[0] = 1.0
    ir += early * np.sqrt(0.25 * target / np.sum(early**2))
    ir += tail * np.sqrt(0.75 * target / np.sum(tail**2))

    ir[-int(0.02 * SR) :] *= np.linspace(1.0, 0.0, int(0.02 * SR))
    return ir / np.max(np.abs(ir))


# --------------------------------------------------------------------------------------------
# Noises
# --------------------------------------------------------------------------------------------


def clink(rng: np.random.Generator, f0: float, tau: float) -> np.ndarray:
    """Make a glass/cup clink: a few inharmonic decaying partials (free-bar ratios)."""
    n = int(6 * tau * SR)
    t = np.arange(n) / SR
    y = np.zeros(n)
    for ratio, amp in ((1.0, 1.0), (2.76, 0.5), (5.40, 0.25)):
        f = f0 * ratio * rng.uniform(0.99, 1.01)
        if f < 0.45 * SR:
            y += amp * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi)) * np.exp(-t / tau)
    y[:16] *= np.linspace(0.0, 1.0, 16)
    return y


def clatter_burst(rng: np.random.Generator) -> np.ndarray:
    """Make a short decaying band-passed noise burst (cup on saucer, cutlery)."""
    n = int(rng.uniform(0.03, 0.09) * SR)
    t = np.arange(n) / SR
    lo = rng.uniform(1200, 2500)
    burst = signal.sosfilt(butter("bandpass", (lo, lo * 2.5), order=2), rng.standard_normal(n))
    return burst * np.exp(-t / rng.uniform(0.008, 0.025))


# Hand-written: no library synthesises multi-talker babble offline from scratch, and recorded
# babble corpora are large and licence-encumbered. Six espeak-ng talkers, offset and reverberated
# together, give unintelligible but clearly speech-like background.
def make_cafe_babble(rng: np.random.Generator, workdir: Path) -> np.ndarray:
    """Crowded cafe: 6 overlapping espeak-ng talkers in a reverberant room plus cup clatter."""
    n = int(NOISE_SECONDS * SR)
    mix = np.zeros(n)
    for voice, wpm, pitch in BABBLE_VOICES:
        track = np.zeros(n)
        order = rng.permutation(len(BABBLE_SENTENCES))
        pos = -int(rng.uniform(0.0, 2.5) * SR)  # start mid-sentence
        k = 0
        while pos < n:
            text = BABBLE_SENTENCES[order[k % len(order)]]
            utt = trim_silence(espeak(text, voice, wpm, workdir, pitch=pitch), pad=0.0)
            utt /= np.sqrt(np.mean(utt**2))
            place(track, utt, pos)
            pos += len(utt) + int(rng.uniform(0.1, 0.6) * SR)
            k += 1
        mix += track * db_to_amp(rng.uniform(-8.0, 0.0))

    # Distance: duller and much more reverberant than the foreground speech.
    mix = signal.sosfilt(butter("lowpass", 5000.0, order=2), mix)
    room = make_room_ir(rng, rt60=0.9, length=1.0, drr_db=-4.0, n_early=10)
    mix = signal.fftconvolve(mix, room)[:n]
    mix /= np.sqrt(np.mean(mix**2))

    clatter = np.zeros(n)
    t = rng.uniform(0.0, 0.8)
    while t < NOISE_SECONDS:
        if rng.random() < 0.35:
            hit = clink(rng, rng.uniform(2500, 4500), rng.uniform(0.03, 0.09))
        else:
            hit = clatter_burst(rng)
        place(clatter, hit / np.max(np.abs(hit)), int(t * SR), db_to_amp(rng.uniform(-6.0, 0.0)))
        t += rng.exponential(0.9)
    clatter = signal.fftconvolve(clatter, room)[:n]

    floor = signal.sosfilt(butter("lowpass", 2000.0, order=2), coloured_noise(rng, n, 1.0))
    mix = mix + 0.6 * clatter / np.max(np.abs(clatter)) + 0.08 * floor
    return fade(normalise_peak(mix, NOISE_PEAK_DBFS), 0.05)


def midi_hz(note: float) -> float:
    """MIDI note number to frequency in Hz."""
    return 440.0 * 2.0 ** ((note - 69) / 12)


def tone(freq: float, dur: float, attack: float, decay: float, harmonics: int = 4) -> np.ndarray:
    """Make a note of ``harmonics`` partials (1/k amplitude), soft attack, exponential decay."""
    n = int(dur * SR)
    t = np.arange(n) / SR
    y = np.zeros(n)
    for k in range(1, harmonics + 1):
        if k * freq < 0.45 * SR:
            y += np.sin(2 * np.pi * k * freq * t) / k * np.exp(-t * (k - 1) * 2.0)  # highs fade
    env = np.minimum(t / attack, 1.0) * np.exp(-t / decay)
    env[-int(0.01 * SR) :] *= np.linspace(1.0, 0.0, int(0.01 * SR))  # no click at note end
    return y * env


# Hand-written: there is no offline library that composes background music; a 4-bar
# I-vi-IV-V loop from additive tones is a few lines and has no licence questions.
def make_music(rng: np.random.Generator) -> np.ndarray:
    """Background music, 100 bpm: chord pad, plucked arpeggio, bass line and a soft hi-hat tick."""
    beat = 60.0 / 100.0
    bars = 4  # 16 beats = 9.6 s, so the file loops on the beat
    y = np.zeros(int(bars * 4 * beat * SR))
    chords = [(60, 64, 67), (57, 60, 64), (53, 57, 60), (55, 59, 62)]  # C  Am  F  G

    def at(beats: float) -> int:
        return int(beats * beat * SR)

    for bar in range(bars):
        chord = chords[bar]
        b0 = bar * 4
        for note in chord:  # pad: whole-bar sustained chord
            place(y, tone(midi_hz(note), 4 * beat + 0.4, 0.12, 2.5, harmonics=3), at(b0), 0.12)
        arp = [*chord, chord[0] + 12, chord[2], chord[1], chord[0] + 12, chord[2]]
        for i, note in enumerate(arp):  # eighth-note pluck arpeggio an octave up
            vel = 0.10 * rng.uniform(0.8, 1.0)
            place(y, tone(midi_hz(note + 12), beat, 0.005, 0.25, harmonics=4), at(b0 + i / 2), vel)
        root = chord[0] - 24
        for pos, note in ((0.0, root), (1.5, root), (2.0, root + 7), (3.0, root + 12)):  # bass
            place(y, tone(midi_hz(note), beat * 0.9, 0.01, 0.35, harmonics=3), at(b0 + pos), 0.2)
        for i in range(8):  # hi-hat tick on every eighth, accented off-beats
            tick = signal.sosfilt(butter("highpass", 6000.0, order=2), rng.standard_normal(400))
            tick *= np.exp(-np.arange(400) / (0.006 * SR))
            place(y, tick, at(b0 + i / 2), 0.1 if i % 2 else 0.05)
        for pos in (0.0, 2.0):  # soft kick: falling sine
            tk = np.arange(int(0.15 * SR)) / SR
            kick = np.sin(2 * np.pi * (50 * tk + 60 * (1 - np.exp(-tk / 0.03)) * 0.03))
            place(y, kick * np.exp(-tk / 0.05), at(b0 + pos), 0.15)
    return fade(normalise_peak(y, NOISE_PEAK_DBFS), 0.05)


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------


def _ogg_crc(data: bytes) -> int:
    """CRC-32 as used by Ogg pages (poly 0x04C11DB7, not reflected, init 0)."""
    crc = 0
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def fix_ogg_serial(path: Path, serial: int = OGG_SERIAL) -> None:
    """Overwrite the random stream serial libsndfile puts in every Ogg page, for stable bytes."""
    data = bytearray(path.read_bytes())
    pos = 0
    while pos < len(data):
        if data[pos : pos + 4] != b"OggS":
            raise ValueError(f"{path}: not an Ogg page at byte {pos}")
        n_segments = data[pos + 26]
        size = 27 + n_segments + sum(data[pos + 27 : pos + 27 + n_segments])
        struct.pack_into("<I", data, pos + 14, serial)
        struct.pack_into("<I", data, pos + 22, 0)
        struct.pack_into("<I", data, pos + 22, _ogg_crc(bytes(data[pos : pos + size])))
        pos += size
    path.write_bytes(bytes(data))


def write(asset: Asset, audio: np.ndarray) -> None:
    """Write one asset: FLAC (16-bit, 24-bit for the IR) or Ogg/Vorbis for noises."""
    path = ASSETS_DIR / asset.file
    if audio.dtype == np.int16:  # real recordings: their samples as they are
        sf.write(path, audio, SR, format="FLAC", subtype="PCM_16")
        return
    if not np.all(np.isfinite(audio)) or np.max(np.abs(audio)) > 1.0:
        raise ValueError(f"{asset.file}: audio not finite or clipping")
    if path.suffix == ".ogg":
        sf.write(path, audio, SR, format="OGG", subtype="VORBIS", compression_level=0.3)
        fix_ogg_serial(path)
    else:
        subtype = "PCM_24" if asset.kind == "impulse_response" else "PCM_16"
        sf.write(path, audio, SR, format="FLAC", subtype=subtype)


def main(argv: list[str] | None = None) -> None:
    """Generate every asset, ``manifest.json`` and the prompt file into the assets folder."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source",
        type=Path,
        default=ASSETS_DIR.parent.parent / "shared" / "data",
        help="folder with the CMU ARCTIC clips, transcripts.csv and doing_the_dishes.wav",
    )
    args = parser.parse_args(argv)
    if shutil.which("espeak-ng") is None:
        raise SystemExit("espeak-ng not found on PATH (apt-get install espeak-ng)")
    rng = np.random.default_rng(SEED)
    assets, prompts = make_speech(args.source)
    with tempfile.TemporaryDirectory() as tmp:
        assets.append(
            (
                Asset("noise_cafe_babble.ogg", "Cafe babble", "noise"),
                make_cafe_babble(rng, Path(tmp)),
            )
        )
    assets.append((Asset("noise_music.ogg", "Background music", "noise"), make_music(rng)))
    assets.append(
        (
            Asset("noise_kitchen.ogg", "Kitchen (doing the dishes, Speech Commands)", "noise"),
            make_kitchen(args.source),
        )
    )
    assets.append(
        (
            Asset("ir_small_room.flac", "Small room (RT60 0.5 s)", "impulse_response"),
            make_room_ir(rng),
        )
    )

    manifest = []
    for asset, audio in assets:
        write(asset, audio)
        manifest.append({k: v for k, v in vars(asset).items() if k != "prompt" or v})
        size = (ASSETS_DIR / asset.file).stat().st_size
        print(f"{asset.file:28s} {len(audio) / SR:6.2f} s {size / 1024:7.1f} KiB")
    (ASSETS_DIR / PROMPTS_FILE).write_text(prompts, encoding="utf-8")
    manifest_path = ASSETS_DIR / "manifest.json"
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {manifest_path.name} ({len(manifest)} entries) and {PROMPTS_FILE}")


if __name__ == "__main__":
    main()
