"""``python -m augment delete HASH`` and ``archive RECIPE_ID [--undo]``.

``delete`` removes a clip, noise or impulse response's audio (and transcript) from the
database; reviews that used it stay (their verdicts still count) and show it as deleted, rounds
stop giving labelers the samples that used it. ``archive`` hides a recipe from the lists, kept.
"""

from __future__ import annotations

from augment.cli._common import database


def register(sub) -> None:
    d = sub.add_parser("delete", help="delete a clip, noise or impulse response's audio")
    d.add_argument("hash", help="the media hash (or its first 8+ hex digits, as the pages show)")
    d.set_defaults(run=cmd_delete)
    a = sub.add_parser("archive", help="hide a recipe from the lists (kept with its reviews)")
    a.add_argument("recipe", help="recipe id")
    a.add_argument("--undo", action="store_true", help="unarchive it")
    a.set_defaults(run=cmd_archive)


def cmd_delete(args) -> dict:
    with database() as store:
        media = store.find_media(args.hash)
        was_deleted = media.deleted
        media = store.delete_media(media.hash)
        use = store.media_usage(media.hash)
    return {
        "hash": media.hash,
        "name": media.name,
        "kind": media.kind,
        "deleted": not was_deleted,  # false: it was already deleted
        "deleted_at": media.deleted_at.isoformat(),
        "reviews_kept": use["reviews"],
        "rounds": use["rounds"],
    }


def cmd_archive(args) -> dict:
    with database() as store:
        store.set_recipe_archived(args.recipe, not args.undo)
        name = store.recipe(args.recipe).name
    return {"recipe_id": args.recipe, "name": name, "archived": not args.undo}
