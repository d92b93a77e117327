"""The command line: ``python -m augment steps | apply | import | export``.

Bad input exits with code 2 and one line starting ``error:``; never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from contextlib import contextmanager

from augment import audio
from augment.errors import AugcheckError
from augment.recipe import Recipe, render, source
from augment.steps import STEPS, length_changed_by


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, no usage dump
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m augment", description="augcheck: augmentation recipes")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("steps", help="print every step's parameters as JSON")
    a = sub.add_parser("apply", help="render a recipe on an audio file")
    a.add_argument("recipe", help="recipe JSON file")
    a.add_argument("input", help="input audio file")
    a.add_argument("output", help="output audio file (format from the extension)")
    a.add_argument("--noise", action="append", default=[], help="noise file (repeatable)")
    a.add_argument("--ir", action="append", default=[], help="impulse response (repeatable)")
    a.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    a.add_argument(
        "--transcript",
        help="what is said in INPUT: adds the model's word error rate on the original and the "
        "augmented audio (the model: AUGCHECK_MODEL=module:function, else the built-in recognizer)",
    )
    i = sub.add_parser("import", help="store a recipe JSON file in the database")
    i.add_argument("file", help="recipe JSON file")
    e = sub.add_parser("export", help="print a stored recipe (or a recipe file) for training")
    e.add_argument("recipe", help="recipe id in the database, or a recipe JSON file")
    e.add_argument(
        "--to",
        choices=("json", "audiomentations"),
        default="json",
        help="recipe JSON (default) or Python code building an audiomentations Compose",
    )
    return p


def cmd_steps(_args) -> dict:
    return {"steps": [cls.describe() for cls in STEPS.values()]}


def _read_recipe(path: str) -> Recipe:
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        raise AugcheckError(f"{path}: cannot read the recipe ({exc.strerror})") from None
    return Recipe.from_json(text)


def _sources(paths: Sequence[str], sample_rate: int):
    out = []
    for path in paths:
        a = audio.read(path)
        with open(path, "rb") as fh:
            digest = audio.content_hash(fh.read())
        out.append(
            source(digest, os.path.basename(path), a.samples, a.sample_rate, target_sr=sample_rate)
        )
    return out


def cmd_apply(args) -> dict:
    recipe = _read_recipe(args.recipe)
    clip = audio.read(args.input)
    noises = _sources(args.noise, clip.sample_rate)
    irs = _sources(args.ir, clip.sample_rate)
    result = render(recipe, clip.samples, clip.sample_rate, seed=args.seed, noises=noises, irs=irs)
    audio.write(args.output, result.samples, result.sample_rate)
    out = {
        "recipe_id": result.recipe_id,
        "seed": result.seed,
        "input": args.input,
        "output": args.output,
        "sample_rate": result.sample_rate,
        "params": result.params,
        "metrics": {**result.metrics, **_hint_metrics(clip.samples, result)},
    }
    if args.transcript is not None:
        from augment.model import load_model, model_report

        report = model_report(
            load_model(), clip.samples, result.samples, result.sample_rate, args.transcript
        )
        out["model"] = {k: v for k, v in report.items() if k != "kind"}
    return out


def _hint_metrics(original, result) -> dict:
    """STOI (or null with the reason), SNR over speech frames only, and loudness in LUFS."""
    from augment.hints import hints

    h = hints(
        original,
        result.samples,
        result.noise,
        result.sample_rate,
        timing_cause=length_changed_by(result.params),
    )
    return {
        "stoi": h["stoi"],
        "stoi_reason": h["stoi_reason"],
        "snr_db_speech": h["snr_db_speech"],
        "snr_db_speech_reason": h["snr_db_speech_reason"],
        "lufs": h["lufs_augmented"],
        "lufs_original": h["lufs_original"],
    }


@contextmanager
def _database():
    """The default store (``AUGCHECK_DATA_DIR`` / ``AUGCHECK_DB_URL``); its errors in one line.

    Storage (SQLAlchemy) is imported here, so ``steps`` and ``apply`` do not pay for it.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from augment.storage import Store

    try:
        yield Store()
    except SQLAlchemyError as exc:
        line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise AugcheckError(f"database: {line}") from None


def cmd_import(args) -> dict:
    recipe = _read_recipe(args.file)
    with _database() as store:
        try:
            store.recipe(recipe.id)
            created = False
        except AugcheckError:  # not stored yet
            created = True
        store.save_recipe(recipe)
        name = store.recipe(recipe.id).name
    return {"recipe_id": recipe.id, "name": name, "created": created}


def _looks_like_path(text: str) -> bool:
    return text.endswith(".json") or os.sep in text or (os.altsep or os.sep) in text


def cmd_export(args) -> str:
    from augment import exporters

    if os.path.isfile(args.recipe) or _looks_like_path(args.recipe):
        recipe = _read_recipe(args.recipe)  # a missing file: "cannot read the recipe"
    else:
        with _database() as store:
            recipe = store.recipe(args.recipe)
    if args.to == "audiomentations":
        return exporters.to_audiomentations_code(recipe)
    return exporters.to_json(recipe)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    commands = {"steps": cmd_steps, "apply": cmd_apply, "import": cmd_import, "export": cmd_export}
    try:
        out = commands[args.command](args)
    except AugcheckError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (OSError, MemoryError) as exc:  # disk full, permission denied, ...
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if isinstance(out, str):  # text as is (recipe JSON, Python code)
        print(out, end="" if out.endswith("\n") else "\n")
    else:
        print(json.dumps(out, indent=2))
    return 0
