"""Tools for people writing routines: overrides, validation, the JSON Schema and starter copies."""
