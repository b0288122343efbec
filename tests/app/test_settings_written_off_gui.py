"""With a window open, the settings file is written on a worker thread: QSettings' own write on the GUI thread
ends with fdatasync, which stalled the window when a clip opened (the recent files) on a busy disk."""

from __future__ import annotations

import threading

from posestudio.app import main_window


def _file_text(window) -> str:
    path, _fmt = window.settings.file()
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def test_a_change_is_written_off_the_gui_thread_and_after_close_by_qsettings(make_window, qtbot, monkeypatch):
    threads = []
    original = main_window.write_file

    def recording(path, fmt):
        threads.append(threading.current_thread() is threading.main_thread())
        original(path, fmt)

    monkeypatch.setattr(main_window, "write_file", recording)
    window = make_window()
    window.settings.add_recent("/videos/clip.mp4")
    window.settings.last_folder = "/videos"
    qtbot.waitUntil(lambda: "clip.mp4" in _file_text(window) and "last_folder" in _file_text(window),
                    timeout=5000)
    assert threads and not any(threads)   # written by the worker only
    settings = window.settings
    window.close()
    settings.speed = 0.5   # the window's workers are gone: QSettings writes it as before
    qtbot.waitUntil(lambda: "speed=0.5" in _file_text(window), timeout=5000)
