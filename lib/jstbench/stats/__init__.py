"""Stage 5, statistics: adjustment, similar authorities, composites, bootstrap intervals, trends. Pure functions on
arrays and frames: no files, no series settings, no Polish wording."""
