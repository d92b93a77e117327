"""The bundled demo material (``assets/``), loaded into a store on first start."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from augment.store.schema import (
    IMAGE_KINDS,
    now,
)
from augment.store.store import PROJECT_ROOT, Store

_PROMPT_LINE = re.compile(r'^\(\s*(\S+)\s+"(.*)"\s*\)\s*$')


def read_arctic_prompts(text: str) -> dict[str, str]:
    """``{prompt id: text}`` from CMU ARCTIC lines such as ``( arctic_a0001 "Author of ..." )``."""
    out = {}
    for line in text.splitlines():
        m = _PROMPT_LINE.match(line.strip())
        if m:
            out[m.group(1)] = m.group(2)
    return out


def load_demo_assets(store: Store, folder: str | os.PathLike | None = None) -> int:
    """Put the bundled demo clips, noises and impulse response in the library, once.

    Runs on first start (a marker in the ``meta`` table remembers it), so a demo item the user
    renames stays renamed. Returns how many items were added.
    """
    audio_done = bool(store.get_meta("demo_assets_loaded"))
    # the demo pictures came later: a library made before them still gets them, once
    images_done = bool(store.get_meta("demo_images_loaded"))
    if audio_done and images_done:
        return 0
    folder = Path(folder) if folder else PROJECT_ROOT / "assets"
    manifest = folder / "manifest.json"
    added = 0
    if manifest.exists():
        prompts_file = folder / "arctic_prompts.data"
        prompts = read_arctic_prompts(prompts_file.read_text()) if prompts_file.exists() else {}
        for item in json.loads(manifest.read_text()):
            if images_done if item["kind"] in IMAGE_KINDS else audio_done:
                continue
            data = (folder / item["file"]).read_bytes()
            _, created = store.add_media(
                data,
                name=item["name"],
                kind=item["kind"],
                transcript=prompts.get(item.get("prompt") or "", item.get("transcript")),
                origin="demo",
            )
            added += int(created)
    for key, done in (("demo_assets_loaded", audio_done), ("demo_images_loaded", images_done)):
        if not done:
            store.set_meta(key, now().isoformat())
    return added


__all__ = ["load_demo_assets", "read_arctic_prompts"]
