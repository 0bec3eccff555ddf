"""Properties of reading untrusted YAML and JSON: any text gives what PyYAML's safe loader (or `json`) gives, or
an InputError; never another exception."""

from __future__ import annotations

import json
import math

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from jstbench.core.errors import InputError
from jstbench.core.yamlio import parse_json, parse_yaml

FAST = settings(max_examples=200, deadline=None)

TOKENS = ["- ", ": ", "\n", "  ", "[", "]", "{", "}", ", ", "? ", "&a ", "&b ", "*a", "*b", "<<: ", "!!int ", "!!str ",
          "!!python/object:os.system ", "!!binary ", "'", '"', "# ", "---\n", "...\n", "| ", "> ", "\\", "%YAML 1.1\n",
          "a", "b", "key", "1", "0x1", "1_000", "1e400", ".nan", ".inf", "~", "true", "yes", "2020-13-45", "2020-01-01",
          "12:30:00", "=", "\t", "\ufeff", "żółw"]

yamlish = st.one_of(st.lists(st.sampled_from(TOKENS), max_size=40).map("".join), st.text(max_size=120))

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20), st.dates())
nested = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                      max_leaves=30)


def same(a: object, b: object) -> bool:
    """Equal, with NaN equal to NaN."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def matches_safe_load(text: str) -> None:
    """`parse_yaml(text)` is what `yaml.safe_load(text)` gives, or an InputError naming the file."""
    try:
        got = parse_yaml(text, "x.yml")
    except InputError as exc:
        assert exc.file == "x.yml"
        return
    assert same(got, yaml.safe_load(text))


@FAST
@given(yamlish)
def test_yaml_ish_text_loads_like_safe_load_or_is_an_input_error(text):
    matches_safe_load(text)


@FAST
@given(nested, st.sampled_from([None, True, False]))
def test_dumped_structures_load_like_safe_load_or_are_an_input_error(value, flow):
    matches_safe_load(yaml.safe_dump(value, default_flow_style=flow, allow_unicode=True))


@FAST
@given(st.one_of(st.lists(st.sampled_from(['[', ']', '{', '}', '"', '\\', ':', ',', '1', '"a"', 'NaN', '1e999', '\n']),
                          max_size=60).map("".join),
                 nested.map(lambda v: json.dumps(v, default=str))))
def test_json_text_loads_like_json_or_is_an_input_error(text):
    try:
        got = parse_json(text, "x.json")
    except InputError as exc:
        assert exc.file == "x.json"
        return
    assert same(got, json.loads(text))
