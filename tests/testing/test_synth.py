"""The values the local server builds from a schema when a document gives no usable example
(:mod:`nova_gen.testing.synth`): they validate, they are the same every time, and they keep
what of a broken example fits."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from nova_gen.testing.synth import Unsatisfiable, instance

DEFS: dict[str, Any] = {
    "Status": {"type": "string", "enum": ["online", "maintenance"]},
    "Common": {
        "type": "object",
        "required": ["event"],
        "properties": {
            "event": {"type": "string", "const": "subscriptionStatus"},
            "reqid": {"type": "integer"},
            "status": {"$ref": "#/$defs/Status"},
            "pair": {"type": "array", "items": {"type": "string"}},
        },
    },
    "Error": {"allOf": [{"properties": {"errorMessage": {"type": "string"}}, "required": ["errorMessage"]}, {"$ref": "#/$defs/Common"}]},
    "Success": {
        "allOf": [
            {"properties": {"channelID": {"type": "integer"}, "name": {"type": "string"}}, "required": ["channelID", "name"]},
            {"$ref": "#/$defs/Common"},
        ]
    },
    "Tree": {"type": "object", "properties": {"children": {"type": "array", "items": {"$ref": "#/$defs/Tree"}}}},
}
STATUS: dict[str, Any] = {"type": "object", "oneOf": [{"$ref": "#/$defs/Error"}, {"$ref": "#/$defs/Success"}]}


def valid(schema: Any, value: Any) -> bool:
    root = {**schema, "$defs": DEFS} if isinstance(schema, dict) else schema
    return jsonschema.Draft202012Validator(root).is_valid(value)


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"const": "pong"}, "pong"),
        ({"enum": ["b", "a"]}, "b"),
        ({"type": "string"}, ""),
        ({"type": "string", "minLength": 3}, "aaa"),
        ({"type": "string", "format": "date-time"}, "1970-01-01T00:00:00Z"),
        ({"type": "string", "format": "uuid"}, "00000000-0000-0000-0000-000000000000"),
        ({"type": "string", "format": "email"}, "user@example.com"),
        ({"type": "string", "pattern": "^[A-Z]+/[A-Z]+$"}, "A/A"),
        ({"type": "integer"}, 0),
        ({"type": "integer", "minimum": 5, "multipleOf": 3}, 6),
        ({"type": "number", "exclusiveMinimum": 0}, 1),
        ({"type": "integer", "maximum": -2}, -2),
        ({"type": "boolean"}, False),
        ({"type": ["null", "string"]}, ""),
        ({"type": "integer", "default": 10, "enum": [1, 10]}, 10),
        ({"type": "string", "examples": ["BTC-USD"]}, "BTC-USD"),
        # OpenAPI's singular `example`, as AsyncAPI documents give it per property; one that
        # does not fit is passed over
        ({"type": "string", "example": "BTCUSDT"}, "BTCUSDT"),
        ({"type": "integer", "minimum": 1, "example": "soon"}, 1),
        ({"type": "array", "items": {"type": "integer"}, "minItems": 2}, [0, 0]),
        ({"type": "array", "prefixItems": [{"const": "a"}, {"type": "integer"}], "minItems": 2}, ["a", 0]),
        # required properties, and the optional ones pinned to a constant; nothing else
        (
            {
                "type": "object",
                "required": ["id", "nested"],
                "properties": {
                    "type": {"const": "tick"},
                    "id": {"type": "integer"},
                    "note": {"type": "string"},
                    "nested": {"type": "object", "required": ["at"], "properties": {"at": {"type": "string", "format": "date"}}},
                },
            },
            {"type": "tick", "id": 0, "nested": {"at": "1970-01-01"}},
        ),
        ({"$ref": "#/$defs/Status"}, "online"),
        ({"$ref": "#/$defs/Tree"}, {}),
        # allOf merges its parts; oneOf takes the first branch that gives exactly one match
        (STATUS, {"errorMessage": "", "event": "subscriptionStatus"}),
        ({"anyOf": [{"type": "string", "pattern": "^x$"}, {"type": "integer"}]}, 0),
    ],
)
def test_a_built_value_is_small_fixed_and_valid(schema: dict[str, Any], expected: Any) -> None:
    value = instance(schema, DEFS)
    assert value == expected
    assert valid(schema, value)
    assert instance(schema, DEFS) == value  # the same every time


def test_a_broken_example_is_repaired_keeping_what_fits() -> None:
    """Kraken's subscriptionStatus example: ``status`` is not in the enum and ``pair`` is a
    string where the schema wants a list of them. The branch whose required properties the
    example has is chosen; the values that fit are kept as they are."""
    example = {
        "channelID": 10001,
        "name": "ohlc-5",
        "event": "subscriptionStatus",
        "pair": "XBT/EUR",
        "reqid": 42,
        "status": "unsubscribed",
        "unknown": True,
    }
    value = instance(STATUS, DEFS, example)
    assert value == {
        "channelID": 10001,
        "name": "ohlc-5",
        "event": "subscriptionStatus",
        "reqid": 42,
        "pair": ["XBT/EUR"],
        "status": "online",
    }
    assert valid(STATUS, value)


def test_a_valid_example_is_kept_as_it_is() -> None:
    example = {"errorMessage": "depth not supported", "event": "subscriptionStatus", "extra": [1, 2]}
    assert valid(STATUS, example)
    assert instance(STATUS, DEFS, example) == example
    assert instance(STATUS, DEFS, example) is not example  # a copy: the document stays as it was


def test_constants_win_over_the_example() -> None:
    schema = {"type": "object", "required": ["type"], "properties": {"type": {"const": "b"}}}
    assert instance(schema, DEFS, {"type": "a"}) == {"type": "b"}


def test_items_of_a_broken_list_are_repaired_one_by_one() -> None:
    schema = {"type": "array", "items": {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}}}
    assert instance(schema, DEFS, [{"n": 1}, {"n": "two"}, {}]) == [{"n": 1}, {"n": 0}, {"n": 0}]


@pytest.mark.parametrize(
    ("schema", "why"),
    [
        ({"type": "string", "pattern": "^[0-9]{4}$"}, "pattern"),
        ({"type": "integer", "not": {"const": 0}}, "should not be valid"),
        ({"$ref": "#/$defs/Nowhere"}, "cannot follow"),
        ({"$ref": "#/$defs/Loop"}, "cycle"),
        (False, "false"),
        ({"type": "string", "pattern": "("}, "cannot be checked"),
        ({"type": "integer", "minimum": "x"}, "cannot be checked"),
    ],
)
def test_what_cannot_be_built_says_why(schema: Any, why: str) -> None:
    defs = {**DEFS, "Loop": {"type": "object", "required": ["next"], "properties": {"next": {"$ref": "#/$defs/Loop"}}}}
    with pytest.raises(Unsatisfiable, match=why):
        instance(schema, defs)
