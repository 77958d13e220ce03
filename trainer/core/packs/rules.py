"""Validator rules beyond the schema: references, counts, ranges, ids, text.

Each rule has a kebab-case id and a fixed severity (`RULES`); `check_pack` runs
them all on one loaded pack and `check_across` on packs validated together.
"""

from __future__ import annotations

import ast
import difflib
import keyword
import re
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from trainer.core.diagnostics import Diagnostic, PathPart, Severity
from trainer.core.packs.generators import GeneratorError, expand, has_generator
from trainer.core.packs.model import (
    MOMENT_KINDS,
    AnyQuestion,
    CodingQuestion,
    MultipleChoiceQuestion,
    Pack,
    RecordedInterviewQuestion,
    ReferenceAnswer,
    RubricItem,
)
from trainer.core.packs.yamlsafe import SourceDocument
from trainer.core.text import has_unsafe

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

#: rule id -> (severity, what it checks). Documented in `trainer pack rules`.
RULES: dict[str, tuple[Severity, str]] = {
    "id-format": (E, "ids are kebab-case: lowercase letters, digits and single hyphens"),
    "id-duplicate": (E, "ids are unique in their scope (questions, criteria, tests, ...)"),
    "pack-id-duplicate": (E, "two packs validated together share a pack id"),
    "question-id-shared": (W, "a question id is used by two packs validated together"),
    "ref-unresolved": (E, "a rubric ref or scale id names nothing in the pack"),
    "rubric-item-form": (E, "a rubric item is either {ref: ...} or an inline criterion with id"),
    "rubric-missing": (E, "questions other than multiple choice need a rubric"),
    "rubric-duplicate": (E, "a criterion appears twice in one rubric"),
    "descriptor-count": (E, "one descriptor per level of the criterion's scale"),
    "weight-not-positive": (E, "rubric weights are greater than zero"),
    "scale-levels-duplicate": (E, "a scale's level names are distinct"),
    "score-unknown-criterion": (E, "reference scores name criteria of the question's rubric"),
    "score-out-of-range": (E, "reference scores lie within the criterion's scale"),
    "score-missing": (W, "reference answers score every criterion of the rubric"),
    "choice-correct-count": (E, "single select has one correct choice; multiple has one or more"),
    "choice-duplicate": (E, "no two choices have the same text"),
    "tests-sample-missing": (E, "coding questions have at least one sample test"),
    "tests-hidden-missing": (E, "coding questions have at least one hidden test"),
    "test-args-arity": (E, "test args match the signature's parameters"),
    "test-generator-invalid": (E, "a $gen generator describes valid data"),
    "signature-name": (E, "function and parameter names are Python identifiers"),
    "hint-blank": (E, "hints are not empty"),
    "hint-duplicate": (W, "hints are distinct; each reveals a little more"),
    "hints-missing": (W, "questions other than multiple choice offer hints"),
    "text-blank": (E, "required text is not blank"),
    "text-too-long": (W, "titles, hints and choices stay short enough to read on a terminal"),
    "approaches-missing": (W, "questions show at least one approach"),
    "expect-without-solution": (W, "an expected verdict needs code to check"),
    "reference-answer-not-code": (W, "a coding question's reference answers are code"),
    "solution-missing": (W, "coding approaches carry a runnable solution"),
    "reference-answers-missing": (INFO, "interviewer rounds need reference answers"),
    "tag-format": (W, "tags are lowercase kebab-case"),
    "control-characters": (W, "text holds terminal control or bidi characters"),
    "moments-missing": (E, "a recorded interview marks at least one moment"),
    "moment-turn-out-of-range": (E, "a moment's turn is a turn of the interview (1..number)"),
    "moment-kind-unknown": (E, "a moment's kind is built in or one of the pack's moment_kinds"),
    "moment-kind-duplicate": (E, "a pack's moment kind does not redefine a built-in one"),
    "conduct-rewrite-missing": (E, "a conduct moment gives the lawful question to ask instead"),
    "rewrite-not-conduct": (W, "only conduct moments have a rewrite"),
    "moment-duplicate": (W, "one turn is marked with one moment of each kind"),
    "turn-times-decreasing": (E, "turn times (at_s) never go back"),
    "turn-blank": (E, "a turn says something"),
    "turns-few": (INFO, "a recorded interview has enough turns to shadow (20 or more)"),
    "interview-one-sided": (E, "both the interviewer and the candidate speak"),
    "signal-missed-by-hire": (W, "a signal appears in some reference answer scored hire on it"),
    "signal-in-every-no-hire": (W, "a signal is not in every reference answer scored no hire"),
}

#: Findings of the loading stages (file, YAML, schema) and of `validate --run`; all errors.
LOADING_RULES: dict[str, tuple[Severity, str]] = {
    "file-unreadable": (E, "the file cannot be read (exit code 2)"),
    "file-too-large": (E, "the file is larger than the size limit (--max-bytes)"),
    "file-not-utf8": (E, "the file is not valid UTF-8"),
    "file-binary": (E, "the file holds binary content or characters YAML forbids"),
    "pack-empty": (E, "the file is empty or holds only comments"),
    "yaml-syntax": (E, "YAML syntax: misaligned keys, an unquoted ': ' in a value, ..."),
    "yaml-tab": (E, "tabs used for indentation"),
    "yaml-multiple-documents": (E, "more than one YAML document ('---') in one file"),
    "yaml-anchor": (E, "anchors (&name) are not allowed"),
    "yaml-alias": (E, "aliases (*name) are not allowed"),
    "yaml-tag": (E, "tags other than the plain core ones are not allowed"),
    "yaml-bad-scalar": (E, "a tagged value that does not fit its tag"),
    "yaml-ambiguous-scalar": (E, "unquoted values YAML 1.1 and 1.2 read differently (no, 12:30)"),
    "yaml-duplicate-key": (E, "the same key twice in one mapping"),
    "yaml-complex-key": (E, "a key that is a list or a mapping"),
    "yaml-flow-comma": (E, "a comma splits an unquoted value inside {...} or [...]"),
    "yaml-too-deep": (E, "nesting deeper than packs ever need"),
    "pack-not-mapping": (E, "the file is a list or a single value, not a mapping of keys"),
    "schema-version-missing": (E, "schema_version is missing"),
    "schema-version-unsupported": (E, "schema_version is not one this trainer reads"),
    "field-missing": (E, "a required field is missing"),
    "field-unknown": (E, "a field the format does not have"),
    "kind-missing": (E, "a question has no kind"),
    "kind-unknown": (E, "a question's kind is not one of the six"),
    "type-mismatch": (E, "a value of the wrong type (text for a number, a list for text, ...)"),
    "value-not-allowed": (E, "a value outside a fixed set (difficulty: trivial)"),
    "value-out-of-range": (E, "a number outside its range (time_limit_min: 0)"),
    "too-few-items": (E, "a list that is too short (scale levels 2 to 9, 2 choices, 1 test)"),
    "too-many-items": (E, "a list that is too long (at most 9 scale levels)"),
    "schema": (E, "any other schema problem"),
    "solution-verdict-mismatch": (E, "with --run: code did not get its declared verdict"),
}

#: Every rule id a finding can carry, as `trainer pack rules` lists them.
ALL_RULES: dict[str, tuple[Severity, str]] = {**LOADING_RULES, **RULES}

_KEBAB = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
MAX_LEN = {"title": 80, "hint": 400, "choice": 300}


@dataclass
class _Ctx:
    pack: Pack
    source: SourceDocument
    out: list[Diagnostic]

    def add(
        self,
        rule: str,
        message: str,
        path: tuple[PathPart, ...],
        *,
        hint: str | None = None,
        key: bool = False,
    ) -> None:
        self.out.append(
            self.source.diag(rule, message, path, severity=RULES[rule][0], hint=hint, key=key)
        )


def check_pack(pack: Pack, source: SourceDocument) -> list[Diagnostic]:
    """All rule findings for one pack that passed the schema."""
    ctx = _Ctx(pack, source, [])
    _check_ids(ctx)
    _check_scales_and_criteria(ctx)
    for qi, question in enumerate(pack.questions):
        qpath: tuple[PathPart, ...] = ("questions", qi)
        _check_question(ctx, question, qpath)
    for ki, kind in enumerate(pack.moment_kinds):
        if kind.id in MOMENT_KINDS:
            ctx.add(
                "moment-kind-duplicate",
                f"'{kind.id}' is a built-in moment kind",
                ("moment_kinds", ki, "id"),
                hint="remove it, or give the pack's kind another id",
            )
    _check_text(ctx)
    return ctx.out


def _check_ids(ctx: _Ctx) -> None:
    pack = ctx.pack
    _id_rule(ctx, pack.pack.id, ("pack", "id"))
    groups: list[tuple[str, list[tuple[str, tuple[PathPart, ...]]]]] = [
        ("scale", [(s.id, ("scales", i, "id")) for i, s in enumerate(pack.scales)]),
        ("criterion", [(c.id, ("criteria", i, "id")) for i, c in enumerate(pack.criteria)]),
        ("question", [(q.id, ("questions", i, "id")) for i, q in enumerate(pack.questions)]),
    ]
    for qi, q in enumerate(pack.questions):
        base: tuple[PathPart, ...] = ("questions", qi)
        groups.append(
            (
                "approach",
                [(a.id, (*base, "approaches", i, "id")) for i, a in enumerate(q.approaches)],
            )
        )
        groups.append(
            (
                "reference answer",
                [
                    (r.id, (*base, "reference_answers", i, "id"))
                    for i, r in enumerate(q.reference_answers)
                ],
            )
        )
        groups.append(
            (
                "rubric criterion",
                [(r.id, (*base, "rubric", i, "id")) for i, r in enumerate(q.rubric) if r.id],
            )
        )
        if isinstance(q, CodingQuestion):
            groups.append(
                ("test", [(t.id, (*base, "tests", i, "id")) for i, t in enumerate(q.tests)])
            )
        if isinstance(q, MultipleChoiceQuestion):
            groups.append(
                ("choice", [(c.id, (*base, "choices", i, "id")) for i, c in enumerate(q.choices)])
            )
        for ti, tag in enumerate(q.tags):
            if not _KEBAB.match(tag):
                ctx.add(
                    "tag-format",
                    f"tag '{tag}' is not lowercase kebab-case",
                    (*base, "tags", ti),
                    hint=f"try '{_suggest_kebab(tag)}'",
                )
    if ctx.pack.pair is not None:
        groups.append(
            (
                "interviewer rubric",
                [
                    (r.id, ("pair", "interviewer_rubric", i, "id"))
                    for i, r in enumerate(ctx.pack.pair.interviewer_rubric)
                ],
            )
        )
    for what, items in groups:
        seen: dict[str, tuple[PathPart, ...]] = {}
        for ident, path in items:
            _id_rule(ctx, ident, path)
            if ident in seen:
                line = ctx.source.locate(seen[ident])[0]
                ctx.add("id-duplicate", f"{what} id '{ident}' is already used (line {line})", path)
            else:
                seen[ident] = path


def _id_rule(ctx: _Ctx, ident: str, path: tuple[PathPart, ...]) -> None:
    if not _KEBAB.match(ident):
        ctx.add(
            "id-format",
            f"id '{ident}' is not kebab-case",
            path,
            hint=f"try '{_suggest_kebab(ident)}'",
        )


def _suggest_kebab(text: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text))
    return "-".join(w.lower() for w in words) or "an-id"


def _check_scales_and_criteria(ctx: _Ctx) -> None:
    pack = ctx.pack
    for si, scale in enumerate(pack.scales):
        if len(set(scale.levels)) != len(scale.levels):
            ctx.add(
                "scale-levels-duplicate",
                f"scale '{scale.id}' repeats a level name",
                ("scales", si, "levels"),
            )
    for ci, crit in enumerate(pack.criteria):
        path: tuple[PathPart, ...] = ("criteria", ci)
        crit_scale = pack.scale(crit.scale)
        if crit_scale is None:
            _missing_scale(ctx, crit.scale, (*path, "scale") if crit.scale else path)
            continue
        if len(crit.descriptors) != len(crit_scale.levels):
            ctx.add(
                "descriptor-count",
                f"criterion '{crit.id}' has {len(crit.descriptors)} descriptors; scale "
                f"'{crit_scale.id}' has {len(crit_scale.levels)} levels",
                (*path, "descriptors"),
                hint="write one descriptor per level, lowest first",
            )


def _missing_scale(ctx: _Ctx, scale_id: str | None, path: tuple[PathPart, ...]) -> None:
    if scale_id is None:
        ctx.add(
            "ref-unresolved",
            "no scale: the pack defines no 'scales'",
            path,
            hint="add a scale under 'scales:'",
        )
    else:
        known = ", ".join(s.id for s in ctx.pack.scales) or "none"
        ctx.add("ref-unresolved", f"scale '{scale_id}' is not defined (known: {known})", path)


def _check_question(ctx: _Ctx, q: AnyQuestion, path: tuple[PathPart, ...]) -> None:
    is_mc = isinstance(q, MultipleChoiceQuestion)
    if not q.rubric and not is_mc:
        ctx.add(
            "rubric-missing",
            f"question '{q.id}' has no rubric",
            path,
            hint="add rubric items: {ref: <criterion>} or inline criteria",
        )
    criteria: dict[str, int] = {}  # criterion id -> number of levels
    for ri, item in enumerate(q.rubric):
        ipath = (*path, "rubric", ri)
        levels = _check_rubric_item(ctx, item, ipath)
        cid = item.ref or item.id
        if cid is None:
            continue
        if cid in criteria:
            ctx.add("rubric-duplicate", f"criterion '{cid}' appears twice in this rubric", ipath)
        if levels:
            criteria[cid] = levels
    recorded = isinstance(q, RecordedInterviewQuestion)
    if not is_mc and not recorded and not q.hints:
        ctx.add("hints-missing", f"question '{q.id}' has no hints", path)
    seen_hints: set[str] = set()
    for hi, hint in enumerate(q.hints):
        if not hint.strip():
            ctx.add("hint-blank", "hint is empty", (*path, "hints", hi))
        elif hint.strip().lower() in seen_hints:
            ctx.add("hint-duplicate", "this hint repeats an earlier one", (*path, "hints", hi))
        seen_hints.add(hint.strip().lower())
    if not q.approaches and not is_mc and not recorded:
        ctx.add("approaches-missing", f"question '{q.id}' shows no approach", path)
    for ai, approach in enumerate(q.approaches):
        apath = (*path, "approaches", ai)
        if approach.expect is not None and approach.solution is None:
            ctx.add(
                "expect-without-solution",
                "'expect' is set but there is no solution",
                (*apath, "expect"),
            )
        if isinstance(q, CodingQuestion) and approach.solution is None:
            ctx.add("solution-missing", f"approach '{approach.id}' has no solution code", apath)
    if not q.reference_answers and not is_mc and not recorded:
        ctx.add(
            "reference-answers-missing",
            f"question '{q.id}' has no reference answers, so it cannot be an interviewer round",
            path,
        )
    for ri, ref in enumerate(q.reference_answers):
        rpath = (*path, "reference_answers", ri)
        if isinstance(q, CodingQuestion):
            _check_answer_code(ctx, q, ref, rpath)
        elif ref.expect is not None:
            ctx.add(
                "expect-without-solution",
                "'expect' is set but only a coding question's answer is run",
                (*rpath, "expect"),
                hint="remove 'expect'",
            )
        _check_scores(ctx, q, criteria, ref.scores, rpath, f"reference answer '{ref.id}'")
    if isinstance(q, RecordedInterviewQuestion):
        _check_recorded(ctx, q, criteria, path)
    if isinstance(q, MultipleChoiceQuestion):
        _check_choices(ctx, q, path)
    if isinstance(q, CodingQuestion):
        _check_coding(ctx, q, path)


def _check_scores(
    ctx: _Ctx,
    q: AnyQuestion,
    criteria: dict[str, int],
    scores: dict[str, int],
    path: tuple[PathPart, ...],
    owner: str,
) -> None:
    """Scores (a reference answer's or a debrief's) name the rubric's criteria, in range."""
    for cid, score in scores.items():
        if cid not in criteria and not any((i.ref or i.id) == cid for i in q.rubric):
            known = ", ".join(i.ref or i.id or "?" for i in q.rubric) or "none"
            ctx.add(
                "score-unknown-criterion",
                f"'{cid}' is not a criterion of this question (rubric: {known})",
                (*path, "scores", cid),
                key=True,
            )
        elif cid in criteria and not 1 <= score <= criteria[cid]:
            ctx.add(
                "score-out-of-range",
                f"score {score} for '{cid}' is outside 1..{criteria[cid]}",
                (*path, "scores", cid),
            )
    missing = [c for c in criteria if c not in scores]
    if missing:
        ctx.add("score-missing", f"{owner} does not score: {', '.join(missing)}", (*path, "scores"))


#: Recorded interviews shorter than this are allowed but thin to practise on.
MIN_TURNS = 20


def _check_recorded(
    ctx: _Ctx, q: RecordedInterviewQuestion, criteria: dict[str, int], path: tuple[PathPart, ...]
) -> None:
    """Turns in order and both sides speaking; moments on real turns, of known kinds."""
    turns = len(q.turns)
    speakers = {t.speaker for t in q.turns}
    if len(speakers) < 2:
        ctx.add(
            "interview-one-sided",
            f"only the {next(iter(speakers))} speaks in this interview",
            (*path, "turns"),
        )
    if turns < MIN_TURNS:
        ctx.add(
            "turns-few",
            f"{turns} turn{'s' if turns != 1 else ''}; shadowing works best with {MIN_TURNS}-60",
            (*path, "turns"),
        )
    last: float | None = None
    for ti, turn in enumerate(q.turns):
        tpath = (*path, "turns", ti)
        if not turn.text.strip():
            ctx.add("turn-blank", f"turn {ti + 1} is empty", (*tpath, "text"))
        if turn.at_s is not None:
            if last is not None and turn.at_s < last:
                ctx.add(
                    "turn-times-decreasing",
                    f"turn {ti + 1} is at {turn.at_s:g} s, before the turn ahead of it "
                    f"({last:g} s)",
                    (*tpath, "at_s"),
                )
            last = turn.at_s
    _check_scores(ctx, q, criteria, q.debrief.scores, (*path, "debrief"), "the debrief")
    if not q.moments:
        ctx.add(
            "moments-missing",
            f"recorded interview '{q.id}' marks no moment",
            path,
            hint="add moments: {turn: <n>, kind: <kind>, explanation: ...}",
        )
    known = {*MOMENT_KINDS, *(k.id for k in ctx.pack.moment_kinds)}
    seen: set[tuple[int, str]] = set()
    for mi, moment in enumerate(q.moments):
        mpath = (*path, "moments", mi)
        if not 1 <= moment.turn <= turns:
            ctx.add(
                "moment-turn-out-of-range",
                f"turn {moment.turn} does not exist; this interview has turns 1..{turns}",
                (*mpath, "turn"),
                hint="turns are counted from 1, in the order they are written",
            )
        if moment.kind not in known:
            close = difflib.get_close_matches(moment.kind, sorted(known), n=1)
            ctx.add(
                "moment-kind-unknown",
                f"'{moment.kind}' is not a moment kind",
                (*mpath, "kind"),
                hint=f"did you mean '{close[0]}'?"
                if close
                else f"one of: {', '.join(sorted(known))}",
            )
        if moment.kind == "conduct" and not (moment.rewrite or "").strip():
            ctx.add(
                "conduct-rewrite-missing",
                "a conduct moment needs a rewrite: the lawful question to ask instead",
                mpath,
                hint="add 'rewrite:' (or \"Ask nothing here; ...\" when no version is job-related)",
            )
        elif moment.kind != "conduct" and moment.rewrite is not None:
            ctx.add(
                "rewrite-not-conduct", "only conduct moments have a rewrite", (*mpath, "rewrite")
            )
        if (moment.turn, moment.kind) in seen:
            ctx.add(
                "moment-duplicate",
                f"turn {moment.turn} is already marked '{moment.kind}'",
                mpath,
            )
        seen.add((moment.turn, moment.kind))


def _check_answer_code(
    ctx: _Ctx, q: CodingQuestion, ref: ReferenceAnswer, path: tuple[PathPart, ...]
) -> None:
    """A reference answer to a coding question is code that defines the function."""
    function = q.signature.function
    code = ref.code()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. SyntaxWarning for "\d" in a string
            tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        problem = f"is not Python ({type(exc).__name__})"
    else:
        if any(
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == function
            for node in ast.walk(tree)
        ):
            return
        problem = f"defines no function '{function}'"
    ctx.add(
        "reference-answer-not-code",
        f"reference answer '{ref.id}' of coding question '{q.id}' {problem}",
        (*path, "answer"),
        hint=f"write the candidate's code, defining {function}(); with `expect:` set, "
        "`trainer pack validate --run` checks its verdict",
    )


def _check_rubric_item(ctx: _Ctx, item: RubricItem, path: tuple[PathPart, ...]) -> int:
    """Check one rubric item; return its number of levels (0 when unresolved)."""
    if item.weight <= 0:
        ctx.add(
            "weight-not-positive", f"weight {item.weight} must be greater than 0", (*path, "weight")
        )
    if item.ref is not None:
        extra = [
            f
            for f in ("id", "title", "scale", "description", "descriptors")
            if getattr(item, f) is not None
        ]
        if extra:
            ctx.add(
                "rubric-item-form",
                f"a {{ref: ...}} item takes only 'weight' (and 'signals'); remove: "
                f"{', '.join(extra)}",
                path,
            )
        crit = ctx.pack.criterion(item.ref)
        if crit is None:
            known = ", ".join(c.id for c in ctx.pack.criteria) or "none"
            ctx.add(
                "ref-unresolved",
                f"criterion '{item.ref}' is not defined (known: {known})",
                (*path, "ref"),
            )
            return 0
        scale = ctx.pack.scale(crit.scale)
        return len(scale.levels) if scale else 0
    if item.id is None:
        ctx.add(
            "rubric-item-form",
            "a rubric item needs 'ref' (a shared criterion) or 'id'",
            path,
            hint="write {ref: communication} or an inline criterion with id, title, descriptors",
        )
        return 0
    if item.descriptors is None:
        ctx.add("rubric-item-form", f"inline criterion '{item.id}' needs 'descriptors'", path)
        return 0
    if item.title is None:
        ctx.add("rubric-item-form", f"inline criterion '{item.id}' needs a 'title'", path)
    scale = ctx.pack.scale(item.scale)
    if scale is None:
        _missing_scale(ctx, item.scale, (*path, "scale") if item.scale else path)
        return 0
    if len(item.descriptors) != len(scale.levels):
        ctx.add(
            "descriptor-count",
            f"criterion '{item.id}' has {len(item.descriptors)} descriptors; scale "
            f"'{scale.id}' has {len(scale.levels)} levels",
            (*path, "descriptors"),
            hint="write one descriptor per level, lowest first",
        )
    return len(scale.levels)


def _check_choices(ctx: _Ctx, q: MultipleChoiceQuestion, path: tuple[PathPart, ...]) -> None:
    correct = sum(1 for c in q.choices if c.correct)
    if q.select == "single" and correct != 1:
        ctx.add(
            "choice-correct-count",
            f"single-select question has {correct} correct choices; it needs exactly 1",
            (*path, "choices"),
            hint="or set 'select: multiple'",
        )
    elif q.select == "multiple" and correct < 1:
        ctx.add("choice-correct-count", "no choice is marked correct", (*path, "choices"))
    seen: dict[str, int] = {}
    for ci, choice in enumerate(q.choices):
        norm = " ".join(choice.text.lower().split())
        if norm in seen:
            ctx.add(
                "choice-duplicate",
                f"choice '{choice.id}' repeats choice '{q.choices[seen[norm]].id}'",
                (*path, "choices", ci, "text"),
            )
        seen.setdefault(norm, ci)


def _check_coding(ctx: _Ctx, q: CodingQuestion, path: tuple[PathPart, ...]) -> None:
    sig = q.signature
    if not sig.function.isidentifier() or keyword.iskeyword(sig.function):
        ctx.add(
            "signature-name",
            f"'{sig.function}' is not a valid Python function name",
            (*path, "signature", "function"),
        )
    names = sig.param_names
    for pi, name in enumerate(names):
        if not name.isidentifier() or keyword.iskeyword(name):
            ctx.add(
                "signature-name",
                f"parameter '{name}' is not a valid Python name",
                (*path, "signature", "params", pi),
            )
    if not any(t.visibility == "sample" for t in q.tests):
        ctx.add(
            "tests-sample-missing",
            "no sample test: the candidate has nothing to run",
            (*path, "tests"),
            hint="mark one or more tests 'visibility: sample'",
        )
    if not any(t.visibility == "hidden" for t in q.tests):
        ctx.add(
            "tests-hidden-missing",
            "no hidden test: answers are only checked on what the candidate saw",
            (*path, "tests"),
        )
    for ti, test in enumerate(q.tests):
        tpath = (*path, "tests", ti)
        if len(test.args) != len(names):
            ctx.add(
                "test-args-arity",
                f"test '{test.id}' gives {len(test.args)} args; {sig.function}() takes "
                f"{len(names)} ({', '.join(names)})",
                (*tpath, "args"),
                hint="args is a list with one entry per parameter",
            )
        for field in ("args", "expected"):
            value = getattr(test, field)
            if has_generator(value):
                try:
                    expand(value)
                except GeneratorError as exc:
                    ctx.add("test-generator-invalid", f"test '{test.id}': {exc}", (*tpath, field))


def _walk_text(pack: Pack) -> Iterator[tuple[tuple[PathPart, ...], str, str]]:
    """(path, text, role) for every human-facing text field."""
    yield ("pack", "title"), pack.pack.title, "title"
    for ci, crit in enumerate(pack.criteria):
        yield ("criteria", ci, "title"), crit.title, "title"
        for di, d in enumerate(crit.descriptors):
            yield ("criteria", ci, "descriptors", di), d, "text"
    for qi, q in enumerate(pack.questions):
        base: tuple[PathPart, ...] = ("questions", qi)
        yield (*base, "title"), q.title, "title"
        yield (*base, "prompt"), q.prompt, "text"
        for hi, h in enumerate(q.hints):
            yield (*base, "hints", hi), h, "hint"
        for ri, item in enumerate(q.rubric):
            for di, d in enumerate(item.descriptors or ()):
                yield (*base, "rubric", ri, "descriptors", di), d, "text"
        for ai, a in enumerate(q.approaches):
            yield (*base, "approaches", ai, "title"), a.title, "title"
            yield (*base, "approaches", ai, "summary"), a.summary, "text"
        for ri, r in enumerate(q.reference_answers):
            yield (*base, "reference_answers", ri, "answer"), r.answer, "text"
            yield (*base, "reference_answers", ri, "rationale"), r.rationale, "text"
        if isinstance(q, MultipleChoiceQuestion):
            for ci, c in enumerate(q.choices):
                yield (*base, "choices", ci, "text"), c.text, "choice"
                yield (*base, "choices", ci, "feedback"), c.feedback, "text"


def _check_text(ctx: _Ctx) -> None:
    for path, text, role in _walk_text(ctx.pack):
        if not text.strip():
            ctx.add("text-blank", f"'{path[-1]}' is blank", path)
            continue
        limit = MAX_LEN.get(role)
        if limit and len(text) > limit:
            ctx.add(
                "text-too-long", f"{role} is {len(text)} characters; keep it under {limit}", path
            )
        if has_unsafe(text):
            ctx.add(
                "control-characters",
                "text holds control or bidi characters; they will be shown as visible escapes",
                path,
            )


@dataclass(frozen=True)
class PackIds:
    """What the cross-pack rules need of a pack: ids and where they stand."""

    file: str
    pack_id: str
    pack_id_at: tuple[int, int]
    questions: tuple[tuple[str, int, int], ...]  # (id, line, column)

    @classmethod
    def of(cls, pack: Pack, source: SourceDocument) -> PackIds:
        def at(path: tuple[PathPart, ...]) -> tuple[int, int]:
            line, column, _ = source.locate(path)
            return line, column

        return cls(
            source.file,
            pack.pack.id,
            at(("pack", "id")),
            tuple((q.id, *at(("questions", qi, "id"))) for qi, q in enumerate(pack.questions)),
        )


def check_across(packs: Iterable[PackIds]) -> list[Diagnostic]:
    """Rules over packs validated together: pack ids unique, question ids not shared."""
    out: list[Diagnostic] = []
    pack_ids: dict[str, str] = {}
    question_ids: dict[str, str] = {}
    for entry in packs:
        if entry.pack_id in pack_ids:
            out.append(
                Diagnostic(
                    "pack-id-duplicate",
                    RULES["pack-id-duplicate"][0],
                    f"pack id '{entry.pack_id}' is also used by {pack_ids[entry.pack_id]}",
                    entry.file,
                    *entry.pack_id_at,
                    path=("pack", "id"),
                )
            )
        else:
            pack_ids[entry.pack_id] = entry.file
        for qi, (qid, line, column) in enumerate(entry.questions):
            if qid in question_ids and question_ids[qid] != entry.file:
                out.append(
                    Diagnostic(
                        "question-id-shared",
                        RULES["question-id-shared"][0],
                        f"question id '{qid}' is also used in {question_ids[qid]}",
                        entry.file,
                        line,
                        column,
                        ("questions", qi, "id"),
                        hint="rename one, or refer to it as <pack-id>/<question-id>",
                    )
                )
            question_ids.setdefault(qid, entry.file)
    return out
