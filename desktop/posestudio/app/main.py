"""Build the QApplication and the main window; `run(videos)` is what `posestudio [VIDEO]` calls."""

from __future__ import annotations

import gc
import logging
import sys

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from posestudio import __version__
from posestudio.core.logs import setup_logging

log = logging.getLogger(__name__)

ORGANISATION = "PoseStudio"
APPLICATION = "PoseStudio"


def make_app(argv: list[str] | None = None) -> QApplication:
    """The one QApplication, named so QSettings and log folders are stable."""
    from posestudio.core.pools import opencv_on_callers_threads

    opencv_on_callers_threads()
    app = QApplication.instance()
    if app is None:
        # fractional scaling as the desktop asks (Qt 6 is high-DPI aware; rounding would blur or crop)
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(argv if argv is not None else sys.argv[:1])
    QCoreApplication.setOrganizationName(ORGANISATION)
    QCoreApplication.setApplicationName(APPLICATION)
    QCoreApplication.setApplicationVersion(__version__)
    QGuiApplication.setDesktopFileName("posestudio")
    from posestudio.app.about import app_icon

    icon = app_icon()
    if icon is not None:
        app.setWindowIcon(icon)
    return app


def freeze_startup_objects() -> None:
    """Leave the objects of start-up (imported modules, the window: ~125k) out of every later collection. A full
    collection scans every tracked object: after analysing the dumbbell clip one cost 68-84 ms of CPU on the GUI
    thread, frozen it costs under 1 ms. Collected first so start-up garbage is not kept for good."""
    gc.collect()
    gc.freeze()


def run(videos: list[str], camera: str | None = None) -> int:
    log_path = setup_logging()
    app = make_app()
    from posestudio.app.errors import install_excepthook
    from posestudio.app.main_window import MainWindow

    window = MainWindow()
    install_excepthook(window.status.error)
    freeze_startup_objects()  # before anything is on screen: its one full collection is start-up time
    window.show()
    log.info("Pose Studio %s started; log at %s", __version__, log_path)
    if videos:
        window.opener.open_paths([str(v) for v in videos])
    if camera is not None:  # `posestudio --camera [INDEX|DEVICE|URL]`
        window.live.open_source(camera)
    return app.exec()
