"""Benchmark `trainer pack validate` against PyYAML's C loader and check-jsonschema.

Generates 10 pack files of 1,000 realistic questions each, then reports in one run:
- floor: a Python process that loads the same files with yaml.CSafeLoader;
- `trainer pack validate` on the folder (a whole process, as a user runs it);
- `check-jsonschema` with the exported schema (skipped when not installed).
Run: python benchmarks/validate.py [--questions 1000] [--files 10] [--repeat 3]
"""

from __future__ import annotations

import os
import sys

# Run as a script, this folder is sys.path[0], where benchmarks/typing.py would shadow the
# standard library's typing module: put the repository root there instead.
_HERE = os.path.dirname(os.path.abspath(__file__))
if sys.path and os.path.abspath(sys.path[0] or os.curdir) == _HERE:
    sys.path[0] = os.path.dirname(_HERE)

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

from benchmarks.common import measure, report  # noqa: E402

KINDS = ["coding", "system_design", "behavioral", "concept", "multiple_choice"]
LOREM = (
    "Given a stream of events with timestamps and user ids, explain how you would keep a "
    "sliding window of the most recent activity per user, what data structures you would "
    "use, how memory grows with the number of users, and what you would do when a single "
    "process can no longer hold the state. "
)


def question(i: int, kind: str) -> str:
    base = f"""  - id: q-{i}-{kind.replace("_", "-")}
    kind: {kind}
    title: Practice question number {i}
    difficulty: {["easy", "medium", "hard"][i % 3]}
    tags: [arrays, hashing, tag-{i % 17}]
    time_limit_min: {10 + i % 30}
    prompt: |
      {LOREM}
      {LOREM}
      Consider the edge cases: empty input, duplicates, and very large values ({i}).
    hints:
      - Start from the simplest correct approach and state its cost.
      - Which lookups happen most often? Make those cheap.
      - A dictionary keyed by user id, holding a deque of timestamps.
    rubric:
      - {{ref: communication, weight: 1}}
      - {{ref: problem-solving, weight: 2}}
      - id: correctness
        title: Correctness
        weight: 3
        descriptors: [Wrong on the example., Right on the example only., Right on all inputs.,
                      Right on all inputs and argues why.]
        signals: [invariant, {{term: edge case, synonyms: [corner case]}}]
    approaches:
      - id: first
        title: Direct approach
        summary: {LOREM}
        tradeoffs: [Simple to write, Uses more memory than needed]
        complexity: {{time: O(n), space: O(n)}}
    reference_answers:
      - id: partial
        label: weak
        answer: |
          {LOREM}
        scores: {{communication: 2, problem-solving: 2, correctness: 1}}
        rationale: Misses the edge cases and never states the complexity.
"""
    if kind == "coding":
        base = base.replace(
            "        complexity: {time: O(n), space: O(n)}\n",
            "        complexity: {time: O(n), space: O(n)}\n"
            f"        solution: |\n          def solve_{i}(nums, k):\n"
            "              return sum(nums[:k]) if nums else 0\n",
        )
        sig = 'params: ["nums: list[int]", "k: int"], returns: int'
        base += f"    signature: {{function: solve_{i}, {sig}}}\n"
        base += """    tests:
      - {id: t1, visibility: sample, args: [[1, 2, 3], 2], expected: 5}
      - {id: t2, visibility: sample, args: [[], 0], expected: 0}
      - {id: t3, visibility: hidden, args: [[5, 5, 5, 5], 1], expected: 5}
      - {id: t4, visibility: hidden, args: [[-1, -2, 9], 3], expected: 6}
"""
    if kind == "multiple_choice":
        base += """    select: single
    choices:
      - {id: a, text: The first option, correct: true, feedback: Right because it is first.}
      - {id: b, text: The second option, feedback: Wrong because it is second.}
      - {id: c, text: The third option, feedback: Wrong because it is third.}
"""
    if kind == "behavioral":
        base += "    competency: ownership\n    follow_ups: [What would you change?]\n"
    return base


def pack_text(file_index: int, n: int) -> str:
    head = f"""schema_version: 1
pack:
  id: bench-{file_index}
  title: Benchmark pack {file_index}
  version: "1.0.0"
  authors: [bench]
scales:
  - id: four-point
    levels: [Strong no hire, Leaning no hire, Leaning hire, Strong hire]
criteria:
  - id: communication
    title: Communication
    descriptors: [Silent., Some gaps., Clear., Clear and checks understanding.]
  - id: problem-solving
    title: Problem solving
    descriptors: [No plan., Brute force only., Improves with a hint., Finds the best approach.]
questions:
"""
    body = "".join(question(file_index * n + i, KINDS[i % len(KINDS)]) for i in range(n))
    return head + body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "packs"
        folder.mkdir()
        for f in range(args.files):
            (folder / f"bench-{f}.yaml").write_text(pack_text(f, args.questions))
        files = sorted(str(p) for p in folder.glob("*.yaml"))
        size = sum(Path(p).stat().st_size for p in files) / 1e6
        print(
            f"{args.files} files x {args.questions} questions, {size:.1f} MB; "
            f"median of {args.repeat}\n"
        )
        floor_nogc = "import gc; gc.disable()\n" + (
            "import sys, yaml\n"
            "for p in sys.argv[1:]:\n"
            "    with open(p, 'rb') as fh:\n"
            "        yaml.load(fh, Loader=yaml.CSafeLoader)\n"
        )
        floor_code = (
            "import sys, yaml\n"
            "for p in sys.argv[1:]:\n"
            "    with open(p, 'rb') as fh:\n"
            "        yaml.load(fh, Loader=yaml.CSafeLoader)\n"
        )
        floor = measure(
            "floor: yaml.load(CSafeLoader), gc paused",
            [py, "-c", floor_nogc, *files],
            repeat=args.repeat,
        )
        plain = measure(
            "yaml.load(CSafeLoader), gc on (default)",
            [py, "-c", floor_code, *files],
            repeat=args.repeat,
        )
        trainer = measure(
            "trainer pack validate",
            [py, "-m", "trainer", "pack", "validate", "--format", "json", str(folder)],
            repeat=args.repeat,
        )
        others = [plain, trainer]
        checker = shutil.which("check-jsonschema") or str(Path(py).parent / "check-jsonschema")
        if Path(checker).exists():
            schema = Path(tmp) / "schema.json"
            from trainer.core.packs.schema import pack_json_schema

            schema.write_text(json.dumps(pack_json_schema()))
            others.append(
                measure(
                    "check-jsonschema --schemafile (exported)",
                    [checker, "--schemafile", str(schema), *files],
                    repeat=args.repeat,
                )
            )
        else:
            print("check-jsonschema not installed: pip install -e '.[bench]'")
        report(floor, others)
        if len(others) > 2:
            print(f"\ncheck-jsonschema / trainer: {others[2].seconds / trainer.seconds:.2f}x")


if __name__ == "__main__":
    main()
