"""Building a request's params from the keyword arguments of a generated method."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

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
        raise InvalidArguments(model.__name__, exc.errors(include_url=False)) from None
    return validated.model_dump(mode="json", by_alias=True, exclude_unset=True)


def dump_payload(adapter: TypeAdapter[Any], method: str, value: Any) -> str:
    """The JSON text of a frame that is one payload (an AsyncAPI payload that is not an
    object: an array, a union), validated first like :func:`dump_params`: a wrong value is
    :class:`InvalidArguments` naming ``method``, and nothing is sent."""
    try:
        validated = adapter.validate_python(value)
    except ValidationError as exc:
        raise InvalidArguments(method, exc.errors(include_url=False)) from None
    return adapter.dump_json(validated, by_alias=True, exclude_unset=True).decode()
