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
* Lemmas: every word of a phrase also matches any answer word with the same English lemma
  (the `simplemma` package), so "listened" mentions "listen" and "wrote" mentions "write".
  Possessive pronouns in a phrase are ignored ("their concern" is mentioned by "his
  concerns" and by "concerns"). Between a phrase's words, the answer's pronouns (possessive
  or personal) are skipped and up to two other words may stand ("listened carefully to
  their concerns" mentions "listen concern"), as long as only joiners separate them (a
  comma or a full stop breaks the phrase). A personal pronoun the author wrote ("I decide")
  must be there: "we decided" is not "I decide", which is the point of such a signal. Phrases
  with a word that is not all letters ("O(n)", "p99") match only by the rules above.
* Negation: a mention preceded, in its clause and within six words, by "not", "no", "never",
  "without", "nor", "cannot" or a word ending in "n't" is *negated*: reported as
  "mentioned, negated" and not counted as covered. A clause ends at a sentence end, ";",
  ":" or "but" (and "however", "although", "though", "yet", "instead", "whereas"). When a
  signal is mentioned both ways, the first plain mention wins.
* Each mention carries the sentence of the answer that holds it and its span, so the person
  scoring sees why.
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


# --------------------------------------------------------------------------- lemmas

#: Possessive pronouns: dropped from a phrase ("their concern" is about any concern).
POSSESSIVES = frozenset("my mine your yours his her hers its our ours their theirs one's".split())
#: Possessive and personal pronouns: skipped in the answer between a phrase's words.
PRONOUNS = frozenset(
    "i me my mine myself you your yours yourself yourselves he him his himself she her hers "
    "herself it its itself we us our ours ourselves they them their theirs themselves "
    "one's someone's".split()
)
#: Words that negate what follows them in the same clause.
_NEGATORS = frozenset("not no never without nor cannot neither none".split())
#: Words that end a clause, so negation before them does not reach what follows.
_CLAUSE_WORDS = frozenset("but however although though yet instead whereas".split())
_NEG_WINDOW = 6  # words between a negator and the mention, at most
_MAX_GAP = 2  # other words allowed between two words of a phrase
_TOKEN = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
_JOINED = re.compile(f"[{_JOINERS}]*")
_SENTENCE_END = re.compile(r"[.!?\u2026]+(?=[\s\"'\u2019\u201d)]|$)|\n[ \t]*\n")
_CLAUSE_PUNCT = re.compile(r"[;:]")
_WS = re.compile(r"\s+")


@lru_cache(maxsize=65536)
def lemma(word: str) -> str:
    """The English lemma of one word, lower-cased; each distinct word is looked up once."""
    low = word.lower().replace("\u2019", "'")
    if low.endswith("'s"):
        low = low[:-2]
    elif low.endswith("'"):
        low = low[:-1]
    if not low.isalpha():
        return low
    import simplemma  # deferred: its data loads on first use, not at import

    return str(simplemma.lemmatize(low, lang="en")).lower()


def _is_negator(low: str) -> bool:
    low = low.replace("\u2019", "'")
    return low in _NEGATORS or low.endswith("n't")


@dataclass(frozen=True, slots=True)
class _Token:
    start: int
    end: int
    low: str
    lemma: str


class _Answer:
    """An NFC answer split once into words, sentences and clauses for every phrase."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = [
            _Token(m.start(), m.end(), m.group(0).lower(), lemma(m.group(0)))
            for m in _TOKEN.finditer(text)
        ]
        self.by_lemma: dict[str, list[int]] = {}
        for i, tok in enumerate(self.tokens):
            self.by_lemma.setdefault(tok.lemma, []).append(i)
            if tok.low != tok.lemma:
                self.by_lemma.setdefault(tok.low, []).append(i)
        self.sentence_ends = [m.end() for m in _SENTENCE_END.finditer(text)]

    def joined(self, a: int, b: int) -> bool:
        """True when only joiners stand between tokens a and b (a < b)."""
        gap = self.text[self.tokens[a].end : self.tokens[b].start]
        return _JOINED.fullmatch(gap) is not None

    def token_at(self, offset: int) -> int:
        """Index of the first token that starts at or after `offset`."""
        lo, hi = 0, len(self.tokens)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.tokens[mid].start < offset:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def sentence(self, start: int, end: int) -> tuple[int, int]:
        """Bounds of the sentence holding [start, end), without surrounding whitespace."""
        s = 0
        e = len(self.text)
        for stop in self.sentence_ends:
            if stop <= start:
                s = stop
            elif stop >= end:
                e = stop
                break
        while s < e and self.text[s].isspace():
            s += 1
        while e > s and self.text[e - 1].isspace():
            e -= 1
        return s, e

    def negated(self, start: int) -> bool:
        """True when a negator precedes `start` in its clause, within the window."""
        sent_start, _ = self.sentence(start, start)
        first = self.token_at(start)
        seen = 0
        for i in range(first - 1, -1, -1):
            tok = self.tokens[i]
            if tok.start < sent_start:
                return False
            between = self.text[tok.end : self.tokens[i + 1].start if i + 1 < first else start]
            if _CLAUSE_PUNCT.search(between):
                return False
            if tok.low in _CLAUSE_WORDS:
                return False
            if _is_negator(tok.low):
                return True
            seen += 1
            if seen > _NEG_WINDOW:
                return False
        return False


def _phrase_lemmas(phrase: str) -> tuple[str, ...] | None:
    """Lemmas of a phrase's words without pronouns; None when lemma matching does not apply."""
    words = [w for w in _SPLIT.split(_nfc(phrase).strip()) if w]
    if not words or not all(_TOKEN.fullmatch(w) and not any(c.isdigit() for c in w) for w in words):
        return None
    kept = [w for w in words if w.lower() not in POSSESSIVES]
    return tuple(lemma(w) for w in (kept or words))


def _lemma_matches(answer: _Answer, phrase: str) -> list[tuple[int, int]]:
    """Spans where the phrase's lemmas occur in order, gaps and pronouns allowed."""
    lemmas = _phrase_lemmas(phrase)
    if lemmas is None:
        return []
    toks = answer.tokens
    out: list[tuple[int, int]] = []
    for first in answer.by_lemma.get(lemmas[0], ()):
        last = first
        ok = True
        for want in lemmas[1:]:
            gap = 0
            j = last + 1
            found = None
            while j < len(toks) and answer.joined(j - 1, j):
                t = toks[j]
                if t.lemma == want or t.low == want:
                    found = j
                    break
                if t.low not in PRONOUNS:
                    gap += 1
                    if gap > _MAX_GAP:
                        break
                j += 1
            if found is None:
                ok = False
                break
            last = found
        if ok:
            out.append((toks[first].start, toks[last].end))
    return out


def _regex_matches(answer: _Answer, phrase: str) -> list[tuple[int, int]]:
    pattern = phrase_pattern(phrase)
    if pattern is None:
        return []
    return [(m.start(), m.end()) for m in pattern.finditer(answer.text)]


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class SignalHit:
    """One signal and where the answer mentions it.

    The first plain mention is reported; with none, the first negated one (`negated`).
    `mentioned` is True only for a plain mention: a negated one does not count as covered.
    """

    term: str
    found: str | None = None  # the text as written in the answer
    start: int | None = None  # offset into the NFC-normalised answer
    negated: bool = False
    sentence: str = ""  # the sentence of the answer that holds the mention
    sentence_start: int | None = None  # its offset into the NFC-normalised answer

    @property
    def mentioned(self) -> bool:
        return self.found is not None and not self.negated

    @property
    def appears(self) -> bool:
        """True when the answer names the signal at all, negated or not."""
        return self.found is not None

    @property
    def end(self) -> int | None:
        return None if self.start is None or self.found is None else self.start + len(self.found)

    def in_context(self, width: int | None = None) -> tuple[str, str, str]:
        """The sentence split around the mention: (before, match, after); empty when missed.

        Runs of whitespace (line breaks included) read as one space. With `width`, the
        text around the match is cut (marked "…") so the three parts fit in about `width`
        characters; the match itself is always kept whole.
        """
        if self.found is None or self.start is None or self.sentence_start is None:
            return ("", "", "")
        a = self.start - self.sentence_start
        b = a + len(self.found)
        parts = (self.sentence[:a], self.sentence[a:b], self.sentence[b:])
        before, match, after = (_WS.sub(" ", part) for part in parts)
        if width is None or len(before) + len(match) + len(after) <= width:
            return (before, match, after)
        room = max(0, width - len(match))
        right = min(len(after), max(room // 2, room - len(before)))
        left = min(len(before), room - right)
        if len(before) > left:
            before = "…" + _from_word(before[len(before) - left + 1 :]) if left > 0 else "…"
        if len(after) > right:
            after = _to_word(after[: right - 1]) + "…" if right > 0 else "…"
        return (before, match, after)


def _from_word(text: str) -> str:
    """Drop a cut word at the start (when a nearby space allows), so a quote starts whole."""
    cut = text.find(" ")
    return text[cut:] if 0 <= cut < 12 and cut < len(text) - 1 else text


def _to_word(text: str) -> str:
    """Drop a cut word at the end (when a nearby space allows), so a quote ends whole."""
    cut = text.rfind(" ")
    return text[: cut + 1] if cut > 0 and len(text) - cut < 12 else text


@dataclass(frozen=True, slots=True)
class SignalCoverage:
    """Per criterion: the signals mentioned, negated and missed, in the author's order."""

    criterion_id: str
    title: str
    hits: tuple[SignalHit, ...]

    @property
    def mentioned(self) -> tuple[str, ...]:
        """Signals mentioned plainly: the ones that count as covered."""
        return tuple(h.term for h in self.hits if h.mentioned)

    @property
    def negated(self) -> tuple[str, ...]:
        """Signals mentioned only in a negated clause ("I didn't write tests")."""
        return tuple(h.term for h in self.hits if h.appears and h.negated)

    @property
    def missed(self) -> tuple[str, ...]:
        return tuple(h.term for h in self.hits if not h.appears)

    @property
    def ratio(self) -> Fraction:
        """Share of the signals mentioned plainly (0 when the criterion lists none)."""
        if not self.hits:
            return Fraction(0)
        return Fraction(len(self.mentioned), len(self.hits))


def find_signal(answer: str, signal: Signal) -> SignalHit:
    """Where `answer` first mentions `signal` (by term or synonym), if anywhere."""
    return _find(_Answer(_nfc(answer)), signal)


def _find(answer: _Answer, signal: Signal) -> SignalHit:
    spans: set[tuple[int, int]] = set()
    for phrase in signal.phrases:
        spans.update(_regex_matches(answer, phrase))
        spans.update(_lemma_matches(answer, phrase))
    if not spans:
        return SignalHit(signal.term)
    # Earliest first; at one start the longer span, so the highlight covers the whole phrase.
    ordered = sorted(spans, key=lambda s: (s[0], -s[1]))
    chosen = next((s for s in ordered if not answer.negated(s[0])), None)
    negated = chosen is None
    start, end = ordered[0] if chosen is None else chosen
    s, e = answer.sentence(start, end)
    return SignalHit(
        signal.term,
        answer.text[start:end],
        start,
        negated=negated,
        sentence=answer.text[s:e],
        sentence_start=s,
    )


def mentions(answer: str, phrase: str) -> bool:
    """True when `answer` mentions `phrase` by the module's rules (negated or not)."""
    text = _Answer(_nfc(answer))
    return bool(_regex_matches(text, phrase) or _lemma_matches(text, phrase))


def signal_coverage(answer: str, criteria: Sequence[ResolvedCriterion]) -> list[SignalCoverage]:
    """Coverage for each criterion that has signals; criteria without signals are left out."""
    text = _Answer(_nfc(answer))
    return [
        SignalCoverage(crit.id, crit.title, tuple(_find(text, s) for s in crit.signals))
        for crit in criteria
        if crit.signals
    ]
