"""The per-user custom angle store: where it lives, round trip, and a broken file not taking the app down."""

from __future__ import annotations

import json
import sys

import pytest

from posestudio.core.kinematics import make_angle
from posestudio.core.kinematics.custom_store import config_dir, load_custom_angles, save_custom_angles, store_path


def test_config_dir_override_and_xdg(tmp_path, monkeypatch):
    monkeypatch.setenv("POSESTUDIO_CONFIG", str(tmp_path / "cfg"))
    assert config_dir() == tmp_path / "cfg"
    monkeypatch.delenv("POSESTUDIO_CONFIG")
    if sys.platform.startswith("linux"):
        monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
        assert config_dir() == tmp_path / "xdg" / "posestudio"


def test_round_trip_keeps_order_and_every_field(tmp_path, monkeypatch):
    monkeypatch.setenv("POSESTUDIO_CONFIG", str(tmp_path))
    assert load_custom_angles() == []
    angles = [make_angle("arm", "three_point", ["left_shoulder", "left_elbow", "left_wrist"]),
              make_angle("shins", "segment_pair", ["left_knee", "left_ankle", "right_knee", "right_ankle"],
                         offset=10.0)]
    path = save_custom_angles(angles)
    assert path == store_path() and path.parent == tmp_path
    assert load_custom_angles() == angles
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left behind


@pytest.mark.parametrize("text", ["{not json", json.dumps([1, 2]),
                                  json.dumps({"angles": [{"name": "x"}, {"name": "ok", "kind": "three_point",
                                                                          "keypoints": ["nose", "left_eye",
                                                                                        "right_eye"]}]})])
def test_broken_or_partly_invalid_file_gives_what_can_be_read(tmp_path, monkeypatch, text):
    monkeypatch.setenv("POSESTUDIO_CONFIG", str(tmp_path))
    store_path().write_text(text)
    names = [a.name for a in load_custom_angles()]
    assert names == (["ok"] if "ok" in text else [])
