"""Rendering of results (tables, CSV, JSON, figures): the only place that converts to display
units. Writing files atomically and printing are left to ``grcim.cli``."""
