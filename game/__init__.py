"""Dead Reckoning: a YAML scene-graph engine and the story played on it."""

__version__ = "0.1.0"
