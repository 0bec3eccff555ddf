"""Foundations used by every stage: errors that name file and place, strict YAML models, atomic writes, project
paths, unit kinds and TERYT codes, Polish number formatting. Imports nothing else of jstbench."""
