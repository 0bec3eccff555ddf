"""The readers registry: one registration gives a format its help line, its detection and its place in `load_files`."""

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from jstbench.cli import app
from jstbench.core.errors import InputError
from jstbench.data import readers
from jstbench.data.load import load_files
from jstbench.data.readers import READERS, Reader, Summary, detect_format, register
from jstbench.data.store import Store

from ...integration.test_real_data import CREL, CTAB, TERC, write


def test_every_reader_is_described_in_the_help():
    assert {"ctab", "crel", "xlsx", "api-json", "terc", "mf", "rb27s", "rb28s", "rbz", "rbpdp", "form"} == set(READERS)
    result = CliRunner().invoke(app, ["data", "load", "--help"])
    help_text = " ".join(result.output.replace("│", " ").split())  # as one line, whatever the terminal's width
    assert result.exit_code == 0
    for r in READERS.values():
        assert r.description.strip() and "\n" not in r.description
        assert f"{r.name}:" in help_text
    assert "api-json:" in help_text and "form:" in help_text
    assert "only with --format" in help_text


@pytest.mark.parametrize("name,text,expected", [
    ("TERC.csv", TERC, "terc"),
    ("quoted.csv", '"WOJ";"POW";"GMI";"RODZ";"NAZWA"\n', "terc"),
    ("terc-wartosc.csv", "WOJ;POW;GMI;RODZ;Wartosc\n", "terc"),  # the TERC rule comes before the CREL one
    ("P2137.csv", CREL, "crel"),
    ("P2425.csv", CTAB, "ctab"),
    ("rb27s.csv", "WK;PK;GK;GT;ROK;DZIAL;ROZDZIAL;PARAGRAF;PLAN;WYKONANIE\n", "ctab"),  # budget reports: only by --format
    ("export.xlsx", "not opened", "xlsx"),
    ("export.XLSM", "not opened", "xlsx"),
    ("API_60559.json", "{}", "api-json"),
    ("TERC.xml", "<teryt/>", "terc"),
    ("Rb28S_2023Q4.zip", "not opened", "mf"),  # MF files as published: the report is told when read
    ("RB27S.DBF", "not opened", "mf"),
])
def test_detection(tmp_path, name, text, expected):
    assert detect_format(write(tmp_path / name, text)) == expected


def test_unknown_format_is_refused_with_the_known_ones(tmp_path):
    with pytest.raises(InputError, match="unknown format 'csv': " + ", ".join(READERS)):
        load_files(tmp_path / "store", [write(tmp_path / "TERC.csv", TERC)], fmt="csv")
    assert not (tmp_path / "store").exists()


def _read_toy(path: Path, fmt: str, source: str, ctx) -> tuple[pd.DataFrame, Summary]:
    """Lines `unit year value` of population."""
    rows = [line.split() for line in path.read_text().splitlines()]
    obs = pd.DataFrame({"unit": [r[0] for r in rows], "year": [int(r[1]) for r in rows], "variable": "population",
                        "value": [float(r[2]) for r in rows], "flag": None, "source": source})
    return obs, Summary(str(path), fmt, rows=len(rows), units=obs["unit"].nunique(), values=len(obs))


@pytest.fixture
def toy():
    reader = register(Reader("toy", "toy population lines", _read_toy, suffixes=(".toy",)))
    yield reader
    del readers.READERS["toy"]


def test_a_registered_reader_loads(tmp_path, toy):
    store = tmp_path / "store"
    data = write(tmp_path / "pop.toy", "0201011 2020 38486\n0201022 2020 14863\n")
    with pytest.raises(InputError, match="the store has no units register yet: load a TERYT TERC file first"):
        load_files(store, [data])
    load_files(store, [write(tmp_path / "TERC.csv", TERC)])
    [s] = load_files(store, [data])  # detected by its suffix
    assert (s.layout, s.rows, s.new) == ("toy", 2, 2)
    [s] = load_files(store, [data], fmt="toy")
    assert (s.new, s.unchanged) == (0, 2)
    assert Store.load(store).wide().loc[("0201022", 2020), "population"] == 14863
    assert list(pd.read_parquet(store / "loads.parquet")["format"]) == ["terc", "toy", "toy"]
    with pytest.raises(ValueError, match="already registered"):
        register(toy)


def test_the_toy_is_gone_from_the_registry(tmp_path):
    with pytest.raises(InputError, match="unknown format 'toy'"):
        load_files(tmp_path, [write(tmp_path / "pop.toy", "")], fmt="toy")
