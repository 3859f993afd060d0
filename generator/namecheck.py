"""Naming checks the planner applies to every name: claims (collisions), the suffix rule,
method and hook names, the package name. Each reports a diagnostic at the spec position."""

from __future__ import annotations

from collections.abc import Iterable

from . import ir, reserved
from .diagnostics import Diagnostics, Position
from .naming import Identifier, nfkc, snake_case, suffixed

Taken = dict[str, tuple[str, str]]
"""Python names in one namespace: name -> (owner, as the spec wrote it)."""


class NameChecks:
    """The naming diagnostics for one API (``NOVA021``, ``NOVA022``, ``NOVA070``-``NOVA072``)."""

    def __init__(self, api: ir.Api, diagnostics: Diagnostics) -> None:
        self.api = api
        self.diagnostics = diagnostics

    def at(self, location: ir.Location | None) -> Position:
        if location is None:
            return Position(self.api.source, 1, 1)
        return Position(location.file, location.line, location.column)

    def claim(self, taken: Taken, name: str, owner: str, location: ir.Location | None, raw: str | None = None) -> None:
        """Record that ``owner`` (written ``raw`` in the spec) uses ``name``; a second owner is
        a collision: ``NOVA071`` when the two spellings differ only until NFKC normalisation."""
        raw = name if raw is None else raw
        if name in taken and taken[name][0] != owner:
            other, other_raw = taken[name]
            if other_raw != raw and nfkc(other_raw) == nfkc(raw):
                self.diagnostics.error(
                    "NOVA071",
                    f"{owner} and {other} are the same Python name {name!r} after NFKC normalisation",
                    self.at(location),
                    hint="Python reads identifiers in Unicode form NFKC; rename one of them",
                )
            else:
                self.diagnostics.error(
                    "NOVA021",
                    f"{owner} and {other} both become the Python name {name!r}",
                    self.at(location),
                    hint="rename one of them in the spec",
                )
        taken.setdefault(name, (owner, raw))

    def reserve(
        self,
        name: str,
        taken: Iterable[str],
        what: str,
        location: ir.Location | None,
        warn: bool = True,
        suffix: str = "_",
    ) -> Identifier:
        """``name``, or ``name_`` (more ``_`` as needed) when generated code reserves it."""
        reserved_names = frozenset(taken)
        out = suffixed(name, reserved_names, suffix)
        if out != name and warn:
            self.diagnostics.warning(
                "NOVA070",
                f"the Python name {name!r} of {what} is reserved by generated code; it is named {out!r}",
                self.at(location),
                hint="rename it in the spec to choose another name",
            )
        return out

    def snake_name(
        self, raw: str, what: str, location: ir.Location | None, reserved_names: Iterable[str], private: str = "__"
    ) -> Identifier:
        """A method, hook or field name: the spec's ``snake_case`` name, NFKC-normalised, suffixed
        when reserved (keywords and Python's own ``__dunder__`` names included); a name that is
        not snake_case or starts with ``private`` but is no dunder is ``NOVA022`` (``__x``
        would be mangled; pydantic hides fields starting with ``_``)."""
        name = nfkc(raw)
        dunder = name.startswith("__") and name.endswith("__") and len(name) > 4
        if dunder:
            reserved_names = {*reserved_names, name}
        if not name.isidentifier() or name != name.lower() or (name.startswith(private) and not dunder):
            self.diagnostics.error(
                "NOVA022",
                f"{what} name {raw!r} is not a usable Python name",
                self.at(location),
                hint=f"use a snake_case identifier such as {snake_case(name).lstrip('_') or 'name'!r}",
            )
            return Identifier(snake_case(name))
        return self.reserve(name, reserved_names, f"{what} {raw!r}", location)

    def check_package(self) -> None:
        name, where = self.api.name, self.at(self.api.name_location)
        if len(name) > reserved.PACKAGE_MAX_LENGTH:
            self.diagnostics.error(
                "NOVA072",
                f"package name of {len(name)} characters is longer than {reserved.PACKAGE_MAX_LENGTH}",
                where,
                hint="choose a shorter `name`",
            )
        elif not name.isidentifier() or name in reserved.PACKAGES:
            self.diagnostics.error(
                "NOVA072",
                f"package name {name!r} would shadow a module the generated code needs, or is not importable",
                where,
                hint=f"choose another `name`, such as {name + '_api'!r}",
            )
