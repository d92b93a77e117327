"""``python -m augment steps``: every step's parameters as JSON."""

from __future__ import annotations

from augment.steps import STEPS


def register(sub) -> None:
    sub.add_parser("steps", help="print every step's parameters as JSON").set_defaults(
        run=cmd_steps
    )


def cmd_steps(_args) -> dict:
    return {"steps": [cls.describe() for cls in STEPS.values()]}
