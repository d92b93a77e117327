"""augment.checklist: the questions, the allowed answers and the verdict rule, in one place."""

import ast
from pathlib import Path

import pytest

from augment import checklist
from augment.errors import ParameterError
from tests.conftest import ROOT


@pytest.mark.parametrize(
    ("realistic", "clear", "verdict"),
    [
        (True, True, "accept"),
        (True, False, "reject"),
        (False, True, "reject"),
        (False, False, "reject"),
    ],
)
def test_accept_iff_realistic_and_clear(realistic, clear, verdict):
    assert checklist.verdict_for(realistic, clear) == verdict


def test_questions_and_answers():
    assert [q.key for q in checklist.QUESTIONS] == ["realistic", "clear", "model_poor"]
    assert [q.required for q in checklist.QUESTIONS] == [True, True, False]
    assert checklist.MODEL_POOR_ANSWERS == ("yes", "no", "unknown")
    assert checklist.MODEL_POOR_CODES == {"Yes": "yes", "No": "no", "Don't know": "unknown"}
    assert checklist.VERDICTS == ("accept", "reject")
    for ok in checklist.MODEL_POOR_ANSWERS:
        assert checklist.check_model_poor(ok) == ok
    with pytest.raises(ParameterError, match="model_poor='maybe' is not one of yes, no, unknown"):
        checklist.check_model_poor("maybe")


def string_constants(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    }


def test_the_checklist_vocabulary_is_spelled_only_in_its_module():
    """Labels, verdict words and the 'Don't know' choice come from augment.checklist everywhere."""
    words = {q.label for q in checklist.QUESTIONS} | {q.short for q in checklist.QUESTIONS}
    words |= set(checklist.VERDICTS) | {"Don't know"}
    files = [*(ROOT / "augment").rglob("*.py"), *(ROOT / "views").glob("*.py"), ROOT / "app.py"]
    found = {
        str(p.relative_to(ROOT)): sorted(string_constants(p) & words)
        for p in files
        if p.name != "checklist.py"
    }
    assert {k: v for k, v in found.items() if v} == {}
    # the check can fail: the checklist module itself spells them
    assert string_constants(ROOT / "augment" / "checklist.py") & words == words
