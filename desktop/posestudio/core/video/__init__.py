"""Opening videos: exact decoding, real metadata, rotation, timestamps (source), the frame index (index)."""
