"""Signal coverage: which of a criterion's `signals` a free-text answer mentions.

Coverage is evidence for the person scoring, never a grade by itself: an answer can name every
term and still be wrong. Matching rules, chosen to forgive spelling variety but not to guess:

* Case-insensitive; the answer and the phrases are NFC-normalised first, so a composed and a
  decomposed accent are the same letter. Offsets refer to the NFC form of the answer (the same
  string for ordinary typed text).
* Whole words only: a phrase must not touch a letter or digit on either side, so "cache" does
  not match "cachet" or "precache". Punctuation, quotes and underscores are boundaries, so
  "cache," "(caches)" "cache's" and "cache_ttl" all mention "cache".
* A signal matches if its term or any of its synonyms does.
* The words of a multi-word phrase may be joined by any run of whitespace (line breaks
  included), hyphens or dashes, underscores, or nothing: "write through", "write-through",
  "write–through" and "writethrough" are one phrase, whichever way the author wrote it.
* Only the last word of a phrase is inflected, and only when it ends in a letter:
  plurals "s"/"es" (and "y" -> "ies"), and the verb forms "ed"/"ing" with a final "e"
  dropped or the last consonant doubled. So "cache" matches "caches", "cached" and
  "caching"; "edge case" matches "edge cases"; "strategy" matches "strategies". Authors write
  the base form; anything else (irregular forms, "learnt") goes in `synonyms`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from trainer.core.packs.model import Signal
from trainer.core.packs.resolve import ResolvedCriterion

#: Characters that join the words of a phrase: whitespace, hyphens/dashes, underscore.
_JOINERS = "\\s\\-_\u00ad\u2010\u2011\u2012\u2013\u2014\u2212"
_SPLIT = re.compile(f"[{_JOINERS}]+")
_GAP = f"[{_JOINERS}]*"
# A letter or digit (not underscore): what a whole-word match may not touch.
_BEFORE = r"(?<![^\W_])"
_AFTER = r"(?![^\W_])"
_VOWELS = "aeiou"


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _last_word(word: str) -> str:
    """Regex for the final word with the inflections listed in the module docstring."""
    esc = re.escape(word)
    if not word[-1:].isalpha():
        return esc
    forms = [f"{esc}(?:s|es|ed|ing)?"]
    low = word.lower()
    if low.endswith("e"):
        stem = re.escape(word[:-1])
        forms.append(f"{esc}d")
        forms.append(f"{stem}ing")
    if len(low) > 1 and low.endswith("y") and low[-2] not in _VOWELS:
        forms.append(f"{re.escape(word[:-1])}(?:ies|ied)")
    if len(low) > 1 and low[-1] not in _VOWELS + "wxy" and low[-2] in _VOWELS:
        forms.append(f"{esc}{re.escape(word[-1])}(?:ed|ing)")
    return "(?:" + "|".join(forms) + ")"


@lru_cache(maxsize=2048)
def phrase_pattern(phrase: str) -> re.Pattern[str] | None:
    """Compiled matcher for one term or synonym; None for a phrase with no words."""
    words = [w for w in _SPLIT.split(_nfc(phrase).strip()) if w]
    if not words:
        return None
    parts = [re.escape(w) for w in words[:-1]] + [_last_word(words[-1])]
    body = _GAP.join(parts)
    head = _BEFORE if words[0][:1].isalnum() else ""
    tail = _AFTER if words[-1][-1:].isalnum() else ""
    return re.compile(f"{head}{body}{tail}", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class SignalHit:
    """One signal and where the answer mentions it (the earliest of its phrases)."""

    term: str
    found: str | None = None  # the text as written in the answer
    start: int | None = None  # offset into the NFC-normalised answer

    @property
    def mentioned(self) -> bool:
        return self.found is not None


@dataclass(frozen=True, slots=True)
class SignalCoverage:
    """Per criterion: the signals mentioned and missed, in the author's order."""

    criterion_id: str
    title: str
    hits: tuple[SignalHit, ...]

    @property
    def mentioned(self) -> tuple[str, ...]:
        return tuple(h.term for h in self.hits if h.mentioned)

    @property
    def missed(self) -> tuple[str, ...]:
        return tuple(h.term for h in self.hits if not h.mentioned)

    @property
    def ratio(self) -> Fraction:
        """Share of the signals mentioned (0 when the criterion lists none)."""
        if not self.hits:
            return Fraction(0)
        return Fraction(len(self.mentioned), len(self.hits))


def find_signal(answer: str, signal: Signal) -> SignalHit:
    """Where `answer` first mentions `signal` (by term or synonym), if anywhere."""
    return _find(_nfc(answer), signal)


def _find(text: str, signal: Signal) -> SignalHit:
    best: re.Match[str] | None = None
    for phrase in signal.phrases:
        pattern = phrase_pattern(phrase)
        if pattern is None:
            continue
        match = pattern.search(text)
        if match is not None and (best is None or match.start() < best.start()):
            best = match
    if best is None:
        return SignalHit(signal.term)
    return SignalHit(signal.term, best.group(0), best.start())


def mentions(answer: str, phrase: str) -> bool:
    """True when `answer` mentions `phrase` by the module's rules."""
    pattern = phrase_pattern(phrase)
    return pattern is not None and pattern.search(_nfc(answer)) is not None


def signal_coverage(answer: str, criteria: Sequence[ResolvedCriterion]) -> list[SignalCoverage]:
    """Coverage for each criterion that has signals; criteria without signals are left out."""
    text = _nfc(answer)
    return [
        SignalCoverage(crit.id, crit.title, tuple(_find(text, s) for s in crit.signals))
        for crit in criteria
        if crit.signals
    ]
