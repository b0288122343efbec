"""The frozen app (installer/build.sh -> dist/PoseStudio) runs with no Python and no user models, and installs.

Slow: the first run builds the bundle (minutes of CPU); later runs reuse dist/PoseStudio while it is newer than
every source, installer file and model it was built from. Each run of the frozen binary gets an empty HOME, so
it can only find the models inside the bundle and must create its own per-user folders.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from posestudio.core.models.registry import ALL_IDS, model_file

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "dist" / "PoseStudio"
EXE = DIST / "PoseStudio"
CLIP = "sports2d_demo3_running_side.mp4"


def _inputs() -> list[Path]:
    files = [p for p in (ROOT / "desktop" / "posestudio").rglob("*.py")]
    files += [p for p in (ROOT / "installer").rglob("*") if p.is_file()]
    files += [ROOT / "pyproject.toml", ROOT / "models" / "manifest.json"]
    files += [model_file(m) for m in ALL_IDS]
    return files


def _bundle_is_fresh() -> bool:
    """True when dist/PoseStudio was built (by build.sh) after the last change to anything it is made of."""
    stamp = ROOT / "dist" / "PoseStudio.stamp"
    if not (EXE.is_file() and (DIST / "install.sh").is_file() and stamp.is_file()):
        return False
    if os.environ.get("POSESTUDIO_REUSE_BUNDLE"):  # iterating on the tests themselves: keep any built bundle
        return True
    started = stamp.stat().st_mtime
    return all(p.stat().st_mtime < started for p in _inputs())


def _frozen_env(home: Path) -> dict[str, str]:
    """What a desktop session gives an app: no venv, no project variables, a home of its own."""
    env = {"HOME": str(home), "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
    for key in ("TMPDIR",):
        if key in os.environ:
            env[key] = os.environ[key]
    return env


@pytest.fixture(scope="module")
def bundle(require_model) -> Path:
    for model_id in ALL_IDS:
        require_model(model_id)
    if not _bundle_is_fresh():
        done = subprocess.run(["bash", str(ROOT / "installer" / "build.sh")], cwd=ROOT,
                              env=dict(os.environ, PYTHON=sys.executable), capture_output=True, text=True,
                              timeout=3600)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert EXE.is_file()
    return DIST


def test_frozen_self_test_passes_with_only_bundled_models(bundle, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    done = subprocess.run([str(EXE), "--self-test"], env=_frozen_env(home), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=600)
    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(lines) == len(ALL_IDS) + 4, lines  # qt, accelerator, the models, video, user folders
    assert all(line.startswith("ok   ") for line in lines), lines
    for model_id in ALL_IDS:
        assert any(line.startswith(f"ok   model {model_id} ") for line in lines), model_id
    # logs go to the per-user folder of this (empty) home, not next to the app
    assert (home / ".local" / "state" / "posestudio" / "logs" / "posestudio.log").is_file()
    assert not (home / ".local" / "share" / "posestudio" / "models").exists()


def test_frozen_export_of_a_real_clip(bundle, videos_dir, tmp_path):
    from posestudio.core.video.source import VideoSource

    home = tmp_path / "home"
    home.mkdir()
    out, data = tmp_path / "annotated.mp4", tmp_path / "angles.csv"
    done = subprocess.run([str(EXE), "export", str(videos_dir / CLIP), "-o", str(out), "--angles", "--data",
                           str(data)], env=_frozen_env(home), stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    # smoothed joint angles (SciPy inside the bundle) made it to the spreadsheet
    with open(data, newline="") as fh:
        rows = list(csv.DictReader(fh))
    knee = [float(r["left_knee"]) for r in rows if r.get("left_knee") not in (None, "", "nan")]
    assert knee and all(0.0 <= k <= 180.0 for k in knee)
    with VideoSource(videos_dir / CLIP) as src, VideoSource(out) as exported:
        assert exported.codec == "h264"
        assert exported.frame_count == src.frame_count
        assert (exported.width, exported.height) == (src.width, src.height)
        # the skeleton was drawn: the annotated frame is not the original picture
        middle = src.frame_count // 2
        assert abs(exported.frame_at(middle).astype(int) - src.frame_at(middle).astype(int)).max() > 60
    # the analysis it ran was cached in this home's per-user cache folder
    assert any((home / ".cache" / "posestudio").rglob("*.npz"))


def test_frozen_cli_errors_are_one_sentence(bundle, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    done = subprocess.run([str(EXE), "export", str(tmp_path / "missing.mp4"), "-o", str(tmp_path / "x.mp4")],
                          env=_frozen_env(home), capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0, done.stderr


def _install_env(home: Path) -> dict[str, str]:
    return {"HOME": str(home), "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}


def test_install_sh_into_a_temporary_home(bundle, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = _install_env(home)
    done = subprocess.run(["bash", str(bundle / "install.sh")], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr

    share = home / ".local" / "share"
    app = share / "posestudio" / "app" / "PoseStudio"
    link = home / ".local" / "bin" / "PoseStudio"
    entry = share / "applications" / "posestudio.desktop"
    assert app.is_file() and os.access(app, os.X_OK)
    assert link.is_symlink() and link.resolve() == app.resolve()
    for size in (16, 32, 48, 64, 128, 256, 512):
        assert (share / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "posestudio.png").is_file()
    assert (share / "icons" / "hicolor" / "scalable" / "apps" / "posestudio.svg").is_file()

    text = entry.read_text()
    assert f'Exec="{app}" %F' in text
    mime_types = next(line for line in text.splitlines() if line.startswith("MimeType=")).split("=", 1)[1]
    assert {"video/mp4", "video/quicktime", "video/x-matroska", "video/webm", "video/x-msvideo"} <= set(
        mime_types.split(";"))
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
    if shutil.which("xdg-mime"):
        query = subprocess.run(["xdg-mime", "query", "default", "video/mp4"], env=env, capture_output=True,
                               text=True)
        assert query.stdout.strip() == "posestudio.desktop"

    # the installed copy works on its own: the launcher runs the self-test
    selftest = subprocess.run([str(link), "--self-test"], env=_frozen_env(home), capture_output=True, text=True,
                              timeout=600)
    assert selftest.returncode == 0, selftest.stdout + selftest.stderr

    done = subprocess.run(["bash", str(bundle / "install.sh"), "--uninstall"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not app.exists() and not link.exists() and not link.is_symlink() and not entry.exists()
    assert not list((share / "icons").rglob("posestudio.*"))
    mimeapps = home / ".config" / "mimeapps.list"
    assert not mimeapps.exists() or "posestudio.desktop" not in mimeapps.read_text()


def _start_xvfb():
    if not (shutil.which("Xvfb") and shutil.which("xdotool")):
        pytest.skip("Xvfb and xdotool are needed to see the window (apt-get install xvfb xdotool)")
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                              pass_fds=[write_fd], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        display = pipe.readline().strip()
    assert display, "Xvfb did not report a display number"
    return server, f":{display}"


def _wait_for_title(env, search: list[str], want: str, alive, timeout: float = 60.0):
    """Poll X for a visible window matching `search`; (seconds until one showed, its last title)."""
    start = time.perf_counter()
    title, shown_after = "", None
    while time.perf_counter() - start < timeout and alive():
        found = subprocess.run(["xdotool", "search", "--onlyvisible", *search], env=env, capture_output=True,
                               text=True)
        if found.stdout.strip():
            shown_after = shown_after or time.perf_counter() - start
            name = subprocess.run(["xdotool", "getwindowname", found.stdout.split()[0]], env=env,
                                  capture_output=True, text=True)
            title = name.stdout.strip()
            if want in title:
                break
        time.sleep(0.05)
    return shown_after, title


def _stop(proc):
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def test_frozen_window_opens_a_clip_without_a_terminal(bundle, videos_dir, tmp_path):
    server, display = _start_xvfb()
    home = tmp_path / "home"
    home.mkdir()
    env = dict(_frozen_env(home), DISPLAY=display)
    app = None
    try:
        start = time.perf_counter()
        # like a file manager: no terminal, no stdin, output discarded
        app = subprocess.Popen([str(EXE), str(videos_dir / CLIP)], env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        shown_after, title = _wait_for_title(env, ["--pid", str(app.pid)], CLIP, lambda: app.poll() is None)
        assert app.poll() is None, f"the app exited with code {app.returncode}"
        assert shown_after is not None, "no window appeared within 60 s"
        assert CLIP in title, f"the window title {title!r} does not name the clip it was asked to open"
        print(f"first window after {shown_after:.2f} s (clip shown after {time.perf_counter() - start:.2f} s)")
    finally:
        _stop(app)
        _stop(server)


def test_installed_menu_entry_opens_a_clip(bundle, videos_dir, tmp_path):
    """What a file manager does on double-click: launch the installed .desktop entry with the file."""
    if not shutil.which("gio"):
        pytest.skip("gio (Debian package libglib2.0-bin) is needed to launch a .desktop entry")
    server, display = _start_xvfb()
    home = tmp_path / "home"
    home.mkdir()
    env = dict(_install_env(home), DISPLAY=display)
    try:
        done = subprocess.run(["bash", str(bundle / "install.sh"), "--no-default"], env=env, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        entry = home / ".local" / "share" / "applications" / "posestudio.desktop"
        subprocess.run(["gio", "launch", str(entry), str(videos_dir / CLIP)], env=env, check=True, timeout=60,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shown_after, title = _wait_for_title(env, ["--class", "PoseStudio"], CLIP, lambda: True)
        assert shown_after is not None, "launching the menu entry showed no window within 60 s"
        assert CLIP in title, f"the window title {title!r} does not name the clip it was asked to open"
    finally:
        # the app is the only X client of this private server: ending the server ends the app
        _stop(server)
