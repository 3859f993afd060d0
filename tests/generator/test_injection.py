"""Property: whatever text a spec holds, generated code compiles and runs nothing of it.

Random strings (quotes, triple quotes, backslashes, newlines, braces, unicode, and bits of
Python) go into every place a spec's text reaches generated code. The generator must either
produce files that compile and contain no injected statement, or reject the spec with
SpecError; any other exception is a bug.
"""

from __future__ import annotations

import ast
import importlib
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nova_gen.diagnostics import Diagnostics, SpecError
from nova_gen.loader import load_api
from nova_gen.output import write
from nova_gen.planner import plan
from nova_gen.render import TEMPLATES, RenderOptions, _environment, context, header, render_package

PAYLOADS = [
    '"', "'", '"""', "'''", "\\", "\\\n", "\n", "\r\n", "{", "}", "{x}", "{{", "}}", "#", "\x00", "\u2028",
    "é", "日本", "😀", "\u200b", '"""; __import__(\'os\').system(\'echo pwned\'); """',
    "'''\n__import__('os')\n'''", '\\"""\n__import__("os")\n', "\nimport os\n", "{{ 7*7 }}", "{% if 1 %}x{% endif %}",
    "__import__('os')", ") -> None:\n    __import__('os')\n", "x' + __import__('os') + '",
]
text = st.one_of(
    st.sampled_from(PAYLOADS),
    st.text(max_size=12),
    st.lists(st.one_of(st.sampled_from(PAYLOADS), st.text(max_size=4)), max_size=4).map("".join),
)
SLOTS = (
    "title description version url server_description method summary request_description field "
    "field_description enum1 enum2 literal1 literal2 channel_summary error error_description "
    "schema_title schema_description field2 enum3"
).split()
FORBIDDEN_CALLS = {"__import__", "exec", "eval", "system", "compile", "open"}


def spec_for(t: dict[str, str]) -> dict[str, Any]:
    return {
        "nova": 1,
        "name": "fuzz",
        "title": t["title"],
        "description": t["description"],
        "version": t["version"],
        "servers": {"main": {"url": "wss://" + t["url"], "description": t["server_description"]}},
        "envelope": {"preset": "jsonrpc2"},
        "requests": {
            "get_thing": {
                "method": t["method"] or "m",
                "summary": t["summary"],
                "description": t["request_description"],
                "params": {
                    "type": "object",
                    "properties": {
                        t["field"]: {"type": "string", "description": t["field_description"]},
                        "kind": {"enum": [t["enum1"], t["enum2"]]},
                    },
                },
                "result": {"$ref": "#/schemas/Thing"},
            },
            "subscribe": {
                "method": "public/subscribe" if t["method"] != "public/subscribe" else "sub",
                "params": {"type": "object", "properties": {"channels": {"type": "array", "items": {"type": "string"}}}},
            },
        },
        "subscriptions": {"public": {"subscribe": "subscribe", "addresses": "/channels"}},
        "channels": {
            "feed": {
                "address": t["literal1"] + "{symbol}" + t["literal2"],
                "parameters": {"symbol": {"type": "string"}},
                "summary": t["channel_summary"],
                "message": {"$ref": "#/schemas/Thing"},
            }
        },
        "errors": {"1001": {"name": t["error"], "description": t["error_description"]}},
        "schemas": {
            "Thing": {
                "type": "object",
                "title": t["schema_title"],
                "description": t["schema_description"],
                "properties": {t["field2"]: {"type": "string", "enum": [t["enum3"]]}},
            }
        },
    }


def render_templates(planned: Any) -> dict[str, str]:
    """The template files, unformatted: black and datamodel-code-generator cost ~1 s a spec."""
    env = _environment(None)
    ctx = {**context(planned, RenderOptions()), "header": header(planned.api.source)}
    return {name: env.get_template(name + ".jinja").render(ctx) for name in TEMPLATES}


def check_no_injection(name: str, source: str) -> None:
    tree = ast.parse(compile(source, name, "exec", ast.PyCF_ONLY_AST))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            assert called not in FORBIDDEN_CALLS, f"{name}: call to {called}"
        if isinstance(node, ast.Name):
            assert node.id not in FORBIDDEN_CALLS, f"{name}: name {node.id}"
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            assert all(a.name != "os" for a in node.names) and getattr(node, "module", None) != "os", name


def check_client_shape(source: str) -> None:
    tree = ast.parse(source)
    kinds = []
    for node in tree.body:
        if isinstance(node, ast.Expr):
            assert isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
            kinds.append("doc")
        elif isinstance(node, ast.ImportFrom):
            kinds.append("import")
        elif isinstance(node, ast.Assign):
            assert [t.id for t in node.targets if isinstance(t, ast.Name)] == ["__all__"]
            kinds.append("__all__")
        elif isinstance(node, ast.ClassDef):
            assert node.name == "FuzzClient"
            methods = [n.name for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
            assert methods == ["connect", "get_thing", "subscribe", "subscribe_feed", "unsubscribe_feed"]
            assert all(
                isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                or (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))
                for n in node.body
            )
            kinds.append("class")
        else:
            raise AssertionError(f"unexpected top-level statement {ast.dump(node)[:80]}")
    assert kinds[0] == "doc" and kinds.count("class") == 1 and kinds[-1] == "class"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({slot: text for slot in SLOTS}))
def test_spec_text_never_becomes_code(strings: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.yaml"
        path.write_text(yaml.safe_dump(spec_for(strings), allow_unicode=True), encoding="utf-8")
        diagnostics = Diagnostics()
        try:
            planned = plan(load_api(path, diagnostics), diagnostics)
            files = render_templates(planned)
        except SpecError:
            assert diagnostics.has_errors
            return
    for name, source in files.items():
        if name.endswith(".py"):
            check_no_injection(name, source)
    check_client_shape(files["client.py"])


NASTY = "\n".join(PAYLOADS)


def test_nasty_text_in_free_text_slots_generates_and_compiles(tmp_path: Path) -> None:
    """One full generation (black and datamodel-code-generator included) that must succeed."""
    strings = dict.fromkeys(SLOTS, NASTY)
    strings.update(
        url="example.com/ws?q='\"\\",
        method="pub'lic/\"get\"",
        field="from",
        literal1="feed.'\"\\.",
        literal2=".x",
        error="too many '\" requests",
        field2="class",
    )
    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(spec_for(strings), allow_unicode=True), encoding="utf-8")
    diagnostics = Diagnostics()
    planned = plan(load_api(path, diagnostics), diagnostics)
    files = render_package(planned, RenderOptions(runtime_import="nova_gen.runtime"), diagnostics)
    assert not diagnostics.has_errors
    for name, source in files.items():
        if name.endswith(".py"):
            check_no_injection(name, source)
    check_client_shape(files["client.py"])
    write(tmp_path / "out" / "fuzz", files)
    sys.path.insert(0, str(tmp_path / "out"))
    try:
        protocol = importlib.import_module("fuzz._protocol").PROTOCOL
        client = importlib.import_module("fuzz.client").FuzzClient
    finally:
        sys.path.remove(str(tmp_path / "out"))
        for module in [m for m in sys.modules if m == "fuzz" or m.startswith("fuzz.")]:
            del sys.modules[module]
    # the text survives as text, escapes and all
    assert '"""; __import__(\'os\')' in client.__doc__ and "\x00" in client.__doc__
    assert protocol.servers["main"] == "wss://" + strings["url"]
    assert protocol.channels[0].address == strings["literal1"] + "{symbol}" + strings["literal2"]
