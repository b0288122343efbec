"""A message across the top of the video: what went wrong opening a file, or where an export was saved with
an "Open folder" link. Easier to see than the status bar; closes with its button or by itself after a while."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QToolButton

STYLES = {
    "error": "background: rgb(120, 30, 25); color: white;",
    "warning": "background: rgb(125, 90, 10); color: white;",
    "info": "background: rgb(30, 70, 40); color: white;",
}
INFO_MS = 15000  # a saved-file note goes by itself; an error stays until closed or replaced


class MessageBar(QFrame):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("message_bar")
        self.text = QLabel()
        self.text.setWordWrap(True)   # a long path or sentence wraps: it never widens the window
        self.text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.text.setOpenExternalLinks(False)
        self.text.linkActivated.connect(self._open_link)
        self.close_button = QToolButton(text="✕")
        self.close_button.setToolTip("Close this message")
        self.close_button.setAutoRaise(True)
        self.close_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.close_button.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self._timer = QTimer(self, singleShot=True, interval=INFO_MS)
        self._timer.timeout.connect(self.hide)
        self.kind = ""
        self.hide()

    def show_message(self, message: str, kind: str = "error", folder: str | None = None) -> None:
        """Show a sentence (plain text); folder: an "Open folder" link to it after the sentence."""
        self.kind = kind
        self.setStyleSheet(f"#message_bar {{ {STYLES[kind]} }} QLabel, QToolButton {{ color: white; }}")
        body = html.escape(message, quote=False)  # Qt shows &#x27; as it is
        if folder:
            url = QUrl.fromLocalFile(str(folder)).toString()
            body += f' &nbsp;<a href="{html.escape(url)}" style="color: #9fd3ff">Open folder</a>'
        self.text.setText(body)
        self.show()
        if kind == "info":
            self._timer.start()
        else:
            self._timer.stop()

    def plain_text(self) -> str:
        return self.text.text()

    @staticmethod
    def _open_link(url: str) -> None:
        QDesktopServices.openUrl(QUrl(url))


def folder_of(path) -> str:
    return str(Path(path).resolve().parent)
