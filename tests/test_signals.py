"""Signal coverage: whole words, plurals, synonyms, phrase variants and unicode."""

from __future__ import annotations

import unicodedata
from fractions import Fraction
from pathlib import Path

import pytest

from trainer.core.evaluation.signals import (
    find_signal,
    lemma,
    mentions,
    phrase_pattern,
    signal_coverage,
)
from trainer.core.packs.loader import load_pack_file
from trainer.core.packs.model import Pack, Signal
from trainer.core.packs.resolve import ResolvedCriterion, resolve_rubric

EXAMPLE = Path(__file__).resolve().parents[1] / "question_packs" / "example.yaml"
FOUR = ("Strong no hire", "Leaning no hire", "Leaning hire", "Strong hire")


def crit(cid: str, *signals: str | Signal) -> ResolvedCriterion:
    return ResolvedCriterion(
        id=cid,
        title=cid.title(),
        weight=1.0,
        levels=FOUR,
        descriptors=("a", "b", "c", "d"),
        signals=tuple(s if isinstance(s, Signal) else Signal(term=s) for s in signals),
    )


@pytest.mark.parametrize(
    ("answer", "phrase"),
    [
        ("We cache rows.", "cache"),
        ("CACHE", "cache"),
        ("Two caches in front", "cache"),
        ("the rows are cached", "cache"),
        ("caching helps", "cache"),
        ("several boxes", "box"),
        ("two strategies", "strategy"),
        ("the request was retried", "retry"),
        ("we stopped early", "stop"),
        ("cache, then", "cache"),
        ("(caches)", "cache"),
        ("the cache's keys", "cache"),
        ("«cache»", "cache"),
        ("“cache”…", "cache"),
        ("cache_ttl = 30", "cache"),
        ("cache.get(key)", "cache"),
        ("write through", "write-through"),
        ("write-through", "write through"),
        ("Write–Through", "write through"),  # en dash
        ("write\u2011through", "write through"),  # non-breaking hyphen
        ("write\n   through", "write-through"),  # across a line break
        ("writethrough", "write-through"),
        ("write_through", "write through"),
        ("edge cases", "edge case"),
        ("edge-cases matter", "edge case"),
        ("tradeoffs", "trade-off"),
        ("Trade offs", "trade-off"),
        ("a time-to-live of 5 min", "time to live"),
        ("TTLs", "TTL"),
        ("p99 latency", "p99"),
        ("It runs in O(n) time", "O(n)"),
        ("C++ and Go", "C++"),
        ("Die Straße", "straße"),
        ("ΚΡΥΦΉ ΜΝΉΜΗ", "κρυφή μνήμη"),
        ("кэш, база", "кэш"),
        ("café", "cafe\u0301"),  # decomposed phrase, composed answer
        ("cafe\u0301 nearby", "café"),  # composed phrase, decomposed answer
    ],
)
def test_mentions(answer: str, phrase: str) -> None:
    assert mentions(answer, phrase)


@pytest.mark.parametrize(
    ("answer", "phrase"),
    [
        ("a cachet of quality", "cache"),
        ("precache the rows", "cache"),
        ("cache2 tier", "cache"),
        ("the cachés", "cache"),
        ("cache\u0301", "cache"),  # a combining accent makes it another word
        ("Écache", "cache"),
        ("recaching", "cache"),
        ("cash", "cache"),
        ("assumptive", "assumption"),
        ("situational", "situation"),
        ("resultant", "result"),
        ("write the data, then through", "write through"),
        ("writer through", "write through"),
        ("p999", "p99"),
        ("edge", "edge case"),
        ("", "cache"),
        ("кэшировать", "кэш"),
    ],
)
def test_does_not_mention(answer: str, phrase: str) -> None:
    assert not mentions(answer, phrase)


@pytest.mark.parametrize("phrase", ["", "   ", " - ", "\u2013"])
def test_phrase_without_words_never_matches(phrase: str) -> None:
    assert phrase_pattern(phrase) is None
    assert not mentions("anything - at all", phrase)


def test_synonyms_count_and_earliest_mention_is_reported() -> None:
    signal = Signal(term="TTL", synonyms=["time to live", "expiry"])
    answer = "Set an expiry. Later, the Time-To-Live is tuned."
    hit = find_signal(answer, signal)
    assert hit.mentioned
    assert (hit.term, hit.found, hit.start) == ("TTL", "expiry", answer.index("expiry"))
    miss = find_signal("nothing relevant", signal)
    assert not miss.mentioned
    assert (miss.found, miss.start) == (None, None)


def test_found_text_keeps_the_answer_spelling_and_offset() -> None:
    answer = "Prefer WRITE-THROUGH caches"
    hit = find_signal(answer, Signal(term="write through"))
    assert hit.found == "WRITE-THROUGH"
    assert hit.start == 7


def test_offsets_refer_to_the_nfc_answer() -> None:
    answer = "cafe\u0301 cache"  # decomposed: the NFC form is one character shorter
    hit = find_signal(answer, Signal(term="cache"))
    nfc = unicodedata.normalize("NFC", answer)
    assert hit.start is not None and hit.found is not None
    assert nfc[hit.start : hit.start + len(hit.found)] == "cache"


def test_coverage_lists_mentioned_and_missed_in_author_order() -> None:
    criteria = [
        crit("design", "cache", Signal(term="TTL", synonyms=["expiry"]), "write-through", "shard"),
        crit("plain"),  # no signals: left out
        crit("talk", "trade-off"),
    ]
    answer = "Shards and an expiry on each cache entry; no trade offs discussed."
    coverage = signal_coverage(answer, criteria)
    assert [c.criterion_id for c in coverage] == ["design", "talk"]
    design, talk = coverage
    assert design.mentioned == ("cache", "TTL", "shard")
    assert design.missed == ("write-through",)
    assert design.ratio == Fraction(3, 4)
    # "no trade offs discussed" names the signal only to deny it: not covered.
    assert talk.mentioned == ()
    assert talk.negated == ("trade-off",)
    assert talk.missed == ()
    assert talk.ratio == Fraction(0)


def test_coverage_of_empty_answer_misses_everything() -> None:
    coverage = signal_coverage("", [crit("a", "cache", "queue")])
    assert coverage[0].mentioned == ()
    assert coverage[0].missed == ("cache", "queue")
    assert coverage[0].ratio == 0


def test_coverage_with_the_example_pack() -> None:
    loaded = load_pack_file(EXAMPLE)
    assert loaded.ok and loaded.pack is not None
    pack: Pack = loaded.pack
    question = pack.question("cache-invalidation")
    assert question is not None
    answer = (
        "Give every key a time to live. On writes, evict the entry (or use write-through), "
        "accepting the trade-offs."
    )
    coverage = {c.criterion_id: c for c in signal_coverage(answer, resolve_rubric(pack, question))}
    assert coverage["coverage"].mentioned == ("TTL", "invalidate", "write-through")
    assert coverage["communication"].mentioned == ("trade-off",)
    assert coverage["communication"].missed == ("assumption", "edge case")


# --------------------------------------------------------------------------- lemmas, gaps, pronouns


def test_issue_example_his_concerns_mentions_their_concern() -> None:
    answer = "I listened to his concerns"
    hit = find_signal(answer, Signal(term="their concern"))
    assert hit.mentioned and not hit.negated
    assert hit.found == "concerns"
    assert hit.sentence == answer
    assert hit.in_context() == ("I listened to his ", "concerns", "")


def test_issue_example_words_between_a_phrase() -> None:
    answer = "Then I listened carefully to their concerns."
    hit = find_signal(answer, Signal(term="listen concern"))
    assert hit.mentioned
    assert hit.found == "listened carefully to their concerns"
    assert hit.start == answer.index("listened")


def test_issue_example_negated_tests_are_not_covered() -> None:
    answer = "I didn't write any tests"
    hit = find_signal(answer, Signal(term="test"))
    assert hit.appears and hit.negated and not hit.mentioned
    assert hit.found == "tests"
    coverage = signal_coverage(answer, [crit("quality", "test")])[0]
    assert coverage.mentioned == ()
    assert coverage.negated == ("test",)
    assert coverage.missed == ()
    assert coverage.ratio == 0


@pytest.mark.parametrize(
    ("answer", "phrase"),
    [
        ("I listened to his concerns", "their concern"),
        ("listened carefully to their concerns", "listen concern"),
        ("she wrote the tests", "write test"),
        ("we wrote unit tests", "write test"),  # one word between
        ("we wrote many unit tests", "write test"),  # two words between
        ("I listened to my team's concerns", "listen concern"),  # pronoun and a possessive
        ("the children", "child"),
        ("our strategies", "their strategy"),
        ("Listened, then acted", "listen"),
        ("we mitigated the risks", "mitigate risk"),
        ("write-through", "write through"),  # joiners still work with lemmas
        ("I took ownership of it", "take ownership"),
    ],
)
def test_mentions_by_lemma(answer: str, phrase: str) -> None:
    assert mentions(answer, phrase)


@pytest.mark.parametrize(
    ("answer", "phrase"),
    [
        ("we wrote a great many unit tests", "write test"),  # three words between
        ("I wrote it. Tests came later", "write test"),  # a sentence end breaks a phrase
        ("I wrote docs, tests later", "write test"),  # so does a comma
        ("concerns, then listened", "listen concern"),  # order matters
        ("a listener", "listen"),
        ("his", "their concern"),
        ("the writer tested", "write test"),
    ],
)
def test_does_not_mention_by_lemma(answer: str, phrase: str) -> None:
    assert not mentions(answer, phrase)


@pytest.mark.parametrize(
    ("answer", "negated"),
    [
        ("I didn't write any tests", True),
        ("I did not write tests", True),
        ("I didn’t write tests", True),  # typographic apostrophe
        ("We never wrote tests", True),
        ("No tests were written", True),
        ("We shipped without tests", True),
        ("We couldn't find time for tests", True),
        ("I wrote tests", False),
        ("I did not write docs, but I wrote tests", False),  # not across "but"
        ("No docs; the tests were thorough", False),  # not across ";"
        ("I did not stop. Tests ran every night", False),  # not across a sentence end
        ("Nothing was skipped and we had tests", False),
        ("Not once, in all those months of careful work with the team, tests", False),
        ("No docs. No tests. Later I wrote tests", False),  # a plain mention wins
    ],
)
def test_negation(answer: str, negated: bool) -> None:
    hit = find_signal(answer, Signal(term="test"))
    assert hit.appears
    assert hit.negated is negated
    assert hit.mentioned is not negated


def test_plain_mention_after_negated_one_is_reported() -> None:
    answer = "No tests at first. Later I wrote tests for every path."
    hit = find_signal(answer, Signal(term="test"))
    assert hit.mentioned
    assert hit.start == answer.rindex("tests")
    assert hit.sentence == "Later I wrote tests for every path."


def test_sentence_is_the_one_holding_the_match() -> None:
    answer = "First I asked.  Then we cached rows!\n\nFinally we shipped."
    hit = find_signal(answer, Signal(term="cache"))
    assert hit.sentence == "Then we cached rows!"
    assert hit.sentence_start == answer.index("Then")
    before, match, after = hit.in_context()
    assert (before, match, after) == ("Then we ", "cached", " rows!")


def test_missed_signal_has_no_context() -> None:
    hit = find_signal("nothing", Signal(term="cache"))
    assert hit.in_context() == ("", "", "")
    assert hit.sentence == "" and hit.end is None


def test_lemma_is_cached_and_lower_cased() -> None:
    lemma.cache_clear()
    assert lemma("Listened") == "listen"
    assert lemma("Listened") == "listen"
    assert lemma.cache_info().hits == 1
    assert lemma("team's") == "team"


def test_context_is_cut_around_the_match_to_a_width() -> None:
    answer = "word " * 30 + "we cached the rows " + "tail " * 30
    hit = find_signal(answer, Signal(term="cache"))
    before, match, after = hit.in_context(40)
    assert match == "cached"
    assert before.startswith("…") and after.endswith("…")
    assert before.endswith("we ") and after.startswith(" the rows")
    assert len(before) + len(match) + len(after) <= 40
    # Short sentences and the ends of a long one are kept as they are.
    assert find_signal("we cached", Signal(term="cache")).in_context(40) == ("we ", "cached", "")
    start = find_signal("cached " + "tail " * 30, Signal(term="cache")).in_context(20)
    assert start == ("", "cached", " tail tail …")  # cut at a word, within the width


def test_context_reads_line_breaks_as_spaces() -> None:
    hit = find_signal("we\n  cached\nrows", Signal(term="cache"))
    assert hit.in_context() == ("we ", "cached", " rows")


@pytest.mark.parametrize(
    ("answer", "phrase", "found"),
    [
        ("I decided to roll back", "I decide", True),
        ("I then decided", "I decide", True),
        ("we decided to roll back", "I decide", False),  # "I" is the point of the signal
        ("We found common ground", "I found", False),
        ("their position", "their concern", False),
    ],
)
def test_personal_pronouns_the_author_wrote_must_be_there(
    answer: str, phrase: str, found: bool
) -> None:
    assert mentions(answer, phrase) is found
