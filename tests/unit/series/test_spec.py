"""The series file's coverage threshold."""

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
