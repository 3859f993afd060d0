"""The built-in templates compiled to Python ahead of time, loaded by jinja2's ``ModuleLoader``.

Compiling the seven templates (lexing, parsing, generating and compiling Python) took 70-80
ms of every ``nova-gen`` process, more than a third of nova-gen's own work for Deribit.
``templates/compiled/`` holds what jinja2 compiles them to, one module per template
(``tmpl_<sha1 of the name>.py``, jinja2's own layout), written by :func:`write`
(``make regen``); importing those modules costs about a millisecond, and their bytecode is
cached by Python like any module's (pip compiles it when it installs the wheel).

The modules are only a cache: ``manifest.json`` beside them records the jinja2 version that
compiled them, the environment settings and a SHA-256 of each template's source, and
:func:`loader` uses them only when all of that matches what is installed. Anything else
(another jinja2 version, a template edited without ``make regen``) compiles the templates
from source, as before, with the same output. ``tests/generator/test_precompiled.py`` checks
that the committed modules are current and what jinja2 compiles, byte for byte.
"""

from __future__ import annotations

import hashlib
import json
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import jinja2
from jinja2.filters import FILTERS as DEFAULT_FILTERS

FOLDER = "compiled"
"""The folder of compiled modules, inside the built-in templates folder."""
MANIFEST = "manifest.json"


def manifest(env: jinja2.Environment, templates: Traversable) -> dict[str, Any]:
    """What the compiled modules were made from (``templates``: the folder of ``*.jinja``
    sources): the jinja2 version, the settings that shape compiled code and the SHA-256 of
    each template, by file name."""
    sources = sorted(
        (t for t in templates.iterdir() if t.name.endswith(".jinja")), key=lambda t: t.name
    )
    return {
        "jinja2": jinja2.__version__,
        "settings": {
            "trim_blocks": env.trim_blocks,
            "lstrip_blocks": env.lstrip_blocks,
            "keep_trailing_newline": env.keep_trailing_newline,
            "autoescape": bool(env.autoescape),
            "finalize": getattr(env.finalize, "__qualname__", None),
            # nova-gen's filters and overrides (jinja2's own are the version's): compiled code
            # looks each up by name when rendering, and passes it what its decorator asks for
            "filters": {
                name: _passes(f)
                for name, f in sorted(env.filters.items())
                if DEFAULT_FILTERS.get(name) is not f
            },
        },
        "templates": {t.name: hashlib.sha256(t.read_bytes()).hexdigest() for t in sources},
    }


def _passes(function: Any) -> str:
    """What jinja2 passes a filter besides its arguments (``@pass_context`` and the like)."""
    kind = getattr(function, "jinja_pass_arg", None)
    return "arguments" if kind is None else str(kind.name)


def loader(env: jinja2.Environment, templates: Traversable) -> jinja2.BaseLoader | None:
    """A loader of the compiled built-in templates, or None when they are not current for
    ``env`` and the installed jinja2 (the caller then compiles from source)."""
    compiled = templates / FOLDER
    try:
        recorded = json.loads((compiled / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if recorded != manifest(env, templates):
        return None
    return jinja2.ModuleLoader(str(compiled))


def compile_all(env: jinja2.Environment, templates: Traversable) -> dict[str, str]:
    """Every file of the compiled folder, by name: one module per template and the manifest.
    ``env`` must be the environment the templates are rendered with (its settings and
    filters shape the code); its templates are read from ``templates``."""
    files = {}
    for name in manifest(env, templates)["templates"]:
        source = (templates / name).read_text("utf-8")
        code = env.compile(source, name, None, raw=True, defer_init=True)
        files[jinja2.ModuleLoader.get_module_filename(name)] = code
    files[MANIFEST] = json.dumps(manifest(env, templates), indent=2, sort_keys=True) + "\n"
    return files


def write(env: jinja2.Environment, templates: Path) -> None:
    """Replace ``templates/compiled/`` with :func:`compile_all`'s files."""
    folder = templates / FOLDER
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        if old.is_file():
            old.unlink()
    for name, text in compile_all(env, templates).items():
        (folder / name).write_text(text, encoding="utf-8")
