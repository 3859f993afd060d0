"""The fast schema checks (jsonschema-rs) never call valid what python-jsonschema refuses.

``schemavalid.FastValidator`` is allowed to be stricter than python-jsonschema (the slow path
then decides), never more lenient: a missed ``NOVA012``, ``NOVA003`` or ``NOVA036`` would be a
spec error nobody reports. Shown here on generated schema-like values and examples, on the
values the two libraries read differently, and on every schema and example of the
repository's specs, which must all take the fast path (or the speed-up silently does nothing).
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

from nova_gen.checks import _examples, _schemas, schema_problem
from nova_gen.diagnostics import Diagnostics
from nova_gen.loader import load_api
from nova_gen.loader.source import load_document
from nova_gen.nova.validate import _language_validator, language_schema
from nova_gen.schemavalid import decidable, known_valid, meta_schema_validator, plain_json

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


# -- examples: known_valid -------------------------------------------------------------------

PATTERNS = ["^[a-z0-9]{2,4}$", "^-?[0-9]+(\\.[0-9]+)?$", "a|b.", "^x*$", "[^a-c]", "\\d", "^a$", "(?i)a", "[[:alpha:]]"]
EXAMPLE_TEXTS = ["a", "ab", "abc\n", "12", "-1.5", "x", "", "é", "A", "\u0661", "a\n"]
instances = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**65), max_value=2**65),
        st.floats(allow_nan=False, allow_infinity=False),
        st.sampled_from(EXAMPLE_TEXTS),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=3),
    ),
    max_leaves=8,
)


def keyword(names: list[str], value: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.tuples(st.sampled_from(names), value).map(lambda kv: {kv[0]: kv[1]})


leaf_keywords = st.one_of(
    st.fixed_dictionaries({"type": st.sampled_from(["string", "integer", "number", "object", "array", "boolean", "null"])}),
    st.fixed_dictionaries({"enum": st.lists(instances, min_size=1, max_size=3)}),
    st.fixed_dictionaries({"const": instances}),
    st.fixed_dictionaries({"required": st.lists(st.sampled_from(["a", "b"]), max_size=2, unique=True)}),
    keyword(["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"], st.one_of(
        st.integers(-3, 3), st.floats(-3, 3), st.just(2**64 - 1))),
    keyword(["minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"], st.integers(0, 3)),
    st.fixed_dictionaries({"pattern": st.sampled_from(PATTERNS)}),
    st.fixed_dictionaries({"$ref": st.sampled_from(["#/$defs/Price", "#/$defs/Tagged"])}),
    st.fixed_dictionaries({"multipleOf": st.sampled_from([0.1, 2])}),
    st.fixed_dictionaries({"uniqueItems": st.just(True)}),
    st.fixed_dictionaries({"format": st.sampled_from(["date-time", "email", "regex"])}),
)
example_schemas = st.recursive(
    st.one_of(st.booleans(), leaf_keywords),
    lambda inner: st.one_of(
        keyword(["allOf", "anyOf", "oneOf", "prefixItems"], st.lists(inner, min_size=1, max_size=3)),
        keyword(["items", "additionalProperties", "not"], inner),
        st.fixed_dictionaries({"properties": st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=3)}),
        st.builds(lambda a, b: {**a, **b} if isinstance(a, dict) and isinstance(b, dict) else a, inner, inner),
    ),
    max_leaves=6,
)
DEFS = {"Price": {"type": "number", "minimum": 0}, "Tagged": {"type": "object", "required": ["a"], "properties": {"a": {"$ref": "#/$defs/Price"}}}}


@settings(max_examples=500, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(example_schemas, instances), min_size=1, max_size=3))
def test_fast_example_check_is_never_more_lenient(cases: list[tuple[Any, Any]]) -> None:
    for (schema, value), valid in zip(cases, known_valid(DEFS, cases), strict=True):
        if valid:
            assert schema_problem(schema, DEFS, value) is None, (schema, value)


@pytest.mark.parametrize(
    ("schema", "value"),
    [
        ({"type": "number", "multipleOf": 0.1}, 0.3),  # float division: python-jsonschema refuses it
        ({"uniqueItems": True}, [1, 1.0]),
        ({"pattern": "^\\d$"}, "\u0661"),  # \\d: Unicode digits to re, ASCII to ECMA-262
        ({"pattern": "\\s"}, "\ufeff"),  # a space to ECMA-262, not to re
        ({"pattern": "(?i)^a$"}, "A"),
        ({"$id": "https://example.com/x", "type": "string"}, "a"),
        ({"unevaluatedProperties": False}, {}),
        ({"$ref": "#/$defs/Missing"}, 1),  # python-jsonschema says why
        ({"type": "array"}, (1, 2)),  # a tuple is no array to python-jsonschema
        ({"type": "integer"}, 2**64),  # beyond what jsonschema-rs reads exactly
        ({"type": "string", "x-nova-name": "Text", "discriminator": "kind"}, "a"),  # an unknown non-x- key
    ],
)
def test_examples_the_libraries_may_read_differently_take_the_slow_path(schema: Any, value: Any) -> None:
    assert known_valid(DEFS, [(schema, value)]) == [False]


def test_one_undecidable_definition_sends_every_example_to_the_slow_path() -> None:
    cases = [({"type": "string"}, "a"), ({"$ref": "#/$defs/Price"}, 1)]
    assert known_valid(DEFS, cases) == [True, True]
    assert known_valid({**DEFS, "Odd": {"multipleOf": 0.5}}, cases) == [False, False]
    assert known_valid(DEFS, [*cases, ({"type": "string"}, 1)]) == [False, False, False]  # which one failed: python says
    assert decidable({"type": "string", "x-nova-name": "Text", "description": "d", "format": "email"})


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.name)
def test_every_example_of_the_specs_takes_the_fast_path(spec: Path) -> None:
    api = load_api(spec, Diagnostics())
    cases = [(schema, value) for _, schema, value, _ in _examples(api) if schema is not None]
    assert all(known_valid(api.schemas, cases))


@pytest.mark.parametrize(
    "reference",
    ["#/$defs/Order", "#/components/schemas/Order_1", "other.json#/$defs/a", "#", "", "a/b.json", "#/$defs/a$b:c@d?e"],
)
def test_plain_references_are_valid_to_pythons_format_checker_too(reference: str) -> None:
    assert meta_schema_validator().is_valid({"$ref": reference})
    assert jsonschema.Draft202012Validator.FORMAT_CHECKER.conforms(reference, "uri-reference")
