"""Stage 8, site: the methodology site generated from the catalogue and the built series."""
