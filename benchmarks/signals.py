"""Benchmark signal coverage (lemmas, gaps, negation) against a plain regex floor.

Every reference answer of the built-in packs against its own rubric's signals, in one
process. Floor: the whole-word regex search alone (the matcher without lemmas, gaps or
negation), over the same answers and phrases. Runs are interleaved; medians are reported.
The first call, which loads the lemma data, is timed on its own.
Run: python benchmarks/signals.py [--repeat 7]
"""

from __future__ import annotations

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
if sys.path and os.path.abspath(sys.path[0] or os.curdir) == _HERE:
    sys.path[0] = os.path.dirname(_HERE)

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import unicodedata  # noqa: E402

from trainer.core.evaluation.signals import phrase_pattern, signal_coverage  # noqa: E402
from trainer.core.packs.discovery import builtin_packs_dir  # noqa: E402
from trainer.core.packs.loader import load_pack_file  # noqa: E402
from trainer.core.packs.resolve import ResolvedCriterion, resolve_rubric  # noqa: E402


def cases() -> list[tuple[str, list[ResolvedCriterion]]]:
    out = []
    for path in sorted(builtin_packs_dir().glob("*.yaml")):
        loaded = load_pack_file(path)
        if loaded.pack is None:
            continue
        for q in loaded.pack.questions:
            criteria = [c for c in resolve_rubric(loaded.pack, q) if c.signals]
            for ref in q.reference_answers:
                if criteria:
                    out.append((str(ref.answer), criteria))
    return out


def floor(work: list[tuple[str, list[ResolvedCriterion]]]) -> None:
    for answer, criteria in work:
        text = unicodedata.normalize("NFC", answer)
        for crit in criteria:
            for signal in crit.signals:
                for phrase in signal.phrases:
                    pattern = phrase_pattern(phrase)
                    if pattern is not None:
                        pattern.search(text)


def coverage(work: list[tuple[str, list[ResolvedCriterion]]]) -> None:
    for answer, criteria in work:
        signal_coverage(answer, criteria)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    work = cases()
    start = time.perf_counter()
    coverage(work[:1])
    first = time.perf_counter() - start
    times: dict[str, list[float]] = {"floor": [], "coverage": []}
    for _ in range(args.repeat):
        for name, fn in (("floor", floor), ("coverage", coverage)):
            start = time.perf_counter()
            fn(work)
            times[name].append(time.perf_counter() - start)
    base = statistics.median(times["floor"])
    print(f"{len(work)} reference answers; first call (loads lemma data): {first:.3f} s")
    print(f"{'what':40} {'median s':>9} {'x floor':>8}")
    for name in ("floor", "coverage"):
        med = statistics.median(times[name])
        print(f"{name:40} {med:9.4f} {med / base:8.2f}")


if __name__ == "__main__":
    main()
