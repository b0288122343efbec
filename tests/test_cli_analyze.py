"""`posestudio analyze` as a user runs it: files written, exit codes, one sentence on failure."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np


def _run(args, tmp_path):
    env = dict(os.environ, POSESTUDIO_LOGS=str(tmp_path / "logs"), POSESTUDIO_CACHE=str(tmp_path / "cache"))
    return subprocess.run([sys.executable, "-m", "posestudio", "analyze", *map(str, args)], capture_output=True,
                          text=True, timeout=300, env=env)


def test_analyze_one_clip_to_json(require_model, videos_dir, tmp_path):
    require_model("movenet-lightning")
    out = _run([videos_dir / "sports2d_demo3_running_side.mp4", "--model", "movenet-lightning",
                "-o", tmp_path / "run.json"], tmp_path)
    assert out.returncode == 0, out.stderr
    data = json.loads((tmp_path / "run.json").read_text())
    assert len(data["frames"]) == 47 and data["model"] == "movenet-lightning"
    assert "47/47 frames" in out.stderr and "fps" in out.stderr  # the progress bar
    assert "Traceback" not in out.stderr


def test_analyze_several_clips_into_a_folder_with_one_failure(require_model, videos_dir, tmp_path):
    require_model("movenet-lightning")
    folder = tmp_path / "results"
    out = _run([videos_dir / "sports2d_demo3_running_side.mp4", videos_dir / "awkward" / "random_bytes.mp4",
                videos_dir / "awkward" / "phone_rotated90_running.mov", "-o", folder, "--format", "npz", "-q",
                "--model", "movenet-lightning"],
               tmp_path)
    assert out.returncode == 2
    assert sorted(p.name for p in folder.iterdir()) == ["phone_rotated90_running.npz",
                                                        "sports2d_demo3_running_side.npz"]
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "random_bytes.mp4" in lines[0] and "Traceback" not in out.stderr
    with np.load(folder / "phone_rotated90_running.npz") as data:
        assert data["keypoints"].shape[0] == 47


def test_unreadable_inputs_exit_2_with_one_sentence(videos_dir, tmp_path):
    # no model needed: the file is rejected before any model is loaded
    for name in ("random_bytes.mp4", "empty.mp4"):
        out = _run([videos_dir / "awkward" / name, "-o", tmp_path / "x.csv"], tmp_path)
        assert out.returncode == 2, out.stderr
        lines = [line for line in out.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and name in lines[0] and lines[0].rstrip().endswith(".")
        assert "Traceback" not in out.stderr
        assert not (tmp_path / "x.csv").exists()


def test_csv_output_and_bad_extension(require_model, videos_dir, tmp_path):
    require_model("movenet-lightning")
    out = _run([videos_dir / "sports2d_demo3_running_side.mp4", "-o", tmp_path / "run.csv", "-q", "-m",
                "movenet-lightning"], tmp_path)
    assert out.returncode == 0, out.stderr
    header = (tmp_path / "run.csv").read_text().splitlines()[0].split(",")
    assert header[:3] == ["frame", "time", "person"] and len(header) == 54
    out = _run([videos_dir / "sports2d_demo3_running_side.mp4", "-o", tmp_path / "run.xlsx"], tmp_path)
    assert out.returncode == 2 and "Traceback" not in out.stderr and ".json" in out.stderr


def test_missing_model_stops_with_one_sentence(videos_dir, tmp_path):
    env_models = tmp_path / "no_models"
    env_models.mkdir()
    env = dict(os.environ, POSESTUDIO_MODELS=str(env_models), POSESTUDIO_LOGS=str(tmp_path / "logs"))
    clips = [str(videos_dir / name) for name in ("sports2d_demo3_running_side.mp4", "mmaction2_basketball_gym_240p.mp4")]
    out = subprocess.run([sys.executable, "-m", "posestudio", "analyze", *clips, "-o", str(tmp_path / "o"), "-q"],
                         capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 2
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "not built yet" in lines[0] and "Traceback" not in out.stderr
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_angles_and_summary(require_model, videos_dir, tmp_path):
    require_model("movenet-lightning")
    out = _run([videos_dir / "sports2d_demo3_running_side.mp4", "-o", tmp_path / "run.csv", "-q", "--angles",
                "-m", "movenet-lightning",
                "--summary", tmp_path / "summary.csv"], tmp_path)
    assert out.returncode == 0, out.stderr
    lines = (tmp_path / "run.csv").read_text().splitlines()
    header = lines[0].split(",")
    assert header[54:56] == ["left_knee", "left_knee_velocity"]
    knee = [row.split(",")[54] for row in lines[1:31]]
    values = [float(v) for v in knee if v]
    assert len(values) >= 25 and all(0 <= v <= 180 for v in values)
    assert max(values) - min(values) > 30  # a running knee bends and straightens
    summary = (tmp_path / "summary.csv").read_text().splitlines()
    assert summary[0].startswith("video,model,person,angle,samples,min,max,range")
    assert any(",left_knee," in row for row in summary[1:])
