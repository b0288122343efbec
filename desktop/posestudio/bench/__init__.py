"""Measuring tools, outside the engine: speed (bench), accuracy (eval), export speed, window stalls."""
