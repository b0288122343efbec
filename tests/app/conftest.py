"""Fixtures for the window tests: private QSettings, no unexpected modal dialogs, a real MainWindow."""

from __future__ import annotations

import os
import warnings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import QCoreApplication, QMimeData, QPoint, QPointF, Qt, QSettings, QUrl  # noqa: E402
from PySide6.QtGui import QDragEnterEvent, QDropEvent  # noqa: E402
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QMessageBox  # noqa: E402


@pytest.fixture(autouse=True)
def private_qsettings(tmp_path, qapp):
    """QSettings() in the app lands in an INI file under this test's temporary folder."""
    QCoreApplication.setOrganizationName("PoseStudio")
    QCoreApplication.setApplicationName("PoseStudio")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    folder = tmp_path / "qsettings"
    folder.mkdir()
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    yield folder


@pytest.fixture(autouse=True)
def private_config(tmp_path, monkeypatch):
    """Custom angles (and any other per-user config) go to this test's temporary folder."""
    folder = tmp_path / "config"
    monkeypatch.setenv("POSESTUDIO_CONFIG", str(folder))
    return folder


@pytest.fixture(autouse=True)
def no_modal_dialogs(monkeypatch):
    """Any modal dialog the test did not ask for fails it (it would block a real run)."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"unexpected modal dialog: {args[1:3] if len(args) > 2 else args}")

    for name in ("exec", "question", "critical", "warning", "information", "about"):
        monkeypatch.setattr(QMessageBox, name, refuse)
    monkeypatch.setattr(QDialog, "exec", refuse)
    for name in ("getOpenFileName", "getOpenFileNames", "getSaveFileName", "getExistingDirectory"):
        monkeypatch.setattr(QFileDialog, name, refuse)


@pytest.fixture
def make_window(qtbot):
    """Build real main windows; each is closed (threads stopped) at the end of the test."""
    from posestudio.app.main_window import MainWindow

    made = []

    def _make():
        window = MainWindow()
        qtbot.addWidget(window)
        window.resize(1200, 800)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        made.append(window)
        return window

    yield _make
    for window in made:
        window.close()


@pytest.fixture
def window(make_window):
    return make_window()


def _drop_files(widget, paths) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    center = QPoint(widget.width() // 2, widget.height() // 2)
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    # Qt delivers a drop only to the widget that accepted the drag's enter event, as in a real drag
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the QPoint constructor is all PySide6 offers
        enter = QDragEnterEvent(center, *args)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted(), "the window refused the drag"
    QApplication.sendEvent(widget, QDropEvent(QPointF(center), *args))


@pytest.fixture
def drop():
    """Send a real QDropEvent carrying file URLs, as a file manager would."""
    return _drop_files


@pytest.fixture
def open_clip(qtbot):
    """Drop a clip on a window and wait until its first frame is on screen."""

    def _open(window, path, timeout=10000):
        before = window.session.loader
        _drop_files(window, [path])
        qtbot.waitUntil(lambda: window.session.loader is not before and window.view.frame_index == 0,
                        timeout=timeout)
        return window

    return _open


@pytest.fixture
def wait_analysed(qtbot):
    """Wait until the window's analysis has finished with every frame analysed and the angles of the
    complete result are shown (they come from a pool thread after the result); returns the result."""

    def _wait(window, timeout=90000):
        qtbot.waitUntil(lambda: window.session.analysis is None and window.session.result is not None
                        and bool(window.session.result.analysed.all()), timeout=timeout)
        session = window.session
        qtbot.waitUntil(lambda: session.angle_data is not None and session.angle_data.result is session.result
                        and window.timeline._pending is None, timeout=10000)
        return window.session.result

    return _wait


@pytest.fixture
def analyse_with(open_clip, wait_analysed, require_model):
    """analyse_with(window, clip, model_id): the model chosen in the panel, the clip dropped on the window,
    the whole analysis waited for; returns the result."""

    def _run(window, path, model_id, timeout=120000):
        require_model(model_id)
        window.panel.set_model(model_id)
        window.settings.model_id = model_id
        open_clip(window, path)
        return wait_analysed(window, timeout=timeout)

    return _run
