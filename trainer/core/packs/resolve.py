"""Resolve a question's rubric into concrete criteria (shared refs looked up, defaults filled)."""

from __future__ import annotations

from dataclasses import dataclass

from trainer.core.packs.model import AnyQuestion, Pack, RubricItem, Signal


@dataclass(frozen=True, slots=True)
class ResolvedCriterion:
    """A rubric criterion ready to score: levels and descriptors aligned, weight known."""

    id: str
    title: str
    weight: float
    levels: tuple[str, ...]  # scale level names, lowest first; a score is 1..len(levels)
    descriptors: tuple[str, ...]
    description: str = ""
    signals: tuple[Signal, ...] = ()
    scale_id: str = ""

    @property
    def max_score(self) -> int:
        return len(self.levels)


def resolve_item(pack: Pack, item: RubricItem) -> ResolvedCriterion | None:
    """None when the item cannot be resolved (the validator reports why)."""
    if item.ref is not None:
        crit = pack.criterion(item.ref)
        if crit is None:
            return None
        scale = pack.scale(crit.scale)
        if scale is None:
            return None
        return ResolvedCriterion(
            id=crit.id,
            title=crit.title,
            weight=item.weight,
            levels=tuple(scale.levels),
            descriptors=tuple(crit.descriptors),
            description=crit.description,
            signals=tuple(item.signals if item.signals is not None else crit.signals),
            scale_id=scale.id,
        )
    if item.id is None or item.descriptors is None:
        return None
    scale = pack.scale(item.scale)
    if scale is None:
        return None
    return ResolvedCriterion(
        id=item.id,
        title=item.title or item.id.replace("-", " ").capitalize(),
        weight=item.weight,
        levels=tuple(scale.levels),
        descriptors=tuple(item.descriptors),
        description=item.description or "",
        signals=tuple(item.signals or ()),
        scale_id=scale.id,
    )


def resolve_rubric(pack: Pack, question: AnyQuestion) -> list[ResolvedCriterion]:
    """The question's rubric, skipping items that do not resolve (reported by the validator)."""
    out: list[ResolvedCriterion] = []
    for item in question.rubric:
        resolved = resolve_item(pack, item)
        if resolved is not None:
            out.append(resolved)
    return out
