"""Budget execution reports (Rb-27S, Rb-28S): line items summed into catalogue variables by the
classification the catalogue cites; plan kept apart; bad files refused with the row named."""

from pathlib import Path

import pandas as pd
import pytest

from jstbench.catalogue.load import load_catalogue
from jstbench.core.errors import InputError
from jstbench.data.load import load_files
from jstbench.data.store import Store

from ..conftest import ROOT
from .test_real_data import TERC, write

COLUMNS = ROOT / "params" / "budget_columns.yml"
CATALOGUE = load_catalogue(ROOT / "methodology" / "catalogue")
HEADER = "WK;PK;GK;GT;ROK;DZIAL;ROZDZIAL;PARAGRAF;PLAN;WYKONANIE\n"
RB28S = HEADER + (
    "02;01;01;1;2023;801;80101;4010;1 000 000,00;950 000,50\n"      # primary schools, salaries
    "02;01;01;1;2023;801;80101;4210;200 000,00;150 000,00\n"        # primary schools, materials
    "02;01;01;1;2023;801;80104;4010;500 000,00;480 000,00\n"        # kindergartens
    "02;01;01;1;2023;900;90002;4300;300 000,00;310 000,00\n"        # municipal waste, services
    "02;01;;;2023;600;60014;4270;2 000 000,00;1 800 000,00\n"       # powiat roads (powiat row: no GK)
)
RB27S = HEADER + (
    "02;01;01;1;2023;756;75615;0310;700 000,00;720 000,00\n"
    "02;01;01;1;2023;756;75616;0310;300 000,00;290 000,00\n"
    "02;01;01;1;2023;900;90002;0490;300 000,00;305 000,00\n"
)


def load(tmp_path: Path, name: str, text: str, fmt: str, **kw):
    store = tmp_path / "store"
    if not (store / "units.parquet").exists():
        load_files(store, [write(tmp_path / "TERC.csv", TERC)])
    summaries = load_files(store, [write(tmp_path / name, text)], fmt=fmt, budget_columns=COLUMNS,
                           catalogue=CATALOGUE, **kw)
    return summaries[0], store


def test_expenditure_sums_by_rozdzial_and_dzial(tmp_path):
    s, store = load(tmp_path, "rb28s.csv", RB28S, "rb28s")
    obs = Store.load(store).observations.astype({"unit": str, "variable": str}).set_index(["unit", "variable"])["value"]
    assert obs[("0201011", "exp_80101")] == pytest.approx(1_100_000.50)  # 950 000,50 + 150 000,00
    assert obs[("0201011", "exp_80104")] == 480_000
    assert obs[("0201011", "exp_801")] == pytest.approx(1_580_000.50)  # the whole dział 801
    assert obs[("0201011", "exp_90002")] == 310_000
    assert obs[("0201", "exp_60014")] == 1_800_000
    assert obs[("0201011", "plan:exp_80101")] == 1_200_000  # plan kept apart
    assert "exp_total" in next(w for w in s.rejected if "not derivable" in w)
    assert s.years == [2023] and s.units == 2


def test_revenue_paragraf_across_rozdzialy(tmp_path):
    s, store = load(tmp_path, "rb27s.csv", RB27S, "rb27s")
    wide = Store.load(store).wide()
    assert wide.loc[("0201011", 2023), "rev_property_tax"] == 1_010_000  # §0310 in 75615 and 75616
    assert wide.loc[("0201011", 2023), "rev_waste_fee"] == 305_000


def test_year_from_option_when_no_column(tmp_path):
    cols = tmp_path / "cols.yml"
    cols.write_text(COLUMNS.read_text(encoding="utf-8").replace("    year: ROK\n", "", 1), encoding="utf-8")
    text = RB27S.replace("ROK;", "").replace(";2023;", ";")
    store = tmp_path / "store"
    load_files(store, [write(tmp_path / "TERC.csv", TERC)])
    with pytest.raises(InputError, match="no year column: give the year"):
        load_files(store, [write(tmp_path / "rb.csv", text)], fmt="rb27s", budget_columns=cols, catalogue=CATALOGUE)
    [s] = load_files(store, [tmp_path / "rb.csv"], fmt="rb27s", budget_columns=cols, catalogue=CATALOGUE, year=2022)
    assert s.years == [2022]


@pytest.mark.parametrize("text,message", [
    (RB28S.replace("ROZDZIAL", "ROZDZ"), "columns ['ROZDZIAL'] not found"),
    (RB28S.replace("02;01;01;1;2023;801;80104", "2;1;01;1;2023;801;80104"), ""),  # short codes are padded: fine
    (RB28S.replace("801;80104", "801;90104"), "row 4, column ROZDZIAL: rozdział 90104 is not in dział 801"),
    (RB28S.replace("4210", "42a0"), "row 3, column PARAGRAF: PARAGRAF '42a0' is not 4 digits"),
    (RB28S.replace("150 000,00", "sto tysięcy"), "row 3, column WYKONANIE: not a number"),
    (RB28S.replace("02;01;01;1;2023;900", "02;09;01;1;2023;900"), "row 5: unit code '0209011' is not in the units register"),
    (RB28S.rsplit("\n", 2)[0].rsplit(";", 3)[0] + "\n", "fields, the header has 10"),
])
def test_bad_budget_files(tmp_path, text, message):
    if not message:
        s, _ = load(tmp_path, "ok.csv", text, "rb28s")
        assert s.units == 2
        return
    with pytest.raises(InputError) as err:
        load(tmp_path, "bad.csv", text, "rb28s")
    assert message in err.value.message
    assert not (tmp_path / "store" / "loads.parquet").exists() or len(pd.read_parquet(tmp_path / "store" / "loads.parquet")) == 1
