"""Live camera or network stream in the window (issue 15): the source dialog, the live view, counters,
rolling timeline, recording and faults. The engine is core.analysis.live."""
