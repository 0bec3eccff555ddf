"""The statistical layer of a series: fair comparisons and honest uncertainty, computed once per series.

* structural adjustment (`adjust`): expected value given conditions, for every adjustable indicator;
* similar authorities (`similar`): nearest neighbours on structural features, their stability, and the
  data-driven typology;
* composite indices: `jstbench.series.composites`;
* bootstrap intervals (`bootstrap`) of positions on shares of small counts.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from jstbench.catalogue.deflators import Deflator
from jstbench.catalogue.model import Catalogue, Structure
from jstbench.indicators.features import available_features, feature_table, strata
from jstbench.stats.bootstrap import share_percentile_intervals
from jstbench.stats.similar import (
    cluster_stability,
    describe_clusters,
    feature_weights,
    nearest,
    peer_stability,
    standardise,
    typology,
)
from jstbench.stats.trends import cagr, is_money, linear_trends, price_level, to_real


def adjustment_catalogue(catalogue: Catalogue, values: pd.DataFrame, units: pd.DataFrame, year: int, min_share: float,
                         ) -> tuple[Catalogue, dict[str, list[str]]]:
    """The catalogue with each adjustable indicator's model features restricted to those the data have
    (`jstbench.indicators.features.available_features` over the units the indicator applies to), and the features
    left out per indicator. A store with no budget data has no own revenue per resident: without this, every model
    would need it and none would fit."""
    structure = catalogue.require_structure()
    feats = feature_table(values, units, structure, year)
    kinds = units.set_index(units["code"].astype(str))["kind"]
    indicators, dropped = [], {}
    for ind in catalogue.indicators.values():
        if ind.adjustable:
            names = structure.adjustment_features(ind)
            members = kinds.index[kinds.isin(ind.applies_to).to_numpy()]
            kept, gone = available_features(feats, names, members, min_share)
            if gone:
                dropped[ind.id] = gone
                ind = ind.model_copy(update={"adjustment": ind.adjustment.model_copy(update={"features": kept})})
        indicators.append(ind)
    if not dropped:
        return catalogue, {}
    return Catalogue(indicators, list(catalogue.variables.values()), catalogue.digest, list(catalogue.forms.values()),
                     structure, catalogue.years, catalogue.questionnaires), dropped


def binomial_intervals(catalogue: Catalogue, wide: pd.DataFrame, groups: dict[str, list[str]], year: int,
                       min_size: int, reps: int = 2000, alpha: float = 0.1, seed: int = 0) -> pd.DataFrame:
    """For each group and each share-of-counts indicator: every member's percentile interval in the group.

    `wide` is the (unit, year) × variable table. One set of Jeffreys draws per group and indicator; groups
    with fewer than `min_size` members with data get none (their positions are not shown either)."""
    cur = wide.xs(year, level="year") if year in wide.index.get_level_values("year") else wide.iloc[:0]
    rows, draw_no = [], 0
    for ind in catalogue.indicators.values():
        if ind.uncertainty != "binomial" or (pair := ind.count_share) is None:  # binomial ones have a share (validated)
            continue
        succ_var, trial_var = pair
        if succ_var not in cur or trial_var not in cur:
            continue
        for gid, members in groups.items():
            draw_no += 1  # a seed of its own for each group and indicator, the same in every run
            iv = share_percentile_intervals(cur[succ_var].reindex(members), cur[trial_var].reindex(members), ind.direction,
                                            reps, alpha, seed + draw_no)
            if len(iv) >= min_size:
                rows.append(iv.rename_axis("unit").reset_index().assign(group=gid, indicator=ind.id, year=year))
    cols = ["group", "unit", "indicator", "year", "trials", "percentile_lo", "percentile_hi", "alpha"]
    return pd.concat(rows, ignore_index=True)[cols] if rows else pd.DataFrame(columns=cols)


def similar_tables(catalogue: Catalogue, values: pd.DataFrame, units: pd.DataFrame, year: int, report_units: list[str],
                   k: int | None = None, weights: dict[str, float] | None = None) -> dict[str, pd.DataFrame]:
    """Peers of the report units (with stability against last year's data and the weights), and the
    data-driven typology of every unit (with Hennig's cluster stability)."""
    structure = catalogue.require_structure()
    k = k or structure.similar.k
    weights = weights or structure.similar.weights
    numeric = [f.id for f in structure.features if not f.categorical]
    st = strata(units)
    feats = feature_table(values, units, structure, year, numeric)
    prev = feature_table(values, units, structure, year - 1, numeric)
    cols = list(weights)
    usable = feats[cols].notna().any(axis=1)
    peers, stability = [], []
    for _, members in feats.index[usable].groupby(st.reindex(feats.index[usable]).to_numpy()).items():
        wanted = [u for u in report_units if u in set(members)]
        k_s = min(k, len(members) - 1)  # a small stratum (e.g. few powiats with data) gets fewer peers, not an error
        if not wanted or k_s < 2:
            continue
        part = feats.loc[members, cols]
        peers.append(nearest(part, weights, k_s, units=wanted))
        stability.append(peer_stability(part, weights, k_s, units=wanted, previous=prev.reindex(members)[cols], runs=20))
    peers = pd.concat(peers, ignore_index=True) if peers else pd.DataFrame(columns=["unit", "peer", "order", "distance"])
    stability = pd.concat(stability) if stability else pd.DataFrame(columns=["jaccard_previous", "jaccard_weights", "kept_share"])
    typ = structure.typology.features
    n_clusters = structure.typology.n_clusters
    labels, clusters = data_typology(feats[typ], st, dict(n_clusters.items()) if n_clusters is not None else None,
                                     structure.typology.max_clusters)
    features = pd.concat([feats.assign(year=year), prev.assign(year=year - 1)]).reset_index()
    peers = peers.reset_index(drop=True)
    return {"features": features, "peers": peers, "peer_explanations": peer_explanations(feats[cols], st, peers, weights, structure),
            "peer_stability": stability.rename_axis("unit").reset_index(),
            "typology": labels.rename("cluster").rename_axis("unit").reset_index(), "clusters": clusters.reset_index()}


def peer_explanations(feats: pd.DataFrame, st: pd.Series, peers: pd.DataFrame, weights: dict[str, float],
                      structure: Structure) -> pd.DataFrame:
    """Why peers are peers, per report unit and feature, with values on the natural scale: `similar.explain` for
    every report unit at once (units × peers × features arrays; a test checks it against `explain`)."""
    if peers.empty:
        return pd.DataFrame()
    z = standardise(feats, st.reindex(feats.index))
    cols = list(z.columns)
    p = peers.sort_values(["unit", "order"])
    units = sorted(p["unit"].unique())
    row = pd.Index(units).get_indexer(p["unit"])
    slot = p.groupby("unit").cumcount().to_numpy()
    mat = np.full((len(units), int(slot.max()) + 1), -1)
    mat[row, slot] = z.index.get_indexer(p["peer"])
    have = mat >= 0
    zs, raw = z.to_numpy(float), feats[cols].to_numpy(float)
    zp = np.where(have[..., None], zs[mat], np.nan)
    rp = np.where(have[..., None], raw[mat], np.nan)
    w = feature_weights(z, weights).reindex(cols, fill_value=0.0).to_numpy()
    gap = np.abs(zp - zs[z.index.get_indexer(units)][:, None, :])
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a feature no peer has: NaN, as pandas gives
        gap_sd = np.nanmean(gap, axis=1)
        sq = np.nansum(w * gap**2, axis=1)
        total = sq.sum(axis=1, keepdims=True)
        share = np.where(total > 0, sq / np.where(total > 0, total, 1), np.nan)
        median, low, high = np.nanmedian(rp, axis=1), np.nanmin(rp, axis=1), np.nanmax(rp, axis=1)
    own = feats.loc[units, cols].to_numpy(float)
    logged = np.array([structure.feature(f).transform == "log" for f in cols])

    def natural(a: np.ndarray) -> np.ndarray:
        return np.asarray(np.where(logged, np.exp(a), a))

    n_units, n_feats = len(units), len(cols)
    out = pd.DataFrame({"feature": np.tile(cols, n_units), "unit_value": natural(own).ravel(),
                        "peers_median": natural(median).ravel(), "peers_min": natural(low).ravel(),
                        "peers_max": natural(high).ravel(), "gap_sd": gap_sd.ravel(), "weight": np.tile(w, n_units),
                        "share_of_distance": share.ravel(), "unit": np.repeat(units, n_feats)})
    order = np.lexsort((out["gap_sd"].to_numpy(), np.tile(w == 0, n_units), np.repeat(np.arange(n_units), n_feats)))
    out = out.iloc[order].reset_index(drop=True)
    out["order"] = np.tile(np.arange(n_feats), n_units)
    return out


def real_terms(catalogue: Catalogue, values: pd.DataFrame, report_units: list[str], deflator: Deflator, year: int,
               alpha: float = 0.1) -> dict[str, pd.DataFrame]:
    """Money indicators of the report units in constant prices of the report year, and their trends: nominal and
    real CAGR over the years with a real value, and a log-linear trend of the real values with its (1 − alpha)
    confidence interval (at least three years)."""
    money = [i.id for i in catalogue.indicators.values() if is_money(i.unit)]
    own = values[values["unit"].isin(report_units) & values["indicator"].isin(money) & (values["year"] <= year)]
    own = own[["unit", "indicator", "year", "value"]].dropna(subset=["value"])
    real = to_real(own, price_level(deflator, year), year).astype({"unit": str, "indicator": str})
    rt = real.dropna(subset=["value_real"]).sort_values("year")
    g = rt.groupby(["unit", "indicator"], sort=True)
    first, last = g.first(), g.last()
    span = (last["year"] - first["year"]).to_numpy()
    lt = linear_trends(rt.drop(columns="value").rename(columns={"value_real": "value"}), ["unit", "indicator"], alpha, log=True)
    trends = pd.DataFrame({"unit": first.index.get_level_values(0), "indicator": first.index.get_level_values(1),
                           "first_year": first["year"].to_numpy(), "last_year": last["year"].to_numpy(),
                           "cagr_nominal": cagr(first["value"].to_numpy(), last["value"].to_numpy(), span),
                           "cagr_real": cagr(first["value_real"].to_numpy(), last["value_real"].to_numpy(), span),
                           "slope": lt["slope"].to_numpy(), "slope_lo": lt["lo"].to_numpy(), "slope_hi": lt["hi"].to_numpy()})
    trends = trends[g.size().to_numpy() >= 3].reset_index(drop=True)
    return {"real_terms": real.drop(columns="value").reset_index(drop=True), "trends": trends}


def adjusted_ranks(catalogue: Catalogue, adjusted: pd.DataFrame, groups: dict[str, list[str]]) -> pd.DataFrame:
    """Each exchange group's members ranked on the raw value and on the adjusted scale (the residual), 1 = best
    by the indicator's direction; `inside`: the value lies in its 90% prediction interval."""
    sign = {i.id: -1.0 if i.direction == "lower-better" else 1.0 for i in catalogue.indicators.values()}
    parts = []
    for gid, members in groups.items():
        a = adjusted[adjusted["unit"].isin(members)]
        if a.empty:
            continue
        s = a["indicator"].map(sign).to_numpy()
        by = a.assign(raw=s * a["value"], adj=s * a["residual"]).groupby("indicator")
        parts.append(pd.DataFrame({"group": gid, "unit": a["unit"], "indicator": a["indicator"],
                                   "raw_rank": by["raw"].rank(ascending=False, method="min"),
                                   "adj_rank": by["adj"].rank(ascending=False, method="min"),
                                   "inside": (a["pi_low"] <= a["value"]) & (a["value"] <= a["pi_high"])}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def data_typology(feats: pd.DataFrame, st: pd.Series, n_clusters: dict[str, int] | None, max_clusters: int,
                  ) -> tuple[pd.Series, pd.DataFrame]:
    """Ward typology per stratum with Hennig's stability; strata with fewer than 4 units with data get no types,
    and a requested number of types is capped by the stratum's size."""
    usable = feats.notna().any(axis=1)
    sizes = st.reindex(feats.index[usable]).value_counts()
    ok = sizes[sizes >= 4].index
    keep = feats.index[usable & st.reindex(feats.index).isin(ok).to_numpy()]
    counts = {s: max(2, min(n, int(sizes[s]) // 2)) for s, n in (n_clusters or {}).items() if s in ok} or None
    if keep.empty:
        return pd.Series(np.nan, index=feats.index, dtype=object), pd.DataFrame(columns=["n", "stability"]).rename_axis("cluster")
    part, part_st = feats.loc[keep], st.reindex(keep)
    labels = typology(part, counts, part_st, max_clusters=max(2, min(max_clusters, int(sizes[ok].min()) // 2)))
    clusters = describe_clusters(part, labels, part_st).drop(columns="distinctive")
    clusters["stability"] = cluster_stability(part, labels, strata=part_st, runs=20)
    return labels.reindex(feats.index), clusters


def similar_membership(peers: pd.DataFrame, typology: pd.DataFrame) -> pd.DataFrame:
    """Comparison groups of the statistical layer: each report unit with its peers, and each cluster."""
    sim = pd.concat([pd.DataFrame({"group": "podobne-" + peers["unit"], "unit": peers["peer"]}),
                     pd.DataFrame({"group": "podobne-" + peers["unit"].drop_duplicates(), "unit": peers["unit"].drop_duplicates()})])
    sim["group_type"] = "similar"
    clu = typology.dropna(subset=["cluster"]).rename(columns={"cluster": "group"}).assign(group_type="cluster")
    return pd.concat([sim, clu[["group", "unit", "group_type"]]], ignore_index=True)
