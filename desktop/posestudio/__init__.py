"""Pose Studio: human movement analysis in video, on the CPU."""

__version__ = "0.1.0"
