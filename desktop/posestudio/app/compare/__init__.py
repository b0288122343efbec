"""Compare mode (a second clip beside the first, one clock) and the cycles view."""
