"""Parse errors in plain words: what is wrong at the position, and how to fix it.

PyYAML names the parser's state ("expected <block end>, but found '<block mapping start>'",
"while parsing a block mapping"); a person needs the mistake that usually causes it (a line
indented differently from its neighbours, a tab). A file written as JSON (``.json``, or text
that starts with ``{`` or ``[``) gets the JSON parser's message, which speaks of commas and
brackets, not of YAML's flow collections.
"""

from __future__ import annotations

import json

import yaml

_PLAIN: tuple[tuple[str, str, str], ...] = (
    (
        "found character '\\t' that cannot start any token",
        "a tab character where YAML expects indentation or a value",
        "YAML indents with spaces, never tabs: replace the tab with spaces",
    ),
    (
        "expected <block end>, but found",
        "this line is indented differently from the lines above it",
        "keys of one mapping start in the same column, and a nested mapping is indented further "
        "than its key; list items start with '- ' in one column",
    ),
    (
        "mapping values are not allowed here",
        "a ':' where no key can start",
        "quote a value that contains ': ' (title: \"a: b\"), or indent this line under its key",
    ),
    (
        "could not find expected ':'",
        "a line that is neither `key: value` nor part of the value above it",
        "write `key: value`; a text value that goes on over several lines is indented further "
        "than its key, or quoted",
    ),
    (
        "did not find expected key",
        "this line does not fit the mapping around it",
        "check its indentation, and that a list item starts with '- '",
    ),
    (
        "did not find expected '-' indicator",
        "this line does not fit the list around it",
        "list items start with '- ' in the same column",
    ),
    (
        "found unexpected end of stream",
        "the file ends inside a quoted text",
        "close the quote that starts at the position shown",
    ),
    (
        "expected ',' or ']'",
        "a [ ... ] list is not closed where expected",
        "separate the items with ',' and close the list with ']'; quote an item that contains ':'",
    ),
    (
        "expected ',' or '}'",
        "a { ... } mapping is not closed where expected",
        "separate the entries with ',' and close the mapping with '}'",
    ),
    (
        "found unknown escape character",
        "a backslash escape that double-quoted YAML text does not have",
        "write \\\\ for a backslash, or put the text in single quotes, where \\ is a plain character",
    ),
    (
        "found undefined alias",
        "an alias (*name) with no anchor (&name) before it",
        "define the anchor first, or quote a value that starts with '*'",
    ),
)


def plain_yaml(exc: yaml.MarkedYAMLError) -> tuple[str, str]:
    """The message and hint for a YAML syntax error: plain words for the mistakes that
    cause the parser's common complaints, the parser's own words otherwise."""
    problem = exc.problem or "invalid YAML"
    for pattern, message, hint in _PLAIN:
        if problem.startswith(pattern):
            return f"invalid YAML: {message}", f"{hint} (the parser: {problem})"
    return f"invalid YAML: {problem}", exc.context or "check indentation and quoting around this position"


def written_as_json(text: str, suffix: str) -> bool:
    """True for a ``.json`` file, or text whose first character opens a JSON object or array."""
    return suffix.lower() == ".json" or text.lstrip()[:1] in ("{", "[")


def json_error(text: str) -> json.JSONDecodeError | None:
    """The JSON parser's error for ``text``, or None when it is valid JSON (or nests deeper
    than Python's parser goes: YAML's reading, within the limits, reports that)."""
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return exc
    except (ValueError, RecursionError):
        return None
    return None


def untabbed_json(text: str) -> str:
    """``text`` with tabs as spaces when it is valid JSON that holds tabs, else ``text``.

    JSON allows tabs as whitespace; YAML forbids them as indentation. In valid JSON a tab can
    only be whitespace (a tab inside a string must be written ``\\t``), so a space in its
    place changes neither the value nor any column."""
    if "\t" not in text or text.lstrip()[:1] not in ("{", "["):
        return text
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return text
    return text.replace("\t", " ")
