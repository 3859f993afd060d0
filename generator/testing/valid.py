"""Which of a spec's examples the test server may send: those that match their schema.

A nova spec with an example that contradicts its schema does not load (``NOVA036``), but an
AsyncAPI document is a third party's, so there the loader only warns (the upstream Kraken
document's ``subscriptionStatus`` examples use status values its own enum does not allow).
The server does not send such an example when a valid one can say the same: a generated client
would reject the frame, and the test would test the document's typo. It sends the valid ones,
and says which it skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from ..checks import example_errors
from ..ir import Api, JsonSchema

__all__ = ["ExampleCheck"]

logger = logging.getLogger("nova.testing.server")


class ExampleCheck:
    """Validates example values against the API's schemas (draft 2020-12, ``$defs``)."""

    def __init__(self, api: Api) -> None:
        self.api = api

    def valid(self, schema: JsonSchema, examples: Iterable[Any], *, what: str) -> list[Any]:
        """The examples that match ``schema``; each other one is logged (INFO) and left out."""
        return [ex for n, ex in enumerate(examples) if self.ok(schema, ex, what, n)]

    def ok(self, schema: JsonSchema, example: Any, what: str, n: int) -> bool:
        """Whether ``example`` (number ``n`` of ``what``, for the log) matches ``schema``."""
        problem = example_errors(self.api, schema, example)
        if problem is not None:
            logger.info("not sending example %d of %s: %s", n + 1, what, problem)
        return problem is None
