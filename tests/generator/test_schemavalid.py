"""The fast schema check (jsonschema-rs) never calls valid what python-jsonschema refuses.

``schemavalid.FastValidator`` is allowed to be stricter than python-jsonschema (the slow path
then decides), never more lenient: a missed ``NOVA012`` or ``NOVA003`` would be a spec error
nobody reports. Shown here on generated schema-like values, on the values the two libraries
read differently, and on every schema of the repository's specs, which must all take the fast
path (or the speed-up silently does nothing).
"""

from __future__ import annotations

import copy
import decimal
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nova_gen.checks import _schemas
from nova_gen.diagnostics import Diagnostics
from nova_gen.loader import load_api
from nova_gen.loader.source import load_document
from nova_gen.nova.validate import _language_validator, language_schema
from nova_gen.schemavalid import meta_schema_validator, plain_json

ROOT = Path(__file__).resolve().parents[2]
SPECS = sorted((ROOT / "specs").glob("*.yaml"))


def python_accepts(schema: Any) -> bool:
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError:
        return False
    return True


KEYWORDS = [
    "type", "properties", "items", "prefixItems", "required", "enum", "const", "minimum",
    "exclusiveMaximum", "maxLength", "minItems", "uniqueItems", "pattern", "patternProperties",
    "format", "$ref", "$defs", "definitions", "dependencies", "$anchor", "$dynamicAnchor", "$id",
    "$schema", "anyOf", "oneOf", "allOf", "not", "if", "then", "additionalProperties",
    "unevaluatedProperties", "contains", "dependentRequired", "propertyNames", "x-extra",
]  # fmt: skip
TEXTS = [
    "string", "strin", "object", "integer", "null", "a", "", "#/$defs/a", "a b", "(?P<x>a)",
    "(?<x>a)", "[", "^a$", "abc\n", "_ok", "1bad", "https://example.com/s", "é",
]  # fmt: skip
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(TEXTS),
    st.text(max_size=4),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(KEYWORDS + TEXTS), inner, max_size=4),
    ),
    max_leaves=12,
)
schemas = st.one_of(st.booleans(), st.dictionaries(st.sampled_from(KEYWORDS), values, max_size=5))


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(schemas)
def test_fast_meta_schema_check_is_never_more_lenient(schema: Any) -> None:
    if meta_schema_validator().is_valid(schema):
        assert python_accepts(schema), schema


@pytest.mark.parametrize(
    "schema",
    [
        {"enum": (1, 2)},  # a tuple is no array to python-jsonschema
        {"required": ("a",)},
        {"minLength": decimal.Decimal(1)},  # nor a Decimal a number
        {"minimum": float("nan")},
        {"properties": {1: {}}},
        {"pattern": "(?<x>a)"},  # ECMA-262 named group, not Python's re
        {"type": "strin"},
    ],
)
def test_values_the_libraries_read_differently_take_the_slow_path(schema: Any) -> None:
    assert not meta_schema_validator().is_valid(schema)


def test_formats_are_pythons() -> None:
    # Python's named group: refused by ECMA-262, accepted by Python's re, which decides.
    assert meta_schema_validator().is_valid({"pattern": "(?P<x>a)"})
    assert python_accepts({"pattern": "(?P<x>a)"})


def test_plain_json() -> None:
    assert plain_json({"a": [1, 2.5, "x", None, True, {"b": []}]})
    assert not plain_json({"a": (1,)})
    assert not plain_json({"a": float("inf")})
    assert not plain_json({"a": object()})


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.name)
def test_every_schema_of_the_specs_takes_the_fast_path(spec: Path) -> None:
    api = load_api(spec, Diagnostics())
    checked = {json.dumps(s, default=repr): s for _, s, _ in _schemas(api)}
    assert checked
    assert all(meta_schema_validator().is_valid(s) for s in checked.values())
    document = load_document(spec, spec.name, Diagnostics())
    assert document is not None
    if "nova" in document.data:
        assert _language_validator().is_valid(document.data)


def _containers(value: Any) -> list[Any]:
    out, stack = [], [value]
    while stack:
        item = stack.pop()
        if isinstance(item, (dict, list)):
            out.append(item)
            stack.extend(item.values() if isinstance(item, dict) else item)
    return out


DERIBIT = load_document(ROOT / "specs" / "deribit.yaml", "deribit.yaml", Diagnostics())


@settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fast_language_check_is_never_more_lenient(data: st.DataObject) -> None:
    """The Deribit spec with one value replaced or one key added somewhere."""
    assert DERIBIT is not None
    document = copy.deepcopy(DERIBIT.data)
    target = data.draw(st.sampled_from(_containers(document)))
    if isinstance(target, dict):
        target[data.draw(st.sampled_from([*target, *KEYWORDS]))] = data.draw(values)
    elif target:
        target[data.draw(st.integers(0, len(target) - 1))] = data.draw(values)
    fast = _language_validator().is_valid(document)
    if fast:
        assert not list(jsonschema.Draft202012Validator(language_schema()).iter_errors(document))
