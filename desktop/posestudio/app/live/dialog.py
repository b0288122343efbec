"""File > Open camera…: pick a camera by name or type a stream address (RTSP, HTTP, UDP/TCP MPEG-TS)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from posestudio.app.live.sources import list_cameras, typed_hint


class SourceDialog(QDialog):
    """Window-modal but not blocking (shown with open()); `chosen` carries the spec for LiveSource."""

    chosen = Signal(str)

    def __init__(self, recent: list[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Open camera or stream")
        layout = QVBoxLayout(self)
        cameras = list_cameras()
        text = (f"{len(cameras)} camera{'s' if len(cameras) != 1 else ''} found: choose one or type "
                if cameras else "No camera was found on this computer; type ")
        layout.addWidget(QLabel(text + f"{typed_hint()}:\n"
                                "rtsp://host/path, http://host:port/..., udp://host:port, tcp://host:port."))
        self.box = QComboBox()
        self.box.setEditable(True)
        self.box.setMinimumWidth(420)
        for spec, label in cameras:
            self.box.addItem(label, spec)
        for spec in recent:
            if all(spec != s for s, _ in cameras):
                self.box.addItem(spec, spec)
        self.box.lineEdit().setPlaceholderText("rtsp://192.168.1.20/stream")
        layout.addWidget(self.box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def spec(self) -> str:
        text = self.box.currentText().strip()
        index = self.box.findText(text)
        data = self.box.itemData(index) if index >= 0 else None
        return str(data) if data else text

    def accept(self) -> None:
        spec = self.spec()
        if not spec:
            return
        super().accept()
        self.chosen.emit(spec)
