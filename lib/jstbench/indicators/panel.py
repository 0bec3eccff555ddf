"""Lookups in the long (unit, year, indicator) panel shared by the stages above."""

from __future__ import annotations

import numpy as np
import pandas as pd


def previous_year(values: pd.Series, keys: pd.Series | list[pd.Series], years: pd.Series) -> np.ndarray:
    """The value of the same keys (e.g. unit, or unit and indicator) in year t−1; NaN where it is absent."""
    keys = [keys] if isinstance(keys, pd.Series) else list(keys)
    lookup = pd.Series(values.to_numpy(), index=pd.MultiIndex.from_arrays([*keys, years]))
    lookup = lookup[~lookup.index.duplicated()]
    return lookup.reindex(pd.MultiIndex.from_arrays([*keys, years - 1])).to_numpy()
