"""Stage 1, catalogue: indicator and variable definitions as validated data, the allow-list formula engine, deflators."""
