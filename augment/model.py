"""Checklist question 3, "is the model likely to do poorly on it?", answered by running a model.

The default model is an offline speech recognizer: pocketsphinx with the US English acoustic model,
language model and dictionary shipped inside its wheel (nothing is downloaded). It is loaded once
per process (:func:`get_recognizer`) and decodes under a lock, since Streamlit runs each session in
a thread of one process and a pocketsphinx decoder is not thread-safe.

Bring your own model with the environment variable ``AUGCHECK_MODEL=module:function``. The
function takes ``(samples, sample_rate)`` -- float32 mono samples in [-1, 1] at the clip's rate --
and returns either

* a transcript ``str`` (speech recognition): scored by word error rate against the clip's
  transcript, or
* a ``(label, confidence)`` tuple (classification), ``confidence`` in [0, 1].

It may declare which with an attribute ``function.kind = "transcript"`` or ``"label"``; without
one, :func:`load_model` calls it once on 0.5 s of silence to find out. ``plugins/example_model.py``
is the template. The module must be importable: run the app from the project root (as
``streamlit run app.py`` does) or put its folder on ``PYTHONPATH``.

:func:`model_report` runs a model on the original and the augmented sample and says whether the
model does poorly on the augmented one; results are cached per sample (see :func:`run_model`), so
moving a slider decodes only the new augmented sample, not the original again.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from augment.audio import resample
from augment.errors import AugcheckError, ModelError, ParameterError

#: The environment variable naming a model as ``module:function``.
MODEL_ENV = "AUGCHECK_MODEL"
#: The built-in recognizer's display name.
BUILTIN_NAME = "pocketsphinx (en-US)"
#: pocketsphinx's US English model is trained on 16 kHz audio.
RECOGNIZER_SR = 16000
#: Search pruning for interactive use: at most 3000 HMMs and 10 word exits per frame, no second
#: (flat-lexicon) pass. On the CMU ARCTIC clips mixed with kitchen noise at 5 and -5 dB this cut
#: the decode time about four-fold against pocketsphinx's defaults (which let the search grow
#: to 30000 HMMs per frame in noise), with the same or lower word error rates.
DECODER_CONFIG: dict[str, Any] = {"maxhmmpf": 3000, "maxwpf": 10, "fwdflat": False}

#: Transcript models: the augmented sample is "poor" when its word error rate exceeds the
#: original's by at least this much (20 points). The bar is the model's own result on the clean
#: clip, not an absolute WER: a model that is weak on a voice (clean WER 64% on a held-out
#: accent) would otherwise mark every sample of that voice poor, the unchanged one included.
POOR_WER_RISE = 0.2
#: Label models: "poor" when the confidence in the label falls by at least this much.
POOR_CONFIDENCE_DROP = 0.3

#: How many model outputs the per-sample cache keeps.
CACHE_SIZE = 64

_SPEC = re.compile(r"^([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*):([A-Za-z_]\w*)$")
_PUNCT = re.compile(r"[^\w\s']|_")
_QUOTES = re.compile(r"(?<!\w)'|'(?!\w)")
_SPACES = re.compile(r"\s+")


# --------------------------------------------------------------------------------------------
# the built-in recognizer
# --------------------------------------------------------------------------------------------
class Recognizer:
    """pocketsphinx with its bundled US English model; one decoder, decoding under a lock."""

    name = BUILTIN_NAME

    def __init__(self, **config: Any) -> None:
        """Load the bundled model; ``config`` overrides :data:`DECODER_CONFIG` entries."""
        from pocketsphinx import Decoder

        t0 = time.perf_counter()
        self._decoder = Decoder(loglevel="FATAL", **{**DECODER_CONFIG, **config})
        #: seconds the model took to load
        self.load_s = time.perf_counter() - t0
        self._lock = threading.Lock()

    def transcribe(self, y: np.ndarray, sample_rate: int) -> str:
        """The recognised words (lower case, space separated; ``""`` when none)."""
        pcm = to_pcm16(resample(np.asarray(y, dtype=np.float32), sample_rate, RECOGNIZER_SR))
        if len(pcm) == 0:
            return ""
        with self._lock:
            self._decoder.start_utt()
            self._decoder.process_raw(pcm.tobytes(), no_search=False, full_utt=True)
            self._decoder.end_utt()
            hyp = self._decoder.hyp()
        return hyp.hypstr.strip() if hyp is not None else ""


_recognizer: Recognizer | None = None
_recognizer_lock = threading.Lock()


def get_recognizer() -> Recognizer:
    """The process's one :class:`Recognizer`, loaded on first use (thread-safe)."""
    global _recognizer
    if _recognizer is None:
        with _recognizer_lock:
            if _recognizer is None:
                _recognizer = Recognizer()
    return _recognizer


def transcribe(y: np.ndarray, sample_rate: int) -> str:
    """Transcribe with the built-in recognizer (see :class:`Recognizer`)."""
    return get_recognizer().transcribe(y, sample_rate)


def to_pcm16(y: np.ndarray) -> np.ndarray:
    """Float samples in [-1, 1] as int16 PCM (clipped at full scale, NaN as 0)."""
    y = np.nan_to_num(np.asarray(y, dtype=np.float64), nan=0.0, posinf=1.0, neginf=-1.0)
    return np.round(np.clip(y, -1.0, 1.0) * 32767.0).astype(np.int16)


# --------------------------------------------------------------------------------------------
# word error rate
# --------------------------------------------------------------------------------------------
def normalise_text(text: str) -> str:
    """Lower case, punctuation dropped (apostrophes inside words kept), spaces collapsed."""
    text = _PUNCT.sub(" ", str(text).lower())
    text = _QUOTES.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate of ``hypothesis`` against ``reference``, both normalised first.

    (substitutions + deletions + insertions) / words in the reference, so it can exceed 1.
    An empty hypothesis scores 1.0. An empty reference is refused with :class:`ParameterError`.
    """
    import jiwer

    ref = normalise_text(reference or "")
    if not ref:
        raise ParameterError(
            f"reference transcript {reference!r} has no words: a word error rate needs some"
        )
    hyp = normalise_text(hypothesis or "")
    if not hyp:
        return 1.0
    return float(jiwer.wer(ref, hyp))


# --------------------------------------------------------------------------------------------
# models: the built-in one and plugins
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ModelOutput:
    """What a model said about one sample: a transcript, or a label with its confidence."""

    text: str | None = None
    label: str | None = None
    confidence: float | None = None

    @property
    def kind(self) -> str:
        return "transcript" if self.text is not None else "label"


class Model:
    """A callable wrapper: ``model(y, sr) -> ModelOutput``, with ``.name`` and ``.kind``.

    ``kind`` is ``"transcript"`` or ``"label"``. A plugin's outputs are checked on every call, and
    anything it raises comes out as one-line :class:`ModelError` naming the model.
    """

    def __init__(self, name: str, fn: Callable[[np.ndarray, int], Any], kind: str) -> None:
        self.name = name
        self.kind = kind
        self._fn = fn

    def __repr__(self) -> str:
        return f"Model(name={self.name!r}, kind={self.kind!r})"

    def __call__(self, y: np.ndarray, sample_rate: int) -> ModelOutput:
        y = np.ascontiguousarray(y, dtype=np.float32)
        try:
            raw = self._fn(y, int(sample_rate))
        except AugcheckError:
            raise
        except Exception as exc:
            raise ModelError(f"model {self.name!r} failed: {_one_line(exc)}") from exc
        out = _to_output(self.name, raw)
        if out.kind != self.kind:
            raise ModelError(
                f"model {self.name!r} returned a {out.kind} ({_short(raw)}) but is a {self.kind} "
                "model"
            )
        return out


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _to_output(name: str, raw: Any) -> ModelOutput:
    if isinstance(raw, str):
        return ModelOutput(text=raw)
    if isinstance(raw, tuple) and len(raw) == 2 and isinstance(raw[0], str):
        label, conf = raw
        try:
            conf = float(conf)
        except (TypeError, ValueError):
            conf = float("nan")
        if not (0.0 <= conf <= 1.0):  # also refuses NaN
            raise ModelError(
                f"model {name!r} returned confidence {raw[1]!r} for label {label!r}; "
                "it must be a number from 0 to 1"
            )
        return ModelOutput(label=label, confidence=conf)
    raise ModelError(
        f"model {name!r} returned {_short(raw)} ({type(raw).__name__}); "
        "it must return a transcript str or a (label, confidence) tuple"
    )


def _builtin_model() -> Model:
    return Model(BUILTIN_NAME, lambda y, sr: get_recognizer().transcribe(y, sr), "transcript")


def load_model(spec: str | None = None) -> Model:
    """The model named by ``spec`` (``module:function``), else by ``$AUGCHECK_MODEL``, else the
    built-in recognizer (``name == "pocketsphinx (en-US)"``, ``kind == "transcript"``).

    A bad spec raises :class:`ModelError` with one line naming it: not of the form
    module:function, module not importable (with the import error), no such function, not
    callable, or (when it declares no ``kind``) a probe call on silence failed or returned
    something that is neither a str nor a (label, confidence) tuple.
    """
    where = "model spec" if spec is not None else MODEL_ENV
    if spec is None:
        spec = os.environ.get(MODEL_ENV, "")
    spec = spec.strip()
    if not spec:
        return _builtin_model()
    m = _SPEC.match(spec)
    if not m:
        raise ModelError(f"{where}={spec!r} is not of the form module:function")
    module_name, func_name = m.groups()
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # ImportError, or anything the module raises while importing
        raise ModelError(
            f"{where}={spec!r}: cannot import module {module_name!r} ({_one_line(exc)})"
        ) from None
    if not hasattr(module, func_name):
        raise ModelError(f"{where}={spec!r}: module {module_name!r} has no {func_name!r}")
    fn = getattr(module, func_name)
    if not callable(fn):
        raise ModelError(
            f"{where}={spec!r}: {func_name!r} is a {type(fn).__name__}, not a callable function"
        )
    kind = getattr(fn, "kind", None)
    if kind is not None and kind not in ("transcript", "label"):
        raise ModelError(
            f"{where}={spec!r}: {func_name}.kind is {kind!r}; use 'transcript' or 'label'"
        )
    if kind is None:  # find out by calling it once on 0.5 s of silence
        try:
            raw = fn(np.zeros(RECOGNIZER_SR // 2, np.float32), RECOGNIZER_SR)
        except Exception as exc:
            raise ModelError(
                f"{where}={spec!r}: a probe call on 0.5 s of silence failed ({_one_line(exc)})"
            ) from None
        kind = _to_output(spec, raw).kind
    return Model(spec, fn, kind)


# --------------------------------------------------------------------------------------------
# results per sample, cached
# --------------------------------------------------------------------------------------------
_cache: OrderedDict[tuple, ModelOutput] = OrderedDict()
_cache_lock = threading.Lock()


def sample_key(y: np.ndarray, sample_rate: int) -> tuple[str, int]:
    """(sha1 of the float32 samples' bytes, rate): what identifies a sample in the cache."""
    data = np.ascontiguousarray(y, dtype=np.float32)
    return hashlib.sha1(data.tobytes()).hexdigest(), int(sample_rate)


def run_model(model: Model, y: np.ndarray, sample_rate: int) -> ModelOutput:
    """``model(y, sample_rate)``, through a small LRU cache (:data:`CACHE_SIZE` entries).

    The key is (model name, sha1 of the float32 samples, sample rate). The reference transcript
    is not part of it: it does not change what the model hears, and scoring is cheap.
    """
    key = (model.name, model.kind, *sample_key(y, sample_rate))
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    out = model(y, sample_rate)
    with _cache_lock:
        _cache[key] = out
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return out


def clear_cache() -> None:
    """Forget every cached model output."""
    with _cache_lock:
        _cache.clear()


def model_report(
    model: Model,
    original: np.ndarray,
    augmented: np.ndarray,
    sample_rate: int,
    transcript: str | None,
    *,
    poor_wer_rise: float = POOR_WER_RISE,
    poor_confidence_drop: float = POOR_CONFIDENCE_DROP,
) -> dict[str, Any]:
    """Run ``model`` on the original and the augmented sample; say whether it does poorly.

    Transcript models::

        {"model", "kind": "transcript", "reference": "transcript" | "recognised original",
         "wer_original", "wer_augmented", "text_original", "text_augmented", "poor", "rule"}

    ``poor`` is true when ``wer_augmented - wer_original >= poor_wer_rise`` (default 0.2: the
    augmentation itself costs a fifth of the words). The bar is the model's own result on the
    original, never an absolute WER, so a model that is weak on a voice does not mark every
    sample of it poor. ``rule`` states the rule with this sample's figures, for the UI. Without
    a ``transcript`` the original's recognised text is the reference (``wer_original`` is then 0
    and the WER measures how much the augmentation changed what the model hears); that fails
    with :class:`ParameterError` when the model recognised no words in the original either.

    Label models::

        {"model", "kind": "label", "label_original", "label_augmented",
         "confidence_original", "confidence_augmented", "poor", "rule"}

    ``poor`` is true when the label changed or the confidence fell by at least
    ``poor_confidence_drop`` (default 0.3). The transcript is not used.
    """
    out_o = run_model(model, original, sample_rate)
    out_a = run_model(model, augmented, sample_rate)
    if model.kind == "label":
        drop = out_o.confidence - out_a.confidence
        return {
            "model": model.name,
            "kind": "label",
            "label_original": out_o.label,
            "label_augmented": out_a.label,
            "confidence_original": round(out_o.confidence, 4),
            "confidence_augmented": round(out_a.confidence, 4),
            "poor": bool(out_a.label != out_o.label or drop >= poor_confidence_drop),
            "rule": f"Poor when the label changes or the confidence drops by "
            f"{poor_confidence_drop:.2f} or more from the original's; here "
            + (
                f"the label changed ({out_o.label} → {out_a.label})."
                if out_a.label != out_o.label
                else f"it dropped {drop:+.2f}."
            ),
        }
    if transcript is not None and normalise_text(transcript):
        reference, ref_kind = transcript, "transcript"
    else:
        if not normalise_text(out_o.text):
            raise ParameterError(
                f"no transcript given (transcript={transcript!r}) and {model.name} recognised no "
                "words in the original to compare with"
            )
        reference, ref_kind = out_o.text, "recognised original"
    w_o = wer(reference, out_o.text)
    w_a = wer(reference, out_a.text)
    return {
        "model": model.name,
        "kind": "transcript",
        "reference": ref_kind,
        "wer_original": round(w_o, 4),
        "wer_augmented": round(w_a, 4),
        "text_original": out_o.text,
        "text_augmented": out_a.text,
        "poor": bool(w_a - w_o >= poor_wer_rise - 1e-9),
        "rule": f"Poor when this sample's WER is {100 * poor_wer_rise:.0f} points or more above "
        f"the model's own WER on the original ({100 * w_o:.0f}%); here "
        f"{100 * (w_a - w_o):+.0f} points.",
    }


# --- running the model in a worker process --------------------------------------------------------
_WORKER_MODEL: Model | None = None


def worker_report(
    original: np.ndarray,
    augmented: np.ndarray,
    sample_rate: int,
    transcript: str | None,
    *,
    max_s: float = 60.0,
) -> dict[str, Any]:
    """:func:`model_report` for a worker process: the model is loaded once per worker.

    The Studio runs this in its own process, so decoding never competes with the page's script
    for the interpreter lock, and the sliders stay free while the model listens. At most the
    first ``max_s`` seconds are heard (noted in the report).
    """
    global _WORKER_MODEL
    if _WORKER_MODEL is None:
        _WORKER_MODEL = load_model()
    n = int(max_s * sample_rate)
    report = model_report(_WORKER_MODEL, original[:n], augmented[:n], sample_rate, transcript)
    if len(original) > n:
        report["note"] = f"the model heard the first {max_s:.0f} s"
    return report
