"""The composite of one cross-section: orient, impute, normalise, weight, aggregate, rank."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from jstbench.compare.measures import distance_to_range
from jstbench.core.errors import InputError
from jstbench.stats.composite.normalise import oriented_goalposts
from jstbench.stats.composite.registry import AGGREGATE, FACTORS, IMPUTE, NORMALISE, TREAT, WEIGHT


def _checked(x: pd.DataFrame) -> pd.DataFrame:
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise InputError("no units or no indicators to combine", where="composite")
    try:
        return x.astype(float)
    except (TypeError, ValueError):
        raise InputError("indicator values must be numeric", where="composite") from None


def orient(x: pd.DataFrame, directions: dict[str, str], targets: dict[str, tuple[float, float]] | None = None) -> pd.DataFrame:
    """Values turned so that higher is better: kept (higher-better), negated (lower-better) or, for a
    target range, minus the distance to [low, high] (0 inside), as `compare.score` does."""
    x = _checked(x)
    out = {}
    for c in x.columns:
        d = directions.get(c)
        if d == "higher-better":
            out[c] = x[c]
        elif d == "lower-better":
            out[c] = -x[c]
        elif d == "target-range":
            if not targets or c not in targets:
                raise InputError(f"target-range indicator {c!r} needs targets[{c!r}] = (low, high)", where="orient")
            low, high = targets[c]
            out[c] = -distance_to_range(x[c], low, high)
        else:
            raise InputError(f"indicator {c!r}: direction must be higher-better, lower-better or target-range, not {d!r}",
                             where="orient")
    return pd.DataFrame(out, index=x.index)


def check_method(factor: str, name: str) -> None:
    if name not in FACTORS[factor]:
        raise InputError(f"unknown {factor} method {name!r}; known: {', '.join(FACTORS[factor])}", where=f"CompositeSpec.{factor}")


def _share(value: float, where: str) -> None:
    if not 0 <= value <= 1:
        raise InputError(f"must be a share in [0, 1], not {value}", where=where)


ONE_LEVEL = "all"
"""The id of the single domain of a one-level composite."""


@dataclass(frozen=True)
class Domain:
    """A block of a multi-level composite (indicator → domain → index): its indicators, its weight in the index
    (rescaled over the domains), its aggregation (None: the composite's) and the share of its indicators a unit needs
    values for (before imputation) to get a domain score."""

    id: str
    indicators: tuple[str, ...]
    weight: float = 1.0
    aggregate: str | None = None
    min_indicators: float = 0.5

    def __post_init__(self):
        if not self.indicators:
            raise InputError(f"domain {self.id!r} has no indicators", where="CompositeSpec.domains")
        if not (np.isfinite(self.weight) and self.weight >= 0):
            raise InputError(f"domain {self.id!r}: weight must be finite and ≥ 0, not {self.weight}", where="CompositeSpec.domains")
        if self.aggregate is not None:
            check_method("aggregate", self.aggregate)
        _share(self.min_indicators, f"CompositeSpec.domains[{self.id}].min_indicators")


@dataclass(frozen=True)
class CompositeSpec:
    """The choices of one composite. min_indicators: the share of all its indicators a unit needs values for (before
    imputation) to get a score; domains: the middle level (none: one level, indicators → index), whose scores the
    index aggregates with `index_aggregate` (None: `aggregate`), a unit needing scores in `min_domains` of them;
    treat: outlier treatment of the raw values; goalposts: fixed (low, high) per indicator in its own units, for
    `normalise: goalposts` (clip: values beyond a goalpost count as at it); rank_ties: ties in `normalise: rank`."""

    normalise: str = "minmax"
    weights: str = "equal"
    aggregate: str = "arithmetic"
    impute: str = "none"
    expert_weights: dict[str, float] | None = None
    min_indicators: float = 0.5
    treat: str = "none"
    domains: tuple[Domain, ...] = ()
    index_aggregate: str | None = None
    min_domains: float = 0.5
    goalposts: dict[str, tuple[float, float]] | None = None
    clip: bool = True
    rank_ties: str = "average"

    def __post_init__(self):
        for factor in FACTORS:
            check_method(factor, getattr(self, factor))
        if self.index_aggregate is not None:
            check_method("aggregate", self.index_aggregate)
        _share(self.min_indicators, "CompositeSpec.min_indicators")
        _share(self.min_domains, "CompositeSpec.min_domains")
        ids = [d.id for d in self.domains]
        if len(set(ids)) < len(ids):
            raise InputError(f"domain ids repeat: {ids}", where="CompositeSpec.domains")
        if self.domains and not sum(d.weight for d in self.domains) > 0:
            raise InputError("the domains' weights must sum to a positive number", where="CompositeSpec.domains")
        if self.rank_ties not in ("average", "min"):
            raise InputError(f"rank_ties must be average or min, not {self.rank_ties!r}", where="CompositeSpec.rank_ties")

    def levels(self, indicators: list[str]) -> tuple[Domain, ...]:
        """The domains; for a one-level composite, one domain of all its indicators."""
        return self.domains or (Domain(ONE_LEVEL, tuple(indicators), 1.0, None, 0.0),)


def has_enough(oriented: pd.DataFrame, min_indicators: float) -> np.ndarray:
    return oriented.notna().to_numpy().sum(axis=1) >= min_indicators * oriented.shape[1] - 1e-9


@dataclass(frozen=True)
class Choice:
    """One run's methods: the factors of the uncertainty analysis (`drop`: an indicator left out, or None)."""

    treat: str
    impute: str
    normalise: str
    weights: str
    aggregate: str
    drop: str | None = None

    @classmethod
    def nominal(cls, spec: CompositeSpec) -> Choice:
        return cls(spec.treat, spec.impute, spec.normalise, spec.weights, spec.aggregate)


@dataclass
class Built:
    """A composite built once: index and domain scores per unit, the indicators' effective weights, the treated
    points and the imputed cells."""

    scores: pd.Series
    domains: pd.DataFrame
    weights: pd.DataFrame
    treated: pd.DataFrame
    imputed: pd.DataFrame
    normalised: pd.DataFrame


class Engine:
    """A composite's data prepared once — raw values (units × indicators), directions, target ranges and the units'
    groups for grouped imputation — and built for any `Choice` of methods; the treated, imputed and normalised
    frames are cached per choice, so a Monte Carlo or a sensitivity design reuses them."""

    def __init__(self, x: pd.DataFrame, directions: dict[str, str], spec: CompositeSpec,
                 targets: dict[str, tuple[float, float]] | None = None, groups: pd.Series | None = None):
        self.x = _checked(x)
        self.directions, self.spec, self.targets = directions, spec, targets
        self.groups = None if groups is None else groups.reindex(self.x.index)
        self.indicators = list(self.x.columns)
        self.domains = spec.levels(self.indicators)
        unknown = sorted({i for d in self.domains for i in d.indicators} ^ set(self.indicators))
        if unknown:
            raise InputError(f"the domains and the indicators differ: {unknown}", where="CompositeSpec.domains")
        self.oriented = orient(self.x, directions, targets)
        self.enough = has_enough(self.oriented, spec.min_indicators)
        self._treated: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = {}
        self._imputed: dict[tuple, pd.DataFrame] = {}
        self._prepared: dict[tuple, pd.DataFrame] = {}
        self._nominal: Built | None = None

    def treated(self, method: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Oriented values after the outlier treatment of the raw ones, and the treatment's log."""
        if method not in self._treated:
            if method == "none":
                self._treated[method] = self.oriented, pd.DataFrame(columns=TREATED_COLUMNS)
            else:
                skip = {i for i in self.indicators if self.directions.get(i) == "target-range"}
                result = TREAT[method](self.x, skip=skip)
                self._treated[method] = orient(result.values, self.directions, self.targets), result.log
        return self._treated[method]

    def imputed(self, c: Choice) -> pd.DataFrame:
        """Treated, oriented, imputed values (without the dropped indicator)."""
        key = (c.treat, c.impute, c.drop)
        if key not in self._imputed:
            oriented = self.treated(c.treat)[0]
            if c.drop is not None:
                oriented = oriented.drop(columns=c.drop)
            self._imputed[key] = impute(oriented, c.impute, self.groups)
        return self._imputed[key]

    def prepared(self, c: Choice) -> pd.DataFrame:
        """Treated, imputed, normalised values (without the dropped indicator)."""
        key = (c.treat, c.impute, c.normalise, c.drop)
        if key not in self._prepared:
            self._prepared[key] = normalise(self.imputed(c), c.normalise, self.spec, self.directions)
        return self._prepared[key]

    def domain_weights(self, c: Choice) -> np.ndarray:
        """Weight of each domain in the index, rescaled to sum 1 over the domains left with an indicator."""
        w = np.array([d.weight if set(d.indicators) - {c.drop} else 0.0 for d in self.domains])
        return w / w.sum() if w.sum() > 0 else w

    def indicator_weights(self, normalised: pd.DataFrame, c: Choice) -> pd.Series:
        """Each indicator's weight inside its domain (sum 1 per domain) by the choice's method."""
        parts = []
        for d in self.domains:
            cols = [i for i in d.indicators if i in normalised.columns]
            if cols:
                parts.append(WEIGHT[c.weights](normalised[cols], self.spec.expert_weights))
        return pd.concat(parts)

    def build(self, c: Choice, noise: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Index scores (units × m) and domain scores (units × domains × m) for m weight multipliers per indicator
        (noise: indicators × m, rows in `self.indicators` order; None: m = 1, the weights as they are)."""
        normalised = self.prepared(c)
        cols = list(normalised.columns)
        m = 1 if noise is None else noise.shape[1]
        w = self.indicator_weights(normalised, c)[cols].to_numpy()[:, None] * (
            1.0 if noise is None else noise[[self.indicators.index(i) for i in cols]])
        v = normalised.to_numpy()
        present = self.oriented[cols].notna().to_numpy()
        dom = np.full((len(v), len(self.domains), m), np.nan)
        for j, d in enumerate(self.domains):
            idx = [cols.index(i) for i in d.indicators if i in cols]
            if not idx:
                continue
            wd = w[idx]
            s = np.asarray(AGGREGATE[d.aggregate or c.aggregate](v[:, idx], wd / wd.sum(axis=0))).reshape(len(v), m)
            ok = present[:, idx].sum(axis=1) >= d.min_indicators * len(idx) - 1e-9
            dom[:, j] = np.where(ok[:, None], s, np.nan)
        if len(self.domains) == 1:
            index = dom[:, 0]
        else:
            dw = self.domain_weights(c)
            agg = AGGREGATE[self.spec.index_aggregate or c.aggregate]
            index = np.column_stack([np.asarray(agg(dom[:, :, r], dw)) for r in range(m)])
            alive = dw > 0
            ok = (~np.isnan(dom[:, alive])).sum(axis=1) >= self.spec.min_domains * alive.sum() - 1e-9
            index = np.where(ok, index, np.nan)
        return np.where(self.enough[:, None], index, np.nan), dom

    def nominal(self) -> Built:
        """The composite with the nominal choices: scores, domain scores, effective weights, what was treated and
        imputed."""
        if self._nominal is not None:
            return self._nominal
        c = Choice.nominal(self.spec)
        index, dom = self.build(c)
        units = self.x.index
        normalised = self.prepared(c)
        self._nominal = Built(scores=pd.Series(index[:, 0], index=units, name="score"),
                              domains=pd.DataFrame(dom[:, :, 0], index=units, columns=[d.id for d in self.domains]),
                              weights=self.effective_weights(normalised, c), treated=self.treated(c.treat)[1],
                              imputed=imputed_cells(self.oriented, self.imputed(c), c.impute, self.groups),
                              normalised=normalised)
        return self._nominal

    def effective_weights(self, normalised: pd.DataFrame, c: Choice) -> pd.DataFrame:
        """Per indicator: its domain, its weight inside the domain and its effective weight in the index (the
        product with the domain's weight share: exact for arithmetic aggregation at both levels, the nominal
        weight otherwise)."""
        w = self.indicator_weights(normalised, c)
        dw = dict(zip([d.id for d in self.domains], self.domain_weights(c), strict=True))
        rows = [{"indicator": i, "domain": d.id, "domain_weight": dw[d.id], "weight": float(w[i]),
                 "effective_weight": float(w[i]) * dw[d.id]} for d in self.domains for i in d.indicators if i in w.index]
        return pd.DataFrame(rows)


TREATED_COLUMNS = ["unit", "indicator", "method", "original", "treated", "parameter"]


def impute(oriented: pd.DataFrame, method: str, groups: pd.Series | None) -> pd.DataFrame:
    """Missing values filled by the method (grouped methods by the units' groups)."""
    return IMPUTE[method](oriented, groups=groups)


def imputed_cells(before: pd.DataFrame, after: pd.DataFrame, method: str, groups: pd.Series | None) -> pd.DataFrame:
    """One row per cell the imputation filled: unit, indicator, method, source (the unit's group for a grouped
    method)."""
    filled = before.isna() & after.notna()
    cells = filled.stack()
    cells = cells[cells]
    units = cells.index.get_level_values(0)
    source = groups.reindex(units).astype(str).to_numpy() if groups is not None and method.startswith("group") else ""
    return pd.DataFrame({"unit": units.astype(str), "indicator": cells.index.get_level_values(1).astype(str),
                         "method": method, "source": source})


def normalise(oriented: pd.DataFrame, method: str, spec: CompositeSpec, directions: dict[str, str]) -> pd.DataFrame:
    """The oriented values on the method's common scale (goalposts and rank ties from the spec)."""
    if method == "goalposts":
        if not spec.goalposts:
            raise InputError("normalise 'goalposts' needs goalposts per indicator", where="CompositeSpec.goalposts")
        low, high = oriented_goalposts({i: spec.goalposts[i] for i in oriented.columns if i in spec.goalposts}, directions)
        return NORMALISE[method](oriented, low=low, high=high, clip=spec.clip)
    if method == "rank":
        return NORMALISE[method](oriented, ties=spec.rank_ties)
    return NORMALISE[method](oriented)


def composite_scores(x: pd.DataFrame, directions: dict[str, str], spec: CompositeSpec,
                     targets: dict[str, tuple[float, float]] | None = None, groups: pd.Series | None = None) -> pd.Series:
    """Score per unit: treat → orient → impute → normalise → weight → aggregate (per domain, then over domains);
    NaN with too few indicators or domains."""
    return Engine(x, directions, spec, targets, groups).nominal().scores


def composite_ranks(scores: pd.Series) -> pd.Series:
    """1 = best; ties share the best rank; no score, no rank."""
    return scores.rank(ascending=False, method="min").rename("rank")
