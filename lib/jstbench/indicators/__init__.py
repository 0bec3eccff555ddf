"""Stage 3, indicators: the panel of observations into indicator values, structural features, data-quality flags."""
