"""The command line as a user meets it before any model or video is involved."""

from __future__ import annotations

import os
import subprocess
import sys

from posestudio import __version__


def _run(args, env_extra=None, drop=()):
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "posestudio", *args], capture_output=True, text=True,
                          timeout=120, env=env)


def test_version_prints_the_package_version():
    out = _run(["--version"])
    assert out.returncode == 0
    assert out.stdout.strip() == f"posestudio {__version__}"


def test_no_display_is_one_sentence_not_a_crash(tmp_path):
    out = _run([], env_extra={"POSESTUDIO_LOGS": str(tmp_path)},
               drop=("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))
    assert out.returncode == 1
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "no display" in lines[0]
    assert "Traceback" not in out.stderr


def test_help_lists_the_subcommands():
    out = _run(["--help"])
    assert out.returncode == 0
    for name in ("models", "analyze", "eval", "bench", "export"):
        assert f"posestudio {name}" in out.stdout


def test_commands_and_the_window_keep_opencv_on_their_own_threads(qapp):
    """Pose Studio's own threads keep the cores busy; OpenCV's pool only added CPU (core/pools.py)."""
    import cv2

    from posestudio.app.main import make_app
    from posestudio.cli import main

    cv2.setNumThreads(2)
    assert main(["models", "list"]) == 0
    assert cv2.getNumThreads() == 1
    cv2.setNumThreads(2)
    make_app()
    assert cv2.getNumThreads() == 1
