"""The README's render example, run as written on the bundled assets (output folder moved to a
temporary one)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys

from tests.conftest import ROOT


def readme_example(marker: str = "render-example") -> list[list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split(f"<!-- {marker} -->", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    return [shlex.split(cmd) for cmd in block.replace("\\\n", " ").strip().splitlines()]


def test_the_readme_render_example_runs(tmp_path):
    commands = readme_example()
    assert [c[:4] for c in commands] == [["python", "-m", "augment", c[3]] for c in commands]
    assert [c[3] for c in commands] == ["import", "status", "render"]
    out = tmp_path / "augmented"
    for cmd in commands:
        cmd = [str(out) if a == "/tmp/augmented" else a for a in cmd]
        proc = subprocess.run(
            [sys.executable, *cmd[1:]], cwd=ROOT, capture_output=True, text=True, timeout=300
        )
        assert proc.returncode == 0, (cmd, proc.stdout, proc.stderr)
    assert "4 files rendered" in proc.stdout and "left out 1 row(s)" in proc.stdout
    rows = [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]
    assert len(rows) == 4 and all(r["recipe_id"] == "83002834e34d14d2" for r in rows)
    assert {r["split"] for r in rows} == {"train"}
    for r in rows:
        assert (out / r["audio_filepath"]).stat().st_size > 1000
    record = json.loads((out / "render.json").read_text())
    assert record["recipe_status"] == "accepted" and record["counts"]["left_out"] == 1
    assert record["left_out"][0]["split"] == "test"


def test_the_readme_image_render_example_runs(tmp_path):
    """The pictures' example: the demo phones, two train rows twice each, masks beside them."""
    from PIL import Image

    commands = readme_example("image-render-example")
    assert [c[3] for c in commands] == ["import", "status", "render"]
    out = tmp_path / "augmented_images"
    env = {**os.environ, "AUGCHECK_DATA_DIR": str(tmp_path / "db")}
    for cmd in commands:
        cmd = [str(out) if a == "/tmp/augmented_images" else a for a in cmd]
        proc = subprocess.run(
            [sys.executable, *cmd[1:]],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
        )
        assert proc.returncode == 0, (cmd, proc.stdout, proc.stderr)
    assert "4 files rendered" in proc.stdout and "left out 1 row(s)" in proc.stdout
    rows = [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]
    assert [r["image_filepath"] for r in rows] == [
        f"image_phone_{n}_aug{c}.jpg" for n in ("clean", "scratched") for c in (1, 2)
    ]
    for r in rows:
        with Image.open(out / r["image_filepath"]) as im:
            assert im.format == "JPEG" and im.size == (640, 480)
        with Image.open(out / r["mask_filepath"]) as mask:
            assert mask.mode == "L" and mask.size == (640, 480)
        assert r["split"] == "train" and r["psnr_db"] > 0 and r["defect_share"] > 0
    record = json.loads((out / "render.json").read_text())
    assert record["modality"] == "image" and record["output"]["jpeg_quality"] == 95
    assert record["left_out"][0]["source_filepath"].endswith("image_phone_scratched_b.webp")
