"""Each hostile or careless spec of issue "No spec can subvert, crash or hang the generator"
(the escaping part), as an explicit test: text that tried to become code, lookalike names
that Python's NFKC normalisation merges, names that shadow what generated code relies on,
package names that cannot be imported, and the names that used to crash the generator."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import pytest
from nova_runtime.client import BaseClient
from nova_runtime.handlers import BaseHandlers

from nova_gen.cli import main
from nova_gen.diagnostics import Diagnostics
from nova_gen.loader import load_api
from nova_gen.output import write
from nova_gen.pipeline import generate
from nova_gen.render import RenderOptions
from nova_gen.testing import SpecServer

from .conftest import add_section, mutate

INJECTION = '""" + str(__import__("os").system("touch MARKER")) + """'
REPO = Path(__file__).resolve().parents[2]


def generated(tmp_path: Path, spec_text: str, name: str) -> tuple[Path, Diagnostics]:
    """Generate ``spec_text`` (its ``name:`` replaced by ``name``) into tmp_path/out."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(mutate("name: tickers", f"name: {name}", spec_text), encoding="utf-8")
    diagnostics = Diagnostics()
    result = generate(spec, RenderOptions(), diagnostics, base=tmp_path)
    write(tmp_path / "out" / result.package, result.files)
    for path, text in result.files.items():
        if path.endswith(".py"):
            compile(text, path, "exec")
    return tmp_path / "out", diagnostics


@contextmanager
def imported(out: Path, package: str) -> Iterator[ModuleType]:
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module(package)
    finally:
        sys.path.remove(str(out))
        for module in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
            del sys.modules[module]


def test_a_server_name_with_triple_quotes_runs_nothing_on_import(tmp_path: Path) -> None:
    """The server name used to be printed with ``repr`` inside the client docstring, where
    its triple quotes closed the docstring: importing the package created MARKER."""
    quoted = INJECTION.replace("\\", "\\\\").replace('"', '\\"')
    spec = mutate("  production:", f'  "{quoted}":', mutate("default_server: production", f'default_server: "{quoted}"'))
    spec = mutate('version: "1.0"', f'version: "{quoted}"', mutate("title: Example ticker API", f'title: "{quoted}"', spec))
    out, diagnostics = generated(tmp_path, spec, "marker_pkg")
    assert not diagnostics.has_errors
    proc = subprocess.run(
        [sys.executable, "-c", "import marker_pkg, marker_pkg.client; print(marker_pkg.client.MarkerPkgClient.__doc__)"],
        cwd=out, capture_output=True, text=True, timeout=60,
        env={"PYTHONPATH": str(out), "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr
    assert not (out / "MARKER").exists()
    assert INJECTION in proc.stdout  # the text survives as text


def test_nfkc_lookalikes_of_generated_names_are_suffixed(tmp_path: Path) -> None:
    """``ｓelf`` and ``ｔimeout`` are ``self`` and ``timeout`` to Python: they used to give a
    duplicate argument (a SyntaxError in client.py) with exit 0."""
    spec = mutate("        channels: {", "        \uff53elf: { type: string }\n        \uff54imeout: { type: string }\n"
                  "        channels: {")
    spec = mutate("    method: public/subscribe\n", "    method: public/subscribe\n    public: true\n", spec)
    out, diagnostics = generated(tmp_path, spec, "lookalike")
    assert [d.code for d in diagnostics.items] == ["NOVA070", "NOVA070"]
    with imported(out, "lookalike") as package:
        signature = inspect.signature(package.LookalikeClient.subscribe)
        dump_params = importlib.import_module("nova_runtime.params").dump_params
        # the wire names survive: Python reads the field as `self`, the alias keeps `ｓelf`
        wire = {"\uff53elf": "s", "\uff54imeout": "t", "channels": ["c"]}
        assert dump_params(package.models.SubscribeParams, wire) == wire
    assert list(signature.parameters) == ["self", "self_", "timeout_", "channels", "timeout"]


def test_model_fields_that_nfkc_changes_keep_their_wire_name(tmp_path: Path) -> None:
    spec = mutate("      price: { type: number }", "      price: { type: number }\n      \uff53ymbol2: { type: string }\n"
                  "      nested: { type: object, properties: { \ufb01eld: { type: string } } }")
    out, diagnostics = generated(tmp_path, spec, "fields")
    assert not diagnostics.items
    wire = {"symbol": "BTC", "price": 1.5, "\uff53ymbol2": "s", "nested": {"\ufb01eld": "f"}}
    with imported(out, "fields") as package:
        ticker = package.models.Ticker.model_validate(wire)
        assert ticker.symbol2 == "s" and ticker.nested is not None and ticker.nested.field == "f"
        assert ticker.model_dump(by_alias=True, exclude_unset=True) == wire


def test_nfkc_lookalikes_of_each_other_are_a_diagnostic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(mutate("        channels: {", "        \ufb01eld: { type: string }\n        field: { type: string }\n"
                           "        channels: {"), encoding="utf-8")
    assert main([str(spec), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "spec.yaml:22:3: error NOVA071: " in err and "after NFKC normalisation" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("request_name", ["\uff43lose", "metrics", "log", "options", "url", "handlers", "request_timeout"])
def test_requests_named_like_client_attributes_are_suffixed(tmp_path: Path, request_name: str) -> None:
    out, diagnostics = generated(tmp_path, mutate("  get_time:", f"  {request_name}:"), "shadow")
    python = request_name.replace("\uff43", "c")
    assert [(d.code, d.severity) for d in diagnostics.items] == [("NOVA070", "warning")]
    assert f"it is named {python + '_'!r}" in diagnostics.items[0].message
    with imported(out, "shadow") as package:
        client = package.ShadowClient
        assert inspect.iscoroutinefunction(getattr(client, python + "_"))
        # the runtime's own attribute is untouched
        assert getattr(client, python, None) is getattr(BaseClient, python, None)


async def test_parameters_named_like_module_names_work_against_the_local_server(tmp_path: Path) -> None:
    """``models`` and ``dump_params`` used to shadow the modules the method body uses:
    ``find(symbol="BTC")`` raised AttributeError."""
    spec = mutate("requests:\n", "requests:\n  find:\n    method: public/find\n    params:\n"
                  "      type: object\n      required: [symbol]\n      properties:\n"
                  "        symbol: { type: string }\n        models: { type: string }\n"
                  "        dump_params: { type: string }\n"
                  "    result: { type: object, properties: { symbol: { type: string } } }\n"
                  "    examples:\n      - params: { symbol: BTC }\n        result: { symbol: BTC }\n")
    out, diagnostics = generated(tmp_path, spec, "shadowing")
    assert sorted(d.message.split("it is named ")[1] for d in diagnostics.items) == ["'dump_params_'", "'models_'"]
    spec_path = tmp_path / "spec.yaml"
    api = load_api(spec_path, Diagnostics(), tmp_path)
    with imported(out, "shadowing") as package:
        async with asyncio.timeout(10), SpecServer(api) as server:
            async with package.ShadowingClient.connect(url=server.url) as client:
                result = await client.find(symbol="BTC")
                assert result.symbol == "BTC"
                both = await client.find(symbol="BTC", models_="m", dump_params_="d")
                assert both.symbol == "BTC"
    sent = [f for f in server.received if f.get("method") == "public/find"]
    assert [f["params"] for f in sent] == [{"symbol": "BTC"}, {"symbol": "BTC", "models": "m", "dump_params": "d"}]


@pytest.mark.parametrize("package", ["import", "async", "websockets", "pydantic", "json", "t" * 300])
def test_package_names_that_cannot_be_imported_are_a_diagnostic(
    tmp_path: Path, package: str, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(mutate("name: tickers", f"name: {package}"), encoding="utf-8")
    assert main([str(spec), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "spec.yaml:2:7: error NOVA072: " in err, err
    assert "Traceback" not in err and not (tmp_path / "out").exists()


def test_names_that_used_to_crash_generate(tmp_path: Path) -> None:
    """``errors: {10028: {name: none}}`` gave ``class None`` (exit 3); a 300-character
    request name is a long but valid method name; a schema ``Decimal`` shadowed the import."""
    long_name = "g" * 300
    spec = add_section("errors:\n  10028: { name: none }\n", mutate("  get_time:", f"  {long_name}:"))
    spec = mutate('{ $ref: "#/schemas/Ticker" }', '{ $ref: "#/schemas/Decimal" }', spec)
    spec = spec + "  Decimal:\n    type: object\n    properties: { price: { type: number } }\n"
    out, diagnostics = generated(tmp_path, spec, "crashers")
    assert not diagnostics.has_errors
    assert sorted(d.message.split("it is named ")[1] for d in diagnostics.items) == ["'DecimalModel'", "'None_'"]
    with imported(out, "crashers") as package:
        errors = importlib.import_module("crashers.errors")
        assert issubclass(errors.None_, errors.CrashersError)
        assert inspect.iscoroutinefunction(getattr(package.CrashersClient, long_name))
        assert package.models.DecimalModel.model_validate({"price": 1.5}).price == 1.5


def test_a_custom_template_that_prints_raw_spec_text_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The template environment prints only escaped text: a custom template pasting the title
    raw (which would let a spec inject code) stops generation with exit 2."""
    templates = tmp_path / "templates"
    templates.mkdir()
    builtin = (REPO / "templates" / "errors.py.jinja").read_text("utf-8")
    (templates / "errors.py.jinja").write_text(builtin.replace("{{ plan.api.title | docstring }}", "{{ plan.api.title }}"))
    spec = tmp_path / "spec.yaml"
    spec.write_text(mutate("title: Example ticker API", f"title: '{INJECTION}'"), encoding="utf-8")
    assert main([str(spec), "-o", str(tmp_path / "out"), "--templates", str(templates)]) == 2
    err = capsys.readouterr().err
    assert "errors.py.jinja" in err and "raw" in err and "internal error" not in err
    assert not (tmp_path / "out").exists()
    # the same spec with the built-in templates generates
    assert main([str(spec), "-o", str(tmp_path / "out")]) == 0


ASYNCAPI_HOOKS = """asyncapi: 3.0.0
info: { title: Hooks, version: '1' }
servers:
  prod: { host: 127.0.0.1, protocol: ws }
channels:
  root:
    address: /
    messages:
      error: { payload: { type: object, properties: { type: { const: error } } } }
      disconnect: { payload: { type: object, properties: { type: { const: disconnect } } } }
operations:
  listen:
    action: send
    channel: { $ref: '#/channels/root' }
    messages: [{ $ref: '#/channels/root/messages/error' }, { $ref: '#/channels/root/messages/disconnect' }]
"""


def test_asyncapi_messages_named_like_runtime_hooks_get_suffixed_hooks(tmp_path: Path) -> None:
    """An AsyncAPI message ``error`` or ``disconnect`` used to stop generation (its hook
    ``on_error``/``on_disconnect`` is the runtime's); now the hook is ``on_error_``."""
    spec = tmp_path / "hooks.yaml"
    spec.write_text(ASYNCAPI_HOOKS, encoding="utf-8")
    diagnostics = Diagnostics()
    result = generate(spec, RenderOptions(), diagnostics, base=tmp_path)
    write(tmp_path / "out" / result.package, result.files)
    assert sorted(d.message.split("it is named ")[1] for d in diagnostics.items if d.code == "NOVA070") == [
        "'on_disconnect_'", "'on_error_'"]
    with imported(tmp_path / "out", result.package) as package:
        handlers = package.HooksHandlers
        assert inspect.iscoroutinefunction(handlers.on_error_) and inspect.iscoroutinefunction(handlers.on_disconnect_)
        assert handlers.on_error is BaseHandlers.on_error and handlers.on_disconnect is BaseHandlers.on_disconnect
        protocol = importlib.import_module(f"{result.package}._protocol").PROTOCOL
        assert sorted(e.hook for e in protocol.events) == ["on_disconnect_", "on_error_"]


def test_parameters_self_and_timeout_are_suffixed(tmp_path: Path) -> None:
    spec = mutate("        channels: {", "        self: { type: string }\n        timeout: { type: number }\n        channels: {")
    spec = mutate("    method: public/subscribe\n", "    method: public/subscribe\n    public: true\n", spec)
    out, diagnostics = generated(tmp_path, spec, "plain_shadow")
    assert [d.message.split("it is named ")[1] for d in diagnostics.items] == ["'self_'", "'timeout_'"]
    with imported(out, "plain_shadow") as package:
        parameters = inspect.signature(package.PlainShadowClient.subscribe).parameters
    assert list(parameters) == ["self", "self_", "timeout_", "channels", "timeout"]

