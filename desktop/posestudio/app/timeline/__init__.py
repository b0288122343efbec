"""The timeline under the video: one row of angle curves per joint (see widget.Timeline)."""

from posestudio.app.timeline.widget import MAIN, Timeline

__all__ = ["MAIN", "Timeline"]
