import math

import numpy as np
import pandas as pd
import pytest

from jstbench.core.errors import InputError
from jstbench.stats import similar as sm


def frame(cols: dict, codes=None) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    return pd.DataFrame(cols, index=codes or [f"u{i}" for i in range(1, n + 1)], dtype=float)


def peers(out: pd.DataFrame, unit: str) -> list[str]:
    return list(out.loc[out["unit"] == unit, "peer"])


def blobs(centres, n=30, seed=0, prefix="") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = np.vstack([np.asarray(c) + rng.normal(scale=0.5, size=(n, len(c))) for c in centres])
    return pd.DataFrame(x, index=[f"{prefix}{i:03d}" for i in range(len(x))], columns=["a", "b"])


# standardise


def test_standardise_by_hand():
    f = frame({"a": [2, 4, 4, 6, np.nan], "b": [1, np.nan, 3, 5, np.nan], "c": [7, 7, 7, 7, np.nan]})
    z = sm.standardise(f)
    sd_a = math.sqrt(8 / 3)  # deviations -2, 0, 0, 2; sample variance 8/3
    assert z["a"].iloc[:4].tolist() == pytest.approx([-2 / sd_a, 0, 0, 2 / sd_a])
    # b: mean 3, sd 2 on the observed values; u2 imputed by the median 3 -> 0
    assert z["b"].iloc[:4].tolist() == pytest.approx([-1, 0, 0, 1])
    assert z["c"].iloc[:4].tolist() == [0, 0, 0, 0]  # constant
    assert z.loc["u5"].isna().all()
    assert z.attrs["imputed"] == {"b": ["u2"]}
    assert z.attrs["excluded"] == {"u5": sm.EMPTY}


def test_standardise_within_strata():
    f = frame({"a": [1, 3, 10, 30]})
    z = sm.standardise(f, pd.Series({"u1": "g", "u2": "g", "u3": "p", "u4": "p"}))
    assert z["a"].tolist() == pytest.approx([-math.sqrt(0.5), math.sqrt(0.5)] * 2)


def test_standardise_rejects_missing_stratum_and_text():
    with pytest.raises(InputError, match="no stratum.*u2"):
        sm.standardise(frame({"a": [1, 2]}), pd.Series({"u1": "g"}))
    with pytest.raises(InputError, match="non-numeric.*name"):
        sm.standardise(pd.DataFrame({"name": ["x", "y"]}, index=["u1", "u2"]))


# nearest


FIVE = frame({"a": [-2, -1, 0, 1, 2], "b": [2, 0, 0, 0, -2]})  # sd a = sqrt(2.5), sd b = sqrt(2)


def test_nearest_hand_computed_distances():
    out = sm.nearest(FIVE, {"a": 1, "b": 3}, k=4)
    d = out.set_index(["unit", "peer"])["distance"]
    # u1 (-2, 2) to u3 (0, 0): sqrt(1 * (2/sqrt2.5)^2 + 3 * (2/sqrt2)^2) / sqrt(4)
    assert d["u1", "u3"] == pytest.approx(math.sqrt(1.6 + 6) / 2)
    assert d["u2", "u3"] == pytest.approx(math.sqrt(1 / 2.5) / 2)
    assert d["u1", "u5"] == pytest.approx(math.sqrt(16 / 2.5 + 3 * 16 / 2) / 2)
    assert d["u1", "u3"] == d["u3", "u1"]
    assert peers(out, "u1") == ["u2", "u3", "u4", "u5"]
    assert out["order"].tolist() == [1, 2, 3, 4] * 5
    assert out["unit"].unique().tolist() == ["u1", "u2", "u3", "u4", "u5"]


def test_weights_change_the_neighbour_order():
    f = frame({"a": [0, 1, 0, 3, -3], "b": [0, 0, 1, -3, 3]})  # u2 differs from u1 in a, u3 in b, by the same z
    assert peers(sm.nearest(f, {"a": 1, "b": 1}, k=2, units=["u1"]), "u1") == ["u2", "u3"]  # tie -> code
    assert peers(sm.nearest(f, {"a": 1, "b": 5}, k=2, units=["u1"]), "u1") == ["u2", "u3"]
    assert peers(sm.nearest(f, {"a": 5, "b": 1}, k=2, units=["u1"]), "u1") == ["u3", "u2"]
    assert peers(sm.nearest(f, {"b": 1}, k=1, units=["u1"]), "u1") == ["u2"]  # a unused: u2 is at distance 0


def test_ties_broken_by_code_whatever_the_row_order():
    f = frame({"a": [0, -1, 1, 5, -5]}, codes=["c", "b", "a", "e", "d"])
    for g in (f, f.iloc[::-1], f.sample(frac=1, random_state=1)):
        out = sm.nearest(g, {"a": 1}, k=2, units=["c"])
        assert peers(out, "c") == ["a", "b"]
        assert out["distance"].iloc[0] == out["distance"].iloc[1]


def test_nearest_respects_strata():
    f = frame({"a": [0, 1, 2, 0.1, 1.1, 2.1]})
    s = pd.Series(["g", "g", "g", "p", "p", "p"], index=f.index)
    out = sm.nearest(f, {"a": 1}, k=2, strata=s)
    assert peers(out, "u1") == ["u2", "u3"]
    assert peers(out, "u4") == ["u5", "u6"]


def test_nearest_errors():
    with pytest.raises(InputError, match="unknown feature.*'?zz'?.*known: a, b") as e:
        sm.nearest(FIVE, {"a": 1, "zz": 1})
    assert e.value.where == "weights"
    with pytest.raises(InputError, match="all weights are zero"):
        sm.nearest(FIVE, {"a": 0, "b": 0})
    with pytest.raises(InputError, match=">= 0"):
        sm.nearest(FIVE, {"a": -1, "b": 1})
    with pytest.raises(InputError, match="stratum 'p' has only 2"):
        sm.nearest(FIVE, {"a": 1}, k=2, strata=pd.Series(["g", "g", "g", "p", "p"], index=FIVE.index))
    with pytest.raises(InputError, match="stratum 'all' has only 5"):
        sm.nearest(FIVE, {"a": 1}, k=5)
    with pytest.raises(InputError, match="unknown unit.*u9"):
        sm.nearest(FIVE, {"a": 1}, k=2, units=["u9"])


def test_units_without_data_are_excluded():
    f = frame({"a": [0, 1, 2, np.nan], "b": [0, 1, 2, np.nan], "c": [1, 2, 3, 4]})
    out = sm.nearest(f, {"a": 1, "b": 1}, k=2)
    assert "u4" not in set(out["unit"]) | set(out["peer"])
    assert out.attrs["excluded"] == {"u4": sm.EMPTY}
    with pytest.raises(InputError, match="without data: u4"):
        sm.nearest(f, {"a": 1}, k=2, units=["u4"])
    assert peers(sm.nearest(f, {"c": 1}, k=1, units=["u4"]), "u4") == ["u3"]  # c is present


# explain


def test_explain_shares_and_order():
    f = frame({"a": [0, 1, 2, 9, 10], "b": [5, 5, 5, 0, 1], "c": [1, 3, 2, 0, 0]})
    z = sm.standardise(f)
    w = {"a": 1, "b": 1}
    out = sm.explain(f, z, "u1", ["u2", "u3"], w)
    assert out.index.tolist() == ["b", "a", "c"]  # identical b first, unweighted c last
    assert out.loc["b", "gap_sd"] == 0
    assert out["share_of_distance"].sum() == pytest.approx(1)
    assert out.loc[["b", "c"], "share_of_distance"].tolist() == [0, 0]
    assert out.loc["a"].iloc[:4].tolist() == [0, 1.5, 1, 2]
    assert out.loc["a", "gap_sd"] == pytest.approx(1.5 / f["a"].std())


# peer_stability


def test_peer_stability_identity_and_no_noise():
    rng = np.random.default_rng(0)
    f = pd.DataFrame(rng.normal(size=(40, 3)), index=[f"u{i:02d}" for i in range(40)], columns=["a", "b", "c"])
    out = sm.peer_stability(f, {"a": 1, "b": 2, "c": 1}, k=5, previous=f.copy(), weight_noise=0)
    assert (out == 1).all().all()
    noisy = sm.peer_stability(f, {"a": 1, "b": 2, "c": 1}, k=5, weight_noise=0.9, runs=10)
    assert noisy["jaccard_previous"].isna().all()
    assert 0 < noisy["jaccard_weights"].mean() < 1
    assert noisy.equals(sm.peer_stability(f, {"a": 1, "b": 2, "c": 1}, k=5, weight_noise=0.9, runs=10))


def test_peer_stability_known_shift():
    f = frame({"a": [0, 1, 3, 10, 20]}, codes=["a", "b", "c", "d", "e"])
    prev = frame({"a": [0, 1, 30, 10]}, codes=["a", "b", "c", "d"])  # c moved away; e did not exist
    out = sm.peer_stability(f, {"a": 1}, k=2, previous=prev, runs=5)
    # a: now {b, c}, before {b, d} -> 1 shared / 3
    assert out.loc["a", "jaccard_previous"] == pytest.approx(1 / 3)
    assert np.isnan(out.loc["e", "jaccard_previous"])
    assert (out["jaccard_weights"] == 1).all()  # one feature: weights cannot change the order


# typology


def test_silhouette_by_hand():
    d = np.abs(np.subtract.outer([0.0, 1, 10, 11], [0.0, 1, 10, 11]))
    # a = 1 for all; b = mean distance to the other pair: 10.5, 9.5, 9.5, 10.5
    assert sm._silhouette(d, np.array([0, 0, 1, 1])) == pytest.approx((9.5 / 10.5 + 8.5 / 9.5) / 2)
    # singletons score 0; unit 10: a = 1, b = min(10, 9) = 9; unit 11: a = 1, b = min(11, 10) = 10
    assert sm._silhouette(d, np.array([0, 1, 2, 2])) == pytest.approx((8 / 9 + 9 / 10) / 4)


def test_typology_finds_three_blobs():
    f = blobs([(0, 0), (5, 10), (10, 0)])
    lab = sm.typology(f)
    sil = lab.attrs["silhouette"]["all"]
    assert list(sil) == list(range(2, 9)) and max(sil, key=sil.get) == 3
    truth = np.repeat(["all-1", "all-2", "all-3"], 30)  # numbered by the median of a: 0, 5, 10
    assert lab.tolist() == truth.tolist()
    shuffled = sm.typology(f.sample(frac=1, random_state=2))
    assert shuffled.reindex(f.index).tolist() == truth.tolist()


def test_typology_within_strata():
    f = pd.concat([blobs([(0, 0), (10, 10)], seed=1, prefix="g"), blobs([(0, 0), (0, 10), (10, 10)], seed=2, prefix="p")])
    s = pd.Series(np.where(f.index.str.startswith("g"), "gminas", "powiats"), index=f.index)
    lab = sm.typology(f, strata=s)
    assert lab[s == "gminas"].str.startswith("gminas-").all() and lab[s == "powiats"].str.startswith("powiats-").all()
    assert lab.value_counts().to_dict() == {"gminas-1": 30, "gminas-2": 30, "powiats-1": 30, "powiats-2": 30, "powiats-3": 30}
    fixed = sm.typology(f, n_clusters={"gminas": 3}, strata=s)
    assert fixed[s == "gminas"].nunique() == 3 and fixed[s == "powiats"].nunique() == 3
    with pytest.raises(InputError, match="unknown stratum.*towns"):
        sm.typology(f, n_clusters={"towns": 2}, strata=s)
    with pytest.raises(InputError, match="61 clusters asked for stratum 'gminas'"):
        sm.typology(f, n_clusters=61, strata=s)


def test_cluster_stability_blobs_versus_noise():
    f = blobs([(0, 0), (5, 10), (10, 0)])
    stab = sm.cluster_stability(f, sm.typology(f))
    assert stab.index.tolist() == ["all-1", "all-2", "all-3"]
    assert (stab > 0.95).all()
    rng = np.random.default_rng(1)
    noise = pd.DataFrame(rng.normal(size=(90, 6)), index=f.index, columns=[f"x{j}" for j in range(6)])
    noisy = sm.cluster_stability(noise, sm.typology(noise, n_clusters=4))
    assert noisy.mean() < 0.7
    assert noisy.equals(sm.cluster_stability(noise, sm.typology(noise, n_clusters=4)))


# describe_clusters


def test_describe_clusters_by_hand():
    f = frame({"a": [1, 2, 3, 10, 20], "b": [5, 5, 6, 5, 5]})
    lab = pd.Series(["x-1", "x-1", "x-1", "x-2", "x-2"], index=f.index)
    out = sm.describe_clusters(f, lab)
    assert out.index.tolist() == ["x-1", "x-2"]
    assert out["n"].tolist() == [3, 2]
    assert out["a"].tolist() == [2, 15]
    assert out["b"].tolist() == [5, 5]
    z = sm.standardise(f)
    assert out.loc["x-2", "distinctive"] == f"a {z.loc[['u4', 'u5'], 'a'].median():+.1f} SD, b {z['b'].iloc[0]:+.1f} SD"
    assert out.loc["x-1", "distinctive"].startswith("a ")


def test_label_order_is_natural():
    assert sm._label_order(["g-10", "g-2", "p-1", "g-1"]) == ["g-1", "g-2", "g-10", "p-1"]
