"""The built-in templates compiled ahead of time (nova_gen.render.precompiled): current, what
jinja2 compiles, rendering exactly as the sources do, and never used when they are not current."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jinja2
import pytest

from nova_gen.diagnostics import Diagnostics
from nova_gen.loader import load_api
from nova_gen.planner import plan
from nova_gen.render import (
    LIBRARY_TEMPLATES,
    TEMPLATES,
    RenderOptions,
    _builtin_folder,
    _configured,
    _environment,
    _source_loader,
    context,
    header,
    precompiled,
)

ROOT = Path(__file__).resolve().parents[2]
SPECS = sorted((ROOT / "specs").glob("*.yaml")) + sorted(
    (ROOT / "specs" / "asyncapi").glob("*.yml")
)
REGEN = "templates/compiled/ is stale: run `make regen` and commit it"


def recorded() -> dict[str, object]:
    data: dict[str, object] = json.loads(
        (_builtin_folder() / precompiled.FOLDER / precompiled.MANIFEST).read_text()
    )
    return data


def test_the_compiled_templates_are_made_from_the_current_sources_and_settings() -> None:
    now = precompiled.manifest(_configured(None), _builtin_folder())
    assert recorded()["templates"] == now["templates"], REGEN
    assert recorded()["settings"] == now["settings"], REGEN


def test_the_compiled_modules_are_what_the_installed_jinja2_compiles() -> None:
    """Byte for byte (the committed files were compiled in another process: compiling is
    deterministic), and the built-in environment loads them. With another jinja2 version
    than the one that compiled them, they are not used at all."""
    env = _environment(None)
    if recorded()["jinja2"] != jinja2.__version__:
        assert isinstance(env.loader, jinja2.FileSystemLoader)
        return
    folder = _builtin_folder() / precompiled.FOLDER
    on_disk = {p.name: p.read_text("utf-8") for p in folder.iterdir() if p.is_file()}
    assert on_disk == precompiled.compile_all(_configured(None), _builtin_folder()), REGEN
    assert isinstance(env.loader, jinja2.ModuleLoader)


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.name)
def test_compiled_and_source_templates_render_the_same(spec: Path) -> None:
    planned = plan(load_api(spec, Diagnostics(), base=ROOT), Diagnostics())
    for options in (RenderOptions(), RenderOptions(vendor_runtime=True)):
        ctx = {**context(planned, options), "header": header(planned.api.source)}
        compiled = _environment(None)
        source = _configured(_source_loader())
        for name in TEMPLATES + LIBRARY_TEMPLATES:
            expected = source.get_template(name + ".jinja").render(ctx)
            assert compiled.get_template(name + ".jinja").render(ctx) == expected, name


def copy_of_templates(tmp_path: Path) -> Path:
    folder = tmp_path / "templates"
    shutil.copytree(_builtin_folder(), folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def test_an_edited_template_is_compiled_from_source(tmp_path: Path) -> None:
    folder = copy_of_templates(tmp_path)
    env = _configured(None)
    assert isinstance(precompiled.loader(env, folder), jinja2.ModuleLoader) or (
        recorded()["jinja2"] != jinja2.__version__
    )
    client = folder / "client.py.jinja"
    client.write_text(client.read_text("utf-8") + "# edited\n", encoding="utf-8")
    assert precompiled.loader(env, folder) is None


def test_another_jinja2_or_other_settings_or_no_manifest_compile_from_source(
    tmp_path: Path,
) -> None:
    folder = copy_of_templates(tmp_path)
    manifest = folder / precompiled.FOLDER / precompiled.MANIFEST
    data = json.loads(manifest.read_text("utf-8"))
    data["jinja2"] = "0.0.0"
    manifest.write_text(json.dumps(data), encoding="utf-8")
    assert precompiled.loader(_configured(None), folder) is None

    data = precompiled.manifest(_configured(None), folder)
    manifest.write_text(json.dumps(data), encoding="utf-8")
    other = _configured(None)
    other.trim_blocks = False
    assert precompiled.loader(other, folder) is None
    other = _configured(None)
    other.filters["pyrepr"] = jinja2.pass_context(lambda context, value: value)
    assert precompiled.loader(other, folder) is None
    other = _configured(None)
    other.filters["new"] = repr
    assert precompiled.loader(other, folder) is None

    manifest.write_text("{not json", encoding="utf-8")
    assert precompiled.loader(_configured(None), folder) is None
    manifest.unlink()
    assert precompiled.loader(_configured(None), folder) is None


def test_write_replaces_the_folder(tmp_path: Path) -> None:
    folder = copy_of_templates(tmp_path)
    stray = folder / precompiled.FOLDER / "tmpl_gone.py"
    stray.write_text("root = None\n", encoding="utf-8")
    precompiled.write(_configured(jinja2.FileSystemLoader(str(folder))), folder)
    assert not stray.exists()
    assert isinstance(precompiled.loader(_configured(None), folder), jinja2.ModuleLoader)
