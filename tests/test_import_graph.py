"""The project's import graph has no cycle (module-level and function-level imports alike).

Built with ``ast`` from the source of ``augment/`` (and ``views/``, ``app.py``), so a lazy
import inside a function, the usual way a cycle hides, counts too.
"""

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = "augment"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    files = list((ROOT / PACKAGE).rglob("*.py")) + list((ROOT / "views").glob("*.py"))
    return {module_name(p): p for p in files + [ROOT / "app.py"]}


def resolve(name: str, known: dict[str, Path]) -> str | None:
    """The project module ``name`` refers to: itself, or the nearest package above it."""
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(mod: str, path: Path, known: dict[str, Path]) -> set[str]:
    is_package = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's package, up level - 1
                pkg = mod.split(".") if is_package else mod.split(".")[:-1]
                pkg = pkg[: len(pkg) - (node.level - 1)]
                base = ".".join([*pkg, base] if base else pkg)
            # ``from a.b import c``: the module a.b.c when there is one, else a name in a.b
            targets = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names
            ]
        for t in targets:
            r = resolve(t, known)
            if r is not None and r != mod:
                out.add(r)
    return out


def import_graph() -> dict[str, set[str]]:
    known = project_modules()
    return {m: imports_of(m, p, known) for m, p in known.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a list of modules (first == last), or ``None``."""
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph.get(m, ())):
            if state.get(n) == 1:
                return stack[stack.index(n) :] + [n]
            if n not in state:
                found = visit(n)
                if found:
                    return found
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state:
            found = visit(m)
            if found:
                return found
    return None


def test_the_import_graph_has_no_cycle():
    graph = import_graph()
    assert "augment.store.store" in graph and "augment.review.rounds" in graph
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_cycle_finder_finds_a_cycle_hidden_in_a_function(tmp_path):
    """The check can fail: the old storage <-> rounds cycle (a lazy import) is found."""
    known = {"augment.storage": tmp_path / "storage.py", "augment.rounds": tmp_path / "rounds.py"}
    known["augment.storage"].write_text(
        "class Store:\n    def __init__(self):\n        import augment.rounds  # noqa\n"
    )
    known["augment.rounds"].write_text("from augment.storage import Store\n")
    graph = {m: imports_of(m, p, known) for m, p in known.items()}
    assert graph == {"augment.storage": {"augment.rounds"}, "augment.rounds": {"augment.storage"}}
    assert find_cycle(graph) == ["augment.rounds", "augment.storage", "augment.rounds"]


def test_store_and_rounds_take_their_tables_from_the_schema_module():
    graph = import_graph()
    assert "augment.store.schema" in graph["augment.store.store"]
    assert "augment.store.schema" in graph["augment.review.rounds"]
    assert "augment.review.rounds" not in graph["augment.store.store"]
    assert graph["augment.store.schema"] <= {"augment"}  # nothing of the project but the package
