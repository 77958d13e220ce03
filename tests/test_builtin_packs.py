"""The built-in content: counts per pack and kind, and every reference solution's verdict."""

from __future__ import annotations

from collections import Counter

import pytest
from typer.testing import CliRunner

from trainer.cli.main import app
from trainer.core.packs.discovery import builtin_packs_dir, pack_files
from trainer.core.packs.loader import load_pack_file
from trainer.core.packs.model import CodingQuestion

# pack id -> (kind, at least this many questions), from the content issue's table
MINIMUM = {
    "coding": ("coding", 15),
    "system-design": ("system_design", 8),
    "behavioral": ("behavioral", 12),
    "concepts": ("concept", 15),
    "interviewer-conduct": ("multiple_choice", 25),
}


@pytest.fixture(scope="module")
def packs() -> dict[str, object]:
    out = {}
    for path in pack_files(builtin_packs_dir()):
        loaded = load_pack_file(path)
        assert loaded.ok, [str(d) for d in loaded.diagnostics]
        assert loaded.pack is not None
        out[loaded.pack.pack.id] = loaded.pack
    return out


@pytest.mark.parametrize("pack_id", sorted(MINIMUM))
def test_pack_has_its_questions(packs: dict[str, object], pack_id: str) -> None:
    kind, minimum = MINIMUM[pack_id]
    pack = packs[pack_id]
    counts = Counter(q.kind for q in pack.questions)  # type: ignore[attr-defined]
    assert counts[kind] >= minimum, counts
    assert set(counts) == {kind}


def test_coding_pack_has_slow_approaches_proven_slow(packs: dict[str, object]) -> None:
    pack = packs["coding"]
    slow = [
        q.id
        for q in pack.questions  # type: ignore[attr-defined]
        if isinstance(q, CodingQuestion) and any(a.expect == "time_limit" for a in q.approaches)
    ]
    assert len(slow) >= 5


def test_builtin_packs_validate_with_run_clean() -> None:
    """Every declared verdict is confirmed by really running the solutions (about 15 s)."""
    result = CliRunner().invoke(
        app,
        [
            "pack",
            "validate",
            "--run",
            "--fail-on",
            "warning",
            "-f",
            "parsable",
            str(builtin_packs_dir()),
        ],
    )
    assert result.exit_code == 0, result.output
