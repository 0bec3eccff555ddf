"""The method families of a composite, each a table of pure functions registered by name (COINr's idea):
TREAT (outliers), IMPUTE, NORMALISE, WEIGHT, AGGREGATE; and the array helpers they share."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

NORMALISE: dict[str, Callable] = {}
IMPUTE: dict[str, Callable] = {}
WEIGHT: dict[str, Callable] = {}
AGGREGATE: dict[str, Callable] = {}
TREAT: dict[str, Callable] = {}
FACTORS = {"treat": TREAT, "impute": IMPUTE, "normalise": NORMALISE, "weights": WEIGHT, "aggregate": AGGREGATE}
EXPLICIT_ONLY = {"copeland", "bod"}
"""Methods an uncertainty analysis tries only when they are listed (pairwise outranking and a linear programme per
unit are too slow to repeat hundreds of times over every gmina)."""
RESIDUAL = "interactions/residual"


def register(table: dict[str, Callable], name: str) -> Callable[[Callable], Callable]:
    def deco(fn: Callable) -> Callable:
        table[name] = fn
        return fn

    return deco


def as_array(x) -> np.ndarray:
    return x.to_numpy(dtype=float) if isinstance(x, pd.DataFrame) else np.asarray(x, dtype=float)


def shaped_like(x, values: np.ndarray):
    """values shaped like x: a frame with x's labels if x is a frame, else the array."""
    return pd.DataFrame(values, index=x.index, columns=x.columns) if isinstance(x, pd.DataFrame) else values


def column_stats(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sample standard deviation (ddof=1) per column, NaN left out (NaN where undefined)."""
    n = (~np.isnan(v)).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.nansum(v, axis=0) / n
        sd = np.sqrt(np.nansum((v - mean) ** 2, axis=0) / (n - 1))
    return mean, sd

