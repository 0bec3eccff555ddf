"""Stage 6, series: one build (spec -> check -> compute -> the series folder) and running its reports."""
