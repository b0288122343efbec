"""Per-user folders: the overrides win, and on Linux the folders are the XDG ones existing users have."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from posestudio.core import paths

VARS = ("POSESTUDIO_MODELS", "POSESTUDIO_CACHE", "POSESTUDIO_LOGS", "POSESTUDIO_CONFIG",
        "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME")


@pytest.fixture
def home(tmp_path, monkeypatch):
    for var in VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the XDG layout is Linux's")
def test_linux_folders_are_where_earlier_versions_put_them(home):
    assert paths.models_dir() == home / ".local" / "share" / "posestudio" / "models"
    assert paths.cache_dir() == home / ".cache" / "posestudio"
    assert paths.log_dir() == home / ".local" / "state" / "posestudio" / "logs"
    assert paths.config_dir() == home / ".config" / "posestudio"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG variables are Linux's")
def test_xdg_variables_move_the_folders(home, monkeypatch):
    for var, name in (("XDG_DATA_HOME", "d"), ("XDG_CACHE_HOME", "c"), ("XDG_STATE_HOME", "s"),
                      ("XDG_CONFIG_HOME", "g")):
        monkeypatch.setenv(var, str(home / name))
    assert paths.models_dir() == home / "d" / "posestudio" / "models"
    assert paths.cache_dir() == home / "c" / "posestudio"
    assert paths.log_dir() == home / "s" / "posestudio" / "logs"
    assert paths.config_dir() == home / "g" / "posestudio"


def test_overrides_win_everywhere(home, monkeypatch):
    for var in VARS[:4]:
        monkeypatch.setenv(var, str(home / var.lower()))
    assert paths.models_dir() == Path(home / "posestudio_models")
    assert paths.cache_dir() == Path(home / "posestudio_cache")
    assert paths.log_dir() == Path(home / "posestudio_logs")
    assert paths.config_dir() == Path(home / "posestudio_config")
