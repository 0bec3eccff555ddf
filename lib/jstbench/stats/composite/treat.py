"""Outlier treatment of raw indicator values before orientation and normalisation (COINr's `Treat()`).

The rule is the JRC-COIN rule of thumb (JRC COIN training, "Step 3: the identification and treatment of
outliers"), as COINr's `check_SkewKurt` codes it: an indicator needs treatment when |skewness| ≥ `skew` AND
kurtosis ≥ `kurt` (defaults 2 and 3.5); it passes when either is below its threshold. Both estimators are those
of COINr's `skew()` / `kurt()` (e1071 type 2, Excel's SKEW and KURT; scipy.stats.skew(bias=False) and
scipy.stats.kurtosis(bias=False), i.e. EXCESS kurtosis):

    G1 = g1 · √(n(n − 1)) / (n − 2),                       g1 = m3 / m2^(3/2)
    G2 = ((n + 1) · g2 + 6) · (n − 1) / ((n − 2)(n − 3)),   g2 = m4 / m2² − 3

with m_r the central moments (divisor n) of the n non-missing values. Columns with fewer than 4 values or a
single distinct value have no skewness or kurtosis (NaN) and are never treated.

Methods (registry.TREAT; each `fn(x, skip=(), skew=2.0, kurt=3.5, max_share=0.05) -> Treated`):
none, winsorise, log, boxcox, winsorise_log (COINr's default Treat: winsorise, then, if the indicator still
fails, log-transform the ORIGINAL values instead, COINr's combine_treat = FALSE). Only failing indicators are
treated. `skip`: indicators never transformed (e.g. target-range ones, whose range is in raw units); they may
still be winsorised. A transform is monotone increasing, so orientation and ranks within an indicator are kept;
targets given in raw units no longer apply to a transformed indicator. NaN (missing) stays NaN.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from jstbench.core.errors import InputError
from jstbench.stats.composite.registry import TREAT, column_stats, register

PARAMETERS = ("skip", "skew", "kurt", "max_share")
LOG_COLUMNS = ["unit", "indicator", "method", "original", "treated", "parameter"]


@dataclass(frozen=True)
class Treated:
    """values: the treated frame (units × indicators, raw orientation); log: one row per winsorised point
    (unit, indicator, method "winsorise", original, treated) or per transformed indicator (unit None,
    original/treated NaN, parameter = Box–Cox λ); indicators: one row per indicator (indicator, skew_before,
    kurt_before, skew_after, kurt_after, method applied or "none", points = number of values changed)."""

    values: pd.DataFrame
    log: pd.DataFrame
    indicators: pd.DataFrame


def _from_sums(n, s1, s2, s3, s4):
    """COINr's skewness G1 and excess kurtosis G2 from the power sums Σz^r (r = 1..4) of n values (arrays: one
    entry per column or per state); NaN when n < 4 or the values are constant."""
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = s1 / n
        m2 = s2 / n - mean**2
        m3 = s3 / n - 3 * mean * s2 / n + 2 * mean**3
        m4 = s4 / n - 4 * mean * s3 / n + 6 * mean**2 * s2 / n - 3 * mean**4
        ok = (n >= 4) & (m2 > 0)
        m2 = np.where(ok, m2, np.nan)
        g1 = m3 / m2**1.5 * np.sqrt(n * (n - 1.0)) / (n - 2.0)
        g2 = ((n + 1.0) * (m4 / m2**2 - 3) + 6) * (n - 1.0) / ((n - 2.0) * (n - 3.0))
    return g1, g2


def _powers(z: np.ndarray) -> tuple[np.ndarray, ...]:
    """z, z², z³, z⁴ (by products: faster than **)."""
    z2 = z * z
    return z, z2, z2 * z, z2 * z2


def skew_kurt(x: pd.DataFrame | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Skewness G1 and excess kurtosis G2 of each column (the definitions above), NaN left out."""
    v = x.to_numpy(dtype=float) if isinstance(x, pd.DataFrame) else np.asarray(x, dtype=float)
    lo, hi = np.fmin.reduce(v, axis=0), np.fmax.reduce(v, axis=0)
    z = (v - column_stats(v)[0]) / np.where(hi > lo, hi - lo, 1.0)  # centred and scaled: the power sums keep their precision
    missing = np.isnan(z)
    return _from_sums((~missing).sum(axis=0), *(p.sum(axis=0) for p in _powers(np.where(missing, 0.0, z))))


def _fails(sk, kt, skew: float, kurt: float) -> bool:
    """COINr check_SkewKurt fails: |skewness| ≥ skew and kurtosis ≥ kurt (NaN passes)."""
    return bool(abs(sk) >= skew and kt >= kurt)


def _winsor_bounds(s: np.ndarray, limit: int, skew: float, kurt: float) -> tuple[float, float, float, float]:
    """COINr's `winsorise` on the sorted values s: while the column fails, the points at the maximum (skewness
    ≥ 0) or at the minimum (skewness < 0) are all set to the next lower/higher value, and the rule is checked
    again. Stops before a step would make more than `limit` points winsorised (COINr's winmax, which COINr may
    overshoot by ties). Returns the clip bounds (low, high) reached and that state's skewness and kurtosis.

    A state is (j, k): the j lowest values set to s[j], the k highest to s[n−1−k]. Its power sums come from
    cumulative sums; the statistics are computed at once for every state ahead in the current direction."""
    n = s.size
    z = (s - s[n // 2]) / (s[-1] - s[0])
    cum = [np.concatenate(([0.0], np.cumsum(p))) for p in _powers(z)]
    left, right = np.searchsorted(s, s, "left").tolist(), np.searchsorted(s, s, "right").tolist()
    known: dict[tuple[int, int], tuple[float, float]] = {}

    def state(a: int, b: int, high: bool) -> tuple[float, float]:
        if (a, b) not in known:  # the states (a, b..) upwards if high, else (a.., b), up to the limit
            ahead = np.arange(b, limit - a + 1) if high else np.arange(a, limit - b + 1)
            j, k = np.broadcast_arrays(a, ahead) if high else np.broadcast_arrays(ahead, b)
            ends = zip(_powers(z[j]), cum, _powers(z[n - 1 - k]), strict=True)
            sums = (j * lo + c[n - k] - c[j] + k * hi for lo, c, hi in ends)
            g1, g2 = _from_sums(n, *sums)
            known.update({(p, q): (u, w) for p, q, u, w in zip(j.tolist(), k.tolist(), g1.tolist(), g2.tolist(), strict=True)})
        return known[(a, b)]

    a = b = 0
    sk, kt = state(0, 0, True)
    while _fails(sk, kt, skew, kurt):
        high = sk >= 0
        a2, b2 = (a, n - left[n - 1 - b]) if high else (right[a], b)
        if a2 + b2 > limit:
            break
        a, b = a2, b2
        sk, kt = state(a, b, high)
    return float(s[a]), float(s[n - 1 - b]), sk, kt


def _log_ct(v: np.ndarray, sk: float) -> np.ndarray:
    """COINr's log_CT, ln(x − min + a) with a = 0.01 · (max − min): defined for zeros and negatives, order kept.
    For a left-skewed indicator (skewness < 0), where it would stretch the long tail further, its mirror image
    −ln(max − x + a) (reflect, log, reflect back: Tabachnick & Fidell, Using Multivariate Statistics, ch. 4)."""
    lo, hi = np.nanmin(v), np.nanmax(v)
    a = 0.01 * (hi - lo)
    return np.log(v - lo + a) if sk >= 0 else -np.log(hi - v + a)


def _boxcox(v: np.ndarray) -> tuple[np.ndarray, float]:
    """Box–Cox (x^λ − 1)/λ (ln x at λ = 0) with λ by maximum likelihood (scipy.stats.boxcox) on the positive copy
    x − min + 0.01 · (max − min), log_CT's shift: λ = 0 is exactly log_CT, and λ̂ (so the normalised result)
    does not depend on the unit of x. NaN kept."""
    lo, hi = np.nanmin(v), np.nanmax(v)
    ok = ~np.isnan(v)
    out = np.full_like(v, np.nan)
    out[ok], lam = stats.boxcox(v[ok] - lo + 0.01 * (hi - lo))
    return out, float(lam)


def _checked(x: pd.DataFrame, skew: float, kurt: float, max_share: float) -> np.ndarray:
    if not isinstance(x, pd.DataFrame):
        raise InputError("values to treat must be a DataFrame (units × indicators)", where="treat")
    try:
        v = x.to_numpy(dtype=float, copy=True)
    except (TypeError, ValueError):
        raise InputError("indicator values must be numeric", where="treat") from None
    if not 0 < max_share < 0.5:
        raise InputError(f"max_share must be a share in (0, 0.5), not {max_share}", where="treat.max_share")
    if not (np.isfinite(skew) and skew > 0 and np.isfinite(kurt)):
        raise InputError(f"thresholds must be finite, skew > 0; got skew={skew}, kurt={kurt}", where="treat")
    return v


def _rows(units, indicator: str, method: str, original=np.nan, treated=np.nan, parameter=np.nan) -> dict[str, np.ndarray]:
    """Log rows as columns of equal length (a scalar repeated)."""
    units = np.asarray(units, dtype=object)
    values = {"indicator": indicator, "method": method, "original": original, "treated": treated, "parameter": parameter}
    return {"unit": units} | {k: np.broadcast_to(v, units.shape) for k, v in values.items()}


def _treat(x: pd.DataFrame, winsorise: bool, transform: str | None, skip: Collection[str], skew: float, kurt: float,
           max_share: float) -> Treated:
    """Winsorise the failing columns (if `winsorise`), then transform (log or boxcox) those still failing, from
    their original values, unless in `skip`."""
    v = _checked(x, skew, kurt, max_share)
    sk0, kt0 = skew_kurt(v)
    s = np.sort(v, axis=0)  # NaN last
    counts = (~np.isnan(v)).sum(axis=0)
    methods, points, rows = [], [], [_rows([], "", "")]
    for c, name in enumerate(x.columns):
        col, method, changed = v[:, c].copy(), "none", 0
        if _fails(sk0[c], kt0[c], skew, kurt):
            still = True
            if winsorise:
                limit = max(1, int(max_share * counts[c]))
                lo, hi, sk, kt = _winsor_bounds(s[: counts[c], c], limit, skew, kurt)
                still = _fails(sk, kt, skew, kurt)
                if not still or transform is None or name in skip:
                    at = np.flatnonzero((col < lo) | (col > hi))
                    v[:, c] = np.clip(col, lo, hi)
                    rows.append(_rows(x.index[at], name, "winsorise", col[at], v[at, c]))
                    method, changed = "winsorise" if at.size else "none", at.size
            if still and transform is not None and name not in skip:
                lam = np.nan
                if transform == "log":
                    v[:, c] = _log_ct(col, sk0[c])
                else:
                    v[:, c], lam = _boxcox(col)
                rows.append(_rows([None], name, transform, parameter=lam))
                method, changed = transform, int(counts[c])
        methods.append(method)
        points.append(changed)
    sk1, kt1 = skew_kurt(v)
    log = pd.DataFrame({k: np.concatenate([r[k] for r in rows]) for k in LOG_COLUMNS})
    summary = pd.DataFrame({"indicator": x.columns, "skew_before": sk0, "kurt_before": kt0, "skew_after": sk1,
                            "kurt_after": kt1, "method": methods, "points": points})
    return Treated(pd.DataFrame(v, index=x.index, columns=x.columns), log, summary)


@register(TREAT, "none")
def treat_none(x: pd.DataFrame, skip: Collection[str] = (), skew: float = 2.0, kurt: float = 3.5,
               max_share: float = 0.05) -> Treated:
    """No treatment; the summary still reports each indicator's skewness and kurtosis."""
    return _treat(x, False, None, skip, skew, kurt, max_share)


@register(TREAT, "winsorise")
def winsorise(x: pd.DataFrame, skip: Collection[str] = (), skew: float = 2.0, kurt: float = 3.5,
              max_share: float = 0.05) -> Treated:
    """COINr's `winsorise` on each failing indicator, at most max(1, ⌊max_share · n⌋) of its n non-missing points.

    COINr's documented example (winsorise(c(1:10, 30, 100))): skewness 3.06 and kurtosis 9.74 fail, 100 is set
    to 30, then 1.71 and 1.82 pass.

    >>> t = winsorise(pd.DataFrame({"i": [*range(1, 11), 30, 100]}))
    >>> t.values["i"].tolist()[-2:], t.log[["unit", "original", "treated"]].values.tolist()
    ([30.0, 30.0], [[11, 100.0, 30.0]])
    """
    return _treat(x, True, None, skip, skew, kurt, max_share)


@register(TREAT, "log")
def log(x: pd.DataFrame, skip: Collection[str] = (), skew: float = 2.0, kurt: float = 3.5,
        max_share: float = 0.05) -> Treated:
    """log_CT, ln(x − min + 0.01 · (max − min)) (mirrored if skewness < 0), of each failing indicator not in `skip`."""
    return _treat(x, False, "log", skip, skew, kurt, max_share)


@register(TREAT, "boxcox")
def boxcox(x: pd.DataFrame, skip: Collection[str] = (), skew: float = 2.0, kurt: float = 3.5,
           max_share: float = 0.05) -> Treated:
    """Box–Cox with λ by maximum likelihood of each failing indicator not in `skip` (λ in the log's parameter)."""
    return _treat(x, False, "boxcox", skip, skew, kurt, max_share)


@register(TREAT, "winsorise_log")
def winsorise_log(x: pd.DataFrame, skip: Collection[str] = (), skew: float = 2.0, kurt: float = 3.5,
                  max_share: float = 0.05) -> Treated:
    """COINr's default Treat(): winsorise; an indicator still failing at the limit gets log_CT of its original
    values instead (not in `skip`: those keep the winsorisation)."""
    return _treat(x, True, "log", skip, skew, kurt, max_share)


def treat(x: pd.DataFrame, method: str = "winsorise", **params) -> Treated:
    """TREAT[method](x, **params); params among skip, skew, kurt, max_share."""
    if method not in TREAT:
        raise InputError(f"unknown treatment method {method!r}; known: {', '.join(TREAT)}", where="treat")
    unknown = sorted(set(params) - set(PARAMETERS))
    if unknown:
        raise InputError(f"unknown treatment parameter(s) {unknown}; known: {', '.join(PARAMETERS)}", where="treat")
    return TREAT[method](x, **params)
