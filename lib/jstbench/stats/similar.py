"""Similar authorities: nearest peers on weighted structural features and a data-driven typology.

`nearest` gives each unit its k most similar units (Kolada's "similar municipalities"); `typology` groups units by
Ward clustering (like Scotland's LGBF family groups or KOSTRA peer groups). `explain` says why peers are peers,
`peer_stability` and `cluster_stability` how much the result moves with the data and the choices. Conventions:

* `features`: one row per unit (index: unit code, str), numeric structural features, NaN allowed;
  `strata`: unit -> stratum label (e.g. gminas, powiats); peers and clusters are formed within a stratum only;
* z-scores are fitted per stratum on the observed values (sample sd, like `compare.zscore`), then a missing value
  gets the z-score of the stratum median; a feature constant (or missing) in a stratum is 0 there;
* a unit with every used feature missing is not imputed: its row stays NaN, it takes no part in peers or clusters
  and is listed in `attrs["excluded"]` (unit -> reason) of the result; asking for its peers is an InputError;
* distance between units i and p: sqrt(sum_j w_j (z_ij − z_pj)²) / sqrt(sum_j w_j); equal distances are broken by
  unit code (the smaller code comes first).
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import cut_tree, linkage
from scipy.spatial.distance import pdist, squareform

from jstbench.core.errors import InputError

EMPTY = "every feature used is missing"
NO_STRATA = "all"  # the stratum of every unit when `strata` is None (typology labels "all-1", "all-2", ...)


def _strata(index: pd.Index, strata: pd.Series | None) -> pd.Series:
    if strata is None:
        return pd.Series(NO_STRATA, index=index)
    s = strata.reindex(index)
    missing = index[s.isna()]
    if len(missing):
        raise InputError(f"no stratum for {len(missing)} unit(s): {', '.join(map(str, missing[:5]))}", where="strata")
    return s.astype(str)


def _check(features: pd.DataFrame) -> None:
    dup = features.index[features.index.duplicated()]
    if len(dup):
        raise InputError(f"duplicate unit codes: {', '.join(map(str, dup.unique()[:5]))}", where="features")
    bad = [str(c) for c in features.columns if not pd.api.types.is_numeric_dtype(features[c])]
    if bad:
        raise InputError(f"non-numeric feature(s): {', '.join(bad)}", where="features")


def standardise(features: pd.DataFrame, strata: pd.Series | None = None) -> pd.DataFrame:
    """z-scores per feature within each stratum.

    Mean and sample sd come from the observed values; a missing value is then imputed by the stratum median (its
    z-score), and the imputed cells are listed in `attrs["imputed"]` (feature -> units). A feature with sd 0 or fewer
    than two values in a stratum is 0 there. Units with every feature missing stay NaN (`attrs["excluded"]`)."""
    _check(features)
    s = _strata(features.index, strata).to_numpy()
    missing = features.isna()
    empty = missing.all(axis=1)
    g = features.groupby(s)
    sd = g.transform("std")
    z = ((features.fillna(g.transform("median")) - g.transform("mean")) / sd.where(sd > 0)).fillna(0.0).astype(float)
    z.loc[empty] = np.nan
    imputed = missing & ~empty.to_numpy()[:, None]
    z.attrs["imputed"] = {str(c): list(features.index[imputed[c]]) for c in features.columns if imputed[c].any()}
    z.attrs["excluded"] = dict.fromkeys(features.index[empty], EMPTY)
    return z


def feature_weights(features: pd.DataFrame, weights: dict[str, float] | None) -> pd.Series:
    """The positive weights in feature order (None: every feature weighs 1); unknown names and bad values are errors."""
    if weights is None:
        return pd.Series(1.0, index=features.columns)
    unknown = [str(f) for f in weights if f not in features.columns]
    if unknown:
        raise InputError(f"unknown feature(s) {', '.join(unknown)}; known: {', '.join(map(str, features.columns))}", where="weights")
    w = pd.Series(weights, dtype=float)
    bad = w.index[~np.isfinite(w) | (w < 0)]
    if len(bad):
        raise InputError(f"weights must be finite and >= 0: {', '.join(f'{f}={w[f]}' for f in bad)}", where="weights")
    if not (w > 0).any():
        raise InputError("all weights are zero", where="weights")
    return w[w > 0].reindex([c for c in features.columns if w.get(c, 0) > 0])


def _z(features: pd.DataFrame, w: pd.Series, strata: pd.Series | None) -> tuple[pd.DataFrame, pd.Series, dict[str, str]]:
    """z-scores of the weighted features of the non-empty units, their strata, and the excluded units."""
    z = standardise(features[w.index], strata)
    excluded = z.attrs["excluded"]
    z = z.dropna()
    return z, _strata(z.index, strata), excluded


def _scale(z: pd.DataFrame, w: pd.Series) -> np.ndarray:
    """Coordinates whose Euclidean distance is the normalised weighted distance."""
    return z.to_numpy() * np.sqrt(w.to_numpy() / w.sum())


def _queries(units: list[str] | None, features: pd.DataFrame, z: pd.DataFrame, excluded: dict[str, str]) -> pd.Index:
    if units is None:
        return z.index
    unknown = [str(u) for u in units if u not in features.index]
    if unknown:
        raise InputError(f"unknown unit(s): {', '.join(unknown)}", where="units")
    empty = [f"{u} ({excluded[u]})" for u in units if u in excluded]
    if empty:
        raise InputError(f"no peers for unit(s) without data: {', '.join(empty)}", where="units")
    return pd.Index(list(dict.fromkeys(units)))


def _knn(x: np.ndarray, rows: np.ndarray, k: int, chunk: int = 2**21) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each x[rows]: positions and distances of its k nearest other rows of x, ties broken by position.

    Squared differences are summed feature by feature (no dot-product trick), so mirror-image distances tie exactly;
    distances are compared rounded to 12 decimals."""
    n = len(x)
    step = max(1, chunk // n)
    out: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for start in range(0, len(rows), step):
        r = rows[start:start + step]
        d2 = np.zeros((len(r), n))
        for j in range(x.shape[1]):
            d2 += (x[r, j][:, None] - x[:, j][None, :]) ** 2
        d2[np.arange(len(r)), r] = np.inf
        d = np.sqrt(d2)
        key = np.round(d, 12)
        kth = np.partition(key, k - 1, axis=1)[:, k - 1:k]
        qi, pi = np.nonzero(key <= kth)
        o = np.lexsort((pi, key[qi, pi], qi))
        qi, pi = qi[o], pi[o]
        order = np.arange(len(qi)) - np.searchsorted(qi, qi)
        keep = order < k
        out.append((r[qi[keep]], pi[keep], d[qi[keep], pi[keep]]))
    q, p, d = (np.concatenate(parts) for parts in zip(*out, strict=True))
    return q, p, d


def _neighbours(z: pd.DataFrame, x: np.ndarray, s: pd.Series, k: int, queries: pd.Index, where: str = "k") -> pd.DataFrame:
    """Long frame unit, peer, order, distance: the k nearest units of the same stratum for each query."""
    if k < 1:
        raise InputError(f"k must be at least 1, not {k}", where=where)
    frames = [pd.DataFrame({"unit": pd.Series(dtype=object), "peer": pd.Series(dtype=object), "order": pd.Series(dtype=int),
                            "distance": pd.Series(dtype=float)})]
    qs = s[queries]
    for stratum in sorted(qs.unique()):
        members = np.flatnonzero((s == stratum).to_numpy())
        members = members[np.argsort(z.index[members].to_numpy(), kind="stable")]
        if len(members) - 1 < k:
            raise InputError(f"k={k} but stratum '{stratum}' has only {len(members)} unit(s) with data, so at most {len(members) - 1} peers",
                             where=where)
        codes = z.index[members]
        q, p, d = _knn(x[members], codes.get_indexer(qs.index[(qs == stratum).to_numpy()]), k)
        frames.append(pd.DataFrame({"unit": codes[q], "peer": codes[p], "order": np.tile(np.arange(1, k + 1), len(q) // k), "distance": d}))
    out = pd.concat(frames, ignore_index=True)
    pos = pd.Series(np.arange(len(queries)), index=queries)
    return out.iloc[np.lexsort((out["order"].to_numpy(), pos[out["unit"]].to_numpy()))].reset_index(drop=True)


def nearest(features: pd.DataFrame, weights: dict[str, float], k: int = 10, strata: pd.Series | None = None,
            units: list[str] | None = None) -> pd.DataFrame:
    """The k nearest other units of the same stratum for each of `units` (default: every unit with data).

    Weighted Euclidean distance on standardised features (module docstring); features absent from `weights` are
    not used. Long frame unit, peer, order (1..k), distance, in the order of `units`; `attrs["excluded"]`."""
    w = feature_weights(features, weights)
    z, s, excluded = _z(features, w, strata)
    out = _neighbours(z, _scale(z, w), s, k, _queries(units, features, z, excluded))
    out.attrs["excluded"] = excluded
    return out


def explain(features: pd.DataFrame, z: pd.DataFrame, unit: str, peers: list[str], weights: dict[str, float]) -> pd.DataFrame:
    """Why `peers` are the peers of `unit`: one row per feature of `z` (the output of `standardise`).

    unit_value, peers_median, peers_min, peers_max (raw); gap_sd = mean |z_unit − z_peer| over peers; weight;
    share_of_distance = the feature's share of sum over peers of w_j (z_unit − z_peer)² (NaN if that sum is 0).
    Weighted features come first, the smallest gap (what makes them most alike) first; unweighted ones follow."""
    unknown = [str(u) for u in [unit, *peers] if u not in z.index or u not in features.index]
    if unknown:
        raise InputError(f"unknown unit(s): {', '.join(unknown)}", where="explain")
    if not peers:
        raise InputError(f"no peers given for {unit}", where="explain")
    w = feature_weights(z, weights).reindex(z.columns, fill_value=0.0)
    gap = np.abs(z.loc[peers].to_numpy() - z.loc[unit].to_numpy())
    sq = (w.to_numpy() * gap**2).sum(axis=0)
    raw = features.loc[peers, z.columns]
    out = pd.DataFrame({"unit_value": features.loc[unit, z.columns], "peers_median": raw.median(), "peers_min": raw.min(),
                        "peers_max": raw.max(), "gap_sd": gap.mean(axis=0), "weight": w,
                        "share_of_distance": sq / sq.sum() if sq.sum() > 0 else np.nan}, index=z.columns)
    out.index.name = "feature"
    return out.iloc[np.lexsort((out["gap_sd"].to_numpy(), (w == 0).to_numpy()))]


def _shared(nominal: pd.DataFrame, other: pd.DataFrame, by: list[str]) -> pd.Series:
    """Number of `other`'s peers also among the nominal peers of the unit, per `by`."""
    hit = pd.MultiIndex.from_frame(other[["unit", "peer"]]).isin(pd.MultiIndex.from_frame(nominal[["unit", "peer"]]))
    return pd.Series(hit, index=other.index).groupby([other[c] for c in by]).sum()


def peer_stability(features: pd.DataFrame, weights: dict[str, float], k: int, strata: pd.Series | None = None,
                   units: list[str] | None = None, previous: pd.DataFrame | None = None, runs: int = 20,
                   weight_noise: float = 0.25, seed: int = 0) -> pd.DataFrame:
    """How much each unit's k peers move, per unit (index unit):

    * jaccard_previous: Jaccard index of the peers from `previous` (last year's features; `strata` must cover its
      units too) and the current peers; NaN without `previous` or where the unit has no data in it;
    * jaccard_weights: mean Jaccard index of the nominal peers and the peers under `runs` random multiplicative
      weight perturbations w_j · U(1 − weight_noise, 1 + weight_noise), one draw per feature and run (seeded);
    * kept_share: mean share of the nominal peers kept under those perturbations.

    With k peers on both sides, Jaccard = shared / (2k − shared)."""
    if not 0 <= weight_noise <= 1:
        raise InputError(f"weight_noise must be in [0, 1], not {weight_noise}", where="weight_noise")
    w = feature_weights(features, weights)
    z, s, excluded = _z(features, w, strata)
    queries = _queries(units, features, z, excluded)
    nominal = _neighbours(z, _scale(z, w), s, k, queries)
    rng = np.random.default_rng(seed)
    factors = rng.uniform(1 - weight_noise, 1 + weight_noise, size=(runs, len(w)))
    perturbed = pd.concat([_neighbours(z, _scale(z, w * f), s, k, queries).assign(run=i) for i, f in enumerate(factors)], ignore_index=True)
    shared = _shared(nominal, perturbed, ["run", "unit"])
    out = pd.DataFrame({"jaccard_previous": np.nan,
                        "jaccard_weights": (shared / (2 * k - shared)).groupby(level="unit").mean(),
                        "kept_share": (shared / k).groupby(level="unit").mean()}, index=queries)
    if previous is not None:
        pw = feature_weights(previous, weights)
        pz, ps, _ = _z(previous, pw, strata)
        past = _neighbours(pz, _scale(pz, pw), ps, k, queries.intersection(pz.index, sort=False), where="previous")
        shared = _shared(nominal, past, ["unit"])
        out["jaccard_previous"] = shared / (2 * k - shared)
    out.index.name = "unit"
    out.attrs["excluded"] = excluded
    return out


def _silhouette(d: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette width (Rousseeuw 1987) from a square distance matrix; a unit alone in its cluster scores 0."""
    onehot = np.eye(labels.max() + 1)[labels]
    sums = d @ onehot
    size = onehot.sum(axis=0)
    rows = np.arange(len(labels))
    own = size[labels] - 1
    a = sums[rows, labels] / np.maximum(own, 1)
    other = sums / size
    other[rows, labels] = np.inf
    b = other.min(axis=1)
    top = np.maximum(a, b)
    return float(np.where((own > 0) & (top > 0), (b - a) / np.where(top > 0, top, 1), 0.0).mean())


def _ward(x: np.ndarray, ks: list[int]) -> np.ndarray:
    """Ward clusters of x cut at each k of `ks` (one column per k, exactly k clusters each)."""
    return cut_tree(linkage(x, "ward"), n_clusters=ks)


def _cluster_counts(n_clusters: int | dict[str, int] | None, strata: list[str]) -> dict[str, int]:
    if n_clusters is None:
        return {}
    if not isinstance(n_clusters, dict):
        return dict.fromkeys(strata, n_clusters)
    unknown = [str(s) for s in n_clusters if s not in strata]
    if unknown:
        raise InputError(f"unknown stratum(s) {', '.join(unknown)}; known: {', '.join(strata)}", where="n_clusters")
    return dict(n_clusters)


def _named(stratum: str, cut: np.ndarray, first: pd.Series) -> np.ndarray:
    """Cluster names stratum-1, stratum-2, ... by ascending median of `first` (missing last), then smallest unit code."""
    g = pd.DataFrame({"c": cut, "v": first.to_numpy(), "u": first.index}).groupby("c").agg(v=("v", "median"), u=("u", "min"))
    rank = g.sort_values(["v", "u"], na_position="last").index
    return pd.Series([f"{stratum}-{i}" for i in range(1, len(rank) + 1)], index=rank).loc[cut].to_numpy()


def typology(features: pd.DataFrame, n_clusters: int | dict[str, int] | None = None, strata: pd.Series | None = None,
             weights: dict[str, float] | None = None, max_clusters: int = 8) -> pd.Series:
    """Cluster label per unit: Ward clustering of the weighted standardised features within each stratum.

    n_clusters: one k for every stratum, or stratum -> k; strata without one (or None) take the k in
    2..max_clusters with the best mean silhouette width (ties: the smaller k), kept in `attrs["silhouette"]`
    (stratum -> {k: mean silhouette}). weights: as in `nearest` (None: equal). Labels "<stratum>-<i>" (stratum
    "all" without strata), numbered by ascending median of the first column of `features`, then smallest unit code.
    Units without data get no label (`attrs["excluded"]`)."""
    w = feature_weights(features, weights)
    z, s, excluded = _z(features, w, strata)
    x = _scale(z, w)
    order = sorted(s.unique())
    ks = _cluster_counts(n_clusters, order)
    labels = pd.Series(np.nan, index=features.index, dtype=object, name="cluster")
    silhouettes: dict[str, dict[int, float]] = {}
    for stratum in order:
        members = np.flatnonzero((s == stratum).to_numpy())
        members = members[np.argsort(z.index[members].to_numpy(), kind="stable")]
        n = len(members)
        k = ks.get(stratum)
        if k is None:
            candidates = list(range(2, min(max_clusters, n - 1) + 1))
            if not candidates:
                raise InputError(f"stratum '{stratum}' has {n} unit(s) with data: too few to choose a number of clusters", where="n_clusters")
            cuts = _ward(x[members], candidates)
            d = squareform(pdist(x[members]))
            silhouettes[stratum] = {c: _silhouette(d, cuts[:, i]) for i, c in enumerate(candidates)}
            k = max(candidates, key=lambda c: (silhouettes[stratum][c], -c))
            cut = cuts[:, candidates.index(k)]
        elif not 1 <= k <= n:
            raise InputError(f"{k} clusters asked for stratum '{stratum}' of {n} unit(s) with data", where="n_clusters")
        else:
            cut = _ward(x[members], [k])[:, 0]
        codes = z.index[members]
        labels[codes] = _named(stratum, cut, features.loc[codes, features.columns[0]])
    labels.attrs["silhouette"] = silhouettes
    labels.attrs["excluded"] = excluded
    return labels


def _label_order(labels) -> list:
    """Natural order of cluster labels: gminas-2 before gminas-10."""
    def key(label) -> tuple[str, int]:
        head, _, tail = str(label).rpartition("-")
        return (head, int(tail)) if tail.isdigit() else (str(label), -1)

    return sorted(labels, key=key)


def _best_jaccard(orig: np.ndarray, new: np.ndarray, k: int) -> np.ndarray:
    """For each original cluster 0..k-1: the largest Jaccard index with a new cluster; NaN if it has no unit here."""
    m = np.zeros((k, new.max() + 1))
    np.add.at(m, (orig, new), 1)
    a = m.sum(axis=1, keepdims=True)
    j = m / (a + m.sum(axis=0, keepdims=True) - m)
    return np.where(a[:, 0] > 0, j.max(axis=1), np.nan)


def cluster_stability(features: pd.DataFrame, labels: pd.Series, strata: pd.Series | None = None,
                      weights: dict[str, float] | None = None, runs: int = 30, seed: int = 0, sample: float = 0.8) -> pd.Series:
    """Clusterwise stability (Hennig 2007, CSDA 52:258–271; the subsetting scheme of fpc::clusterboot).

    In each of `runs` a random `sample` share of each stratum's labelled units is re-clustered by Ward into as many
    clusters as the stratum has labels (on the z-scores of the full data; pass the `strata` and `weights` used by
    `typology`); each original cluster, restricted to the subsample, scores its largest Jaccard index with a new
    cluster. Result: cluster label -> mean over runs. Hennig's reading: above 0.75 stable, below 0.5 dissolved
    (not a real pattern), in between a pattern that is not to be trusted in detail."""
    if not 0 < sample < 1:
        raise InputError(f"sample must be in (0, 1), not {sample}", where="sample")
    w = feature_weights(features, weights)
    z, s, _ = _z(features, w, strata)
    lab = labels.dropna()
    unknown = [str(u) for u in lab.index if u not in z.index]
    if unknown:
        raise InputError(f"labelled unit(s) without data or unknown: {', '.join(unknown[:5])}", where="labels")
    spread = s[lab.index].groupby(lab).nunique()
    if (spread > 1).any():
        raise InputError(f"cluster(s) spanning strata: {', '.join(map(str, spread.index[spread > 1]))}", where="labels")
    x = pd.DataFrame(_scale(z, w), index=z.index)
    rng = np.random.default_rng(seed)
    out: dict[Hashable, float] = {}
    for stratum in sorted(s[lab.index].unique()):
        members = lab[(s[lab.index] == stratum).to_numpy()].sort_index()
        names = _label_order(members.unique())
        orig = pd.Series(np.arange(len(names)), index=names)[members].to_numpy()
        xs = x.loc[members.index].to_numpy()
        m = max(len(names), round(sample * len(members)))
        scores = np.array([_best_jaccard(orig[idx], _ward(xs[idx], [len(names)])[:, 0], len(names))
                           for idx in (np.sort(rng.choice(len(members), m, replace=False)) for _ in range(runs))])
        seen = np.isfinite(scores).sum(axis=0)
        out.update(zip(names, np.where(seen > 0, np.nansum(scores, axis=0) / np.maximum(seen, 1), np.nan), strict=True))
    return pd.Series(out, name="stability").rename_axis("cluster")


def describe_clusters(features: pd.DataFrame, labels: pd.Series, strata: pd.Series | None = None) -> pd.DataFrame:
    """Per cluster (natural label order): n, the median of each raw feature, `distinctive`: the two features with
    the largest |median z-score| as "feature +1.2 SD, feature −0.8 SD", and those medians as columns `z_<feature>`.
    z-scores are taken over all units of `features` (within `strata` when given: pass the strata of `typology` to
    contrast a cluster with its stratum)."""
    lab = labels.dropna()
    unknown = [str(u) for u in lab.index if u not in features.index]
    if unknown:
        raise InputError(f"labelled unit(s) not in features: {', '.join(unknown[:5])}", where="labels")
    order = _label_order(lab.unique())
    mz = standardise(features, strata).loc[lab.index].groupby(lab).median().reindex(order)
    out = features.loc[lab.index].groupby(lab).median().reindex(order)
    out.insert(0, "n", lab.value_counts().reindex(order))
    top = np.argsort(-mz.abs().to_numpy(), axis=1, kind="stable")[:, :2]
    out["distinctive"] = [", ".join(f"{mz.columns[j]} {mz.iat[i, j]:+.1f} SD" for j in row) for i, row in enumerate(top)]
    out = out.join(mz.add_prefix("z_"))
    out.index.name = "cluster"
    return out
