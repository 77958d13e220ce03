"""The commented starter pack written by `trainer pack new`; it validates clean."""

from __future__ import annotations

import re

_TEMPLATE = """\
# yaml-language-server: $schema={schema}
# A trainer question pack. Check it with:  trainer pack validate {filename}
# Field reference: trainer pack schema. Quote text that YAML could misread
# (yes, no, on, off, 12:30, dates, versions such as "1.0").
schema_version: 1

pack:
  id: {pack_id}                 # kebab-case; unique among your packs
  title: {title}
  version: "0.1.0"
  description: What this pack helps people practise.
  authors: [Your Name]
  license: CC-BY-4.0

# Scales: ordered levels, lowest first. A score is the level's number (1..4 here).
scales:
  - id: four-point
    levels: [Strong no hire, Leaning no hire, Leaning hire, Strong hire]

# Shared criteria, used by questions with {{ref: <id>}}. One descriptor per level.
criteria:
  - id: communication
    title: Communication
    descriptors:
      - Hard to follow; key steps are missing.
      - Understandable, but the listener has to ask for the reasoning.
      - Clear structure; explains the main decisions unprompted.
      - Clear, concise and checks the listener's understanding.
    signals: [trade-off, example]   # words whose mention counts as evidence

questions:
  - id: first-question           # kebab-case; never reuse an id for a different question
    kind: concept                # coding | system_design | behavioral | concept | multiple_choice
    title: Explain a concept you know well
    difficulty: easy             # easy | medium | hard
    tags: [warm-up]
    time_limit_min: 5
    prompt: |
      Explain what an index in a relational database is, and when adding one
      makes things worse.
    hints:                       # progressive: the gentlest first
      - Think about what the database must do on every write.
      - An index is a second data structure that has to be kept up to date.
    rubric:
      - id: accuracy
        title: Accuracy
        weight: 2
        descriptors:
          - Wrong about what an index is.
          - Knows it speeds up reads; nothing on its cost.
          - Explains the read benefit and the write and storage cost.
          - Also names when the planner ignores an index (low selectivity, small tables).
        signals:
          - {{term: B-tree, synonyms: [btree, b+tree]}}
          - write
          - selectivity
      - {{ref: communication, weight: 1}}
    approaches:
      - id: model-answer
        title: Model answer
        summary: A sorted structure beside the table that trades write cost for read speed.
        tradeoffs:
          - Faster lookups and range scans.
          - Slower inserts and updates, and more storage.
        solution: |
          An index is a separate structure (usually a B-tree) that keeps keys sorted with
          pointers to rows, so lookups and range scans avoid a full table scan. Every insert,
          update and delete must also update it, and it takes space; on columns with few
          distinct values the planner often ignores it anyway.
    reference_answers:
      - id: reads-only
        label: weak
        answer: An index makes queries faster, so you should add one to every column.
        scores: {{accuracy: 2, communication: 2}}
        rationale: Knows the benefit but not the cost; "every column" would slow all writes.
    interviewer_notes: Listen for the write cost; most weak answers stop at "faster reads".
    follow_ups:
      - How would you find out whether a query uses the index?
"""


def starter_pack(pack_id: str, *, schema_path: str, filename: str) -> str:
    title = " ".join(w.capitalize() for w in re.split(r"[-_\s]+", pack_id) if w) or pack_id
    return _TEMPLATE.format(pack_id=pack_id, title=title, schema=schema_path, filename=filename)
