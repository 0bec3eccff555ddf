"""The series file: the coverage threshold, and no hand-set synthetic flag."""

import pytest
from pydantic import ValidationError

from jstbench.series.spec import SeriesSpec

BASE = {"title": "T", "year": 2024, "data": "output/data/demo"}


def test_min_coverage_defaults_to_half():
    assert SeriesSpec.model_validate(BASE).min_coverage == 0.5
    assert SeriesSpec.model_validate(BASE | {"min_coverage": 0}).min_coverage == 0
    assert SeriesSpec.model_validate(BASE | {"min_coverage": 1}).min_coverage == 1


@pytest.mark.parametrize("bad", [-0.1, 1.5, "half", float("nan")])
def test_min_coverage_outside_0_1_is_refused(bad):
    with pytest.raises(ValidationError, match="min_coverage"):
        SeriesSpec.model_validate(BASE | {"min_coverage": bad})


def test_a_hand_set_synthetic_flag_is_refused_with_the_reason():
    with pytest.raises(ValidationError, match="read from the data itself"):
        SeriesSpec.model_validate(BASE | {"synthetic": False})
