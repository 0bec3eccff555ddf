"""Untrusted YAML and JSON within limits: size, nesting, alias expansion and repeated keys are refused with the
file, the line and a bounded excerpt; safe loading and line tracking keep working."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from pydantic import BaseModel

from jstbench.core import yamlio
from jstbench.core.errors import InputError, excerpt
from jstbench.core.yamlio import Located, parse_json, parse_yaml, read_json, read_yaml
from jstbench.data import bdl_api


def refused(path: Path, read=read_yaml) -> str:
    with pytest.raises(InputError) as exc:
        read(path)
    return exc.value.message


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---- YAML ---------------------------------------------------------------------------------------------------------

BILLION_LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True))


def test_an_alias_bomb_is_refused_without_expanding_it(tmp_path):
    path = write(tmp_path, "yaml-alias-bomb.yml", BILLION_LAUGHS)
    msg = refused(path)
    assert msg == (f"{path}: line 6, column 8: aliases expand to more than 100,000 values (at *e): "
                   "write the values out or use fewer aliases")


def test_aliases_within_the_limit_and_merge_keys_still_load(tmp_path):
    path = write(tmp_path, "yaml-shared-block.yml",
                 "base: &base {scale: 1, unit: osoby}\nx:\n  <<: *base\n  scale: 2\ny: [*base, *base]\n")
    assert read_yaml(path) == {"base": {"scale": 1, "unit": "osoby"}, "x": {"scale": 2, "unit": "osoby"},
                               "y": [{"scale": 1, "unit": "osoby"}] * 2}


def test_yaml_nested_20000_deep_is_refused_at_the_limit(tmp_path):
    path = write(tmp_path, "yaml-nested-deep.yml", "[" * 20_000 + "]" * 20_000)
    assert refused(path) == f"{path}: line 1, column 101: nested more than 100 levels deep"


def test_block_nesting_names_the_line(tmp_path):
    path = write(tmp_path, "yaml-block-deep.yml", "".join(f"{'  ' * i}k{i}:\n" for i in range(150)))
    assert refused(path) == f"{path}: line 100, column 199: nested more than 100 levels deep"


def test_nesting_up_to_the_limit_loads():
    assert parse_yaml("[" * 99 + "1" + "]" * 99) is not None
    with pytest.raises(InputError, match="nested more than 100 levels deep"):
        parse_yaml("[" * 100 + "1" + "]" * 100)


def test_an_alias_cannot_nest_past_the_limit(tmp_path):
    path = write(tmp_path, "yaml-alias-deep.yml", "a: &deep " + "[" * 99 + "]" * 99 + "\nb: [*deep]\n")
    assert refused(path) == f"{path}: line 2, column 5: alias *deep nests the value more than 100 levels deep"


def test_a_recursive_alias_is_refused(tmp_path):
    path = write(tmp_path, "yaml-alias-recursive.yml", "a: &a [1, *a]\n")
    assert refused(path) == f"{path}: line 1, column 11: alias *a is used inside its own anchor (a recursive value)"


def test_a_repeated_key_names_the_key_and_both_lines(tmp_path):
    path = write(tmp_path, "yaml-duplicated-key.yml", "title: a\nyear: 2024\ngroups: []\nyear: 2025\n")
    assert refused(path) == (f"{path}: line 4, column 1: key 'year' repeats the key on line 2 "
                             "(YAML would keep only the last): write it once")


def test_keys_equal_as_values_are_repeated_keys():
    with pytest.raises(InputError, match="key '0x1' repeats the key on line 1"):
        parse_yaml("1: a\n0x1: b\n")


def test_a_long_repeated_key_is_quoted_as_an_excerpt():
    key = "k" * 500
    with pytest.raises(InputError) as exc:
        parse_yaml(f"{key}: 1\n{key}: 2\n", "x.yml")
    assert f"key '{'k' * 79}…' repeats the key on line 1" in exc.value.message and len(exc.value.message) < 200


def test_a_repeated_key_in_a_located_file_is_refused(tmp_path):
    path = write(tmp_path, "located-duplicated.yml", "entries:\n  - unit: '0201011'\n    unit: '0201022'\n")
    with pytest.raises(InputError, match=r"line 3, column 5: key 'unit' repeats the key on line 2"):
        Located(path)


def test_a_larger_file_is_refused_unread(tmp_path, monkeypatch):
    monkeypatch.setattr(yamlio, "MAX_YAML_BYTES", 1_000_000)
    path = write(tmp_path, "yaml-too-large.yml", "a: " + "x" * 1_500_000 + "\n")
    assert refused(path) == f"{path}: 1.5 MB: larger than the 1 MB limit for this file"


def test_an_impossible_date_names_the_line(tmp_path):
    path = write(tmp_path, "yaml-bad-date.yml", "title: a\nfrom: 2020-13-45\n")
    assert refused(path) == f"{path}: line 2, column 7: invalid value '2020-13-45': month must be in 1..12"


def test_a_huge_integer_is_refused_with_an_excerpt(tmp_path):
    path = write(tmp_path, "yaml-huge-integer.yml", "n: " + "9" * 5000 + "\n")
    msg = refused(path)
    assert msg.startswith(f"{path}: line 1, column 4: invalid value '{'9' * 79}…': Exceeds the limit") and len(msg) < 300


def test_python_tags_stay_refused(tmp_path):
    path = write(tmp_path, "yaml-python-tag.yml", "x: !!python/object/apply:os.system ['true']\n")
    assert "could not determine a constructor for the tag 'tag:yaml.org,2002:python/object/apply:os.system'" in refused(path)


def test_a_control_character_names_its_line(tmp_path):
    path = write(tmp_path, "yaml-control-character.yml", "title: a\nyear: 20\x0824\n")
    assert refused(path) == f"{path}: line 2: invalid YAML: unacceptable character #x0008: special characters are not allowed"


def test_a_folder_is_not_a_traceback(tmp_path):
    assert refused(tmp_path).startswith(f"{tmp_path}: cannot be read")


def test_front_matter_lines_count_from_first_line():
    with pytest.raises(InputError, match=r"^x.md: line 3, column 1: key 'a' repeats the key on line 2"):
        parse_yaml("a: 1\na: 2\n", "x.md", first_line=2)


class _Entry(BaseModel):
    unit: str
    score: int


class _Doc(BaseModel):
    entries: list[_Entry]


def test_located_still_names_the_field_and_its_line(tmp_path):
    path = write(tmp_path, "located.yml", "entries:\n  - unit: a\n    score: 1\n  - unit: b\n    score: many\n")
    with pytest.raises(InputError) as exc:
        Located(path).validate(_Doc)
    assert f"{path}: entries[1].score (line 5): Input should be a valid integer" in exc.value.message


# ---- JSON ---------------------------------------------------------------------------------------------------------

def test_api_json_nested_100000_deep_is_refused(tmp_path):
    path = write(tmp_path, "API_72305_nested-deep.json", '{"results": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert refused(path, read_json) == f"{path}: line 1: JSON nested more than 100 levels deep"


def test_brackets_inside_json_strings_do_not_count():
    assert parse_json(json.dumps({"name": "[" * 500, "x": "\\\"{" * 200})) == {"name": "[" * 500, "x": "\\\"{" * 200}
    assert parse_json("[" * 100 + "]" * 100) is not None


def test_json_depth_error_names_the_line():
    with pytest.raises(InputError, match=r"^a.json: line 3: JSON nested more than 100 levels deep$"):
        parse_json('{\n"a":\n' + "[" * 101 + "]" * 101 + "}", "a.json")


def test_a_larger_json_file_is_refused_unread(tmp_path, monkeypatch):
    monkeypatch.setattr(yamlio, "MAX_JSON_BYTES", 1_000_000)
    path = write(tmp_path, "API_1_too-large.json", json.dumps({"results": ["x" * 1_500_000]}))
    assert refused(path, read_json) == f"{path}: 1.5 MB: larger than the 1 MB limit for this file"


def test_json_with_a_5000_digit_number_is_an_input_error():
    with pytest.raises(InputError, match=r"^a.json: not valid JSON: Exceeds the limit \(4300 digits\)"):
        parse_json("[" + "1" * 5000 + "]", "a.json")


def test_a_deep_saved_api_response_is_refused_not_a_traceback(tmp_path):
    path = write(tmp_path, "API_72305_level6_2019-2020.json", '{"results": ' + "[" * 100_000 + "]" * 100_000 + "}")
    out = bdl_api.sort_responses([path], SimpleNamespace(variables={}))
    assert out.refused == [f"API_72305_level6_2019-2020.json: not a saved BDL API response ({path}: line 1: JSON nested "
                           "more than 100 levels deep); delete it and fetch again"]
    assert not bdl_api._saved(path)


# ---- excerpts -----------------------------------------------------------------------------------------------------

def test_excerpt_is_bounded_and_cheap():
    assert excerpt("x" * 10) == "x" * 10 and excerpt("x" * 200) == "x" * 79 + "…"
    assert excerpt(10 ** 5000) == "<an integer of about 5001 digits>"
    bomb: list = ["lol"] * 9
    for _ in range(30):  # 9**30 leaves if walked
        bomb = [bomb] * 9
    assert len(excerpt(bomb)) <= 80
