"""Stage 4, comparison: peer groups (exchange, typology, national) and direction-aware measures."""
