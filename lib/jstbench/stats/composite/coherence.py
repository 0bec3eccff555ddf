"""Statistical coherence of a composite: correlations within and across its levels, Cronbach's alpha, principal
components per domain, and flags for what does not hang together.

The checks are the OECD/JRC Handbook's multivariate analysis (Nardo et al., Handbook on Constructing Composite
Indicators, OECD 2008, Part 1 Step 4 "Multivariate analysis"; Part 2, principal components and the Cronbach
coefficient alpha) as COINr offers them (get_corr, get_corr_flags, get_cronbach, get_PCA). Three levels:
indicators (normalised, higher = better), domains (their aggregates) and the index; a one-level composite is one
domain holding all indicators. Correlations are pairwise complete (the units having both values, as COINr's
use = "pairwise.complete.obs") and NaN when fewer than `min_pairs` units have both; alpha and the principal
components use the units complete on the whole group (listwise) and are NaN below `min_pairs` such units. A NaN
never raises a flag. Flags read the Pearson correlation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from jstbench.core.errors import InputError
from jstbench.core.text import num, pct

INDEX = "index"  # the index's label in every table; no domain may carry it
LEVELS = ("indicator-indicator", "indicator-domain", "indicator-index", "domain-domain", "domain-index")


@dataclass(frozen=True)
class Coherence:
    """The audit's tidy tables.

    correlations: level (one of LEVELS), a, b, n (units with both), pearson, spearman; within: b is above a in
        its branch (a's domain, or the index) or a and b share a parent; for an indicator and its own domain also
        n_corrected, pearson_corrected, spearman_corrected: the corrected item-total correlation (see `rest_scores`).
    alpha: group (a domain id, or INDEX over the domain scores), items ("indicators" | "domains"), dropped (None for
        the whole group, else the item left out: "alpha if item deleted"), alpha_raw, alpha_std, n, k (see `cronbach`).
    pca: group (a domain id, or INDEX over all indicators), items, n, k, pc1_share (λ1 / k), kaiser (#λ > 1).
    eigenvalues: group, component (1 = largest), eigenvalue, share (λ / k).
    loadings: group, item, coefficient (entry of the first unit eigenvector), loading (coefficient · √λ1: the
        correlation of the item with the first component).
    flags: code, level, a, b, value, threshold, n, message (Polish).
    """

    correlations: pd.DataFrame
    alpha: pd.DataFrame
    pca: pd.DataFrame
    eigenvalues: pd.DataFrame
    loadings: pd.DataFrame
    flags: pd.DataFrame

    def table(self) -> pd.DataFrame:
        """The five statistics tables stacked into one long table (flags apart), `part` naming each row's table;
        a column a part lacks is empty (nullable integer/boolean dtypes, so that it stores as parquet)."""
        parts = {"correlations": self.correlations, "alpha": self.alpha, "pca": self.pca, "eigenvalues": self.eigenvalues,
                 "loadings": self.loadings}
        out = pd.concat([t.assign(part=name) for name, t in parts.items()], ignore_index=True)
        out = out.astype({c: "Int64" for c in ("n", "k", "n_corrected", "component", "kaiser")} | {"within": "boolean"})
        return out[["part", *out.columns.drop("part")]]


def _alpha_raw(k, trace, total):
    """k/(k−1) · (1 − Σσ²_i / σ²_total), σ²_total = Σ of all covariances; NaN for k < 2 or no total variance."""
    k = np.float64(k)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((k >= 2) & (total > 0), k / (k - 1) * (1 - trace / total), np.nan)


def _alpha_std(k, corr_sum):
    """k·r̄ / (1 + (k−1)·r̄), r̄ the mean correlation between distinct items; NaN for k < 2."""
    k = np.float64(k)
    with np.errstate(divide="ignore", invalid="ignore"):
        rbar = (corr_sum - k) / (k * (k - 1))
        return np.where(k >= 2, k * rbar / (1 + (k - 1) * rbar), np.nan)


def cronbach(x: pd.DataFrame, min_units: int = 2) -> pd.DataFrame:
    """Cronbach's alpha of the columns of x, then with each column left out ("alpha if item deleted").

    Raw: α = k/(k−1) · (1 − Σσ²_i / σ²_total), with σ²_total the variance of the sum of the items, i.e. the sum
    of all entries of the covariance matrix (COINr's get_cronbach: k²·mean off-diagonal covariance / sum of all
    covariances, the same number). Standardised: α = k·r̄ / (1 + (k−1)·r̄), r̄ the mean correlation between
    distinct items (alpha of the z-scored items; Handbook 2008, Part 2, Cronbach coefficient alpha). Over the
    units complete on all k columns (COINr uses pairwise covariances; listwise keeps the covariance matrix
    consistent), the left-out versions on the same units, so that they compare with the whole. NaN for k < 2,
    fewer than `min_units` complete units, or a constant sum (raw) / a constant item (standardised).

    Rows: dropped (None, then each column), alpha_raw, alpha_std, n, k (items in that row's alpha)."""
    v = x.dropna().to_numpy(dtype=float)
    n, k = v.shape
    if n >= max(min_units, 2):
        cov = np.cov(v, rowvar=False).reshape(k, k)
        sd = np.sqrt(np.diag(cov))
        with np.errstate(divide="ignore", invalid="ignore"):
            corr = cov / np.outer(sd, sd)
    else:
        cov = corr = np.full((k, k), np.nan)
    trace, total, corr_sum = np.trace(cov), cov.sum(), corr.sum()
    diag = np.diag(cov)
    raw = np.r_[_alpha_raw(k, trace, total), _alpha_raw(k - 1, trace - diag, total - 2 * cov.sum(axis=1) + diag)]
    std = np.r_[_alpha_std(k, corr_sum), _alpha_std(k - 1, corr_sum - 2 * corr.sum(axis=1) + 1)]
    return pd.DataFrame({"dropped": [None, *x.columns], "alpha_raw": raw, "alpha_std": std, "n": n, "k": [k] + [k - 1] * k})


def principal_components(x: pd.DataFrame, min_units: int = 2) -> tuple[np.ndarray, np.ndarray, int]:
    """Eigenvalues of the correlation matrix of x's columns (largest first; they sum to k), the first unit
    eigenvector, and the number of units used (those complete on all columns).

    Sign convention: an eigenvector's sign is arbitrary, so the first is turned to have a positive sum; an
    entry of the opposite sign then marks an indicator that runs against the others. All NaN with fewer than
    `min_units` complete units or a constant column (no correlation). numpy's eigh (the matrix is symmetric)."""
    v = x.dropna().to_numpy(dtype=float)
    n, k = v.shape
    if n < max(min_units, 2) or (np.ptp(v, axis=0) == 0).any():
        return np.full(k, np.nan), np.full(k, np.nan), n
    values, vectors = np.linalg.eigh(np.corrcoef(v, rowvar=False).reshape(k, k))
    first = vectors[:, -1]
    return values[::-1], first * (-1.0 if first.sum() < 0 else 1.0), n


def rest_scores(normalised: pd.DataFrame, domains: dict[str, list[str]]) -> pd.DataFrame:
    """Each indicator's rest score: the mean of the other indicators of its domain over those a unit has (NaN
    if none, and for a domain of one indicator).

    The corrected item-total correlation is the correlation of an item with the total of the *other* items
    (Nunnally & Bernstein, Psychometric Theory, 1994; psych::alpha's r.drop): an indicator is part of its
    domain's score, so a domain of 2–3 indicators correlates with each of them by construction. The rest is
    the equal-weight mean, whatever the composite's weights; with complete data the mean and the sum correlate
    alike, and the mean over the values a unit has does not punish a missing one."""
    out = []
    for members in domains.values():
        v = normalised[members].to_numpy(dtype=float)
        present = ~np.isnan(v)
        others = present.sum(axis=1, keepdims=True) - present
        with np.errstate(divide="ignore", invalid="ignore"):
            rest = (np.nansum(v, axis=1, keepdims=True) - np.where(present, v, 0.0)) / np.where(others > 0, others, np.nan)
        out.append(pd.DataFrame(rest, index=normalised.index, columns=members))
    return pd.concat(out, axis=1)


def _pearson_columns(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson r of each column of x with the same column of y, over rows where both are present."""
    both = ~np.isnan(x) & ~np.isnan(y)
    x, y = np.where(both, x, 0.0), np.where(both, y, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        n = both.sum(axis=0)
        dx, dy = np.where(both, x - x.sum(axis=0) / n, 0.0), np.where(both, y - y.sum(axis=0) / n, 0.0)
        return (dx * dy).sum(axis=0) / np.sqrt((dx**2).sum(axis=0) * (dy**2).sum(axis=0))


def _corrected(normalised: pd.DataFrame, domains: dict[str, list[str]], min_pairs: int) -> pd.DataFrame:
    """Corrected item-total correlations (Pearson and Spearman, pairwise complete) per indicator."""
    x = normalised.to_numpy(dtype=float)
    rest = rest_scores(normalised, domains)[normalised.columns].to_numpy()
    both = ~np.isnan(x) & ~np.isnan(rest)
    n = both.sum(axis=0)
    ranks = [rankdata(np.where(both, a, np.nan), axis=0, nan_policy="omit") for a in (x, rest)]
    enough = n >= min_pairs
    return pd.DataFrame({"n_corrected": n, "pearson_corrected": np.where(enough, _pearson_columns(x, rest), np.nan),
                         "spearman_corrected": np.where(enough, _pearson_columns(*ranks), np.nan)}, index=normalised.columns)


def _correlations(normalised: pd.DataFrame, domains: dict[str, list[str]], domain_scores: pd.DataFrame, index: pd.Series,
                  min_pairs: int) -> pd.DataFrame:
    indicators, ids = list(normalised.columns), list(domains)
    ki, kd = len(indicators), len(ids)
    data = pd.concat([normalised, domain_scores, index], axis=1, ignore_index=True)  # positional: ids may repeat
    labels = np.array([*indicators, *ids, INDEX], dtype=object)
    owner = np.array([ids.index(d) for i in indicators for d in ids if i in domains[d]])
    present = data.notna().to_numpy(dtype=float)
    n = (present.T @ present).astype(int)
    pearson = data.corr("pearson", min_periods=min_pairs).to_numpy()
    spearman = data.corr("spearman", min_periods=min_pairs).to_numpy()

    ii, jj = np.triu_indices(ki, 1)
    di, dd = np.divmod(np.arange(ki * kd), kd)
    d1, d2 = np.triu_indices(kd, 1)
    parts = [("indicator-indicator", ii, jj, owner[ii] == owner[jj]),
             ("indicator-domain", di, ki + dd, owner[di] == dd),
             ("indicator-index", np.arange(ki), np.full(ki, ki + kd), np.ones(ki, bool)),
             ("domain-domain", ki + d1, ki + d2, np.ones(len(d1), bool)),
             ("domain-index", ki + np.arange(kd), np.full(kd, ki + kd), np.ones(kd, bool))]
    level = np.concatenate([np.full(len(a), name, dtype=object) for name, a, _, _ in parts])
    a, b, within = (np.concatenate([p[i] for p in parts]) for i in (1, 2, 3))
    table = pd.DataFrame({"level": level, "a": labels[a], "b": labels[b], "n": n[a, b], "pearson": pearson[a, b],
                          "spearman": spearman[a, b], "within": within})
    own = (table["level"] == "indicator-domain") & table["within"]
    corrected = _corrected(normalised, domains, min_pairs)
    table = table.join(corrected.reindex(table["a"].where(own)).reset_index(drop=True))
    table["n_corrected"] = table["n_corrected"].astype("Int64")
    return table


def _domain_groups(normalised: pd.DataFrame, domains: dict[str, list[str]]) -> list[tuple[str, str, pd.DataFrame]]:
    return [(d, "indicators", normalised[members]) for d, members in domains.items()]


def _alpha(normalised: pd.DataFrame, domains: dict[str, list[str]], domain_scores: pd.DataFrame, min_pairs: int) -> pd.DataFrame:
    """Alpha of each domain over its indicators and of the index over the domain scores."""
    groups = _domain_groups(normalised, domains) + [(INDEX, "domains", domain_scores)]
    out = pd.concat([cronbach(frame, min_pairs).assign(group=group, items=items) for group, items, frame in groups],
                    ignore_index=True)
    return out[["group", "items", "dropped", "alpha_raw", "alpha_std", "n", "k"]]


def _pca(normalised: pd.DataFrame, domains: dict[str, list[str]],
         min_pairs: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Principal components of each domain's indicators and of all indicators together."""
    summary, eigen, loadings = [], [], []
    for group, items, frame in _domain_groups(normalised, domains) + [(INDEX, "indicators", normalised)]:
        values, first, n = principal_components(frame, min_pairs)
        k = len(values)
        summary.append({"group": group, "items": items, "n": n, "k": k, "pc1_share": values[0] / k,
                        "kaiser": int((values > 1).sum()) if np.isfinite(values).all() else pd.NA})
        eigen.append(pd.DataFrame({"group": group, "component": np.arange(1, k + 1), "eigenvalue": values, "share": values / k}))
        loadings.append(pd.DataFrame({"group": group, "item": frame.columns, "coefficient": first,
                                      "loading": first * np.sqrt(values[0])}))
    out = pd.DataFrame(summary).astype({"kaiser": "Int64"})
    return out, pd.concat(eigen, ignore_index=True), pd.concat(loadings, ignore_index=True)


FLAG_COLUMNS = ["code", "level", "a", "b", "value", "threshold", "n", "message"]
_PARENT_TEXT = {  # level -> (subject, adjective ending, what it is correlated with, which correlation)
    "indicator-domain": ("Wskaźnik", "y", "z pozostałymi wskaźnikami domeny {b}", "skorygowana korelacja r"),
    "indicator-index": ("Wskaźnik", "y", "z indeksem", "r"),
    "domain-index": ("Domena", "a", "z indeksem", "r"),
}


def _parent_message(level: str, a: str, b: str, value: float, n: int, weak: float | None) -> str:
    """The Polish message of an item correlating negatively (weak None) or weakly with its parent."""
    subject, ending, parent, measure = _PARENT_TEXT[level]
    how, bound = ("ujemnie", "") if weak is None else ("słabo", f" < {num(weak, 2)}")
    advice = " Sprawdź kierunek wskaźnika." if weak is None and subject == "Wskaźnik" else ""
    return (f"{subject} {a} jest {how} skorelowan{ending} {parent.format(b=b)}: {measure} = {num(value, 2)}{bound} "
            f"(n = {n}).{advice}")


def _parent_flags(correlations: pd.DataFrame, weak: float) -> list[dict]:
    """negative-/weak-domain|index: an indicator with the rest of its domain (corrected), an indicator or a domain
    with the index."""
    rows = correlations[correlations["within"] & correlations["level"].isin(list(_PARENT_TEXT))]
    own = rows["level"] == "indicator-domain"
    rows = rows.assign(value=rows["pearson_corrected"].where(own, rows["pearson"]), n=rows["n_corrected"].where(own, rows["n"]),
                       parent=np.where(own, "domain", "index"))
    out = []
    value = rows["value"]
    for kind, threshold, mask in (("negative", None, value < 0), ("weak", weak, (value >= 0) & (value < weak))):
        out += [{"code": f"{kind}-{r.parent}", "level": r.level, "a": r.a, "b": r.b, "value": r.value,
                 "threshold": 0.0 if threshold is None else threshold, "n": int(r.n),
                 "message": _parent_message(r.level, r.a, r.b, r.value, int(r.n), threshold)} for r in rows[mask].itertuples()]
    return out


def _flags(correlations: pd.DataFrame, alpha: pd.DataFrame, pca: pd.DataFrame, domains: dict[str, list[str]], weak: float,
           min_alpha: float, min_pc1_share: float, redundant: float) -> pd.DataFrame:
    pairs = correlations[(correlations["level"] == "indicator-indicator") & (correlations["pearson"] > redundant)]
    whole = alpha[alpha["dropped"].isna() & alpha["group"].isin(list(domains)) & (alpha["alpha_raw"] < min_alpha)]
    own = pca[pca["group"].isin(list(domains))]
    several = own[own["kaiser"].fillna(0) > 1]
    low = own[own["pc1_share"] < min_pc1_share]
    out = _parent_flags(correlations, weak)
    out += [{"code": "redundant", "level": "indicator-indicator", "a": r.a, "b": r.b, "value": r.pearson, "threshold": redundant,
             "n": r.n, "message": f"Wskaźniki {r.a} i {r.b} są bardzo silnie skorelowane: r = {num(r.pearson, 2)} > "
                                  f"{num(redundant, 2)} (n = {r.n}). Możliwa redundancja: ta sama informacja liczona podwójnie."}
            for r in pairs.itertuples()]
    out += [{"code": "low-alpha", "level": "domain", "a": r.group, "b": None, "value": r.alpha_raw, "threshold": min_alpha,
             "n": r.n, "message": f"Domena {r.group}: alfa Cronbacha = {num(r.alpha_raw, 2)} < {num(min_alpha, 2)} "
                                  f"(standaryzowana {num(r.alpha_std, 2)}; k = {r.k}, n = {r.n}). Wskaźniki domeny słabo mierzą "
                                  f"wspólną cechę."}
            for r in whole.itertuples()]
    out += [{"code": "multidimensional", "level": "domain", "a": r.group, "b": None, "value": float(r.kaiser), "threshold": 1.0,
             "n": r.n, "message": f"Domena {r.group}: liczba wartości własnych macierzy korelacji większych od 1 wynosi "
                                  f"{r.kaiser} (kryterium Kaisera; n = {r.n}). Domena może mierzyć więcej niż jeden wymiar."}
            for r in several.itertuples()]
    out += [{"code": "low-pc1-share", "level": "domain", "a": r.group, "b": None, "value": r.pc1_share,
             "threshold": min_pc1_share, "n": r.n,
             "message": f"Domena {r.group}: pierwsza składowa główna wyjaśnia {pct(100 * r.pc1_share, 1)} wariancji wskaźników, "
                        f"mniej niż {pct(100 * min_pc1_share)} (k = {r.k}, n = {r.n}). Wskaźniki domeny mają mało wspólnej "
                        f"zmienności."}
            for r in low.itertuples()]
    return pd.DataFrame(out, columns=FLAG_COLUMNS)


def _checked(normalised: pd.DataFrame, domains: dict[str, list[str]], domain_scores: pd.DataFrame, index: pd.Series,
             min_pairs: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """The inputs restricted to the domains' indicators and aligned on normalised's units, or an InputError."""
    where = "coherence.audit"
    if min_pairs < 3:
        raise InputError(f"min_pairs must be at least 3 (two points always correlate ±1), not {min_pairs}", where=where)
    if not domains or not all(domains.values()):
        raise InputError("every domain needs at least one indicator", where=where)
    if INDEX in domains:
        raise InputError(f"{INDEX!r} names the index; no domain may be called so", where=where)
    members = [i for m in domains.values() for i in m]
    problems = {"indicator(s) in more than one domain": sorted({i for i in members if members.count(i) > 1}),
                "indicator(s) not in normalised": [i for i in members if i not in normalised.columns],
                "indicator(s) in no domain": [i for i in normalised.columns if i not in members],
                "domain(s) without a column in domain_scores": [d for d in domains if d not in domain_scores.columns]}
    for problem, ids in problems.items():
        if ids:
            raise InputError(f"{problem}: {ids}", where=where)
    units = normalised.index
    if not all(x.index.is_unique and set(x.index) == set(units) for x in (normalised, domain_scores, index)):
        raise InputError("normalised, domain_scores and index must cover the same units, each once", where=where)
    try:
        return (normalised[members].astype(float), domain_scores.loc[units, list(domains)].astype(float),
                index.loc[units].astype(float))
    except (TypeError, ValueError):
        raise InputError("indicator, domain and index values must be numeric", where=where) from None


def audit(normalised: pd.DataFrame, domains: dict[str, list[str]], domain_scores: pd.DataFrame, index: pd.Series,
          min_pairs: int = 10, *, weak: float = 0.3, min_alpha: float = 0.7, min_pc1_share: float = 0.6,
          redundant: float = 0.9) -> Coherence:
    """The coherence of a composite, as tables (see `Coherence`) and flags.

    normalised: units × indicators (higher = better, NaN missing); domains: domain id → its indicators, each
    indicator in exactly one; domain_scores: units × domains; index: the composite score per unit.

    Flags (Pearson r; thresholds with their sources):
    - negative-domain / weak-domain: an indicator's corrected item-total correlation (with the rest of its
      domain) is < 0 / in [0, weak). weak = 0.3: the usual floor of a corrected item-total correlation (Nunnally &
      Bernstein 1994), also the "weak" bound of the JRC's statistical audits of composite indicators;
    - negative-index / weak-index: the same for an indicator's or a domain's correlation with the index (not
      corrected: the index has many parts, so one part's own share of it matters less);
    - redundant: two indicators (in any domains) correlate above `redundant` = 0.9 (COINr get_corr_flags'
      default cor_thresh): double counting;
    - low-alpha: a domain's raw alpha < `min_alpha` = 0.7 (Nunnally 1978, the threshold the Handbook 2008 cites);
    - multidimensional: a domain's correlation matrix has more than one eigenvalue > 1 (Kaiser's criterion, the
      Handbook's first rule for the number of components to keep);
    - low-pc1-share: a domain's first component explains less than `min_pc1_share` = 0.6 of the variance (the
      Handbook keeps components that together explain more than 60%; a domain meant to measure one thing keeps
      one). The share falls with k at a given mean correlation r̄, (1 + (k−1)·r̄) / k, so a large domain of noisy
      but one-dimensional indicators gets it: read it with alpha and the Kaiser count.
    Alpha and components of the whole index are reported, not flagged: domains are meant to differ."""
    normalised, domain_scores, index = _checked(normalised, domains, domain_scores, index, min_pairs)
    correlations = _correlations(normalised, domains, domain_scores, index, min_pairs)
    alpha = _alpha(normalised, domains, domain_scores, min_pairs)
    pca, eigenvalues, loadings = _pca(normalised, domains, min_pairs)
    flags = _flags(correlations, alpha, pca, domains, weak, min_alpha, min_pc1_share, redundant)
    return Coherence(correlations, alpha, pca, eigenvalues, loadings, flags)
