"""Fixtures shared by all tests: the real test data, built models, per-test user folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
VIDEOS = SHARED_DATA / "videos"
AWKWARD = VIDEOS / "awkward"

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real test data not found at {SHARED_DATA} (the project's shared/ folder is absent)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def videos_dir(shared_data) -> Path:
    return shared_data / "videos"


@pytest.fixture(scope="session")
def require_model():
    """Return a function that gives a built model's path or skips with the command that builds it."""
    from posestudio.core.errors import ModelMissingError
    from posestudio.core.models.registry import model_path

    def _require(model_id: str) -> Path:
        try:
            return model_path(model_id)
        except ModelMissingError as exc:
            if os.environ.get("CI"):
                raise  # CI builds every model first; a missing one there is a failure, not a skip
            pytest.skip(str(exc))

    return _require


@pytest.fixture(autouse=True)
def _private_user_folders(tmp_path_factory, monkeypatch):
    """Caches, logs and saved custom angles go to a temporary folder; models stay where the build put them."""
    root = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("POSESTUDIO_CACHE", str(root / "cache"))
    monkeypatch.setenv("POSESTUDIO_LOGS", str(root / "logs"))
    monkeypatch.setenv("POSESTUDIO_CONFIG", str(root / "config"))
