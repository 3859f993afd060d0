"""Building a request's params from the keyword arguments of a generated method."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import InvalidArguments


def dump_params(model: type[BaseModel], values: dict[str, Any]) -> dict[str, Any]:
    """Validate ``values`` (wire names; ``None`` means "not given") and return JSON-ready params.

    Arguments left out stay out of the frame, so the server applies its own defaults.
    Validation happens here, before anything is sent, so a wrong argument is a local
    :class:`InvalidArguments` (a ``ValueError``; ``errors`` holds pydantic's details)
    rather than a server error later.
    """
    given = {name: value for name, value in values.items() if value is not None}
    try:
        validated = model.model_validate(given)
    except ValidationError as exc:
        raise InvalidArguments(model.__name__, exc.errors(include_url=False)) from exc
    return validated.model_dump(mode="json", by_alias=True, exclude_unset=True)
