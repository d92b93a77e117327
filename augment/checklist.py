"""The checklist, in one place: its questions, the answers each allows, and the verdict rule.

Every review answers three questions. The first two are yes/no and decide the verdict: a sample
is **accepted** when it sounds realistic *and* its label is still clear, rejected otherwise. The
third (is the model likely to do poorly on it?) is stored beside the verdict as ``yes``, ``no``
or ``unknown``; it does not change the verdict. Storage, statistics, agreement, rounds and every
page take their vocabulary from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from augment.errors import ParameterError


@dataclass(frozen=True)
class Question:
    key: str  # the stored field: ``realistic``, ``clear``, ``model_poor``
    label: str  # what a form asks
    short: str  # the same in a few words, for messages
    choices: tuple[str, ...]  # what a form offers, in order
    required: bool  # a form refuses to save without it


#: 1. Does it sound realistic? (stored as a bool)
REALISTIC = Question(
    "realistic", "Sounds realistic", "Sounds realistic", ("Yes", "No"), required=True
)
#: 2. Is the label still clear? (stored as a bool)
CLEAR = Question(
    "clear",
    "Label still clear (a person can tell what was said)",
    "Label still clear",
    ("Yes", "No"),
    required=True,
)
#: 3. Is the model likely to do poorly on it? (stored as one of :data:`MODEL_POOR_ANSWERS`)
MODEL_POOR = Question(
    "model_poor",
    "Model likely does poorly on this",
    "Model likely does poorly",
    ("Yes", "No", "Don't know"),
    required=False,
)
QUESTIONS = (REALISTIC, CLEAR, MODEL_POOR)
#: Questions 1 and 2 as asked about a picture: (label, short); same answers, same verdict rule.
IMAGE_WORDING = {
    REALISTIC.key: ("Looks realistic", "Looks realistic"),
    CLEAR.key: (
        "Label still clear (a person can still see the defect / tell the class)",
        "Label still clear",
    ),
}


def asked(question: Question, modality: str = "audio") -> tuple[str, str]:
    """``(label, short)`` of a question as a form asks it about audio or about a picture."""
    if modality == "image" and question.key in IMAGE_WORDING:
        return IMAGE_WORDING[question.key]
    return question.label, question.short


#: The stored answers to question 3, and the form choice each comes from.
POOR_YES, POOR_NO, POOR_UNKNOWN = "yes", "no", "unknown"
MODEL_POOR_ANSWERS = (POOR_YES, POOR_NO, POOR_UNKNOWN)
MODEL_POOR_CODES = dict(zip(MODEL_POOR.choices, MODEL_POOR_ANSWERS, strict=True))
#: A form's yes/no choice as stored.
YES = "Yes"

ACCEPT, REJECT = "accept", "reject"
VERDICTS = (ACCEPT, REJECT)
#: The verdict rule in words, for captions.
VERDICT_RULE = "Accept = realistic and clear."

#: What statistics fit per review: each yes/no question, and ``both`` (realistic *and* clear,
#: i.e. an accept).
FIT_ITEMS = ("clear", "realistic", "both")
#: What agreement between reviewers is measured on: the verdict and each yes/no question.
AGREEMENT_ITEMS = ("verdict", REALISTIC.key, CLEAR.key)


def verdict_for(realistic: bool, clear: bool) -> str:
    """Accept when the sample sounds realistic and its label is still clear; reject otherwise."""
    return ACCEPT if realistic and clear else REJECT


def check_model_poor(value: str) -> str:
    """``value`` if it is an allowed answer to question 3; a :class:`ParameterError` otherwise."""
    if value not in MODEL_POOR_ANSWERS:
        raise ParameterError(f"model_poor={value!r} is not one of {', '.join(MODEL_POOR_ANSWERS)}")
    return value


__all__ = [
    "IMAGE_WORDING",
    "asked",
    "ACCEPT",
    "AGREEMENT_ITEMS",
    "CLEAR",
    "FIT_ITEMS",
    "MODEL_POOR",
    "MODEL_POOR_ANSWERS",
    "MODEL_POOR_CODES",
    "POOR_NO",
    "POOR_UNKNOWN",
    "POOR_YES",
    "QUESTIONS",
    "REALISTIC",
    "REJECT",
    "VERDICTS",
    "VERDICT_RULE",
    "YES",
    "Question",
    "check_model_poor",
    "verdict_for",
]
