"""Property: whatever text a spec holds, generated code compiles and runs nothing of it.

Random strings (quotes, triple quotes, backslashes, newlines, braces, unicode, and bits of
Python) go into every place a spec's text reaches generated code. The generator must either
produce files that compile and contain no injected statement, or reject the spec with
SpecError; any other exception is a bug.
"""

from __future__ import annotations

import ast
import importlib
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from nova_gen.diagnostics import Diagnostics, SpecError
from nova_gen.loader import load_api
from nova_gen.output import write
from nova_gen.pipeline import generate
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
                "public": True,  # a method too, not only the channels' plumbing
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
    """The template files, unformatted: ruff and datamodel-code-generator cost ~1 s a spec."""
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
    """One full generation (ruff and datamodel-code-generator included) that must succeed."""
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
    files = render_package(planned, RenderOptions(), diagnostics)
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


# -- every string slot, whole pipeline, compared with the same spec in plain text ----------------
#
# One drawn case fuzzes a few slots of a nova spec or an AsyncAPI document (the others keep
# their plain text) and generates the whole package, ruff and datamodel-code-generator
# included. The result must be a diagnostic (SpecError, exit 2) or a package that compiles,
# whose AST has no statement, call or import that the all-plain baseline lacks, and (for a
# bounded, deterministic set of cases, in one batch) passes `mypy --strict`.
# NOVA_GEN_FUZZ_EXAMPLES raises the number of drawn cases (default: a few, for `make test`, drawn
# deterministically), NOVA_GEN_FUZZ_MYPY the number of packages per language mypy checks,
# NOVA_GEN_FUZZ_SLOTS how many slots one case may fuzz at once.

FUZZ_EXAMPLES = int(os.environ.get("NOVA_GEN_FUZZ_EXAMPLES", "10"))
FUZZ_SLOTS = int(os.environ.get("NOVA_GEN_FUZZ_SLOTS", "3"))
"""At most this many slots get arbitrary text in one case; the others keep their plain text."""
MYPY_CASES = int(os.environ.get("NOVA_GEN_FUZZ_MYPY", "3"))
"""Generated packages per language that go through `mypy --strict` (one mypy run for all)."""
HOSTILE = [
    "self", "timeout", "models", "dump_params", "close", "metrics", "error", "disconnect", "Decimal", "None",
    "none", "import", "async", "\uff53elf", "\uff54imeout", "\ufb01eld", "\uff43lose", "__init__", "__x", "_",
    "PROTOCOL", "wire_params", "handshake", "BaseModel", "__slots__", "_private", "g" * 300, "x\ud800y", "\U0001d530\U0001d522\U0001d529\U0001d523",
]
fuzz_text = st.one_of(text, st.sampled_from(HOSTILE))

NOVA_SLOTS = {
    "title": "Plain title", "description": "Plain description", "version": "1.0", "server": "main",
    "server_url": "example.com/ws", "server_description": "Plain server", "request": "get_thing",
    "method": "public/get_thing", "summary": "Plain summary", "request_description": "Plain request",
    "param": "plain-param", "param_description": "Plain param", "enum1": "one", "enum2": "two",
    "default": "plain default", "example": "plain example", "channel": "feed", "literal1": "feed.",
    "literal2": ".x", "channel_param": "plain_symbol", "channel_summary": "Plain channel", "event": "notice",
    "event_summary": "Plain event", "event_value": "notice", "error": "plain_error",
    "error_description": "Plain error", "credential": "client_id", "env": "FUZZ_CLIENT_ID",
    "heartbeat_text": "ping", "heartbeat_pong": "pong", "ping_text": "hb", "ping_reply": "hb-ok",
    "client_ping": "cping", "client_pong": "cpong", "schema": "Thing", "schema_title": "Plain schema",
    "schema_description": "Plain schema text", "field": "plain-field", "field_description": "Plain field",
    "field_enum": "yes", "field_default": "dflt", "x_nova_name": "plain_name",
}

ASYNCAPI_SLOTS = {
    "title": "Plain title", "version": "1.0", "description": "Plain description", "server": "main",
    "server_description": "Plain server", "variable": "region", "variable_default": "eu",
    "variable_description": "Plain region", "address_param": "plain_symbol", "param_description": "Plain symbol",
    "query": "plain-depth", "query_default": "10", "query_description": "Plain depth", "request": "ask-thing",
    "request_summary": "Plain ask", "method": "ask", "field": "plain-field", "field_description": "Plain field",
    "field_enum": "yes", "field_example": "plain example", "reply_default": "plain reply", "event": "news-flash",
    "event_summary": "Plain event", "event_const": "news", "event_field": "plain-headline",
    "operation_summary": "Plain operation", "apikey": "api-key", "apikey_description": "Plain key",
    "address_literal": "/feed/", "error": "plain_error", "error_description": "Plain error",
    "client_ping": "cping", "client_pong": "cpong",
}


def nova_doc(t: dict[str, str], name: str) -> dict[str, Any]:
    return {
        "nova": 1,
        "name": name,
        "title": t["title"],
        "description": t["description"],
        "version": t["version"],
        "servers": {t["server"]: {"url": "wss://" + t["server_url"], "description": t["server_description"]}},
        "default_server": t["server"],
        "envelope": {"preset": "jsonrpc2"},
        "requests": {
            t["request"]: {
                "method": t["method"],
                "summary": t["summary"],
                "description": t["request_description"],
                "params": {
                    "type": "object",
                    "properties": {
                        t["param"]: {"type": "string", "description": t["param_description"]},
                        "kind": {"enum": [t["enum1"], t["enum2"]]},
                        "mode": {"type": "string", "default": t["default"], "examples": [t["example"]]},
                    },
                },
                "result": {"$ref": "#/schemas/" + t["schema"]},
            },
            "subscribe": {
                "method": "public/subscribe" if t["method"] != "public/subscribe" else "sub",
                "public": True,  # a method too, not only the channels' plumbing
                "params": {"type": "object", "properties": {"channels": {"type": "array", "items": {"type": "string"}}}},
            },
            "login": {"method": "public/login" if t["method"] != "public/login" else "login", "result": {}},
        },
        "subscriptions": {"public": {"subscribe": "subscribe", "addresses": "/channels"}},
        "channels": {
            t["channel"]: {
                "address": t["literal1"] + "{" + t["channel_param"] + "}" + t["literal2"],
                "parameters": {t["channel_param"]: {"type": "string"}},
                "summary": t["channel_summary"],
                "message": {"$ref": "#/schemas/" + t["schema"]},
            }
        },
        "events": {
            t["event"]: {
                "when": {"equals": {"/method": t["event_value"]}},
                "summary": t["event_summary"],
                "message": {"type": "object"},
            }
        },
        "auth": {
            "request": "login",
            "credentials": {t["credential"]: {"env": t["env"], "secret": True}},
            "params": {"key": "{" + t["credential"] + "}"},
        },
        "heartbeat": {
            "server_pings": [
                {"when": {"equals": {"/type": t["heartbeat_text"]}}, "reply": {"text": t["heartbeat_pong"]}},
                {"text": t["ping_text"], "reply": {"text": t["ping_reply"]}},
            ],
            "client_ping": {"send": {"text": t["client_ping"]}, "pong_text": t["client_pong"], "interval": 20, "timeout": 10},
        },
        "errors": {"1001": {"name": t["error"], "description": t["error_description"]}},
        "schemas": {
            t["schema"]: {
                "type": "object",
                "title": t["schema_title"],
                "description": t["schema_description"],
                "properties": {
                    t["field"]: {"type": "string", "description": t["field_description"], "enum": [t["field_enum"]]},
                    "renamed": {"type": "string", "default": t["field_default"], "x-nova-name": t["x_nova_name"]},
                },
            }
        },
    }


def _entries(value: Any) -> int:
    """How many mapping entries and list items a document has, at any depth."""
    if isinstance(value, dict):
        return len(value) + sum(_entries(v) for v in value.values())
    if isinstance(value, list):
        return len(value) + sum(_entries(v) for v in value)
    return 0


def _pointer(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def asyncapi_doc(t: dict[str, str], name: str) -> dict[str, Any]:
    root = {"$ref": "#/channels/root"}
    message = lambda key: {"$ref": "#/channels/root/messages/" + _pointer(key)}  # noqa: E731
    corr = {"location": "$message.payload#/reqid"}
    return {
        "asyncapi": "3.0.0",
        "info": {"title": t["title"], "version": t["version"], "description": t["description"]},
        "x-nova": {
            "name": name,
            "errors": {"1": {"name": t["error"], "description": t["error_description"]}},
            "heartbeat": {
                "client_ping": {"send": {"text": t["client_ping"]}, "pong_text": t["client_pong"], "interval": 20, "timeout": 10}
            },
        },
        "servers": {
            t["server"]: {
                "host": "{" + t["variable"] + "}.example.com",
                "protocol": "wss",
                "description": t["server_description"],
                "variables": {
                    t["variable"]: {
                        "default": t["variable_default"],
                        "enum": [t["variable_default"], "us"] if t["variable_default"] != "us" else ["us"],
                        "description": t["variable_description"],
                    }
                },
                "security": [{"$ref": "#/components/securitySchemes/key"}],
            }
        },
        "channels": {
            "root": {
                "address": t["address_literal"] + "{" + t["address_param"] + "}",
                "parameters": {t["address_param"]: {"description": t["param_description"]}},
                "bindings": {
                    "ws": {
                        "query": {
                            "type": "object",
                            "properties": {
                                t["query"]: {"type": "string", "default": t["query_default"],
                                             "description": t["query_description"]}
                            },
                        }
                    }
                },
                "messages": {
                    t["request"]: {
                        "summary": t["request_summary"],
                        "payload": {
                            "type": "object",
                            "properties": {
                                "event": {"const": t["method"]},
                                "reqid": {"type": "integer"},
                                t["field"]: {"type": "string", "description": t["field_description"],
                                             "enum": [t["field_enum"]], "examples": [t["field_example"]]},
                            },
                        },
                        "correlationId": corr,
                    },
                    "answer": {
                        "payload": {
                            "type": "object",
                            "properties": {
                                "event": {"const": "answer" if t["method"] != "answer" else "answer2"},
                                "reqid": {"type": "integer"},
                                "value": {"type": "string", "default": t["reply_default"]},
                            },
                        },
                        "correlationId": corr,
                    },
                    t["event"]: {
                        "summary": t["event_summary"],
                        "payload": {
                            "type": "object",
                            "properties": {
                                "event": {"const": t["event_const"]},
                                t["event_field"]: {"type": "string"},
                            },
                        },
                    },
                },
            }
        },
        "operations": {
            "ask": {
                "action": "receive",
                "channel": root,
                "summary": t["operation_summary"],
                "messages": [message(t["request"])],
                "reply": {"channel": root, "messages": [message("answer")]},
            },
            "listen": {"action": "send", "channel": root, "messages": [message("answer"), message(t["event"])]},
        },
        "components": {
            "securitySchemes": {
                "key": {"type": "httpApiKey", "in": "query", "name": t["apikey"], "description": t["apikey_description"]}
            }
        },
    }


LANGUAGES = {"nova": (NOVA_SLOTS, nova_doc), "asyncapi": (ASYNCAPI_SLOTS, asyncapi_doc)}


def generate_doc(folder: Path, doc: dict[str, Any]) -> dict[str, str] | None:
    """The generated files, or None when the spec is rejected with diagnostics (exit 2)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "spec.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    diagnostics = Diagnostics()
    try:
        return generate(path, RenderOptions(), diagnostics, base=folder).files
    except SpecError:
        errors = [d for d in diagnostics.items if d.severity == "error"]
        assert errors and all(d.position.line >= 1 and d.position.column >= 1 for d in errors)
        return None


def _defined(tree: ast.Module) -> set[str]:
    """Names a generated module takes from the spec: what it defines (classes, functions,
    constants) and what it imports from the package's own modules."""
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.ImportFrom) and node.level and not (node.module or "").startswith("_runtime"):
            names.update(a.asname or a.name for a in node.names)
    return names


def _target(node: ast.expr, defined: set[str]) -> str:
    if isinstance(node, ast.Name):
        return "<generated>" if node.id in defined else node.id
    if isinstance(node, ast.Attribute):
        return _target(node.value, defined) + "." + ("<generated>" if node.attr in defined else node.attr)
    return "<" + type(node).__name__ + ">"


def shape(files: dict[str, str]) -> dict[str, tuple[Counter[str], Counter[str], set[tuple[str, str]]]]:
    """Per file: statement kinds, call targets and imports, with the package's own names
    (which follow the spec's names) written as ``<generated>``."""
    out = {}
    for name, source in files.items():
        if not name.endswith(".py") or name.startswith("_runtime/"):
            continue
        tree = ast.parse(source)
        defined = _defined(tree)
        statements = Counter(type(n).__name__ for n in ast.walk(tree) if isinstance(n, ast.stmt))
        calls = Counter(_target(n.func, defined) for n in ast.walk(tree) if isinstance(n, ast.Call))
        imports = {
            (node.module or "" if isinstance(node, ast.ImportFrom) else "", "<generated>" if a.name in defined else a.name)
            for node in ast.walk(tree)
            if isinstance(node, (ast.Import, ast.ImportFrom))
            for a in node.names
        }
        out[name] = (statements, calls, imports)
    return out


_baselines: dict[str, Any] = {}


def baseline(language: str, root: Path) -> Any:
    if language not in _baselines:
        slots, build = LANGUAGES[language]
        files = generate_doc(root / f"{language}_baseline", build(slots, f"{language}_base"))
        assert files is not None, f"the plain {language} spec must generate"
        _baselines[language] = shape(files)
    return _baselines[language]


def check_against_baseline(files: dict[str, str], base: Any) -> None:
    for name, source in files.items():
        if name.endswith(".py"):
            compile(source, name, "exec")  # a SyntaxError here is invalid output with exit 0
    fuzzed = shape(files)
    assert fuzzed.keys() == base.keys()
    for name, (statements, calls, imports) in fuzzed.items():
        base_statements, base_calls, base_imports = base[name]
        assert not statements - base_statements, (name, statements - base_statements)
        assert not calls - base_calls, (name, calls - base_calls)
        assert imports <= base_imports, (name, imports - base_imports)


def run_mypy(root: Path, packages: list[str]) -> None:
    """`mypy --strict` once over every collected package (each in its own folder under root)."""
    (root / "mypypath").mkdir(exist_ok=True)
    link = root / "mypypath" / "nova_gen"
    if not link.exists():
        link.symlink_to(Path(__file__).resolve().parents[2] / "generator")
    folders = sorted({str(p.parent.parent) for p in root.glob("case_*/out/*/__init__.py")})
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--python-version", "3.11",
         *[a for pkg in packages for a in ("-p", pkg)]],
        capture_output=True, text=True, timeout=600, cwd=root,
        env={**os.environ, "MYPYPATH": os.pathsep.join([str(root / "mypypath"), *folders])},
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_arbitrary_text_in_any_slot_is_a_diagnostic_or_safe_typed_code(language: str, tmp_path: Path) -> None:
    slots, build = LANGUAGES[language]
    base = baseline(language, tmp_path)
    counter = iter(range(10**6))
    typed: list[str] = []
    outcomes: Counter[str] = Counter()

    @settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        derandomize="NOVA_GEN_FUZZ_EXAMPLES" not in os.environ,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        database=None,
    )
    @given(st.dictionaries(st.sampled_from(sorted(slots)), fuzz_text, min_size=1, max_size=FUZZ_SLOTS))
    @example({"error": "handshake"})  # cases an earlier run found, kept
    @example({"event": "0"})
    @example({"title": '""" + str(__import__("os").system("touch MARKER")) + """', "server": '"""; import os; """'})
    def case(fuzzed: dict[str, str]) -> None:
        n = next(counter)
        package = f"{language}_fuzz_{n}"
        doc = build({**slots, **fuzzed}, package)
        # Two slots drawn equal that are keys of one mapping (a request and an event named
        # alike) make another spec, not the same one with other text: not comparable.
        assume(_entries(doc) == _entries(build(slots, package)))
        files = generate_doc(tmp_path / f"case_{n}", doc)
        if files is None:
            outcomes["diagnostic"] += 1
            return
        outcomes["generated"] += 1
        check_against_baseline(files, base)
        if len(typed) < MYPY_CASES:
            write(tmp_path / f"case_{n}" / "out" / package, files)
            typed.append(package)

    case()
    print(f"{language}: {dict(outcomes)}; mypy --strict over {len(typed)} packages")
    assert outcomes["generated"] + outcomes["diagnostic"] >= FUZZ_EXAMPLES
    if typed:
        run_mypy(tmp_path, typed)
