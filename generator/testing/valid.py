"""Which values the test server sends for a message: its valid examples, else one built from
its schema.

A nova spec with an example that contradicts its schema does not load (``NOVA036``), but an
AsyncAPI document is a third party's, so there the loader only warns (the upstream Kraken
document's ``subscriptionStatus`` examples use status values its own enum does not allow).
The server does not send such an example: a generated client would reject the frame, and
the test would test the document's typo. It sends the valid ones, and says which it skipped.
When none is left (every example is broken, or there are none), it builds a value from the
schema (:func:`.synth.instance`, repairing the first example, keeping what of it fits) and
says so once, as a warning: the server still answers and emits what the document describes,
with a frame the client accepts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from ..checks import example_errors
from ..ir import Api, JsonSchema
from .synth import MISSING, Unsatisfiable, instance

__all__ = ["ExampleCheck"]

logger = logging.getLogger("nova.testing.server")


class ExampleCheck:
    """Validates example values against the API's schemas (draft 2020-12, ``$defs``)."""

    def __init__(self, api: Api) -> None:
        self.api = api

    def valid(self, schema: JsonSchema, examples: Iterable[Any], *, what: str) -> list[Any]:
        """The examples that match ``schema``; each other one is logged (INFO) and left out."""
        return [ex for n, ex in enumerate(examples) if self.ok(schema, ex, what, n)]

    def usable(self, schema: JsonSchema, examples: Iterable[Any], *, what: str) -> list[Any]:
        """The examples that match ``schema``; when none does, one value built from
        ``schema`` (repairing the first example), logged once as a warning; ``[]`` when no
        value matches ``schema`` (logged too)."""
        examples = list(examples)
        valid = self.valid(schema, examples, what=what)
        if valid:
            return valid
        built = self.build(schema, examples[0] if examples else MISSING, what=what)
        return [] if built is MISSING else [built]

    def build(self, schema: JsonSchema, hint: Any, *, what: str) -> Any:
        """A value built from ``schema`` keeping what of ``hint`` fits (:data:`.synth.MISSING`
        when none can be), logged as a warning."""
        why = "its examples contradict its schema" if hint is not MISSING else "the document has no example"
        try:
            value = instance(schema, self.api.schemas, hint)
        except Unsatisfiable as e:
            logger.warning("%s: %s, and no value could be built from the schema (%s): not sent", what, why, e)
            return MISSING
        logger.warning("%s: %s; sending one built from the schema: %s", what, why, _short(value))
        return value

    def ok(self, schema: JsonSchema, example: Any, what: str, n: int) -> bool:
        """Whether ``example`` (number ``n`` of ``what``, for the log) matches ``schema``."""
        problem = example_errors(self.api, schema, example)
        if problem is not None:
            logger.info("not sending example %d of %s: %s", n + 1, what, problem)
        return problem is None


def _short(value: Any, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
