"""The command line: ``python -m augment steps | apply | import | export | status | render``.

Bad input exits with code 2 and one line starting ``error:``; never a traceback.

One module per command group. Each has ``register(sub)``, which adds its sub-parsers to ``sub``
(an ``argparse`` sub-parsers action) and sets ``run=`` on each, a function ``(args)`` returning
a dict (printed as JSON), a str (printed as is) or an int (the exit code of a command that
printed its own output). Adding a command: a new module here, and one
line in ``COMMAND_MODULES`` (the order is the order of ``--help``). Keep heavy imports inside the
functions, so ``steps`` and ``apply`` stay fast.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Sequence

from augment.errors import AugcheckError

COMMAND_MODULES = (
    "augment.cli.steps",  # steps
    "augment.cli.apply",  # apply
    "augment.cli.recipes",  # import, export
    "augment.cli.labels",  # labels
    "augment.cli.delete",  # delete, archive
    "augment.cli.db",  # db upgrade, db current
    "augment.cli.status",  # status
    "augment.cli.render",  # render
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, no usage dump
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m augment", description="augcheck: augmentation recipes")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return p


def _one_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        out = args.run(args)
    except AugcheckError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (OSError, MemoryError) as exc:  # disk full, permission denied, ...
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug: still one line for the user, never a traceback
        print(f"error: internal error ({type(exc).__name__}: {_one_line(exc)})", file=sys.stderr)
        return 2
    if isinstance(out, int):  # the command printed its own output; this is its exit code
        return out
    try:
        if isinstance(out, str):  # text as is (recipe JSON, Python code)
            print(out, end="" if out.endswith("\n") else "\n")
        else:
            print(json.dumps(out, indent=2))
        sys.stdout.flush()
    except BrokenPipeError:  # `... | head`: the reader left; not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0
