"""The runtime core: the story model, the state that changes, the kinds of
condition, effect and text, the rules (engine) and one run (session).

Pure: no files, terminal, clock or global randomness (import-linter checks it).
"""
