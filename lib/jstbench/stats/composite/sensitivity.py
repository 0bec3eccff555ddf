"""Variance-based global sensitivity analysis of a composite's ranks: Sobol' indices from a Saltelli design (SALib).

The output analysed is COINr's for get_sensitivity(SA_type = "SA"): per run, the mean absolute rank shift (MARS)
between the run's ranks and the nominal ranks, over the units ranked in both (Saisana, Saltelli & Tarantola,
"Uncertainty and sensitivity analysis techniques as tools for the quality assessment of composite indicators",
JRSS A 168(2), 2005; Handbook on Constructing Composite Indicators, OECD/JRC 2008, Part 2, step 7).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from SALib.analyze import sobol as sobol_analyze  # type: ignore[import-untyped]
from SALib.sample import sobol as sobol_sample  # type: ignore[import-untyped]

from jstbench.core.errors import InputError

INDEX_COLUMNS = ["S1", "S1_conf", "ST", "ST_conf"]


@dataclass(frozen=True)
class Factor:
    """One uncertain choice: discrete `options`, each equally likely (a method, "drop one indicator" as
    [None, "ind1", "ind2", ...], an outlier treatment), or a continuous uniform on `bounds` = (low, high)
    (e.g. a weight multiplier (0.75, 1.25)).

    A design value u in [0, 1) becomes options[min(⌊u·k⌋, k − 1)] (k options: COINr's sample_2_para cuts [0, 1]
    into k equal intervals) or low + u · (high − low).

    >>> Factor("normalise", ["minmax", "zscore", "rank"]).keys(np.array([0.0, 0.34, 0.67, 1.0])).tolist()
    [0.0, 1.0, 2.0, 2.0]
    >>> Factor("noise", bounds=(0.75, 1.25)).keys(np.array([0.0, 0.5])).tolist()
    [0.75, 1.0]
    """

    name: str
    options: Sequence[object] | None = None
    bounds: tuple[float, float] | None = None

    def __post_init__(self):
        where = f"Factor {self.name!r}"
        if (self.options is None) == (self.bounds is None):
            raise InputError("give either discrete options or continuous bounds (low, high), not both or neither", where=where)
        if self.options is not None and len(self.options) == 0:
            raise InputError("no options to choose from", where=where)
        if self.bounds is not None and not (len(self.bounds) == 2 and self.bounds[0] < self.bounds[1]):
            raise InputError(f"bounds must be (low, high) with low < high, not {self.bounds}", where=where)

    def keys(self, u: np.ndarray) -> np.ndarray:
        """Design values in [0, 1] → option indices (discrete) or values (continuous), as floats."""
        if self.options is not None:
            return np.minimum(np.floor(u * len(self.options)), len(self.options) - 1)
        assert self.bounds is not None
        low, high = self.bounds
        return low + u * (high - low)

    def value(self, key: float) -> object:
        return self.options[int(key)] if self.options is not None else float(key)


@dataclass
class Sensitivity:
    """Result of `sobol_sensitivity`.

    indices: per factor S1, ST and the half-widths S1_conf, ST_conf of their bootstrap intervals (index ± conf).
    units: per unit (index "unit") the nominal rank and, over the 2N independent runs, mean, median, 5th and 95th
    percentile rank and the mean absolute rank shift (over the runs ranking the unit). mars: the MARS of every run,
    in design order (runs = N·(D + 2)). evaluations: the distinct choices the model was run for."""

    indices: pd.DataFrame
    units: pd.DataFrame
    mars: np.ndarray
    runs: int
    n_base: int
    evaluations: int

    def table(self) -> pd.DataFrame:
        """One row per factor, unrounded, with the design's size: factor, S1, S1_conf, ST, ST_conf, n_base, runs, evaluations."""
        return self.indices.assign(n_base=self.n_base, runs=self.runs, evaluations=self.evaluations)


def _check(factors: list[Factor], nominal: np.ndarray, n_base: int, conf_level: float, num_resamples: int) -> None:
    where = "sobol_sensitivity"
    names = [f.name for f in factors]
    if not factors or len(set(names)) < len(names):
        raise InputError(f"need at least one factor, each with its own name; got {names}", where=where)
    if n_base < 2 or n_base & (n_base - 1):
        raise InputError(f"n_base must be a power of 2 (the Sobol' sequence's balance needs it), not {n_base}", where=where)
    if not 0 < conf_level < 1 or num_resamples < 2:
        raise InputError(f"need 0 < conf_level < 1 and num_resamples ≥ 2, not {conf_level} and {num_resamples}", where=where)
    if nominal.ndim != 1 or not np.isfinite(nominal).any():
        raise InputError("nominal_ranks must be one rank per unit, at least one of them not NaN", where=where)


def _unit_summary(ranks: np.ndarray, nominal: np.ndarray, index: pd.Index) -> pd.DataFrame:
    """COINr's RankStats (mean, median, 5th/95th percentile by linear interpolation, R's default) and the mean
    absolute rank shift; NaN (not ranked) left out, NaN if a unit is never ranked."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a unit ranked in no run
        p05, median, p95 = np.nanpercentile(ranks, [5, 50, 95], axis=0)
        return pd.DataFrame({"nominal_rank": nominal, "mean_rank": np.nanmean(ranks, axis=0), "median_rank": median,
                             "rank_p05": p05, "rank_p95": p95, "mean_abs_shift": np.nanmean(np.abs(ranks - nominal), axis=0)},
                            index=index)


def sobol_sensitivity(model: Callable[[dict[str, object]], np.ndarray], factors: list[Factor],
                      nominal_ranks: np.ndarray | pd.Series, n_base: int = 128, seed: int = 0, conf_level: float = 0.95,
                      num_resamples: int = 200) -> Sensitivity:
    """First- and total-order Sobol' indices of the mean absolute rank shift with respect to each factor.

    model(choice) gives the ranks of all units (1 = best, NaN = not ranked, in the order of nominal_ranks) for one
    run's choices {factor name: option or value}; it must be pure. The design is SALib's Saltelli extension of the
    scrambled Sobol' sequence without second-order terms (SALib.sample.sobol, calc_second_order=False): N = n_base
    rows of two matrices A and B plus the D matrices AB_j (A with column j from B), N·(D + 2) runs. Runs that map to
    the same choices are evaluated once; they repeat only when every factor is discrete (continuous values differ).
    SALib.analyze.sobol estimates S1 (Saltelli et al. 2010) and ST (Jansen 1999), unclipped: an estimate of a
    factor of no influence may dip below 0, and S1_conf/ST_conf are z · standard deviation over num_resamples
    bootstrap resamples of the N rows. A constant MARS (no choice moves any rank) gives 0 ± 0, as SALib does for
    constant output. Unit statistics use the 2N runs of A and B only, as COINr does: the AB_j rows repeat A's
    choices but one. `seed` scrambles the sequence; the bootstrap gets seed + 1, since SALib ignores a seed of 0."""
    nominal = np.asarray(nominal_ranks, dtype=float)
    _check(factors, nominal, n_base, conf_level, num_resamples)
    d = len(factors)
    problem = {"num_vars": d, "names": [f.name for f in factors], "bounds": [[0.0, 1.0]] * d}
    design = sobol_sample.sample(problem, n_base, calc_second_order=False, scramble=True, seed=seed)
    keys = np.column_stack([f.keys(design[:, j]) for j, f in enumerate(factors)])
    distinct, run_of = np.unique(keys, axis=0, return_inverse=True)

    ranks = np.empty((len(distinct), nominal.size))
    for i, row in enumerate(distinct):
        choice = {f.name: f.value(k) for f, k in zip(factors, row, strict=True)}
        out = np.asarray(model(choice), dtype=float)
        if out.shape != nominal.shape:
            raise InputError(f"model returned shape {out.shape} for {choice}, expected one rank per unit {nominal.shape}",
                             where="sobol_sensitivity")
        ranks[i] = out
    ranks = ranks[run_of.ravel()]
    both = ~np.isnan(ranks) & ~np.isnan(nominal)
    if not both.any(axis=1).all():
        raise InputError("a run ranks none of the units ranked nominally: no rank shift to measure", where="sobol_sensitivity")
    mars = np.where(both, np.abs(ranks - nominal), 0.0).sum(axis=1) / both.sum(axis=1)

    if np.ptp(mars) > 0:
        si = sobol_analyze.analyze(problem, mars, calc_second_order=False, num_resamples=num_resamples, conf_level=conf_level,
                                   seed=seed + 1)
        values = {c: si[c] for c in INDEX_COLUMNS}
    else:
        values = {c: np.zeros(d) for c in INDEX_COLUMNS}
    indices = pd.DataFrame({"factor": problem["names"], **values})
    independent = np.isin(np.arange(len(mars)) % (d + 2), [0, d + 1])
    index = nominal_ranks.index if isinstance(nominal_ranks, pd.Series) else pd.RangeIndex(nominal.size)
    return Sensitivity(indices=indices, units=_unit_summary(ranks[independent], nominal, index.rename("unit")), mars=mars,
                       runs=len(mars), n_base=n_base, evaluations=len(distinct))
