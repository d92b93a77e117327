"""The name of one parameter of one step in a recipe: ``"<step>.<param>"``, or
``"<step>#2.<param>"`` for the step's second use (``#3`` for the third, ...).

Recipes (``numeric_keys``, ``with_setting``), sweeps, the statistics' fits and the CSV columns of
the drawn parameters all write and read keys through :class:`ParamKey`, so there is one format.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from augment.errors import ParameterError

_PATTERN = re.compile(
    r"^(?P<step>[a-z_][a-z0-9_]*)(?:#(?P<nth>[1-9][0-9]*))?\.(?P<param>[a-z0-9_]+)$"
)
FORMAT_HINT = "'<step>.<param>' or '<step>#2.<param>'"


@dataclass(frozen=True)
class ParamKey:
    step: str
    param: str
    #: Which use of the step in the recipe: 1 for the first.
    occurrence: int = 1

    @classmethod
    def parse(cls, text: str) -> ParamKey:
        """``"gain#2.gain_db"`` -> ``ParamKey("gain", "gain_db", 2)``; else a ParameterError."""
        m = _PATTERN.match(text) if isinstance(text, str) else None
        if m is None:
            raise ParameterError(f"key={text!r} is not {FORMAT_HINT}")
        return cls(m["step"], m["param"], int(m["nth"] or 1))

    @property
    def prefix(self) -> str:
        """``"gain"`` for the first use, ``"gain#2"`` for the second."""
        return step_prefix(self.step, self.occurrence)

    def __str__(self) -> str:
        return f"{self.prefix}.{self.param}"


def step_prefix(step: str, occurrence: int) -> str:
    return step if occurrence == 1 else f"{step}#{occurrence}"


def numbered(steps: Iterable[str]) -> Iterator[tuple[str, int]]:
    """Each step name with its occurrence so far: ``gain, noise, gain`` -> 1, 1, 2."""
    seen: dict[str, int] = {}
    for step in steps:
        seen[step] = seen.get(step, 0) + 1
        yield step, seen[step]


__all__ = ["FORMAT_HINT", "ParamKey", "numbered", "step_prefix"]
