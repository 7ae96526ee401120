"""Authoring tools: exhaustive exploration, random runs and coverage,
transcript tests, the story map (graph) and statistics."""
