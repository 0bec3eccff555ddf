"""The fast paths of computing the catalogue give what the plain definitions give.

`compute_all` shares row selections and lag positions between indicators and builds its output in one piece; it must
agree with `compute_indicator` called indicator by indicator. `lag` finds earlier years by position; it must agree
with a look-up of (unit, year − k) on a panel that is unsorted and has gaps.
"""

import numpy as np
import pandas as pd
import pytest

from jstbench.catalogue.formula import Formula
from jstbench.catalogue.load import evaluation_order, load_catalogue
from jstbench.data.demo import generate
from jstbench.data.participants import load_participants
from jstbench.indicators.compute import compute_all, compute_indicator

from ...conftest import ROOT


@pytest.fixture(scope="module")
def demo():
    units, obs = generate(load_participants(ROOT / "params" / "participants.yml"), years=range(2021, 2025),
                          background_scale=0.02)
    return units, obs.pivot(index=["unit", "year"], columns="variable", values="value")


def test_compute_all_equals_each_indicator_computed_alone(demo):
    units, wide = demo
    catalogue = load_catalogue(ROOT / "methodology" / "catalogue")
    kinds = units.set_index("code")["kind"]
    every = compute_all(catalogue, wide, units)
    used = {v for i in catalogue.indicators.values() for v in i.variables} & set(catalogue.indicators)
    wide = wide.copy()
    expected = []
    for ind in evaluation_order(catalogue):
        one = compute_indicator(ind, wide, kinds)
        if ind.id in used:  # later formulas use it by its id
            wide[ind.id] = pd.Series(one["value"].to_numpy(), index=pd.MultiIndex.from_arrays([one["unit"], one["year"]]))
        expected.append(one)
    alone = pd.concat(expected, ignore_index=True)
    alone["reason"] = alone["reason"].where(alone["reason"].notna(), None)
    alone.loc[alone["value"].isna() & alone["reason"].isna(), "reason"] = "missing"
    pd.testing.assert_frame_equal(every, alone, check_exact=True)
    assert every["reason"].notna().eq(every["value"].isna()).all()


def test_lag_finds_earlier_years_in_an_unsorted_panel_with_gaps():
    rng = np.random.default_rng(1)
    keys = [(u, y) for u in "ABCD" for y in range(2015, 2025) if rng.random() > 0.3]
    keys = [keys[i] for i in rng.permutation(len(keys))]
    x = dict(zip(keys, rng.choice([np.nan, 0.0, 2.0, 5.0], size=len(keys)), strict=True))
    frame = pd.DataFrame({"x": list(x.values())}, index=pd.MultiIndex.from_tuples(keys, names=["unit", "year"]))
    for k in (1, 2):
        values, reason = Formula.parse(f"change(x, {k})").evaluate(frame)
        for (u, y), value, why in zip(keys, values, reason, strict=True):
            if np.isnan(x[(u, y)]):
                assert np.isnan(value) and why == "missing:x"
            elif (u, y - k) not in x:
                assert np.isnan(value) and why == f"no-previous-year:{k}"
            elif np.isnan(x[(u, y - k)]):
                assert np.isnan(value) and why == "missing:x"
            else:
                assert value == x[(u, y)] - x[(u, y - k)] and pd.isna(why)
