"""``python -m augment apply``: render a recipe on an audio file."""

from __future__ import annotations

import os
from collections.abc import Sequence

from augment import audio
from augment.cli._common import read_recipe
from augment.errors import AugcheckError
from augment.recipe import render, source
from augment.steps import length_changed_by


def register(sub) -> None:
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
    a.set_defaults(run=cmd_apply)


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


def _check_output(output: str, inputs: Sequence[str]) -> None:
    """Refuse an OUTPUT that would overwrite an input, or sits in a folder that does not exist."""
    for path in inputs:
        same = os.path.abspath(output) == os.path.abspath(path)
        try:
            same = same or os.path.samefile(output, path)
        except OSError:  # one of them does not exist
            pass
        if same:
            raise AugcheckError(f"OUTPUT {output} is an input file; it would be overwritten")
    folder = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(folder):
        raise AugcheckError(f"OUTPUT {output}: the folder {folder} does not exist")
    if os.path.isdir(output):
        raise AugcheckError(f"OUTPUT {output} is a folder; give a file name such as out.wav")


def cmd_apply(args) -> dict:
    _check_output(args.output, [args.recipe, args.input, *args.noise, *args.ir])
    recipe = read_recipe(args.recipe)
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
