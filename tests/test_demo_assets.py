"""The bundled demo material: real CMU ARCTIC speech whose transcripts come from the ARCTIC
prompts on first start, and a built-in model that hears it well."""

from __future__ import annotations

import json

from augment import audio, model
from augment.store import PROJECT_ROOT, load_demo_assets
from augment.store.demo import read_arctic_prompts

ASSETS = PROJECT_ROOT / "assets"


def manifest() -> list[dict]:
    return json.loads((ASSETS / "manifest.json").read_text())


def test_demo_speech_is_real_cmu_arctic_with_prompts():
    speech = [m for m in manifest() if m["kind"] == "speech"]
    assert len(speech) >= 3
    prompts = read_arctic_prompts((ASSETS / "arctic_prompts.data").read_text())
    for item in speech:
        assert item["file"].startswith("speech_arctic_"), item  # no espeak-ng clip left
        assert item["prompt"] in prompts and prompts[item["prompt"]].strip()
    assert prompts["arctic_a0001"] == "Author of the danger trail, Philip Steels, etc."
    # credited with its licence
    credits = (ASSETS / "README.md").read_text()
    assert "CMU ARCTIC" in credits and "Carnegie Mellon" in credits
    assert "espeak-ng" not in " ".join(m["name"] for m in speech)


def test_first_start_takes_the_transcripts_from_the_prompts(store):
    assert load_demo_assets(store) == len(manifest())
    by_name = {m.name: m.transcript for m in store.list_media("speech")}
    assert by_name["Speech 2: Author of the danger trail (US male, CMU ARCTIC)"] == (
        "Author of the danger trail, Philip Steels, etc."
    )
    assert all(by_name.values()), by_name


def test_read_arctic_prompts_ignores_other_lines():
    text = '( arctic_a0001 "Hello, there." )\n\nnot a prompt\n(arctic_b0002 "Two")\n'
    assert read_arctic_prompts(text) == {"arctic_a0001": "Hello, there.", "arctic_b0002": "Two"}


def test_builtin_model_hears_the_demo_clips():
    """README figure: the built-in recognizer's WER on the clean demo clips.

    Measured: 0.25, 0.375, 0.0 (5 errors in 27 words, 19% overall); the espeak-ng clips these
    replaced scored 80-100%.
    """
    prompts = read_arctic_prompts((ASSETS / "arctic_prompts.data").read_text())
    errors = words = 0
    for item in manifest():
        if item["kind"] != "speech":
            continue
        a = audio.read(ASSETS / item["file"])
        ref = prompts[item["prompt"]]
        w = model.wer(ref, model.transcribe(a.samples, a.sample_rate))
        n = len(model.normalise_text(ref).split())
        assert w <= 0.4, (item["file"], w)
        errors += w * n
        words += n
    assert errors / words < 0.25, errors / words


def test_the_studio_opens_on_the_clip_the_model_hears_best(store):
    load_demo_assets(store)
    first = store.list_media("speech")[0]
    assert first.name.startswith("Speech 1: For the twentieth time"), first.name
