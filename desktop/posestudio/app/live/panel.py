"""The live panel under the video: state, counters, the model's advice, record / stop / reconnect, and a
rolling plot of the live angles over the last seconds (the length is a setting)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from posestudio.core.display import angle_colour, angle_display_name
from posestudio.core.kinematics.one_euro import lag_s

FILTER_NOTE = (f"Live angles: one-euro filter (causal: only the past), about {lag_s(90.0) * 1000:.0f} ms behind "
               f"a joint turning at 90°/s, {lag_s(30.0) * 1000:.0f} ms at 30°/s; the recording, once opened, "
               "gets the zero-lag filter.")


class LivePanel(QWidget):
    record_clicked = Signal()
    stop_clicked = Signal()
    reconnect_clicked = Signal()
    seconds_changed = Signal(int)

    def __init__(self, seconds: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = QLabel("Not live.")
        self.counters = QLabel("")
        self.counters.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.advice = QLabel("")
        self.advice.setWordWrap(True)
        self.advice.setStyleSheet("color: #b35900;")
        self.advice.hide()
        self.record_button = QPushButton("Record (Ctrl+Shift+R)")
        self.record_button.setToolTip("Start or stop recording; on stop the recording opens as a clip")
        self.stop_button = QPushButton("Stop live")
        self.reconnect_button = QPushButton("Reconnect")
        self.reconnect_button.hide()
        for button in (self.record_button, self.stop_button, self.reconnect_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.record_button.clicked.connect(self.record_clicked)
        self.stop_button.clicked.connect(self.stop_clicked)
        self.reconnect_button.clicked.connect(self.reconnect_clicked)
        self.seconds = QSpinBox()
        self.seconds.setRange(2, 120)
        self.seconds.setSuffix(" s shown")
        self.seconds.setValue(seconds)
        self.seconds.valueChanged.connect(self.seconds_changed)
        top = QHBoxLayout()
        top.addWidget(self.state)
        top.addStretch(1)
        top.addWidget(self.seconds)
        top.addWidget(self.record_button)
        top.addWidget(self.stop_button)
        top.addWidget(self.reconnect_button)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMinimumHeight(120)
        self.plot.setMaximumHeight(200)  # the video keeps most of the window
        self.plot.setLabel("bottom", "seconds before now")
        self.plot.setLabel("left", "degrees")
        self.plot.addLegend(offset=(5, 5))
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.setXRange(-seconds, 0, padding=0)
        self._curves: dict[str, pg.PlotDataItem] = {}
        note = QLabel(FILTER_NOTE)
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addLayout(top)
        layout.addWidget(self.counters)
        layout.addWidget(self.advice)
        layout.addWidget(self.plot, 1)
        layout.addWidget(note)
        self.set_live(False)

    def set_live(self, live: bool, recording: bool = False) -> None:
        self.record_button.setEnabled(live)
        self.stop_button.setEnabled(live)
        self.stop_button.setText("Stop live")
        self.record_button.setText("Stop recording (Ctrl+Shift+R)" if recording else "Record (Ctrl+Shift+R)")

    def set_advice(self, text: str | None) -> None:
        self.advice.setText(text or "")
        self.advice.setVisible(bool(text))

    def set_curves(self, curves: dict[str, tuple[np.ndarray, np.ndarray]], seconds: float) -> None:
        """name -> (seconds before now (<= 0), degrees); curves no longer wanted go."""
        for name in list(self._curves):
            if name not in curves:
                self.plot.removeItem(self._curves.pop(name))
        for name, (x, y) in curves.items():
            item = self._curves.get(name)
            if item is None:
                item = self._curves[name] = self.plot.plot(pen=pg.mkPen(angle_colour(name), width=2),
                                                           name=angle_display_name(name), connect="finite")
            item.setData(x, y)
        self.plot.setXRange(-seconds, 0, padding=0)

    def curve_names(self) -> list[str]:
        return list(self._curves)
