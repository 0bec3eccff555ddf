"""Stage 7, views: what the report notebooks show, read from the series folder only; the Polish wording and the one
stylesheet of the reports."""
