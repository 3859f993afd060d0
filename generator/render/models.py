"""``models.py`` through datamodel-code-generator (pydantic v2).

The planner hands over every schema that needs a Python name; they become one JSON
Schema document whose ``$defs`` keys are the class names. Enums become ``Literal``
types and non-object schemas become type aliases, so ``models.Currency`` can be used
in a signature as it is.
"""

from __future__ import annotations

import ast
import json
import warnings
from typing import Any

from ..diagnostics import Diagnostics, Position
from .formats import portable


class ModelGenerationError(Exception):
    pass


def datamodel_options() -> dict[str, Any]:
    """The options ``models.py`` is built with: one JSON Schema document in, pydantic v2 models
    for Python 3.11 out, enums as ``Literal``, constraints on fields, descriptions as docstrings
    (keyword arguments of ``datamodel_code_generator.generate``)."""
    from datamodel_code_generator.enums import DataModelType, InputFileType
    from datamodel_code_generator.format import Formatter, PythonVersion
    from datamodel_code_generator.parser import LiteralType

    return {
        "input_file_type": InputFileType.JsonSchema,
        "output_model_type": DataModelType.PydanticV2BaseModel,
        "target_python_version": PythonVersion.PY_311,
        "enum_field_as_literal": LiteralType.All,
        "use_standard_collections": True,
        "use_union_operator": True,
        "use_type_alias": True,
        "field_constraints": True,
        "use_schema_description": True,
        "use_field_description": True,
        "disable_timestamp": True,
        "skip_root_model": True,
        "formatters": [Formatter.ISORT],
    }


def render_models(
    models: dict[str, Any],
    header: str,
    source: str,
    diagnostics: Diagnostics,
    field_names: dict[str, str] | None = None,
) -> str:
    # Imported here: datamodel-code-generator is slow to import and only this stage needs it.
    from datamodel_code_generator import generate

    if not models:
        return f'{header}\n"""No payload models."""\n'
    document = {"$defs": {name: portable(schema) for name, schema in sorted(models.items())}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = generate(
                json.dumps(document),
                **datamodel_options(),
                custom_file_header=header,
                aliases=field_names or None,
                field_extra_keys={"repr"},  # Field(repr=False) on secrets (see secrets.py)
            )
        except Exception as exc:  # noqa: BLE001 - a third-party failure becomes a diagnostic
            diagnostics.error(
                "NOVA050",
                f"datamodel-code-generator could not build models: {exc}",
                Position(source, 1, 1),
                hint="simplify the schema it names, or report this to nova-gen",
            )
            return f"{header}\n"
    if not isinstance(out, str):
        raise ModelGenerationError("datamodel-code-generator returned several modules")
    missing = sorted(set(models) - _defined_names(out))
    if missing:
        diagnostics.error(
            "NOVA050",
            "datamodel-code-generator renamed or dropped " + ", ".join(missing),
            Position(source, 1, 1),
            hint="rename these schemas; they clash with names the models module uses",
        )
    return out


def _defined_names(source: str) -> set[str]:
    names = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names
