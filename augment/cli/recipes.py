"""``python -m augment import`` / ``export``: recipes into and out of the database."""

from __future__ import annotations

import os

from augment.cli._common import database, read_recipe
from augment.errors import NotFoundError


def register(sub) -> None:
    i = sub.add_parser("import", help="store a recipe JSON file in the database")
    i.add_argument("file", help="recipe JSON file")
    i.set_defaults(run=cmd_import)
    e = sub.add_parser("export", help="print a stored recipe (or a recipe file) for training")
    e.add_argument("recipe", help="recipe id in the database, or a recipe JSON file")
    e.add_argument(
        "--to",
        choices=("json", "audiomentations", "albumentations", "albumentations-json"),
        default="json",
        help="recipe JSON (default), Python code building an audiomentations Compose (audio), "
        "or an albumentations Compose as code or as A.from_dict JSON (images)",
    )
    e.set_defaults(run=cmd_export)


def cmd_import(args) -> dict:
    recipe = read_recipe(args.file)
    with database() as store:
        try:
            store.recipe(recipe.id)
            created = False
        except NotFoundError:  # not stored yet
            created = True
        store.save_recipe(recipe)
        name = store.recipe(recipe.id).name
    return {"recipe_id": recipe.id, "name": name, "created": created}


def _looks_like_path(text: str) -> bool:
    return text.endswith(".json") or os.sep in text or (os.altsep or os.sep) in text


def cmd_export(args) -> str:
    from augment.export import audiomentations

    if os.path.isfile(args.recipe) or _looks_like_path(args.recipe):
        recipe = read_recipe(args.recipe)  # a missing file: "cannot read the recipe"
    else:
        with database() as store:
            recipe = store.recipe(args.recipe)
    if args.to == "audiomentations":
        return audiomentations.to_audiomentations_code(recipe)
    if args.to.startswith("albumentations"):
        from augment.export import albumentations

        if args.to == "albumentations-json":
            return albumentations.to_albumentations_json(recipe)
        return albumentations.to_albumentations_code(recipe)
    return audiomentations.to_json(recipe)
