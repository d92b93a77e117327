"""A whole render: check, plan, resume, run, write the manifests and ``render.json``.

:func:`prepare` does every check that can refuse the run (exit 2) before anything is written;
:func:`execute` renders what is not done yet and returns the summary (its ``errors`` decide
exit 1). The Render page and ``python -m augment render`` both call :func:`render_dataset`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from augment import audio
from augment.errors import AugcheckError, ParameterError
from augment.recipe import Recipe
from augment.render import executors, guard, output, target
from augment.render.inputs import Item, read_input, read_sources
from augment.render.media import Media, media_for
from augment.render.progress import Progress
from augment.render.work import Job, Task

ACCEPTED = "accepted"


@dataclass
class Options:
    """Everything a render is asked to do (the command line's arguments, as data)."""

    recipe: Recipe
    input: str
    out: str
    status: str | None = ACCEPTED  # the recipe's stored status (None: not stored)
    noises: list[str] = field(default_factory=list)
    irs: list[str] = field(default_factory=list)
    copies: int = 1
    seed: int = 0
    workers: int | None = None  # None: the number of cores
    dask: str | None = None  # "local" or a scheduler address
    format: str | None = None  # None: the media's default (wav; a picture keeps its own format)
    purpose: str = "training"
    assume_train: bool = False
    group_column: str | None = None
    any_status: bool = False
    command: list[str] = field(default_factory=list)
    overlays: list[str] = field(default_factory=list)  # textures for an image recipe's overlay


@dataclass
class Plan:
    options: Options
    job: Job
    sources: tuple[Item, ...]
    left_out: tuple[Item, ...]
    noises: list[Item]
    irs: list[Item]
    group_column: str | None
    warnings: list[str]
    noise_info: list[dict[str, Any]]
    ir_info: list[dict[str, Any]]
    media: Media
    overlay_info: list[dict[str, Any]] = field(default_factory=list)


def check_status(recipe_id: str, status: str | None, *, any_status: bool) -> str | None:
    """Only accepted recipes render; ``any_status`` turns the refusal into a warning (returned)."""
    if status == ACCEPTED:
        return None
    what = "is not stored in the database" if status is None else f"is {status!r}"
    if any_status:
        return f"warning: rendering recipe {recipe_id}, which {what} (not accepted): --any-status"
    how = (
        f"accept it on the Recipes page, or: python -m augment status {recipe_id} accepted "
        '--reason "..."; or pass --any-status'
    )
    if status is None:
        how = f"store it with: python -m augment import RECIPE.json, then {how}"
    raise ParameterError(
        f"recipe {recipe_id} {what}; only accepted recipes render. To render it, {how}"
    )


#: The options that name files a recipe's steps draw on, by the kind of library media.
SOURCE_OPTIONS = {"noise": "noises", "impulse_response": "irs", "texture": "overlays"}
OPTION_FLAGS = {"noises": "--noise", "irs": "--ir", "overlays": "--overlay"}


def _validate(o: Options, media: Media) -> None:
    if o.format is None:
        o.format = media.default_format
    if o.format is not None and o.format not in media.formats:
        raise ParameterError(
            f"--format {o.format!r} is not one of {', '.join(media.formats)} "
            f"(the recipe is for {media.modality})"
        )
    for name, flag in OPTION_FLAGS.items():
        if getattr(o, name) and name not in media.source_options:
            raise ParameterError(
                f"{flag} is for recipes that draw on it; this {media.modality} recipe does not"
            )
    if isinstance(o.copies, bool) or not isinstance(o.copies, int) or not 1 <= o.copies <= 1000:
        raise ParameterError(f"--copies {o.copies!r} must be a whole number from 1 to 1000")
    if isinstance(o.seed, bool) or not isinstance(o.seed, int) or not 0 <= o.seed < 2**63:
        raise ParameterError(f"--seed {o.seed!r} must be a whole number from 0 to 2**63-1")
    if o.workers is not None and not 1 <= o.workers <= 1024:
        raise ParameterError(f"--workers {o.workers!r} must be from 1 to 1024")
    if o.dask is not None and o.dask != "local" and "://" not in o.dask:
        raise ParameterError(f"--dask {o.dask!r}: give 'local' or an address like tcp://host:8786")
    target.check(o.out)  # a folder, or an fsspec URL whose driver is installed


def _check_readable(items: list[Item], what: str, media: Media) -> list[dict[str, Any]]:
    """Decode each noise / impulse response / texture once here, so a bad one refuses the run
    (exit 2)."""
    out = []
    for it in items:
        try:
            with open(it.path, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise AugcheckError(f"--{what} {it.rel}: cannot read ({exc.strerror})") from None
        media.check_source(data, name=it.rel)
        out.append(
            {"path": it.path, "name": it.rel, "sha256": audio.content_hash(data), "split": it.split}
        )
    return out


def prepare(o: Options) -> Plan:
    """Every refusal happens here, before anything is written."""
    media = media_for(o.recipe.modality)
    _validate(o, media)
    warnings = []
    w = check_status(o.recipe.id, o.status, any_status=o.any_status)
    if w:
        warnings.append(w)
    listing = read_input(o.input, media)
    selection = guard.select(
        listing, purpose=o.purpose, assume_train=o.assume_train, group_column=o.group_column
    )
    noises = read_sources(o.noises, "noise")
    irs = read_sources(o.irs, "ir")
    textures = read_sources(o.overlays, OPTION_FLAGS["overlays"][2:], media)
    guard.check_sources(noises, purpose=o.purpose, what="noise")
    guard.check_sources(irs, purpose=o.purpose, what="impulse response")
    guard.check_sources(textures, purpose=o.purpose, what="overlay texture")
    guard.check_out_dir(
        o.out, purpose=o.purpose, input_root=listing.root if listing.kind == "folder" else None
    )
    # by name without extension: a picture keeps its own, and its mask is <stem>.mask.png
    names = Counter(
        os.path.splitext(media.output_rel(i.rel, 1, o.format))[0] for i in selection.render
    )
    twice = [n for n, c in names.items() if c > 1]
    if twice:
        raise AugcheckError(
            f"{len(twice)} output name(s) would be written twice (the same file listed twice, or "
            f"files differing only in their extension), e.g. {twice[0]!r}"
        )
    _check_state(o)
    if "noise" in o.recipe.sources() and not noises:
        raise ParameterError("the recipe mixes in a background noise: pass --noise FILE_OR_DIR")
    if "texture" in o.recipe.sources() and not textures:
        raise ParameterError("the recipe pastes an overlay texture: pass --overlay FILE_OR_DIR")
    job = Job(
        recipe_json=o.recipe.to_json(indent=None),
        base_seed=int(o.seed),
        out_dir=target.absolute(o.out),
        format=o.format,
        purpose=o.purpose,
        noises=tuple((n.path, n.rel) for n in noises),
        irs=tuple((n.path, n.rel) for n in irs),
        max_duration_s=audio.max_duration_s(),
        modality=media.modality,
        overlays=tuple((n.path, n.rel) for n in textures),
    )
    return Plan(
        o,
        job,
        selection.render,
        selection.left_out,
        noises,
        irs,
        selection.group_column,
        warnings,
        _check_readable(noises, "noise", media_for("audio")),
        _check_readable(irs, "ir", media_for("audio")),
        media,
        _check_readable(textures, OPTION_FLAGS["overlays"][2:], media),
    )


def _state(o: Options) -> dict[str, Any]:
    return {"recipe_id": o.recipe.id, "seed": o.seed, "format": o.format, "purpose": o.purpose}


def _check_state(o: Options) -> bool:
    """True when ``--out`` holds a render of the same options (to resume); refuses another."""
    state_file = output.state_path(target.absolute(o.out), "state.json")
    try:
        before = json.loads(target.read_text(state_file))
    except FileNotFoundError:
        return False
    except (OSError, ValueError):
        raise AugcheckError(f"{state_file}: unreadable; use a new --out folder") from None
    if before != _state(o):
        changed = ", ".join(k for k in before if before.get(k) != _state(o).get(k)) or "settings"
        raise AugcheckError(
            f"--out {o.out} holds an unfinished or earlier render with another {changed}; "
            "use a new folder (or the same options to resume)"
        )
    return True


def _resume(plan: Plan, journal: output.Journal) -> tuple[list[Task], dict[str, dict], int]:
    """Tasks still to do, the journal entries kept, and how many outputs are already done."""
    o, out = plan.options, plan.job.out_dir
    state_file = output.state_path(out, "state.json")
    if _check_state(o):
        output.remove_stale_temporaries(out)
    output.write_json_atomic(state_file, _state(o))
    entries = journal.read()
    tasks, kept, skipped = [], {}, 0
    for item in plan.sources:
        stat = _stat(item.path)
        todo = []
        for copy in range(1, o.copies + 1):
            rel_out = plan.media.output_rel(item.rel, copy, o.format)
            e = entries.get(rel_out)
            if (
                e is not None
                and e.get("src") == stat
                and e["row"]["source_filepath"] == item.path
                and target.exists(target.join(out, rel_out))
            ):
                kept[rel_out] = e
                skipped += 1
            else:
                todo.append(copy)
        if todo:
            tasks.append(Task(item.path, item.rel, tuple(todo), dict(item.columns)))
    return tasks, kept, skipped


def _stat(path: str) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def _run_tasks(plan: Plan, tasks: list[Task]):
    o = plan.options
    if o.dask is not None:
        return executors.run_dask(tasks, plan.job, o.dask, o.workers), "dask"
    workers = o.workers or executors.default_workers()
    if workers == 1 or len(tasks) <= 1:
        return executors.run_serial(tasks, plan.job), "in-process"
    return executors.run_pool(tasks, plan.job, min(workers, len(tasks))), "process pool"


def execute(plan: Plan, progress: Progress | None = None) -> dict[str, Any]:
    """Render what is not done yet; write manifests, errors and ``render.json``; the summary."""
    o, out = plan.options, plan.job.out_dir
    progress = progress or Progress(out, quiet=True)
    started_at = dt.datetime.now(dt.timezone.utc)
    t0 = time.monotonic()
    target.makedirs(out)
    media = plan.media
    journal = output.Journal(out, key=media.path_column)
    tasks, kept, skipped = _resume(plan, journal)
    rows = [e["row"] for e in kept.values()]
    errors: list[dict[str, Any]] = []
    audio_s = cpu_s = 0.0
    todo = sum(len(t.copies) for t in tasks)
    progress.start(todo, skipped)
    stats = {t.path: _stat(t.path) for t in tasks}
    results, kind = _run_tasks(plan, tasks)
    try:
        for r in results:
            if r["rows"]:
                src = r["rows"][0]["source_filepath"]
                journal.append({"row": row, "src": stats.get(src)} for row in r["rows"])
            rows.extend(r["rows"])
            errors.extend(r["errors"])
            audio_s += r["audio_s"]
            cpu_s += r["cpu_s"]
            progress.update(
                len(r["rows"]) + sum(len(e["copies"]) for e in r["errors"]),
                sum(len(e["copies"]) for e in r["errors"]),
                r["audio_s"],
            )
    except BaseException:
        progress.finish("failed")
        raise
    finally:
        journal.close()
    output.write_results(out, rows, errors, key=media.path_column, columns=media.csv_columns())
    wall = time.monotonic() - t0
    left = [{"source_filepath": i.path, "split": i.split, "where": i.where} for i in plan.left_out]
    counts = {
        "inputs": len(plan.sources) + len(plan.left_out),
        "left_out": len(left),
        "sources": len(plan.sources),
        "copies": o.copies,
        "outputs": len(rows),
        "rendered": len(rows) - skipped,
        "skipped": skipped,
        "errors": len(errors),
        "error_outputs": sum(len(e["copies"]) for e in errors),
    }
    timings = {
        "started_at": started_at.isoformat(timespec="seconds"),
        "finished_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "wall_s": round(wall, 3),
        "audio_s": round(audio_s, 3),
        "audio_h": round(audio_s / 3600.0, 4),
        "cpu_s": round(cpu_s, 3),
        "real_time_factor": round(audio_s / wall, 1) if wall > 0 else None,
        "files_per_s": round((len(rows) - skipped) / wall, 2) if wall > 0 else None,
    }
    from augment.store import library_versions

    record = {
        "purpose": o.purpose,
        "modality": media.modality,
        "recipe": o.recipe.to_dict(with_id=True),
        "recipe_status": o.status,
        "any_status": o.any_status,
        "warnings": plan.warnings,
        "versions": library_versions(),
        "command": o.command,
        "input": o.input,
        "out": out,
        "seed": o.seed,
        "copies": o.copies,
        "format": o.format,
        "output": media.format_record(o.format),
        "executor": {
            "kind": kind,
            "workers": o.workers or executors.default_workers(),
            "dask": o.dask,
        },
        "assume_train": o.assume_train,
        "group_column": plan.group_column,
        "noises": plan.noise_info,
        "irs": plan.ir_info,
        "overlays": plan.overlay_info,
        "counts": counts,
        "timings": timings,
        "left_out": left,
    }
    output.write_json_atomic(target.join(out, "render.json"), record)
    progress.finish("done")
    return record


def summary_lines(record: dict[str, Any]) -> list[str]:
    """The final summary a person reads (files, hours, real-time factor, errors)."""
    c, t = record["counts"], record["timings"]
    media = media_for(record.get("modality"))
    lines = [
        f"{record['purpose']} render of recipe {record['recipe']['id']}: "
        f"{c['rendered']} files rendered {media.rate_text(t, c['rendered'])}; "
        f"{c['skipped']} already done (skipped); {c['outputs']} in manifest.jsonl"
    ]
    if c["left_out"]:
        lines.append(
            f"left out {c['left_out']} row(s) not for {record['purpose']} (named in render.json)"
        )
    if c["errors"]:
        lines.append(
            f"{c['errors']} input file(s) failed ({c['error_outputs']} outputs): "
            f"see {os.path.join(record['out'], 'errors.jsonl')}"
        )
    return lines


def render_dataset(o: Options, progress: Progress | None = None) -> dict[str, Any]:
    return execute(prepare(o), progress)
