"""The commented starter pack written by `trainer pack new`; it validates clean.

`--kind` picks which starter questions it holds (one per kind, several allowed);
every combination validates with no finding, `--run` included.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from trainer.core.packs.model import KINDS

_HEADER = """\
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
"""

_CONCEPT = """\
  - id: database-index           # kebab-case; never reuse an id for a different question
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
          - {term: B-tree, synonyms: [btree, b+tree]}
          - write
          - selectivity
      - {ref: communication, weight: 1}
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
        scores: {accuracy: 2, communication: 2}
        rationale: Knows the benefit but not the cost; "every column" would slow all writes.
    interviewer_notes: Listen for the write cost; most weak answers stop at "faster reads".
    follow_ups:
      - How would you find out whether a query uses the index?
"""

_CODING = """\
  - id: first-unique-character
    kind: coding
    title: First unique character
    difficulty: easy
    tags: [strings, hashing]
    time_limit_min: 20
    prompt: |
      Given a string `s`, return the index of its first character that occurs
      exactly once, or `-1` if every character repeats.

      Example: `s = "leetcode"` gives `0`; `s = "aabb"` gives `-1`.
    hints:
      - What do you need to know about a character before you can answer for it?
      - Two passes - one to count, one to find - are enough.
    rubric:
      - id: correctness
        title: Correctness
        weight: 2
        descriptors:
          - Does not work on the example.
          - Works on the example; wrong when nothing is unique or the string is empty.
          - Correct on all inputs, with a slip fixed when pointed out.
          - Correct on all inputs and explains why, edge cases included.
        signals: [empty, "-1"]
      - id: efficiency
        title: Efficiency
        weight: 1
        descriptors:
          - Cannot say the complexity of the code.
          - Quadratic (a count or a search per character), no faster idea.
          - Linear time, stated when asked.
          - Linear time and the alphabet-size memory, stated unprompted.
        signals:
          - {term: linear, synonyms: ["O(n)"]}
          - {term: dictionary, synonyms: [dict, hash map, counter]}
      - {ref: communication, weight: 1}
    approaches:
      - id: count-then-scan
        title: Count, then scan
        summary: Count every character in one pass; the first with count 1 is the answer.
        tradeoffs: [Linear time, Memory for one count per distinct character]
        complexity: {time: O(n), space: O(k)}   # quote values with commas: "O(n, k)"
        solution: |
          def first_unique(s):
              counts = {}
              for ch in s:
                  counts[ch] = counts.get(ch, 0) + 1
              for i, ch in enumerate(s):
                  if counts[ch] == 1:
                      return i
              return -1
      - id: count-each
        title: Count each character separately
        summary: For each position, count that character in the whole string.
        tradeoffs: [No extra memory, Quadratic; far too slow on long strings]
        complexity: {time: O(n^2), space: O(1)}
        solution: |
          def first_unique(s):
              for i, ch in enumerate(s):
                  if s.count(ch) == 1:
                      return i
              return -1
        expect: time_limit       # `trainer pack validate --run` checks this verdict
    signature:
      function: first_unique
      params: ["s: str"]
      returns: int
    limits: {time_s: 1.0}
    tests:                       # sample tests are shown to the candidate, hidden ones are not
      - {id: example, visibility: sample, args: [leetcode], expected: 0}
      - {id: none-unique, visibility: sample, args: [aabb], expected: -1}
      - {id: later, visibility: hidden, args: [loveleetcode], expected: 2}
      - {id: empty, visibility: hidden, args: [""], expected: -1}
      - id: long-repeats
        visibility: hidden
        description: 200,000 characters, all repeated; only a linear solution is fast enough.
        args: [{$gen: string, value: ab, count: 100000}]
        expected: -1
    reference_answers:
      - id: count-per-char
        label: weak
        answer: |
          def first_unique(s):
              for i in range(len(s)):
                  if s.count(s[i]) == 1:
                      return i
        scores: {correctness: 2, efficiency: 2, communication: 2}
        rationale: |
          Finds the example's answer, but returns None instead of -1 when nothing is
          unique, and counts the whole string for every character (quadratic).
        expect: wrong_answer     # --run checks the rationale's claim: it fails a test
      - id: two-passes
        label: strong
        answer: |
          def first_unique(s):
              counts = {}
              for ch in s:
                  counts[ch] = counts.get(ch, 0) + 1
              return next((i for i, ch in enumerate(s) if counts[ch] == 1), -1)
        scores: {correctness: 4, efficiency: 4, communication: 3}
        rationale: Linear time, -1 when nothing is unique, and the empty string is handled.
        expect: accepted
"""

_SYSTEM_DESIGN = """\
  - id: design-url-shortener
    kind: system_design
    title: Design a URL shortener
    difficulty: medium
    tags: [storage, caching]
    prompt: |
      Design a service that turns long URLs into short links and redirects visitors.
      Cover requirements and rough numbers, a high-level design, one deep dive, and
      how it scales.
    hints:
      - Start with how many links are created and followed per day.
      - Redirects vastly outnumber new links; what does that suggest for reads?
      - How will you make short codes that never collide?
    rubric:
      - id: requirements
        title: Requirements and estimates
        weight: 1
        descriptors:
          - Jumps to a design without asking anything.
          - Asks a few questions but puts no numbers on them.
          - Functional and non-functional requirements with rough numbers.
          - The numbers drive later choices (storage, cache size, id length) explicitly.
        signals: [QPS, read-heavy, {term: storage, synonyms: [terabytes, gigabytes]}]
      - id: design
        title: Design and trade-offs
        weight: 2
        descriptors:
          - No coherent design.
          - Boxes and arrows with no reasoning about the choices.
          - A sound design, with the main trade-offs named when asked.
          - Chooses id generation, storage and caching deliberately and compares alternatives.
        signals: [cache, {term: base62, synonyms: [base 62]}, counter, collision]
      - {ref: communication, weight: 1}
    approaches:
      - id: counter-and-cache
        title: Counter ids, key-value store, cache in front
        summary: |
          Short codes from a distributed counter in base62; a key-value store maps codes
          to URLs; a cache and a CDN serve the hot redirects.
        tradeoffs:
          - Counter ids never collide, but are guessable; add a random suffix if that matters.
          - A cache absorbs the read load, at the cost of invalidation on deletes.
    reference_answers:
      - id: one-table
        label: weak
        answer: |
          Store every URL in one SQL table keyed by a random string, and add servers
          as it grows.
        scores: {requirements: 1, design: 2, communication: 2}
        rationale: |
          No numbers and no questions; random keys with no collision check; no cache
          for a load that is almost all reads.
    interviewer_notes: Strong candidates estimate the read:write ratio before picking storage.
    follow_ups:
      - How would you expire links, and what happens to cached ones?
"""

_BEHAVIORAL = """\
  - id: missed-deadline
    kind: behavioral
    title: A deadline you were going to miss
    difficulty: easy
    competency: ownership
    tags: [ownership, communication]
    prompt: Tell me about a time you realised a project you owned would miss its deadline.
    hints:
      - Use the STAR shape - Situation, Task, Action, Result.
      - Say what you did, not what the team did.
    rubric:
      - id: star
        title: Structure (STAR)
        weight: 1
        descriptors:
          - No clear situation or outcome.
          - Situation and action, but the result is missing or vague.
          - Complete STAR with a concrete result.
          - Complete STAR with a measurable result and what they changed afterwards.
        signals: [deadline, result, {term: learned, synonyms: [learnt, lesson]}]
      - id: ownership
        title: Ownership
        weight: 2
        descriptors:
          - Blames others or circumstances.
          - Reports the slip late, once it could not be hidden.
          - Raises the risk early and proposes options.
          - Raises it early with options and trade-offs, and fixes the cause for next time.
        signals:
          - {term: escalate, synonyms: [flagged, raised the risk]}
          - {term: scope, synonyms: [descope, cut scope]}
          - stakeholders
      - {ref: communication, weight: 1}
    approaches:
      - id: early-warning
        title: One real slip, raised early
        summary: |
          Pick one project you owned. Say when and how you saw the risk, who you told and
          what options you offered (scope, date, people), what was decided, the outcome,
          and what you do differently now.
        tradeoffs:
          - A story where the date still slipped is fine if you show what you learnt.
          - Avoid stories where the only action was working longer hours.
    reference_answers:
      - id: heroics
        label: weak
        answer: |
          We were late, so I worked every weekend for a month and we shipped only a
          week late.
        scores: {star: 2, ownership: 2, communication: 2}
        rationale: Effort, but no early warning, no options offered and nothing learnt.
    follow_ups:
      - What would have happened if you had raised it a week later?
"""

_MULTIPLE_CHOICE = """\
  - id: average-dict-lookup
    kind: multiple_choice
    title: Cost of a dictionary lookup
    difficulty: easy
    tags: [hashing]
    prompt: What is the average time to look up a key in a Python `dict` of n entries?
    select: single               # single | multiple
    choices:
      - id: constant
        text: O(1)
        correct: true
        feedback: Right - hashing finds the slot directly; collisions are rare on average.
      - id: log
        text: O(log n)
        feedback: That is a balanced search tree, which a dict is not.
      - id: linear
        text: O(n)
        feedback: Only in the worst case, when many keys collide.
    explanation: A dict is a hash table; lookups cost O(1) on average, O(n) in the worst case.
"""

_RECORDED_INTERVIEW = """\
  - id: shadow-team-conflict
    kind: recorded_interview     # an interview to watch, in a shadow round
    interview_kind: behavioral   # coding | system_design | behavioral
    title: "Behavioural: a conflict story, a friendly interviewer"
    difficulty: easy
    tags: [shadowing, conduct]
    time_limit_min: 10
    prompt: Tell me about a time you disagreed with a colleague about how to do something.
    rubric:
      - id: story
        title: Story
        descriptors:
          - No specific situation.
          - A situation, but the candidate's own actions are unclear.
          - A specific situation, the candidate's actions and a result.
          - All of that, with what the candidate learnt and does differently now.
      - {ref: communication}
    turns:                       # in order; moments below count them from 1
      - speaker: interviewer
        at_s: 0
        text: "Thanks for coming in. Tell me about a time you disagreed with a colleague."
      - speaker: candidate
        at_s: 8
        text: "Sure. A colleague and I disagreed about rewriting our billing service."
      - speaker: interviewer
        at_s: 30
        text: "And what did you do, yourself?"
      - speaker: candidate
        at_s: 36
        text: "I measured the failures for a week and showed that two modules caused most of them."
      - speaker: interviewer
        at_s: 70
        text: "How did your colleague take that?"
      - speaker: candidate
        at_s: 76
        text: "Not well at first. He felt I was defending old code I had written."
      - speaker: interviewer
        at_s: 100
        text: "What did you do about that?"
      - speaker: candidate
        at_s: 106
        text: "I asked him to pick the worst module and pair with me on a rewrite of just that one."
      - speaker: interviewer
        at_s: 140
        text: "Nice. Do you have kids, by the way? The team often works late."
      - speaker: candidate
        at_s: 146
        text: "Oh. Um, yes, two."
      - speaker: interviewer
        at_s: 160
        text: "Great. So, the module. How did it go?"
      - speaker: candidate
        at_s: 166
        text: "We rewrote it in three weeks and its failures stopped."
      - speaker: interviewer
        at_s: 190
        text: "And the second module?"
      - speaker: candidate
        at_s: 196
        text: "We fixed it in place; a rewrite was not worth it there."
      - speaker: interviewer
        at_s: 220
        text: "Looking back, what would you do differently?"
      - speaker: candidate
        at_s: 226
        text: "I would have shared the failure data before the argument started, not after."
      - speaker: interviewer
        at_s: 260
        text: "That's a good lesson. Anything else?"
      - speaker: candidate
        at_s: 266
        text: "No, I think that covers it."
      - speaker: interviewer
        at_s: 280
        text: "Thanks. You gave me a clear picture of what you did and why."
      - speaker: candidate
        at_s: 290
        text: "Thank you."
    debrief:
      scores: {story: 4, communication: 3}
      rationale: A specific situation, personal actions (turns 4 and 8) and a lesson (turn 16).
      summary: Good probes for the candidate's own part, one unlawful question, good feedback.
    moments:                     # at least one; `turn` is the turn's number, from 1
      - turn: 3
        # conduct | hint-too-strong | hint-too-late | missed-probe | leading-question |
        # good-probe | good-hint | good-feedback (or one of the pack's moment_kinds)
        kind: good-probe
        explanation: Asking what the candidate did themself gets past "we".
      - turn: 9
        kind: conduct
        explanation: |
          Family status is not job-related; asking about children invites discrimination
          claims (sex and family status in US and EU law) whatever the intent.
        rewrite: The role sometimes needs evening work; is there anything that would stop you?
      - turn: 19
        kind: good-feedback
        explanation: Ends by saying what went well, specifically, without promising a result.
"""

#: One starter question per kind, in the order `--kind` options are written.
QUESTIONS: dict[str, str] = {
    "coding": _CODING,
    "system_design": _SYSTEM_DESIGN,
    "behavioral": _BEHAVIORAL,
    "concept": _CONCEPT,
    "multiple_choice": _MULTIPLE_CHOICE,
    "recorded_interview": _RECORDED_INTERVIEW,
}
assert tuple(sorted(QUESTIONS)) == tuple(sorted(KINDS))


def starter_pack(
    pack_id: str, *, schema_path: str, filename: str, kinds: Sequence[str] = ()
) -> str:
    """The starter pack text: one question per kind in `kinds` (default: a concept question).

    Raises ValueError for a kind that does not exist.
    """
    unknown = [k for k in kinds if k not in QUESTIONS]
    if unknown:
        raise ValueError(f"unknown kind {unknown[0]!r}; one of: {', '.join(KINDS)}")
    chosen = list(dict.fromkeys(kinds)) or ["concept"]
    title = " ".join(w.capitalize() for w in re.split(r"[-_\s]+", pack_id) if w) or pack_id
    head = _HEADER.format(pack_id=pack_id, title=title, schema=schema_path, filename=filename)
    return head + "\n".join(QUESTIONS[k] for k in chosen)
