"""Schema drift: a message that fails validation in some fields, delivered without them.

Servers drop or retype a documented field now and then (exchanges do). Under the
``lenient`` validation policy such a message is not thrown away: :func:`lenient_parse`
validates every field that is fine, and builds the *same model class* the channel names
with the others unset (their default if the schema has one, else ``None``, and absent
from ``model_fields_set``). Nested models are treated the same way, field by field, and a
list of models item by item. The decoded frame stays reachable with :func:`raw_frame`.

What cannot be made lenient (a payload that is not an object, a union, a root type that
is not a model or a list of models) still fails, and the frame is reported as malformed.
"""

from __future__ import annotations

import typing
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, TypeAdapter, ValidationError

__all__ = ["ValidationPolicy", "drifted_fields", "lenient_parse", "raw_frame"]

ValidationPolicy = Literal["strict", "lenient", "raw"]
"""How a channel's notifications are validated (``ConnectOptions.validation``):
``strict`` drops a message that fails validation (reported as malformed), ``lenient``
delivers it with the failing fields unset, ``raw`` does not validate and delivers the
decoded JSON payload."""

_RAW = "nova_raw_frame"
_DRIFT = "nova_drifted_fields"


def raw_frame(message: Any) -> Any:
    """The decoded frame a leniently built message came from, else None."""
    private = getattr(message, "__pydantic_private__", None)
    return private.get(_RAW) if isinstance(private, dict) else None


def drifted_fields(message: Any) -> tuple[str, ...]:
    """The fields (dotted paths) a leniently built message lacks; () for a valid one."""
    private = getattr(message, "__pydantic_private__", None)
    return tuple(private.get(_DRIFT, ())) if isinstance(private, dict) else ()


def lenient_parse(message_type: Any, payload: Any, frame: Any) -> tuple[Any, tuple[str, ...]]:
    """``payload`` as ``message_type`` with the fields that fail validation unset, and
    the dotted paths of those fields (sorted, without list indexes). Raises
    :class:`ValueError` (or the :class:`~pydantic.ValidationError`) when the type or the
    payload's shape leaves nothing to be lenient about."""
    bad: list[str] = []
    if _is_model(message_type):
        message = _model(message_type, payload, "", bad, frame)
    elif typing.get_origin(message_type) is list and _is_model(_item_type(message_type)):
        if not isinstance(payload, list):
            raise ValueError("the payload is not a list")
        item = _item_type(message_type)
        message = [_model(item, p, "", bad, frame) for p in payload]
    else:
        raise ValueError(f"no lenient validation for {message_type!r}")
    return message, tuple(sorted(set(bad)))


def _item_type(list_type: Any) -> Any:
    args = typing.get_args(list_type)
    return args[0] if args else None


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _model(model: type[BaseModel], data: Any, prefix: str, bad: list[str], frame: Any) -> Any:
    """``data`` as ``model``, leniently; the paths of unset fields are added to ``bad``."""
    if not isinstance(data, dict):
        raise ValueError(f"{prefix or 'the payload'} is not an object")  # noqa: TRY004 - one error type per invalid payload
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        failed = {e["loc"][0] for e in exc.errors() if e["loc"]}
    values: dict[str, Any] = {}
    built: set[str] = set()
    """Fields built leniently already (nested models)."""
    unset: dict[str, Any] = {}
    drift: set[str] = set()
    for name, info in model.model_fields.items():
        key = info.validation_alias if isinstance(info.validation_alias, str) else info.alias
        key = key or name
        path = f"{prefix}{name}"
        default = None if info.is_required() else info.get_default(call_default_factory=True)
        if key not in failed and name not in failed:
            if key in data:
                values[name] = data[key]
            continue
        value = data.get(key)
        nested = _optional_model(info.annotation)
        if nested is not None and isinstance(value, dict):
            inner: list[str] = []
            values[name] = _model(nested, value, f"{path}.", inner, frame)
            built.add(name)
            bad += inner
            drift.update(inner)
            continue
        bad.append(path)
        drift.add(path)
        unset[name] = default
    validated = _validate_fields(model, {k: v for k, v in values.items() if k not in built})
    validated.update({k: v for k, v in values.items() if k in built})
    instance = model.model_construct(_fields_set=set(validated), **validated, **unset)
    object.__setattr__(
        instance, "__pydantic_private__", {_RAW: frame, _DRIFT: tuple(sorted(drift))}
    )
    return instance


def _validate_fields(model: type[BaseModel], values: dict[str, Any]) -> dict[str, Any]:
    """Each field that passed within the whole model, validated on its own (the
    conversions of a normal validation: nested models, enums, dates)."""
    return {name: _adapter(model, name).validate_python(value) for name, value in values.items()}


@lru_cache(maxsize=1024)
def _adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    info = model.model_fields[name]
    annotation: Any = info.annotation
    if info.metadata:
        annotation = Annotated[(annotation, *info.metadata)]
    return TypeAdapter(annotation)


def _optional_model(annotation: Any) -> type[BaseModel] | None:
    """``M`` for a field typed ``M`` or ``M | None``, else None."""
    if _is_model(annotation):
        return typing.cast(type[BaseModel], annotation)
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if len(args) == 1 and _is_model(args[0]):
        return typing.cast(type[BaseModel], args[0])
    return None
