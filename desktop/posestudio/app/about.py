"""Help menu content: About (version, models and their licences) and opening the log folder."""

from __future__ import annotations

import html
import logging
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QIcon
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from posestudio import __version__
from posestudio.core.paths import log_dir, repo_root

log = logging.getLogger(__name__)


def app_icon() -> QIcon | None:
    root = repo_root()
    folder = root / "resources" / "icons" if root else None
    if folder is None or not folder.is_dir():
        return None
    icon = QIcon()
    for png in sorted(folder.glob("posestudio-*.png")):
        icon.addFile(str(png))
    return None if icon.isNull() else icon


def about_html() -> str:
    rows = []
    try:
        from posestudio.core.models import registry as models

        for model_id in models.MODEL_IDS + (models.DETECTOR_ID,):
            info = models.model_info(model_id)
            built = "built" if models.model_file(model_id).is_file() else "not built"
            rows.append(f"<tr><td>{html.escape(info.get('name', model_id))}</td>"
                        f"<td>{html.escape(info.get('licence', '?'))}</td><td>{built}</td></tr>")
    except Exception:
        log.warning("Could not read the model manifest for the About box", exc_info=True)
        rows.append("<tr><td colspan=3>The model manifest could not be read.</td></tr>")
    return (
        f"<h3>Pose Studio {html.escape(__version__)}</h3>"
        "<p>Human movement analysis in video, on the CPU, offline.</p>"
        "<p><b>Models</b></p><table cellspacing=4><tr><th align=left>Model</th><th align=left>Licence</th>"
        "<th align=left>Status</th></tr>" + "".join(rows) + "</table>"
        f"<p>Log files: {html.escape(str(log_dir()))}</p>"
    )


class AboutDialog(QDialog):
    """Non-modal, so it never blocks the window (or a test)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("About Pose Studio")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        text = QLabel(about_html())
        text.setTextFormat(Qt.TextFormat.RichText)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        text.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(buttons)


def open_log_folder() -> bool:
    folder: Path = log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


# what the mouse does: not QActions, so listed here (keep in step with video_view.py and timeline.py)
MOUSE_GESTURES = (
    ("Click a person on the video", "Follow that person's angles"),
    ("Right-click a person", "Fix identities (swap, merge)"),
    ("Wheel on the video / double-click", "Zoom / back to the whole picture"),
    ("Click in the plot", "Go to that time"),
    ("Shift+drag in the plot", "Select a time range for the summary"),
    ("Click a time in the summary", "Go to that frame"),
)


def shortcut_rows(actions) -> list[tuple[str, str]]:
    """(what, keys) for every action with a shortcut, in menu order, without duplicates."""
    from PySide6.QtGui import QKeySequence

    rows, seen = [], set()
    for action in actions:
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        what = action.text().replace("&", "").rstrip("…").rstrip(".")
        if keys and (what, keys) not in seen:
            seen.add((what, keys))
            rows.append((what, keys))
    return rows


class ShortcutsDialog(QDialog):
    """Help > Keyboard shortcuts: read from the window's actions, so the list cannot go stale."""

    def __init__(self, actions, parent: QWidget | None = None):
        from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        rows = shortcut_rows(actions) + [(what, how) for how, what in MOUSE_GESTURES]
        self.table = QTableWidget(len(rows), 2)
        self.table.setHorizontalHeaderLabels(["Action", "Keys or mouse"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for r, (what, keys) in enumerate(rows):
            self.table.setItem(r, 0, QTableWidgetItem(what))
            self.table.setItem(r, 1, QTableWidgetItem(keys))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(560, 560)
