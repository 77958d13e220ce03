"""Shadow rounds: the user flags moments of a recorded interview, then sees the expert's.

A flag names a turn and a moment kind. It **catches** a marked moment when its kind is the
moment's and its turn is within `TOLERANCE` turns of it (a reader often reacts one turn
late: to the candidate's reply to a leading question, say). A flag of another kind on the
same turns **notices** the moment: the user saw something there but named it wrongly,
which earns half. Every flag is used for at most one moment, exact matches first; flags
left over are **false flags**. The shadowing score is (caught + noticed / 2) / moments.

The candidate is scored on the rubric as in an interviewer round and compared with the
expert's debrief scores by the calibration code, so the calibration trend covers
shadowing too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Final, Literal

from trainer.core.packs.model import MOMENT_KINDS, Moment, Pack, RecordedInterviewQuestion

TOLERANCE: Final = 1
Outcome = Literal["caught", "noticed", "missed"]

#: What each built-in moment kind means, in a phrase for the flag picker.
MOMENT_TITLES: Final[dict[str, str]] = {
    "conduct": "Conduct: a question or remark that must not be made",
    "hint-too-strong": "Hint too strong: gave the answer away",
    "hint-too-late": "Hint too late: let the candidate flounder",
    "missed-probe": "Missed probe: a vague or wrong claim not followed up",
    "leading-question": "Leading question: the question gave the answer",
    "good-probe": "Good probe",
    "good-hint": "Good hint",
    "good-feedback": "Good feedback",
}
GOOD_KINDS: Final = frozenset({"good-probe", "good-hint", "good-feedback"})


@dataclass(frozen=True, slots=True)
class MomentKindInfo:
    id: str
    title: str
    good: bool


def moment_kinds(pack: Pack) -> list[MomentKindInfo]:
    """Built-in kinds, then the pack's own: the flag picker's list, in that order."""
    out = [MomentKindInfo(k, MOMENT_TITLES[k], k in GOOD_KINDS) for k in MOMENT_KINDS]
    out += [MomentKindInfo(k.id, k.title, k.good) for k in pack.moment_kinds]
    return out


@dataclass(frozen=True, slots=True)
class Flag:
    """The user's mark on one turn (1-based), with an optional note."""

    turn: int
    kind: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class MomentResult:
    turn: int
    kind: str
    explanation: str
    rewrite: str | None
    outcome: Outcome
    flag: Flag | None = None  # the user's flag that caught or noticed it


@dataclass(frozen=True, slots=True)
class ShadowResult:
    moments: tuple[MomentResult, ...]
    false_flags: tuple[Flag, ...] = ()
    flags: int = 0

    @property
    def caught(self) -> int:
        return sum(1 for m in self.moments if m.outcome == "caught")

    @property
    def noticed(self) -> int:
        return sum(1 for m in self.moments if m.outcome == "noticed")

    @property
    def missed(self) -> int:
        return sum(1 for m in self.moments if m.outcome == "missed")

    @property
    def score(self) -> float | None:
        """Share of the marked moments caught (noticed ones count half); None with none."""
        if not self.moments:
            return None
        return (self.caught + self.noticed / 2) / len(self.moments)

    def to_dict(self) -> dict[str, Any]:
        return {
            "moments": [asdict(m) for m in self.moments],
            "false_flags": [asdict(f) for f in self.false_flags],
            "flags": self.flags,
            "caught": self.caught,
            "noticed": self.noticed,
            "missed": self.missed,
            "score": self.score,
        }


def _near(flag: Flag, moment: Moment) -> bool:
    return abs(flag.turn - moment.turn) <= TOLERANCE


def compare_flags(question: RecordedInterviewQuestion, flags: Sequence[Flag]) -> ShadowResult:
    """Match the user's flags to the expert's moments (see the module docstring)."""
    unused = list(flags)
    outcome: dict[int, tuple[Outcome, Flag | None]] = {}
    # Exact kind first, nearest turn first, so a close right flag is not spent elsewhere.
    for index, moment in enumerate(question.moments):
        same = [f for f in unused if f.kind == moment.kind and _near(f, moment)]
        if same:
            best = min(same, key=lambda f: abs(f.turn - moment.turn))
            unused.remove(best)
            outcome[index] = ("caught", best)
    for index, moment in enumerate(question.moments):
        if index in outcome:
            continue
        other = [f for f in unused if _near(f, moment)]
        if other:
            best = min(other, key=lambda f: abs(f.turn - moment.turn))
            unused.remove(best)
            outcome[index] = ("noticed", best)
        else:
            outcome[index] = ("missed", None)
    results = tuple(
        MomentResult(
            turn=m.turn,
            kind=m.kind,
            explanation=m.explanation,
            rewrite=m.rewrite,
            outcome=outcome[i][0],
            flag=outcome[i][1],
        )
        for i, m in enumerate(question.moments)
    )
    return ShadowResult(
        moments=results,
        false_flags=tuple(sorted(unused, key=lambda f: (f.turn, f.kind))),
        flags=len(flags),
    )


@dataclass
class FlagSet:
    """The flags of one round as the user edits them: one flag per turn and kind."""

    items: dict[tuple[int, str], Flag] = field(default_factory=dict)

    def toggle(self, turn: int, kind: str, note: str = "") -> bool:
        """Add the flag, or remove it if that turn already has that kind; True if added."""
        key = (turn, kind)
        if key in self.items and not note:
            del self.items[key]
            return False
        self.items[key] = Flag(turn, kind, note)
        return True

    def on(self, turn: int) -> list[Flag]:
        return [f for (t, _), f in sorted(self.items.items()) if t == turn]

    def all(self) -> list[Flag]:
        return [self.items[k] for k in sorted(self.items)]

    def to_list(self) -> list[dict[str, Any]]:
        return [asdict(f) for f in self.all()]

    @classmethod
    def from_list(cls, data: object, turns: int, kinds: Mapping[str, object]) -> FlagSet:
        """Flags from a draft: anything malformed, out of range or of an unknown kind is dropped."""
        out = cls()
        if not isinstance(data, list):
            return out
        for item in data:
            if not isinstance(item, Mapping):
                continue
            turn, kind, note = item.get("turn"), item.get("kind"), item.get("note", "")
            if (
                isinstance(turn, int)
                and not isinstance(turn, bool)
                and 1 <= turn <= turns
                and isinstance(kind, str)
                and kind in kinds
                and isinstance(note, str)
            ):
                out.items[(turn, kind)] = Flag(turn, kind, note[:500])
        return out
