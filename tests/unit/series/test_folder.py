"""The series-folder contract on its own: declared files, typed empty tables, refusals."""

import pandas as pd
import pytest

from jstbench.core.errors import InputError
from jstbench.series import folder as sf


def test_files_are_the_declared_tables_and_json_files():
    names = sf.files()
    assert "values.parquet" in names and "series.json" in names and "catalogue.json" in names
    assert len(names) == len(sf.TABLES) + len(sf.JSON_FILES)
    assert all(t.doc for t in sf.TABLES.values())


def test_sort_columns_are_declared_columns():
    for name, table in sf.TABLES.items():
        assert set(table.sort) <= set(table.schema.columns), name


def test_an_empty_result_becomes_a_typed_empty_table(tmp_path):
    sf.write(tmp_path, "peers", pd.DataFrame())
    back = pd.read_parquet(tmp_path / "peers.parquet")
    assert back.empty and list(back.columns) == ["unit", "peer", "order", "distance"]
    assert str(back["order"].dtype) == "int64" and str(back["distance"].dtype) == "float64"


def test_rows_are_written_sorted_as_declared(tmp_path):
    df = pd.DataFrame({"group": ["b", "a", "a"], "unit": ["1", "2", "1"], "indicator": ["x", "x", "y"],
                       "raw_rank": [1.0, 2.0, 1.0], "adj_rank": [1.0, 2.0, 1.0], "inside": [True, False, True]})
    sf.write(tmp_path, "adjusted_ranks", df)
    back = pd.read_parquet(tmp_path / "adjusted_ranks.parquet")
    assert list(zip(back["group"], back["indicator"], back["adj_rank"], strict=True)) == [("a", "x", 2.0), ("a", "y", 1.0), ("b", "x", 1.0)]


def test_an_undeclared_column_or_an_unknown_status_is_refused(tmp_path):
    peers = pd.DataFrame({"unit": ["a"], "peer": ["b"], "order": [1], "distance": [0.5], "extra": [1]})
    with pytest.raises(InputError, match="peers"):
        sf.write(tmp_path, "peers", peers)
    with pytest.raises(KeyError):
        sf.write(tmp_path, "no_such_table", peers)
    models = pd.DataFrame({"indicator": ["x"], "year": [2024], "response": ["log"], "features": ["a"], "n": [40], "needed": [30],
                           "status": ["great"], "r2": [0.5], "r2_adj": [0.4], "min_r2": [0.1], "bp_pvalue": [0.2], "coefficients": ["[]"]})
    with pytest.raises(InputError, match="models"):
        sf.write(tmp_path, "models", models)
    assert not list(tmp_path.iterdir())


def test_reading_an_undeclared_table_is_a_programming_error(tmp_path):
    sf.write_json(tmp_path, "catalogue", {})
    sf.write_json(tmp_path, "series", {"contract": sf.CONTRACT_VERSION, "name": "x", "year": 2024})
    folder = sf.SeriesFolder(tmp_path, 2024)
    with pytest.raises(KeyError):
        folder.read("comparison_all")
    with pytest.raises(InputError, match="run `jstbench reports"):
        folder.read("values")
    with pytest.raises(InputError, match="year 2023 \\(notebook parameter\\) does not match the series' year 2024"):
        sf.SeriesFolder(tmp_path, 2023)


def test_an_empty_table_is_written_with_text_columns_a_reader_can_filter(tmp_path):
    """A series with nothing in a table (e.g. no composites) must still give files the reports can filter by unit:
    Arrow refuses to compare a null-typed column with a string."""
    import pyarrow.parquet as pq

    sf.write(tmp_path, "composite_groups", sf.empty("composite_groups"))
    schema = pq.read_schema(tmp_path / "composite_groups.parquet")
    assert str(schema.field("unit").type) == "string"
    assert pd.read_parquet(tmp_path / "composite_groups.parquet", filters=[("unit", "==", "3064011")]).empty
