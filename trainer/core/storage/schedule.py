"""Spaced repetition: every question is one FSRS card, rated by each finished round.

Why FSRS (the `fsrs` package) and not a hand-made interval table: it models how memory
decays from the whole review history, and its parameters are fitted on millions of
reviews; we only decide what a round "means" as a rating.

The mapping from a round to a rating (also in docs/progress.md):

* **Candidate rounds** rate by the verdict band on the question's verdict scale, read as a
  position from 0 (lowest band) to 1 (highest): the lowest band is `Again`, below the
  middle `Hard`, from the middle up `Good`, the highest band `Easy`. On the usual four
  bands that is Strong no hire → Again, Leaning no hire → Hard, Leaning hire → Good,
  Strong hire → Easy. A round left unscored (no verdict) does not review the card.
* **Interviewer and shadow rounds** rate by calibration: the mean gap between the user's
  scores and the reference's, as a share of the scale (0 = the same scores). A gap up to
  10% with the same verdict is `Easy`, up to 20% `Good`, up to 35% `Hard`, more `Again`;
  a different verdict is at best `Hard`, since that is the decision an interviewer exists
  to get right. A round with nothing compared does not review the card.

Learning steps are switched off: they are minutes long (made for flash cards), and a
question answered badly should come back tomorrow, not in ten minutes. Fuzzing is off so
that the schedule is a pure function of the recorded rounds (rebuilding it after an
import gives the same dates). All times are passed in; nothing here reads the clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from fsrs import Card, Scheduler

AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4
RATING_NAMES: Final[dict[int, str]] = {AGAIN: "again", HARD: "hard", GOOD: "good", EASY: "easy"}


def rating_for_verdict(position: float | None) -> int | None:
    """A candidate round's rating from its verdict band position (0 lowest .. 1 highest)."""
    if position is None:
        return None
    if position <= 0.0:
        return AGAIN
    if position >= 1.0:
        return EASY
    return HARD if position < 0.5 else GOOD


def rating_for_calibration(mae: float | None, verdict_agreed: bool | None) -> int | None:
    """An interviewer or shadow round's rating from its calibration gap (0..1)."""
    if mae is None:
        return None
    if mae <= 0.10:
        rating = EASY
    elif mae <= 0.20:
        rating = GOOD
    elif mae <= 0.35:
        rating = HARD
    else:
        rating = AGAIN
    if verdict_agreed is False:
        rating = min(rating, HARD)
    return rating


def verdict_position(level: int | None, levels: int) -> float | None:
    """Band `level` (1-based) of `levels` as 0..1; None when unscored or the scale is degenerate."""
    if level is None or levels < 2:
        return None
    return (level - 1) / (levels - 1)


@cache
def _scheduler() -> Scheduler:
    from fsrs import Scheduler

    return Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)


def _when(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=UTC)


@dataclass(frozen=True, slots=True)
class CardState:
    """What the store keeps per question: the card as FSRS JSON and its due time."""

    card_json: str
    due: float
    last_review: float
    reviews: int


def _new_card(at: float) -> Card:
    from fsrs import Card

    # An explicit id: without one the package reads the clock and sleeps a millisecond.
    return Card(card_id=1, due=_when(at))


def review(state: CardState | None, rating: int, at: float) -> CardState:
    """The card after one more review rated `rating` at time `at` (seconds since the epoch).

    A review dated before the card's last one (an imported old round) cannot be applied
    in order; the caller rebuilds the card from all its reviews instead (`replay`).
    """
    from fsrs import Card, Rating

    card = _new_card(at) if state is None else Card.from_json(state.card_json)
    card, _log = _scheduler().review_card(card, Rating(rating), review_datetime=_when(at))
    assert card.due is not None
    return CardState(
        card_json=card.to_json(),
        due=card.due.timestamp(),
        last_review=at,
        reviews=(state.reviews if state else 0) + 1,
    )


def replay(reviews: Iterable[tuple[float, int]]) -> CardState | None:
    """A card built from `(time, rating)` reviews, applied oldest first."""
    state: CardState | None = None
    for at, rating in sorted(reviews):
        state = review(state, rating, at)
    return state
