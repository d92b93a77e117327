"""``python -m augment render``: an accepted recipe over a folder or manifest, as training data.

Exit codes: 0 all rendered, 1 some input files failed (listed in ``errors.jsonl``, one summary
line), 2 a bad command line, recipe or refusal of the leakage guard (one ``error:`` line).
"""

from __future__ import annotations

import os
import sys

from augment.cli._common import database, read_recipe
from augment.errors import AugcheckError


def register(sub) -> None:
    r = sub.add_parser(
        "render",
        help="render an accepted recipe over a folder or manifest (offline augmentation)",
        description="Render RECIPE_ID_OR_FILE over every training file of --input into --out, "
        "with manifest.jsonl, manifest.csv, errors.jsonl and render.json. Rerun the same "
        "command to resume.",
    )
    r.add_argument("recipe", metavar="RECIPE_ID_OR_FILE", help="stored recipe id or recipe JSON")
    r.add_argument(
        "--input",
        required=True,
        metavar="DIR_OR_MANIFEST",
        help="folder of audio files or pictures (recursive), or a NeMo-style manifest "
        "(.jsonl/.json or .csv: audio_filepath, duration, text, split, speaker; for an image "
        "recipe image_filepath, label, split, ...)",
    )
    r.add_argument(
        "--out",
        required=True,
        metavar="DIR_OR_URL",
        help="output folder, or an fsspec URL (s3://bucket/aug; needs the protocol's driver)",
    )
    r.add_argument(
        "--noise",
        action="append",
        default=[],
        metavar="FILE_OR_DIR",
        help="noise file, folder or manifest (with an optional split); repeatable",
    )
    r.add_argument(
        "--ir",
        action="append",
        default=[],
        metavar="FILE_OR_DIR",
        help="impulse response file, folder or manifest; repeatable",
    )
    r.add_argument(
        "--overlay",
        action="append",
        default=[],
        metavar="FILE_OR_DIR",
        help="texture for an image recipe's overlay step: file, folder or manifest; repeatable",
    )
    r.add_argument("--copies", type=int, default=1, help="augmented copies per file (default 1)")
    r.add_argument("--seed", type=int, default=0, help="base seed (default 0)")
    where = r.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=int,
        default=None,
        help="local worker processes (default: the number of cores)",
    )
    where.add_argument(
        "--dask",
        metavar="SCHEDULER_ADDRESS",
        help="'local' (a LocalCluster) or tcp://host:8786 (a running scheduler)",
    )
    r.add_argument(
        "--format",
        choices=("wav", "flac", "png", "jpeg", "webp"),
        default=None,
        help="audio: wav (default) or flac; pictures: png, jpeg or webp "
        "(default: each keeps its own format)",
    )
    r.add_argument(
        "--assume-train",
        action="store_true",
        help="the input has no split column: every file is training data",
    )
    r.add_argument(
        "--group-column",
        metavar="NAME",
        help="column whose groups must not be in both train and val/test "
        "(default: speaker, when present)",
    )
    r.add_argument(
        "--evaluation-set",
        action="store_true",
        help="render the val/test rows on purpose (a robustness test set)",
    )
    r.add_argument(
        "--any-status",
        action="store_true",
        help="render a recipe that is not accepted (recorded in render.json)",
    )
    r.add_argument("--quiet", action="store_true", help="no progress, only the summary")
    r.set_defaults(run=cmd_render)


def _recipe_and_status(spec: str):
    if os.path.isfile(spec) or spec.endswith(".json"):
        recipe = read_recipe(spec)
        with database() as store:
            status = next((r["status"] for r in store.list_recipes() if r["id"] == recipe.id), None)
        return recipe, status
    with database() as store:
        recipe = store.recipe(spec)
        status = next((r["status"] for r in store.list_recipes() if r["id"] == recipe.id), None)
    return recipe, status


def cmd_render(args) -> int:
    from augment.render import Options, execute, prepare, summary_lines
    from augment.render.progress import Progress

    recipe, status = _recipe_and_status(args.recipe)
    options = Options(
        recipe=recipe,
        input=args.input,
        out=args.out,
        status=status,
        noises=args.noise,
        irs=args.ir,
        overlays=args.overlay,
        copies=args.copies,
        seed=args.seed,
        workers=args.workers,
        dask=args.dask,
        format=args.format,
        purpose="evaluation" if args.evaluation_set else "training",
        assume_train=args.assume_train,
        group_column=args.group_column,
        any_status=args.any_status,
        command=["python", "-m", "augment", *sys.argv[1:]],
    )
    plan = prepare(options)
    for w in plan.warnings:
        print(w, file=sys.stderr)
    if plan.left_out:
        print(
            f"leaving out {len(plan.left_out)} row(s) not for {options.purpose} "
            "(named in render.json)",
            file=sys.stderr,
        )
    try:
        record = execute(plan, Progress(plan.job.out_dir, quiet=args.quiet))
    except KeyboardInterrupt:
        print("interrupted: rerun the same command to resume", file=sys.stderr)
        return 130
    except AugcheckError:
        raise
    for line in summary_lines(record):
        print(line)
    return 1 if record["counts"]["errors"] else 0
