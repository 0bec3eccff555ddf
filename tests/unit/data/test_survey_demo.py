"""Synthetic survey waves: byte-identical on a rerun, every reader exercised, answers that pass the checks, unit
non-response that biases the unweighted mean, small strata in small units, true values that are a weighted mean."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jstbench.catalogue.questionnaire import Questionnaire
from jstbench.core.yamlio import read_yaml_model
from jstbench.data.survey import Responses, read_responses, strata_counts
from jstbench.data.survey_demo import TRUE_VALUES_FILE, _code_probabilities, generate_waves

from ...conftest import ROOT

# adult population structure by sex and age group (shares, roughly Poland's)
SHARES = {("K", "18-29"): .085, ("K", "30-44"): .13, ("K", "45-59"): .12, ("K", "60+"): .19,
          ("M", "18-29"): .088, ("M", "30-44"): .135, ("M", "45-59"): .115, ("M", "60+"): .137}
UNITS = [("3064011", "Poznań", 450_000), ("0201011", "Bolesławiec", 30_000), ("1426042", "Mała gmina", 2_500)]


@pytest.fixture(scope="module")
def q() -> Questionnaire:
    return read_yaml_model(ROOT / "methodology" / "catalogue" / "surveys" / "mieszkancy.yml", Questionnaire)


@pytest.fixture(scope="module")
def units() -> pd.DataFrame:
    return pd.DataFrame([{"code": c, "name": n, "sex": s, "age_group": a, "population": round(p * share)}
                         for c, n, p in UNITS for (s, a), share in SHARES.items()])


@pytest.fixture(scope="module")
def waves(tmp_path_factory, q, units):
    folder = tmp_path_factory.mktemp("waves")
    truth = generate_waves(units, q, [2022, 2024], folder, seed=7)
    return folder, truth


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_same_inputs_give_byte_identical_files(tmp_path, q, units, waves):
    folder, _ = waves
    generate_waves(units, q, [2022, 2024], tmp_path, seed=7)
    assert _digests(tmp_path) == _digests(folder)
    other = tmp_path / "other"
    generate_waves(units, q, [2022, 2024], other, seed=8)
    assert _digests(other) != _digests(folder)


def test_one_file_per_unit_and_wave_in_every_format(waves):
    folder, _ = waves
    names = sorted(p.name for p in folder.iterdir() if p.name != TRUE_VALUES_FILE)
    assert len(names) == 6
    assert {n.rsplit(".", 1)[1] for n in names} == {"csv", "xlsx", "sav"}
    assert all(n.startswith("mieszkancy_") for n in names)


def test_files_pass_the_checks_and_look_like_a_survey(q, waves):
    folder, _ = waves
    r = Responses.combine([read_responses(p, q) for p in sorted(folder.glob("mieszkancy_*"))])
    sizes = r.data.groupby("unit").size() / 2
    assert sizes.min() >= 60 and sizes.max() <= 700
    counts = strata_counts(r)
    assert (counts[counts["unit"] == "1426042"]["respondents"] < 10).any()  # work for disclosure control
    codes = r.data["q_life"]
    assert 0.02 < codes.isna().mean() < 0.2  # item non-response and "trudno powiedzieć"
    assert set(codes.dropna().unique()) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    assert 0 < len(r.free_text) < 0.1 * len(r.data)
    # young men answer least, people 60+ most: their share among respondents is below / above the population's
    young_men = ((r.data["sex"] == "M") & (r.data["age_group"] == "18-29")).mean()
    old = (r.data["age_group"] == "60+").mean()
    assert young_men < SHARES[("M", "18-29")] and old > SHARES[("K", "60+")] + SHARES[("M", "60+")]


def test_true_values_are_the_population_weighted_mean(q, units, waves):
    folder, truth = waves
    written = pd.read_csv(folder / TRUE_VALUES_FILE, dtype={"unit": str, "wave": str})
    pd.testing.assert_frame_equal(written, truth.astype({"wave": str}), check_dtype=False)
    assert set(truth["question"]) == {x.id for x in q.questions if x.type == "scale"}
    assert truth["mean"].between(1, 5).all() and truth["share_positive"].between(0, 1).all()
    # two waves differ a little, not a lot
    wide = truth.pivot_table(index=["unit", "question"], columns="wave", values="mean")
    assert 0 < (wide["2024"] - wide["2022"]).abs().max() < 1


def test_code_probabilities_by_hand(q):
    """A latent level of 0 with thresholds −1.5, −0.5, 0.5, 1.5: P(code 1) = Φ(−1.5) = 0.0668, P(3) = Φ(0.5) − Φ(−0.5)
    = 0.3829; a lower-better scale reverses the codes."""
    p = _code_probabilities(q.scale_map["ocena5"], 0.0)
    assert p == pytest.approx([0.0668, 0.2417, 0.3829, 0.2417, 0.0668], abs=1e-4)
    shifted = _code_probabilities(q.scale_map["ocena5"], 1.0)
    assert np.dot(shifted, [1, 2, 3, 4, 5]) > 3.5


def test_units_table_needs_the_strata(tmp_path, q, units):
    with pytest.raises(Exception, match=r"lacks columns \['age_group'\]"):
        generate_waves(units.drop(columns="age_group"), q, [2022], tmp_path)
