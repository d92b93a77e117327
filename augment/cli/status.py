"""``python -m augment status RECIPE_ID STATUS --reason ...``: set a stored recipe's status."""

from __future__ import annotations

import getpass

from augment.cli._common import database


def register(sub) -> None:
    s = sub.add_parser("status", help="set a stored recipe's status (accepted recipes render)")
    s.add_argument("recipe_id", help="stored recipe id")
    s.add_argument("status", help="draft, 'in review', accepted or rejected")
    s.add_argument("--reason", required=True, help="why (stored with the status)")
    s.add_argument("--by", default=None, help="who (default: the login name)")
    s.set_defaults(run=cmd_status)


def cmd_status(args) -> dict:
    by = args.by if args.by is not None else getpass.getuser()
    with database() as store:
        store.set_recipe_status(args.recipe_id, args.status, reason=args.reason, by=by)
        row = next(r for r in store.list_recipes() if r["id"] == args.recipe_id)
    return {"recipe_id": args.recipe_id, "name": row["name"], "status": row["status"], "by": by}
