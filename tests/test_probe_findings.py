"""The security probe's findings on the pages (issue 9, item 11), each as a test that failed on
the main branch before the fix. AppTest on a real SQLite file."""

from __future__ import annotations

import pytest
import streamlit as st
import tomllib
from streamlit.testing.v1 import AppTest

from augment.recipe import Recipe
from augment.review.agreement import review_agreement
from tests.conftest import ROOT, speechlike, wav_bytes

RECIPE = Recipe.from_dict(
    {"name": "cafe 5 dB", "steps": [{"step": "background_noise", "snr_db": 5}]}
)


def sign(data_dir, token: str, labeler: str) -> str:
    """The ``sig=`` of a labeler's personal link (as the Rounds page makes it)."""
    from augment import access

    return access.sign(access.link_secret(data_dir), token, labeler)


def new_app() -> AppTest:
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    return at


def seeded_store():
    from augment.store import Store

    store = Store()
    clip, _ = store.add_media(wav_bytes(speechlike(1.0)), name="c.wav", kind="speech")
    return store, clip


def save(store, clip, reviewer, clear=True, **kw):
    return store.save_review(
        recipe=RECIPE,
        params=[{"step": "background_noise", "snr_db": 5.0}],
        seed=1,
        clip_hash=clip.hash,
        reviewer=reviewer,
        realistic=True,
        clear=clear,
        model_poor="unknown",
        **kw,
    )


# --------------------------------------------------------------------------------------------
# the Recipes page crashed when one reviewer saved the same sample twice
# --------------------------------------------------------------------------------------------
def test_recipes_page_survives_one_reviewer_saving_a_sample_twice(data_dir):
    data_dir.mkdir(parents=True, exist_ok=True)
    store, clip = seeded_store()
    save(store, clip, "ana", clear=True)
    save(store, clip, "ana", clear=False)  # the same sample again: she changed her mind
    save(store, clip, "bob", clear=False)
    agreement = review_agreement(store.reviews())
    assert agreement["units_rated_twice"] == 1
    assert agreement["alpha"]["clear"] == pytest.approx(1.0) or agreement["alpha"]["clear"] is None
    assert agreement["majority"] == {"ana": 1.0, "bob": 1.0}  # ana's latest answer counts
    at = new_app()
    at.run()
    at.switch_page("views/recipes.py").run()
    assert not at.exception, at.exception
    assert any("Krippendorff" in c.value for c in at.caption)


def test_tracebacks_never_reach_visitors():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"


# --------------------------------------------------------------------------------------------
# CSV formula injection: every text column of the reviews export
# --------------------------------------------------------------------------------------------
FORMULAS = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


@pytest.mark.parametrize("payload", FORMULAS)
def test_csv_export_neutralises_formulas_in_every_text_column(data_dir, payload):
    import csv
    import io

    from augment.export.reviews import reviews_csv

    data_dir.mkdir(parents=True, exist_ok=True)
    store, clip = seeded_store()
    noise, _ = store.add_media(
        wav_bytes(speechlike(1.0, seed=3)), name=payload + ".wav", kind="noise"
    )
    recipe = RECIPE.with_name(payload)
    store.save_review(
        recipe=recipe,
        params=[
            {
                "step": "background_noise",
                "snr_db": -5.0,
                "noise": noise.hash,
                "noise_name": payload + ".wav",
            },
        ],
        seed=1,
        clip_hash=clip.hash,
        noise_hash=noise.hash,
        reviewer=payload,
        realistic=True,
        clear=False,
        model_poor="yes",
        note=payload,
    )
    text = reviews_csv(store.reviews()).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    header, row = rows[0], rows[1]
    cells = dict(zip(header, row, strict=True))
    for column in ("reviewer", "recipe", "note", "background_noise.noise_name"):
        stored = cells[column].removeprefix("'")
        assert payload.strip()[:3] in stored, (column, cells[column])  # kept, readable
        if stored.startswith(tuple("=+-@\t\r")):
            assert cells[column].startswith("'"), (column, cells[column])
    for column, cell in cells.items():
        assert not cell.startswith(("=", "+", "@", "\t", "\r")), (column, cell)
        if cell.startswith("-"):  # a negative number is a number, not a formula
            float(cell)
    assert cells["background_noise.snr_db"] == "-5.0"


# --------------------------------------------------------------------------------------------
# markdown injection: user text never renders as markdown, HTML or KaTeX
# --------------------------------------------------------------------------------------------
#: bold, a link, an outside image, a formula, a colour directive, a heading
PAYLOAD = "**B** [L](http://evil.example/) ![I](http://evil.example/i.png) $x^2$ :red[R] # H"
ACTIVE = ("**B**", "[L](", "![I](", "$x^2$", ":red[", "](http")


def markdown_sources(at: AppTest) -> list[str]:
    """Every string the page hands Streamlit to render as markdown: markdown, captions,
    headings, alerts, toasts, and every label (widgets, expanders, metrics)."""
    from streamlit.testing.v1 import element_tree as et

    out: list[str] = []

    def walk(node) -> None:
        if isinstance(node, (et.Markdown, et.AlertBase, et.HeadingBase, et.Toast)):
            out.append(str(node.value))
        label = getattr(node, "label", None)
        if isinstance(label, str):
            out.append(label)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return out


def assert_inert(at: AppTest, where: str) -> None:
    assert not at.exception, (where, at.exception)
    sources = markdown_sources(at)
    shown = [s for s in sources if "evil" in s or "x^2" in s or "red" in s]
    assert shown, f"{where}: the payload is not on the page at all"  # the test can fail
    for text in sources:
        for token in ACTIVE:
            assert token not in text, (where, token, text)


def _round(store, clip, *, name="r1", labeler=None):
    from augment.review import labeling, rounds

    store.save_recipe(RECIPE)
    info = rounds.create_round(
        store,
        name=name,
        recipe_ids=[RECIPE.id],
        clip_hashes=[clip.hash],
        noise_hashes=[store.list_media("noise")[0].hash],
        samples_per_recipe=2,
        offer_reference=True,
        anchor_share=0.5,
        created_by="eve",
        seed=1,
    )
    if labeler:
        for sid in info.sample_ids:  # every answer wrong: flagged, so the warning names them
            labeling.answer(
                store, info.token, labeler, sid, realistic=False, clear=True, model_poor="no"
            )
    return info


def _setup(field: str):
    store, clip = seeded_store()
    store.add_media(wav_bytes(speechlike(2.0, seed=5)), name="hum.wav", kind="noise")
    pages: list[tuple[str, dict]] = []
    if field == "file name":
        clip, _ = store.add_media(wav_bytes(speechlike(1.0, seed=9)), name=PAYLOAD, kind="speech")
        pages = [("views/library.py", {}), ("views/studio.py", {"clip": clip.hash})]
    elif field == "transcript":
        store.update_media(clip.hash, transcript=PAYLOAD)
        info = _round(store, clip)
        pages = [("views/review.py", {"round": info.token, "labeler": "ann"})]
    elif field == "recipe name":
        store.save_recipe(RECIPE.with_name(PAYLOAD))
        save(store, clip, "ana")
        pages = [("views/recipes.py", {})]
    elif field in ("reviewer name", "status reason"):
        save(store, clip, PAYLOAD, note=PAYLOAD)
        store.set_recipe_status(RECIPE.id, "accepted", reason=PAYLOAD, by=PAYLOAD)
        pages = [("views/recipes.py", {})]
    elif field == "labeler name":
        info = _round(store, clip, labeler=PAYLOAD)
        pages = [
            ("views/rounds.py", {}),
            ("views/review.py", {"round": info.token, "labeler": PAYLOAD}),
        ]
    elif field == "round name":
        info = _round(store, clip, name=PAYLOAD)
        pages = [("views/rounds.py", {}), ("views/review.py", {"round": info.token})]
    return store, pages


FIELDS = [
    "file name",
    "transcript",
    "recipe name",
    "reviewer name",
    "status reason",
    "labeler name",
    "round name",
]


@pytest.mark.parametrize("field", FIELDS)
def test_user_text_never_renders_as_markdown(field, data_dir):
    data_dir.mkdir(parents=True, exist_ok=True)
    _store, pages = _setup(field)
    for page, params in pages:
        at = new_app()
        for k, v in params.items():
            if k in ("round", "labeler"):
                at.query_params[k] = v
        if "labeler" in params:
            at.query_params["sig"] = sign(data_dir, params["round"], params["labeler"])
        at.run()
        if "round" not in params:
            at.switch_page(page).run()
        if "clip" in params:
            at.selectbox(key="clip").set_value(params["clip"]).run()
        assert_inert(at, f"{field} on {page}")


def test_transcript_csv_names_never_render_as_markdown(data_dir):
    data_dir.mkdir(parents=True, exist_ok=True)
    seeded_store()
    at = new_app()
    at.run()
    at.switch_page("views/library.py").run()
    csv_text = f'file,transcript\n"{PAYLOAD}",hello\n'
    at.file_uploader(key="transcripts_csv").upload("t.csv", csv_text.encode(), "text/csv").run()
    at.button(key="transcripts_go").click().run()
    assert_inert(at, "transcript CSV on the Library page")
    assert any("No clip named" in w.value for w in at.warning)


def test_a_round_link_to_the_root_keeps_its_query_on_the_way_to_review(data_dir):
    data_dir.mkdir(parents=True, exist_ok=True)
    store, clip = seeded_store()
    store.add_media(wav_bytes(speechlike(2.0, seed=5)), name="hum.wav", kind="noise")
    info = _round(store, clip, name="Tuesday round")
    at = new_app()
    at.query_params["round"] = info.token  # /?round=...
    at.query_params["labeler"] = "ann"
    at.query_params["sig"] = sign(data_dir, info.token, "ann")
    at.run()
    assert not at.exception, at.exception
    assert any("Tuesday round" in c.value for c in at.caption), [c.value for c in at.caption]
    assert at.query_params["round"] == [info.token] or at.query_params["round"] == info.token
    assert any(b.key == "review_save" for b in at.button)  # ann is listening


def test_a_300_character_labeler_gets_a_one_line_error(data_dir):
    data_dir.mkdir(parents=True, exist_ok=True)
    store, clip = seeded_store()
    store.add_media(wav_bytes(speechlike(2.0, seed=5)), name="hum.wav", kind="noise")
    info = _round(store, clip)
    at = new_app()
    at.switch_page("views/review.py")
    at.query_params["round"] = info.token
    at.query_params["labeler"] = "x" * 300
    at.query_params["sig"] = "0" * 64  # no valid link can name them (names stop at 100)
    at.run()
    assert not at.exception, at.exception
    assert len(at.error) == 1 and "\n" not in at.error[0].value, [e.value for e in at.error]


# --------------------------------------------------------------------------------------------
# attention checks: no sample's audio (bytes, URL) equals the clean reference's
# --------------------------------------------------------------------------------------------
def test_no_sample_has_the_references_audio_url(data_dir, monkeypatch):
    import hashlib

    from augment.review import rounds
    from views import _player

    served: dict[str, str] = {}  # the player's signal -> the URL its bytes get (content-hashed)

    def media_url(data: bytes, mimetype: str, coordinates: str) -> str:
        url = "/media/" + hashlib.sha224(data + mimetype.encode()).hexdigest() + ".wav"
        served[coordinates.rpartition(".")[2]] = url
        return url

    monkeypatch.setattr(_player, "_media_url", media_url)
    data_dir.mkdir(parents=True, exist_ok=True)
    store, clip = seeded_store()
    store.add_media(wav_bytes(speechlike(2.0, seed=5)), name="hum.wav", kind="noise")
    info = _round(store, clip)
    clean = [s for s in rounds.round_samples(store, info.token) if s.kind != "recipe"]
    assert clean, "the round has attention checks"
    at = new_app()
    at.switch_page("views/review.py")
    at.query_params["round"] = info.token
    at.query_params["labeler"] = "ann"
    at.query_params["sig"] = sign(data_dir, info.token, "ann")
    seen = 0
    for _ in range(info.total):
        served.clear()
        at.run()
        assert not at.exception, at.exception
        if "sample" not in served:
            break
        assert served["reference"] != served["sample"], (seen, served)
        seen += 1
        for item in ("realistic", "clear"):
            key = next(r.key for r in at.radio if r.key.startswith(f"review_{item}"))
            at.radio(key=key).set_value("Yes")
        at.button(key="review_save").click()
    assert seen == info.total, (seen, info.total)


def test_disguised_bytes_differ_but_sound_the_same():
    from augment import audio

    y = speechlike(1.0)
    plain = audio.to_wav_bytes(y, 16000)
    a = audio.disguised_wav_bytes(y, 16000, seed=[1, 2, 3])
    assert a != plain and a == audio.disguised_wav_bytes(y, 16000, seed=[1, 2, 3])  # seeded
    assert a != audio.disguised_wav_bytes(y, 16000, seed=[1, 2, 4])
    diff = audio.decode(a).samples - audio.decode(plain).samples
    assert float(abs(diff).max()) <= 2.5 / 32768  # at most a couple of LSBs: inaudible


# --------------------------------------------------------------------------------------------
# uploads: bytes stored as another kind are not silently selected
# --------------------------------------------------------------------------------------------
def unescaped(text: str) -> str:
    import re

    return re.sub(r"\\(.)", r"\1", text)


def test_uploading_a_noise_as_a_clean_clip_says_so(data_dir):
    data_dir.mkdir(parents=True, exist_ok=True)
    at = new_app()
    at.run()
    noise_hash = at.selectbox(key="noise").value
    before = at.selectbox(key="clip").value
    from augment.store import Store

    data = Store().media_bytes(noise_hash)
    at.file_uploader(key="clip_upload").upload("again.ogg", data, "audio/ogg").run()
    assert not at.exception, at.exception
    shown = [unescaped(e.value) for e in at.error]
    assert len(shown) == 1 and "already in the library as a noise" in shown[0], shown
    assert at.selectbox(key="clip").value == before  # nothing else selected


# --------------------------------------------------------------------------------------------
# the Import page: oversized and malformed recipes in one line, nothing stored; a BOM is fine
# --------------------------------------------------------------------------------------------
def _import_cases():
    from tests.test_cli_bad_input import BAD_RECIPES

    return [c for c in BAD_RECIPES if c not in ("10 MB name", "330,000 steps", "empty file")] + [
        "10 MB name"
    ]


@pytest.mark.parametrize("case", _import_cases())
@pytest.mark.parametrize("how", ["file", "paste"])
def test_import_page_refuses_bad_recipes_in_one_line(case, how, data_dir):
    from tests.test_cli_bad_input import BAD_RECIPES

    data, match = BAD_RECIPES[case]
    data_dir.mkdir(parents=True, exist_ok=True)
    store, _clip = seeded_store()
    before = len(store.list_recipes())
    at = new_app()
    at.run()
    at.switch_page("views/import_recipe.py").run()
    if how == "file":
        at.file_uploader(key="import_file").upload("r.json", data, "application/json").run()
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pytest.skip("a Latin-1 file cannot be pasted as text")
        at.text_area(key="import_text").input(text).run()
    at.button(key="import_go").click().run()
    assert not at.exception, at.exception
    shown = [unescaped(e.value) for e in at.error]
    assert len(shown) == 1 and match in shown[0], shown
    assert len(store.list_recipes()) == before


def test_import_page_accepts_a_utf8_bom(data_dir):
    import json

    data_dir.mkdir(parents=True, exist_ok=True)
    at = new_app()
    at.run()
    at.switch_page("views/import_recipe.py").run()
    body = b"\xef\xbb\xbf" + json.dumps({"name": "bom", "steps": [{"step": "gain"}]}).encode()
    at.file_uploader(key="import_file").upload("r.json", body, "application/json").run()
    at.button(key="import_go").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("Imported" in s.value for s in at.success)


# --------------------------------------------------------------------------------------------
# a tiny clip through the Studio: every metric a value or "n/a", never a traceback
# --------------------------------------------------------------------------------------------
def test_a_22_sample_int24_clip_in_the_studio(data_dir, monkeypatch):
    import numpy as np

    monkeypatch.setenv("AUGCHECK_MODEL_WAIT_S", "60")
    at = new_app()
    at.run()
    y = np.random.default_rng(22).uniform(-0.5, 0.5, 22)
    tiny = wav_bytes(y, subtype="PCM_24")
    at.file_uploader(key="clip_upload").upload("tiny.wav", tiny, "audio/wav").run(timeout=120)
    assert not at.exception, at.exception
    at.run(timeout=120)  # the hints and the model have arrived
    assert not at.exception, at.exception
    assert next(m for m in at.metric if m.label == "STOI").value == "n/a"
