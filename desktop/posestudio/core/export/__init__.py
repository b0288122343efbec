"""Exports: annotated video (video_export), numbers as CSV / JSON / TRC (data_export)."""
