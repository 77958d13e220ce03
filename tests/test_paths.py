"""Data locations: override, then environment, then the platform default; nothing created early."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import platformdirs
import pytest

from trainer import paths


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(paths.ENV_DATA_DIR, raising=False)


@pytest.mark.parametrize("as_str", [False, True])
def test_override_wins_over_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, as_str: bool
) -> None:
    monkeypatch.setenv(paths.ENV_DATA_DIR, str(tmp_path / "from-env"))
    override = tmp_path / "explicit"
    assert paths.data_dir(str(override) if as_str else override) == override


def test_environment_used_without_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(paths.ENV_DATA_DIR, str(tmp_path / "from-env"))
    assert paths.data_dir() == tmp_path / "from-env"


@pytest.mark.parametrize("override", [None, ""])
def test_platform_default_when_nothing_set(no_env: None, override: str | None) -> None:
    expected = Path(platformdirs.user_data_dir("trainer", appauthor=False)).absolute()
    assert paths.data_dir(override) == expected


def test_empty_environment_value_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(paths.ENV_DATA_DIR, "")
    expected = Path(platformdirs.user_data_dir("trainer", appauthor=False)).absolute()
    assert paths.data_dir() == expected


@pytest.mark.parametrize("source", ["override", "env"])
def test_result_is_absolute_and_user_expanded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    if source == "env":
        monkeypatch.setenv(paths.ENV_DATA_DIR, "~/data")
        assert paths.data_dir() == tmp_path / "home" / "data"
        monkeypatch.setenv(paths.ENV_DATA_DIR, "relative")
        assert paths.data_dir() == tmp_path / "relative"
    else:
        assert paths.data_dir("~/data") == tmp_path / "home" / "data"
        assert paths.data_dir("relative") == tmp_path / "relative"


@pytest.mark.parametrize(
    ("func", "name"),
    [
        (paths.user_packs_dir, "packs"),
        (paths.history_db_path, "history.sqlite3"),
        (paths.drafts_dir, "drafts"),
    ],
)
def test_sub_paths_follow_the_data_dir_and_create_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, func: object, name: str
) -> None:
    assert callable(func)
    explicit = tmp_path / "explicit"
    assert func(explicit) == explicit / name
    assert func(data_dir=str(explicit)) == explicit / name
    monkeypatch.setenv(paths.ENV_DATA_DIR, str(tmp_path / "env"))
    assert func() == tmp_path / "env" / name
    assert list(tmp_path.iterdir()) == []  # asking for a path never creates it


def test_ensure_dir_creates_nested_private_directory_and_is_idempotent(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "c"
    assert paths.ensure_dir(target) == target
    assert target.is_dir()
    if os.name == "posix":
        assert stat.S_IMODE(target.stat().st_mode) & 0o077 == 0
    (target / "keep.txt").write_text("x")
    assert paths.ensure_dir(str(target)) == target
    assert (target / "keep.txt").read_text() == "x"


@pytest.mark.parametrize("blocker", ["file", "parent-file"])
def test_ensure_dir_refuses_to_replace_a_file(tmp_path: Path, blocker: str) -> None:
    (tmp_path / "f").write_text("precious")
    target = tmp_path / "f" if blocker == "file" else tmp_path / "f" / "sub"
    with pytest.raises((FileExistsError, NotADirectoryError)):
        paths.ensure_dir(target)
    assert (tmp_path / "f").read_text() == "precious"
