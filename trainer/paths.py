"""Where the trainer keeps its files: history database, drafts, user packs.

Only this module knows platformdirs; `trainer.core` gets its paths passed in, so
tests (and users) can point everything at another directory. Every function takes
an override, and nothing here creates a directory: callers that are about to write
call `ensure_dir`, so merely asking for a path never leaves empty folders behind.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "trainer"
#: Environment variable that relocates the whole data directory (tests, portable installs).
ENV_DATA_DIR = "TRAINER_DATA_DIR"

HISTORY_DB_NAME = "history.sqlite3"
DRAFTS_DIR_NAME = "drafts"
USER_PACKS_DIR_NAME = "packs"
#: Settings (today only the opt-in model grader's `[grader]` table).
CONFIG_FILE_NAME = "config.toml"


def data_dir(override: Path | str | None = None) -> Path:
    """The data directory: `override`, else `$TRAINER_DATA_DIR`, else the platform default.

    An empty override or environment value counts as unset, so `TRAINER_DATA_DIR=` in a
    shell does not silently mean "the current directory". The result is absolute, so a
    later change of working directory cannot move it.
    """
    return _resolve_data_dir(override)


def _resolve_data_dir(override: Path | str | None) -> Path:
    if override is not None and str(override) != "":
        return _absolute(Path(override))
    env = os.environ.get(ENV_DATA_DIR, "")
    if env:
        return _absolute(Path(env))
    return _absolute(Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)))


def user_packs_dir(data_dir: Path | str | None = None) -> Path:
    """Where users drop their own question packs (discovered next to the built-in ones).

    `data_dir` is resolved like `data_dir()`'s override, so None means the default.
    """
    return _resolve_data_dir(data_dir) / USER_PACKS_DIR_NAME


def history_db_path(data_dir: Path | str | None = None) -> Path:
    """The SQLite file holding sessions and attempts."""
    return _resolve_data_dir(data_dir) / HISTORY_DB_NAME


def drafts_dir(data_dir: Path | str | None = None) -> Path:
    """The directory of autosaved answer drafts (one small JSON file per draft)."""
    return _resolve_data_dir(data_dir) / DRAFTS_DIR_NAME


def ensure_dir(path: Path | str) -> Path:
    """Create `path` (and its parents) if missing, and return it.

    The last component is created private (0o700) because history and drafts are the
    user's own answers; an existing directory keeps its mode. A file in the way raises
    `FileExistsError` or `NotADirectoryError` rather than being overwritten.
    """
    target = Path(path)
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    return target


def _absolute(path: Path) -> Path:
    return path.expanduser().absolute()
