"""Data: the units register and the long observations table."""
