"""The story compiler: YAML with positions -> a validated, immutable model,
the checker, the compiled cache and the JSON Schemas for editors."""
