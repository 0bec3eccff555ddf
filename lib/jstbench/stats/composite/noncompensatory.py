"""Non-compensatory aggregation: a strong result on one indicator cannot hide a failure on another.

`copeland` ranks units by pairwise majorities of weighted indicators (the outranking approach of the OECD/JRC
Handbook on Constructing Composite Indicators, 2008, section 6.13); `bod` gives each unit its most favourable
weights within pie-share bounds around the given weights (benefit of the doubt, Handbook section 6.3;
Cherchye, Moesen, Rogge and Van Puyenbroeck, Social Indicators Research 82, 2007). Both follow the signature
of `arithmetic`: normalised units × indicators (higher = better, NaN = missing) and weights per indicator or a
k × m matrix of m weight vectors; both return 0–100.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linprog

from jstbench.core.errors import InputError
from jstbench.stats.composite.aggregate import _per_unit, _weight_matrix
from jstbench.stats.composite.registry import AGGREGATE, as_array, register

BLOCK_BYTES = 32 * 2**20  # size of one temporary block of pairwise comparisons
LP_NONZEROS = 1_000_000  # constraint coefficients of one batch of benefit-of-the-doubt LPs


def _weights(x, weights, where: str) -> tuple[np.ndarray, bool]:
    """k × m weight matrix (m = 1 for one vector): one row per indicator, finite and ≥ 0; and whether it was one vector."""
    w = _weight_matrix(x, weights)
    single = w.ndim == 1
    w = w[:, None] if single else w
    k = as_array(x).shape[1]
    if w.ndim != 2 or w.shape[0] != k:
        raise InputError(f"weights need one row per indicator ({k}), not shape {np.shape(weights)}", where=where)
    if not np.isfinite(w).all() or (w < 0).any():
        raise InputError("weights must be finite and ≥ 0", where=where)
    return w, single


def _scores(x, out: np.ndarray, single: bool):
    """n × m scores as `arithmetic` returns them: a vector for one weight vector, a frame's row labels kept."""
    if single:
        return _per_unit(x, out[:, 0])
    return pd.DataFrame(out, index=x.index) if isinstance(x, pd.DataFrame) else out


def _blocks(n: int, width: int):
    """Row slices of at most BLOCK_BYTES for n × width float arrays per row."""
    step = max(1, BLOCK_BYTES // (8 * n * width))
    return (slice(start, start + step) for start in range(0, n, step))


def _margins(v: np.ndarray, w: np.ndarray, rows: slice) -> np.ndarray:
    """d[j, l, :] = Σ_i w_i · sign(v_ji − v_li) over the indicators both j and l have: the weight of those on which
    j is better minus the weight of those on which l is better (equal values cancel), for j in rows."""
    d = v[rows, None, :] - v[None, :, :]
    return np.nan_to_num(np.sign(d, out=d), copy=False, nan=0.0) @ w


def outranking(normalised, weights):
    """Outranking matrix e_jl = (Σ w of indicators on which j is better than l + ½ Σ w of those on which they are
    equal) / Σ w of the indicators both have (Handbook 2008, section 6.13, eq. 32; COINr's outrankMatrix).

    e_jl + e_lj = 1; j beats l if e_jl > ½. NaN on the diagonal and for pairs with no weighted indicator in
    common. One weight vector; a frame gives a units × units frame."""
    v = as_array(normalised)
    w, single = _weights(normalised, weights, "outranking")
    if not single:
        raise InputError("outranking takes one weight vector", where="outranking")
    present = ~np.isnan(v)
    e = np.empty((len(v), len(v)))
    for rows in _blocks(len(v), v.shape[1]):
        common = (present[rows] * w[:, 0]) @ present.T
        with np.errstate(divide="ignore", invalid="ignore"):
            e[rows] = 0.5 + 0.5 * _margins(v, w, rows)[..., 0] / np.where(common > 0, common, np.nan)
    np.fill_diagonal(e, np.nan)
    return pd.DataFrame(e, index=normalised.index, columns=normalised.index) if isinstance(normalised, pd.DataFrame) else e


def _net_wins(v: np.ndarray, w: np.ndarray) -> np.ndarray:
    """n × m net wins, one column per weight vector (see `net_wins`)."""
    tie = 1e-9 * w.sum(axis=0)
    out = np.empty((len(v), w.shape[1]))
    for rows in _blocks(len(v), v.shape[1] + w.shape[1]):
        d = _margins(v, w, rows)
        out[rows] = np.sign(np.where(np.abs(d) <= tie, 0.0, d)).sum(axis=1)
    out[np.isnan(v).all(axis=1)] = np.nan
    return out


def net_wins(normalised, weights):
    """Copeland score: the number of units a unit beats minus the number that beat it, j beating l when the
    indicators on which j is better weigh more than those on which l is better (e_jl > ½ in `outranking`).

    Pairs are compared over the indicators both have; a pair with equal weight on both sides (within 1e-9 of
    the total weight), or with no weighted indicator in common, is a tie and counts for neither. Vectorised in
    row blocks of at most BLOCK_BYTES. NaN for a unit without values. Weights as in `arithmetic`."""
    w, single = _weights(normalised, weights, "net_wins")
    return _scores(normalised, _net_wins(as_array(normalised), w), single)


@register(AGGREGATE, "copeland")
def copeland(normalised, weights):
    """Copeland score (`net_wins`) on 0–100: 100 · (net + n − 1) / (2 (n − 1)), n the units with a value, so
    beating every other unit gives 100, losing to every one 0, and as many wins as losses 50.

    Non-compensatory: only which unit is better on each indicator counts, not by how much (Handbook 2008,
    section 6.13, where the weights are importance coefficients, not trade-offs; Munda and Nardo, Applied
    Economics 41, 2009). The Copeland rule ranks by the outranking matrix in O(n² k), where the handbook's
    Condorcet-Kemeny-Young-Levenglick ranking searches all n! orders. COINr's a_copeland is the same rule on
    complete data (with missing values it counts e_jl > ½ of all the weight, here e_jl > e_lj)."""
    v = as_array(normalised)
    w, single = _weights(normalised, weights, "copeland")
    n = int((~np.isnan(v)).any(axis=1).sum())
    return _scores(normalised, 50.0 + 50.0 * _net_wins(v, w) / max(n - 1, 1), single)


def _nondominated(y: np.ndarray) -> np.ndarray:
    """Rows that no other row dominates (≥ on every column, > on one): with weights ≥ 0 only their
    constraints Σ w y_j ≤ 1 can bind."""
    keep = np.empty(len(y), dtype=bool)
    for rows in _blocks(len(y), y.shape[1]):
        ge = (y[None, :, :] >= y[rows, None, :]).all(axis=2)
        gt = (y[None, :, :] > y[rows, None, :]).any(axis=2)
        keep[rows] = ~np.logical_and(ge, gt).any(axis=1)
    return keep


def _bod_batch(y: np.ndarray, present: np.ndarray, frontier: np.ndarray, w: np.ndarray, band: tuple[float, float],
               units: np.ndarray) -> np.ndarray:
    """z = 1 / score of the given units for one weight vector w (see `bod`), from one LP made of independent
    blocks, one per unit, which HiGHS solves together faster than one call per unit."""
    ub, eq, low, high = [], [], [], []
    for c in units:
        used = present[c] & (w > 0)
        share = w[used] / w[used].sum()
        low += [*(share * band[0]), -np.inf]
        high += [*np.minimum(1.0, share * band[1]), np.inf]
        ub.append(np.c_[frontier[:, used] / y[c, used], -np.ones(len(frontier))])  # unit j: Σ s_i y_ji / y_ci − z ≤ 0
        eq.append(np.r_[np.ones(used.sum()), 0.0][None, :])  # Σ s_i = 1
    a_ub, a_eq = sparse.block_diag(ub, format="csr"), sparse.block_diag(eq, format="csr")
    z = np.cumsum([e.shape[1] for e in eq]) - 1
    cost = np.zeros(a_eq.shape[1])
    cost[z] = 1.0
    lp = linprog(cost, A_ub=a_ub, b_ub=np.zeros(a_ub.shape[0]), A_eq=a_eq,
                 b_eq=np.ones(len(units)), bounds=np.c_[low, high], method="highs")
    if lp.status != 0:
        raise InputError(f"benefit-of-the-doubt LP failed: {lp.message}", where="bod")
    return lp.x[z]


def _bod_one(y: np.ndarray, present: np.ndarray, frontier: np.ndarray, w: np.ndarray, band: tuple[float, float]) -> np.ndarray:
    """BoD score in (0, 1] of every unit for one weight vector w; NaN for a unit with no weighted value.
    Units are solved in batches of about LP_NONZEROS constraint coefficients."""
    out = np.full(len(y), np.nan)
    units = np.flatnonzero((present & (w > 0)).any(axis=1))
    step = max(1, LP_NONZEROS // (len(frontier) * (len(w) + 1)))
    for start in range(0, len(units), step):
        out[units[start:start + step]] = 1.0 / _bod_batch(y, present, frontier, w, band, units[start:start + step])
    return out


@register(AGGREGATE, "bod")
def bod(normalised, weights, tolerance: float | None = 0.5):
    """Benefit of the doubt, 0–100 (100 = on the frontier): for each unit c, max Σ_i w_i y_ci over w ≥ 0 subject
    to Σ_i w_i y_ji ≤ 1 for every unit j (Handbook 2008, section 6.3, eq. 22; Melyn and Moesen, 1991), with the
    pie shares w_i y_ci / Σ_q w_q y_cq of c's own composite kept within [a_i (1 − tolerance), a_i (1 + tolerance)]
    (clipped to [0, 1]), a_i the given weights rescaled to sum to 1 — the proportional ("pie-share") weight
    restrictions of Cherchye et al. (2007, after Wong and Beasley, 1990). A unit cannot put all the weight on
    its one strong indicator; tolerance None drops the restrictions (pure BoD), 0 fixes the shares at a_i.

    Solved with scipy's linprog (HiGHS) in the shares s_i and z = 1 / score: min z subject to
    Σ_i s_i y_ji / y_ci ≤ z for every unit j, Σ s_i = 1 and the bounds on s_i (then w_i = s_i / (z y_ci)); only
    units that no other unit dominates enter the constraints, and the units' LPs are batched into block-diagonal
    LPs. A ratio model, it needs values > 0: if any value is ≤ 0, all values are shifted by one common constant,
    1 − min, as in `geometric` (min-max data become 1–101; the scores depend on this shift, as on any change of
    origin). Missing values: a unit is scored over the indicators it has
    (shares rescaled over them), and a missing value counts as 0 in the constraints of others, so that a unit
    is no benchmark on an indicator it lacks (Kuosmanen, Journal of the Operational Research Society 60, 2009).
    Indicators with weight 0 are left out. A k × m weight matrix is solved one weight vector at a time."""
    if tolerance is not None and not tolerance >= 0:
        raise InputError(f"tolerance must be ≥ 0 or None, not {tolerance}", where="bod")
    v = as_array(normalised)
    w, single = _weights(normalised, weights, "bod")
    band = (0.0, np.inf) if tolerance is None else (max(0.0, 1.0 - tolerance), 1.0 + tolerance)
    low = np.fmin.reduce(v, axis=None)
    y = np.nan_to_num(v + (1.0 - low if low <= 0 else 0.0), nan=0.0)
    present = ~np.isnan(v)
    frontier = y[_nondominated(y)]
    out = np.column_stack([_bod_one(y, present, frontier, w[:, j], band) for j in range(w.shape[1])])
    return _scores(normalised, 100.0 * out, single)
