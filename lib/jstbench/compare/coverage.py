"""How many units a group statistic rests on, out of how many it should, and when it is withheld.

The denominator of a group's statistic on an indicator is the number of the group's members in the units register
the indicator applies to (its `applies_to` kinds) and that existed in the year, not the number of units that have
rows in the data: a national median computed from one voivodeship's 195 gminas rests on 195 of 2,477 gminas.
Below the series' `min_coverage` the statistic (medians, quartiles, means, best values, positions) is withheld and
the reports say why instead of showing a number.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from jstbench.core.units import valid_in

KEYS = ["group", "year", "indicator"]


def register_counts(membership: pd.DataFrame, units: pd.DataFrame, applies: dict[str, list[str]],
                    years: Iterable[int]) -> pd.DataFrame:
    """Per group, year and indicator: `expected`, the number of the group's members in the units register of a
    kind the indicator applies to and existing in that year (`jstbench.core.units.valid_in`).

    membership: group, unit; units: the register (code, kind, optionally valid_from/valid_to);
    applies: indicator -> unit kinds (expanded).

    >>> units = pd.DataFrame({"code": ["1", "2", "3", "4"], "kind": ["gmina_rural", "gmina_rural", "gmina_urban", "powiat"]})
    >>> member = pd.DataFrame({"group": "kraj", "unit": ["1", "2", "3", "4"]})
    >>> register_counts(member, units, {"g": ["gmina_rural", "gmina_urban"], "p": ["powiat"]}, [2024]).to_dict("records")
    [{'group': 'kraj', 'year': 2024, 'indicator': 'g', 'expected': 3}, {'group': 'kraj', 'year': 2024, 'indicator': 'p', 'expected': 1}]
    """
    reg = units.assign(code=units["code"].astype(str)).drop_duplicates("code").set_index("code")
    mem = membership[["group", "unit"]].astype(str).drop_duplicates()
    mem = mem[mem["unit"].isin(reg.index)]
    groups = pd.Index(sorted(set(mem["group"])), name="group")
    kinds = sorted(set(reg["kind"].astype(str)))
    inds = list(applies)
    # kinds × indicators: 1 where the indicator applies to the kind
    asks = pd.DataFrame([[float(k in set(applies[i])) for i in inds] for k in kinds], index=kinds, columns=inds)
    frames = []
    for year in sorted({int(y) for y in years}):
        alive = valid_in(reg, year).reindex(mem["unit"]).to_numpy(bool)
        part = mem[alive]
        counts = pd.crosstab(part["group"], reg["kind"].astype(str).reindex(part["unit"]).to_numpy())
        counts = counts.reindex(index=groups, columns=kinds, fill_value=0)
        n = counts.to_numpy(float) @ asks.to_numpy()
        frames.append(pd.DataFrame({"group": np.repeat(groups.to_numpy(), len(inds)), "year": year,
                                    "indicator": np.tile(np.asarray(inds, dtype=object), len(groups)),
                                    "expected": n.reshape(-1).round().astype("int64")}))
    if not frames or not inds:
        return pd.DataFrame({"group": pd.Series(dtype=object), "year": pd.Series(dtype="int64"),
                             "indicator": pd.Series(dtype=object), "expected": pd.Series(dtype="int64")})
    return pd.concat(frames, ignore_index=True)


def lookup_expected(keys: pd.DataFrame, expected: pd.DataFrame | None) -> pd.Series:
    """`expected` of each row of `keys` (columns group, year, indicator; categorical or not); 0 where unknown."""
    if expected is None or expected.empty:
        return pd.Series(0.0, index=keys.index)
    table = pd.Series(expected["expected"].to_numpy(dtype=float), index=pd.MultiIndex.from_arrays(
        [expected["group"].astype(str), expected["year"].astype(int), expected["indicator"].astype(str)]))
    table = table[~table.index.duplicated()]
    idx = pd.MultiIndex.from_arrays([keys["group"].astype(str), keys["year"].astype(int), keys["indicator"].astype(str)])
    return pd.Series(table.reindex(idx).fillna(0).to_numpy(), index=keys.index)


def coverage_share(n: pd.Series | np.ndarray, expected: pd.Series | np.ndarray) -> np.ndarray:
    """n / expected, missing where nothing is expected.

    >>> coverage_share(np.array([195, 2, 0]), np.array([2477, 4, 0])).round(4).tolist()
    [0.0787, 0.5, nan]
    """
    n, expected = np.asarray(n, dtype=float), np.asarray(expected, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(expected > 0, n / np.where(expected > 0, expected, 1), np.nan)


def withheld(n: pd.Series | np.ndarray, expected: pd.Series | np.ndarray, min_coverage: float) -> np.ndarray:
    """True where a statistic rests on too few of the units it should: coverage below `min_coverage`, or no
    unit with a value. 2 of 4 units is 50%: shown at a threshold of 0.5, withheld at 0.6.

    >>> withheld(np.array([2, 2, 195, 0]), np.array([4, 4, 2477, 0]), 0.5).tolist()
    [False, False, True, True]
    >>> withheld(np.array([2]), np.array([4]), 0.6).tolist()
    [True]
    """
    share = coverage_share(n, expected)
    n = np.asarray(n, dtype=float)
    return ~((n > 0) & (np.nan_to_num(share, nan=0.0) >= min_coverage - 1e-12))
