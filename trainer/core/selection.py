"""Which questions a session serves: filtering a bank of packs and planning rounds."""

from __future__ import annotations

import random
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from trainer.core.packs.model import ANSWERABLE_KINDS, AnyQuestion, MultipleChoiceQuestion, Pack

RolePlan = str  # "alternate" | "candidate" | "interviewer" | "shadow"
ROLE_PLANS = ("alternate", "candidate", "interviewer", "shadow")


@dataclass(frozen=True, slots=True)
class Entry:
    pack: Pack
    question: AnyQuestion

    @property
    def key(self) -> tuple[str, str]:
        return (self.pack.pack.id, self.question.id)

    @property
    def can_interview(self) -> bool:
        """An interviewer round needs a reference answer to judge, and a rubric to judge it by."""
        return (
            self.can_answer
            and bool(self.question.reference_answers)
            and bool(self.question.rubric)
            and not isinstance(self.question, MultipleChoiceQuestion)
        )

    @property
    def can_answer(self) -> bool:
        """A candidate can answer it (a recorded interview is watched instead)."""
        return self.question.kind in ANSWERABLE_KINDS

    @property
    def can_shadow(self) -> bool:
        return self.question.kind == "recorded_interview"


@dataclass(frozen=True, slots=True)
class Filters:
    pack_ids: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()
    difficulties: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()
    text: str = ""

    def matches(self, entry: Entry) -> bool:
        q = entry.question
        if self.pack_ids and entry.pack.pack.id not in self.pack_ids:
            return False
        if self.kinds and q.kind not in self.kinds:
            return False
        if self.difficulties and q.difficulty not in self.difficulties:
            return False
        if self.tags and not self.tags & set(q.tags):
            return False
        if self.text:
            hay = " ".join((q.id, q.title, " ".join(q.tags), q.prompt)).lower()
            return all(word in hay for word in self.text.lower().split())
        return True


class QuestionBank:
    """All loaded questions, addressable by (pack id, question id) or a bare question id.

    Packs in `on_request` (the authors' example) stay addressable but join a pool only when
    a filter names them, so they never turn up in ordinary practice.
    """

    def __init__(self, packs: Iterable[Pack], on_request: Collection[str] = ()) -> None:
        self.packs: list[Pack] = list(packs)
        self.on_request = frozenset(on_request)
        self.entries: list[Entry] = [Entry(p, q) for p in self.packs for q in p.questions]
        self._by_key = {e.key: e for e in self.entries}

    def get(self, pack_id: str, question_id: str) -> Entry | None:
        return self._by_key.get((pack_id, question_id))

    def find(self, question_id: str) -> Entry | None:
        """A question by `id` or `pack-id/id`; the first pack wins when ids are shared."""
        if "/" in question_id:
            pack_id, _, qid = question_id.partition("/")
            return self.get(pack_id, qid)
        matches = [e for e in self.entries if e.question.id == question_id]
        practice = [e for e in matches if e.pack.pack.id not in self.on_request]
        return next(iter(practice or matches), None)

    def in_pool(self, entry: Entry, filters: Filters) -> bool:
        """An on-request pack's questions count only when the filter names that pack."""
        pack_id = entry.pack.pack.id
        return pack_id not in self.on_request or pack_id in filters.pack_ids

    def filter(self, filters: Filters) -> list[Entry]:
        """Matching entries; with search text, those whose title or id has it come first.

        Typing a question's title and pressing Enter must start that question, not one
        whose prompt happens to mention the same words.
        """
        found = [e for e in self.entries if filters.matches(e) and self.in_pool(e, filters)]
        words = filters.text.lower().split()
        if not words:
            return found

        def rank(entry: Entry) -> int:
            title = entry.question.title.lower()
            if all(w in title for w in words):
                return 0
            return 1 if all(w in entry.question.id for w in words) else 2

        return sorted(found, key=rank)  # stable: pack order within a rank

    def tags(self) -> list[str]:
        return sorted({t for e in self.entries for t in e.question.tags})

    def pack_titles(self) -> dict[str, str]:
        return {p.pack.id: p.pack.title for p in self.packs}

    def criterion_titles(self) -> dict[str, str]:
        """Criterion id -> title, shared and inline ones (the first pack to define one wins).

        History stores criterion ids; the progress screens name them with these.
        """
        titles: dict[str, str] = {}
        for pack in self.packs:
            for c in pack.criteria:
                titles.setdefault(c.id, c.title)
            for q in pack.questions:
                for item in q.rubric:
                    if item.id and item.title:
                        titles.setdefault(item.id, item.title)
        return titles


def roles_for(plan: RolePlan, rounds: int, *, shadow: bool = False) -> list[str]:
    """Candidate, interviewer, candidate, ... for 'alternate'; one role otherwise.

    With `shadow` (the pool holds recorded interviews), 'alternate' cycles candidate,
    interviewer, shadow.
    """
    if plan == "alternate":
        cycle = ("candidate", "interviewer", "shadow") if shadow else ("candidate", "interviewer")
        return [cycle[i % len(cycle)] for i in range(rounds)]
    if plan not in ROLE_PLANS:
        raise ValueError(f"unknown role plan {plan!r}")
    return [plan] * rounds


@dataclass(frozen=True, slots=True)
class PlannedRound:
    role: str
    entry: Entry


def plan_rounds(
    pool: Sequence[Entry],
    plan: RolePlan,
    rounds: int,
    *,
    first: Entry | None = None,
    rng: random.Random | None = None,
    last_seen: Mapping[tuple[str, str], float] | None = None,
    exclude: Collection[tuple[str, str]] = (),
) -> list[PlannedRound]:
    """Pick a question per round: never one twice, least recently practised first.

    Interviewer rounds draw only from questions that have reference answers; when none
    fit, that round becomes a candidate round rather than failing the session.
    """
    rng = rng or random.Random()
    seen = last_seen or {}
    used: set[tuple[str, str]] = set(exclude)
    out: list[PlannedRound] = []
    shadow = any(e.can_shadow for e in pool)
    for i, role in enumerate(roles_for(plan, rounds, shadow=shadow)):
        if i == 0 and first is not None and (first.can_answer or first.can_shadow):
            if first.can_shadow:
                role = "shadow"
            elif role == "shadow" or (role == "interviewer" and not first.can_interview):
                role = "candidate"
            out.append(PlannedRound(role, first))
            used.add(first.key)
            continue
        choice = _pick(pool, role, used, rng, seen)
        if choice is None and role in ("interviewer", "shadow") and plan != "shadow":
            role, choice = "candidate", _pick(pool, "candidate", used, rng, seen)
        if choice is None:
            break
        used.add(choice.key)
        out.append(PlannedRound(role, choice))
    return out


def _pick(
    pool: Sequence[Entry],
    role: str,
    used: set[tuple[str, str]],
    rng: random.Random,
    seen: Mapping[tuple[str, str], float],
) -> Entry | None:
    options = [
        e
        for e in pool
        if e.key not in used
        and (
            e.can_interview
            if role == "interviewer"
            else (e.can_shadow if role == "shadow" else e.can_answer)
        )
    ]
    if not options:
        return None
    never = [e for e in options if e.key not in seen]
    if never:
        return rng.choice(never)
    return min(options, key=lambda e: seen[e.key])


def rubric_criteria(entry: Entry) -> frozenset[str]:
    """The criterion ids a question is scored on (shared `ref`s and inline ids)."""
    return frozenset(cid for item in entry.question.rubric if (cid := item.ref or item.id))


def plan_due(
    due: Sequence[Entry],
    plan: RolePlan,
    rounds: int,
    *,
    focus: str | None = None,
) -> list[PlannedRound]:
    """A review session: due questions in `due`'s order (most overdue first), one each.

    With `focus` (a criterion id, the weakest one), the questions scored on it come
    first, keeping their order. Roles follow `plan` as in any session; a round that
    cannot be an interviewer round (no reference answer) is a candidate round, so that
    a due question is never skipped for its role.
    """
    seen: set[tuple[str, str]] = set()
    ordered = []
    for entry in due:  # a question listed twice is served once
        if entry.key not in seen:
            seen.add(entry.key)
            ordered.append(entry)
    if focus is not None:
        ordered.sort(key=lambda e: focus not in rubric_criteria(e))
    out: list[PlannedRound] = []
    for role, entry in zip(roles_for(plan, rounds), ordered, strict=False):
        if entry.can_shadow:
            role = "shadow"
        elif role != "interviewer" or not entry.can_interview:
            role = "candidate"
        out.append(PlannedRound(role, entry))
    return out
