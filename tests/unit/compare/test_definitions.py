"""The definitions of methodology/methods/definitions.qmd: every number the page shows is asserted here
(the goalposts and the reference year in tests/unit/stats/test_goalposts.py)."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import rankdata

from jstbench.compare import measures as m
from jstbench.core.errors import InputError
from jstbench.stats.composite.build import composite_ranks
from jstbench.stats.composite.normalise import rank as rank_normalise

# the page's example: five gminas, higher = better, two tied at 20
VALUES = [10.0, 20.0, 20.0, 30.0, 40.0]


def frame(values=VALUES):
    return pd.DataFrame({"group": "g", "year": 2024, "indicator": "i", "direction": "higher-better", "value": values})


def test_position_rank_one_is_best_and_ties_share_the_best():
    assert m.rank(frame()).tolist() == [5.0, 3.0, 3.0, 2.0, 1.0]
    assert composite_ranks(pd.Series(VALUES)).tolist() == [5.0, 3.0, 3.0, 2.0, 1.0]


def test_percentile_both_definitions_on_the_page_table():
    # worse / tied among the 4 others: 10: 0/0, 20: 1/1, 30: 3/0, 40: 4/0
    # midrank (worse + tied / 2) / 4: 0, 1.5/4 = 37.5, 3/4 = 75, 100; minrank worse / 4: 0, 25, 75, 100
    assert m.percentile(frame()).tolist() == [0.0, 37.5, 37.5, 75.0, 100.0]
    assert m.percentile(frame(), definition="midrank").equals(m.percentile(frame()))
    assert m.percentile(frame(), definition="minrank").tolist() == [0.0, 25.0, 25.0, 75.0, 100.0]
    # the quartiles follow the default: 37.5 is the third quarter (25-50)
    assert m.quartile(frame()).tolist() == [4.0, 3.0, 3.0, 1.0, 1.0]
    with pytest.raises(InputError, match="percentile definition must be one of midrank, minrank, not 'weak'"):
        m.percentile(frame(), definition="weak")


def test_minrank_is_coinr_n_prank_and_the_definitions_agree_without_ties():
    # COINr n_prank: (rank(x, ties.method = "min") - 1) / (sum(!is.na(x)) - 1)
    n_prank = (rankdata(VALUES, method="min") - 1) / (len(VALUES) - 1) * 100
    assert m.percentile(frame(), definition="minrank").tolist() == n_prank.tolist()
    distinct = frame([3.0, 1.0, 4.0, 1.5, 9.0])
    assert m.percentile(distinct, definition="minrank").equals(m.percentile(distinct))
    # lower-better: the order turns, the definitions do not change
    assert m.percentile(frame().assign(direction="lower-better"), definition="minrank").tolist() == [100.0, 50.0, 50.0, 25.0, 0.0]


def test_rank_normalisation_ties_are_the_two_percentiles():
    # ascending ranks (1 = the worst): the tied 20s share 2.5 (average) or 2 (min); (rank - 1) / 4 * 100
    assert rankdata(VALUES, method="average").tolist() == [1.0, 2.5, 2.5, 4.0, 5.0]
    assert rankdata(VALUES, method="min").tolist() == [1, 2, 2, 4, 5]
    x = pd.DataFrame({"i": VALUES})
    assert rank_normalise(x)["i"].tolist() == m.percentile(frame()).tolist()
    assert rank_normalise(x, ties="min")["i"].tolist() == m.percentile(frame(), definition="minrank").tolist()


def test_rank_interval_ends_observed_and_interpolated():
    """One gmina's positions in 10 Monte Carlo runs; the 5th and 95th percentiles. Observed (numpy "inverted_cdf",
    the smallest rank with at least q of the runs at or below it): 1 (2 of 10 runs ≤ 1) and 9 (only 9 of 10 runs
    ≤ 5). Interpolated (numpy's default "linear", position (n - 1) q): 0.45 between 1 and 1 = 1; 8.55 between the
    9th value 5 and the 10th 9 = 5 + 0.55 * 4 = 7.2, a position no run gave. The median: (2 + 3) / 2 = 2.5."""
    runs = np.array([1, 1, 2, 2, 2, 3, 3, 4, 5, 9], dtype=float)
    assert np.quantile(runs, [0.05, 0.95], method="inverted_cdf").tolist() == [1.0, 9.0]
    assert np.allclose(np.quantile(runs, [0.05, 0.95]), [1.0, 7.2])
    assert (runs <= 5).sum() == 9 and np.isclose((len(runs) - 1) * 0.95, 8.55)  # 9 of 10 runs at 5 or better
    assert np.median(runs) == 2.5
