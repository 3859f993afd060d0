"""Seeded structural fuzz: real specs with their structure broken give diagnostics, never an
internal error.

Every case takes one of the repository's specs (nova and AsyncAPI, with the files they
``$ref`` and their overlays), breaks it in one to three places (a list where a mapping is
expected, a mapping where a string is, null, booleans, huge and absurd numbers, deep nesting,
unknown and missing keys, ``$ref``s that lead anywhere; sometimes a bit of YAML syntax such
as a tag or an alias dropped into the text), and runs it through the generator.
The only acceptable outcomes are success or :class:`SpecError` (exit 0 or 2); anything else
is a bug, reported with the seed and the mutations that found it. The seeds and the number
of cases are fixed, so a run is the same everywhere and takes a few seconds;
``NOVA_FUZZ_CASES=2000 NOVA_FUZZ_SEED=7`` explores further, and ``NOVA_FUZZ_WILD=all`` takes
every document of the public corpus (``tests/asyncapi/corpus``) instead of a few.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import random
import shutil
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from mypy import api as mypy_api

from nova_gen.cli import main
from nova_gen.diagnostics import Diagnostics, SpecError
from nova_gen.loader import load_api
from nova_gen.loader.refs import RefResolver
from nova_gen.planner import plan
from nova_gen.render import RenderOptions, render_package

from .conftest import diagnose, mutate, write_files

ROOT = Path(__file__).resolve().parents[2]
CASES = int(os.environ.get("NOVA_FUZZ_CASES", "150"))
SEED = int(os.environ.get("NOVA_FUZZ_SEED", "0"))
RENDERED = int(os.environ.get("NOVA_FUZZ_RENDERED", "4"))
"""Cases that pass validation are also rendered (models, templates, ruff), up to this many."""
TYPECHECK = os.environ.get("NOVA_FUZZ_MYPY") == "1"
"""Each rendered package is also checked with ``mypy --strict`` (exploration: seconds per
package): a spec nova-gen generates with exit status 0 must give code that type-checks."""


@dataclass(frozen=True)
class Corpus:
    folder: Path
    spec: str
    """The spec, relative to ``folder``."""
    others: tuple[str, ...] = ()
    """The files it references and its overlay, relative to ``folder``."""


KRAKEN = "kraken-websocket-request-reply-multiple-channels-asyncapi"
NOVA = [
    Corpus(ROOT / "tests" / "generator", "base_spec.yaml"),
    Corpus(ROOT / "specs", "graphql_ws.yaml"),
    Corpus(ROOT / "specs", "binance.yaml"),
    Corpus(ROOT / "specs", "ethereum.yaml"),
]
ASYNCAPI = [
    Corpus(ROOT / "specs" / "asyncapi", "websocket-gemini.yml"),
    Corpus(ROOT / "specs" / "asyncapi", f"{KRAKEN}.yml", (f"{KRAKEN}.nova.yaml",)),
    Corpus(ROOT / "specs" / "asyncapi", "slack-rtm.yml", ("slack-rtm.nova.yaml",)),
    Corpus(ROOT / "tests" / "asyncapi" / "docs", "client-side.yml", ("common/messages.yaml", "common/schemas.yaml")),
]

# The test's own reading and writing uses libyaml when it is there, only for speed.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@functools.cache
def parsed(path: Path) -> Any:
    return yaml.load(path.read_text("utf-8"), Loader=_LOADER)


WILD = ROOT / "tests" / "asyncapi" / "corpus"


def refs(value: Any) -> Iterator[str]:
    """Every string ``$ref`` in a parsed document."""
    if isinstance(value, dict):
        if isinstance(value.get("$ref"), str):
            yield value["$ref"]
        for v in value.values():
            yield from refs(v)
    elif isinstance(value, list):
        for v in value:
            yield from refs(v)


def referenced(folder: Path, name: str, found: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The files ``name`` ``$ref``s, directly or through each other, relative to ``folder``."""
    for target in refs(parsed(folder / name)):
        file = target.split("#")[0]
        other = (folder / name).parent.joinpath(file).resolve().relative_to(folder).as_posix() if file else name
        if other not in found and other != name:
            found = referenced(folder, other, (*found, other))
    return found


def wild(document: str) -> Corpus:
    """A public document of ``tests/asyncapi/corpus`` (a path under it), with the files it refers to."""
    folder = WILD / document.split("/")[0]
    spec = document.split("/", 1)[1]
    return Corpus(folder, spec, referenced(folder, spec))


WILD_FEW = [
    wild("asyncapi-generator/asyncapi-hoppscotch-client.yml"),  # 3.0, $refs across three files
    wild("asyncapi-rust-ws-template/v2.yaml"),  # 2.1, CRLF, bindings on every channel
    wild("ballerina-asyncapi-tools/graphqloverwebsocket.yaml"),  # 2.5, x- extensions
    wild("chanx/client_generation/multiplex_schema.json"),  # 3.0 in JSON
]


def wild_corpora() -> list[Corpus]:
    """``WILD_FEW``, or with ``NOVA_FUZZ_WILD=all`` every root document of the public corpus."""
    if os.environ.get("NOVA_FUZZ_WILD") != "all":
        return WILD_FEW
    files = [p for p in sorted(WILD.rglob("*")) if p.suffix in (".yml", ".yaml", ".json")]
    roots = [p for p in files if isinstance(parsed(p), dict) and "asyncapi" in parsed(p)]
    return [wild(p.relative_to(WILD).as_posix()) for p in roots]


REFS = [
    "#", "#/", "#/schemas", "#/nope", "#/components/schemas", "#/channels", "#/requests/x/result",
    "other.yaml#/x", "./", "..", "/etc/hostname", "#/info", "#/servers", "common/schemas.yaml",
    "common/messages.yaml#/", "#/components/messages",
]
TEXTS = ["", " ", "{", "}", "{x}", "a.{b}.{b}", "$ref", "#/x", "-", "0", "true", "null", "ws://", "wss://[::1",
         "é", "x" * 300, "\t\n", "on_error", "import", "1e400"]


def scalars(rng: random.Random) -> Any:
    return rng.choice([
        None, True, False, 0, -1, 1.5, 10**40, -(10**40), 1e308, -1e308, float("inf"),
        rng.choice(TEXTS), rng.randrange(-10**6, 10**6),
    ])


def nested(rng: random.Random, value: Any) -> Any:
    """``value`` under 20 to 70 levels of lists and mappings (past the depth limit or not)."""
    for _ in range(rng.randrange(20, 70)):
        value = [value] if rng.random() < 0.5 else {"k": value}
    return value


def replacement(rng: random.Random, old: Any) -> Any:
    """Something of another shape than ``old``."""
    kind = rng.randrange(9)
    if kind == 0:
        return scalars(rng)
    if kind == 1:
        return [] if rng.random() < 0.3 else [old] if rng.random() < 0.5 else list(old.values()) if isinstance(old, dict) else [scalars(rng)]
    if kind == 2:
        return {} if rng.random() < 0.3 else {"k": old} if rng.random() < 0.5 else {str(scalars(rng)): scalars(rng)}
    if kind == 3:
        return {"$ref": rng.choice(REFS + [5, None, ["#"]])}
    if kind == 4:
        return nested(rng, scalars(rng))
    if kind == 5:
        return str(old)[:50] if not isinstance(old, str) else {"type": old}
    if kind == 6:
        return {"type": rng.choice(["object", "array", "string", "strng", 5, None, ["object", "null"]]),
                "properties": rng.choice([{}, [], {"a": None}, {"a": {"$ref": rng.choice(REFS)}}, "x"])}
    if kind == 7:
        return rng.choice([True, False, None])
    return 9 * 10**rng.choice([20, 99, 150])  # past the number limit at 150 digits


def pointers(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for k, v in value.items():
            yield from pointers(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from pointers(v, (*path, i))


LINKS = [
    "REF", "{allOf: [REF]}", "{anyOf: [REF, REF]}", "{oneOf: [REF, {type: string}]}", "{not: REF}",
    "{type: object, required: [a, b], properties: {a: REF, b: REF}}", "{type: array, items: REF}",
]
"""How one schema of a chain names the next (``REF``): the same value, twice, or under a property."""


def add_chain(rng: random.Random, doc: Any) -> str | None:
    """Named schemas ``Z0``, ``Z1``, ... each naming the next, and a ``$ref`` of ``doc`` sent to
    ``Z0`` (one of the chain's own, sometimes: a cycle); None when ``doc`` has no named schemas."""
    if isinstance(doc, dict) and isinstance(doc.get("schemas"), dict):
        schemas, base = doc["schemas"], "#/schemas/"
    elif isinstance(doc, dict) and isinstance(doc.get("components"), dict) and isinstance(
        doc["components"].get("schemas"), dict
    ):
        schemas, base = doc["components"]["schemas"], "#/components/schemas/"
    else:
        return None
    link, n = rng.choice(LINKS), rng.choice([10, 64, 65, 300])
    for i in range(n):
        schemas[f"Z{i}"] = yaml.safe_load(link.replace("REF", f"{{$ref: '{base}Z{i + 1}'}}"))
    schemas[f"Z{n}"] = {"type": "object", "required": ["type"], "properties": {"type": {"const": "z"}}}
    site = rng.choice([p for p in pointers(doc) if p and p[-1] == "$ref"])  # in the chain: a cycle
    parent = doc
    for token in site[:-1]:
        parent = parent[token]
    parent["$ref"] = base + "Z0"
    return f"sent /{'/'.join(map(str, site))} down a chain of {n} schemas, each {link}"


def break_once(rng: random.Random, doc: Any) -> tuple[Any, str]:
    """One structural change somewhere in ``doc``; returns the new document and what changed."""
    paths = list(pointers(doc))
    path = rng.choice(paths)
    if not path:
        return replacement(rng, doc), "the document"
    parent = doc
    for token in path[:-1]:
        parent = parent[token]
    last = path[-1]
    where = "/" + "/".join(str(t) for t in path)
    action = rng.randrange(11)
    if action == 10 and (chained := add_chain(rng, doc)) is not None:
        return doc, chained
    if action == 0 and isinstance(parent, dict):
        del parent[last]
        return doc, f"removed {where}"
    if action == 1 and isinstance(parent, dict):
        parent[rng.choice(["x-unknown", "$ref", "nova", "asyncapi", "when", "params", str(last) + "_"])] = scalars(rng)
        return doc, f"added a key next to {where}"
    if action == 2 and isinstance(parent, dict):
        value = parent.pop(last)
        parent[rng.choice(TEXTS)] = value
        return doc, f"renamed {where}"
    parent[last] = replacement(rng, parent[last])
    return doc, f"replaced {where} with {json.dumps(parent[last], default=str)[:80]}"


TOKENS = [
    "!!binary ", "!!int ", "!!float ", "!!bool ", "!!timestamp ", "!!str ", "!!set ", "!!python/name:os.system ",
    "!local ", "&x ", "*x ", "*nowhere ", "<<: *x\n", "? ", "- ", ": ", "{", "}", "[", "]", "'", '"', "\t", "#",
    "%YAML 1.1\n---\n", "\n---\n", "\\", "\x00", "\ufeff", "9" * 120, "1e999", "2001-13-45",
]
"""Bits of YAML syntax, dropped into the text at random (a quarter of the cases)."""


def write(path: Path, data: Any, rng: random.Random) -> None:
    if rng.random() < 0.2:  # YAML reads JSON too: both ways in
        text = json.dumps(data, default=str)
    else:
        text = yaml.dump(data, Dumper=_DUMPER, sort_keys=False, allow_unicode=True)
    at = rng.randrange(len(text) + 1)
    if rng.random() < 0.25:
        text = text[:at] + rng.choice(TOKENS) + text[at:]
    data = text.encode("utf-8")
    if rng.random() < 0.05:  # cut short, or a byte that is no UTF-8
        data = data[:at] if rng.random() < 0.5 else data[:at] + rng.choice([b"\xff", b"\xc3", b"\x80"]) + data[at:]
    path.write_bytes(data)


def run(spec: Path, render: bool) -> int:
    """0 or 2, as the CLI would exit; any other exception escapes. With :data:`TYPECHECK`
    a rendered package that ``mypy --strict`` refuses fails the test."""
    diagnostics = Diagnostics()
    try:
        planned = plan(load_api(spec, diagnostics, base=spec.parent), diagnostics)
        if render:
            files = render_package(planned, RenderOptions(), diagnostics)
            diagnostics.raise_if_errors()
            if TYPECHECK:
                problems = mypy_strict(files, spec.parent / "out")
                assert not problems, f"exit 0, and mypy --strict refuses the package:\n{problems}"
    except SpecError:
        return 2
    return 0


def mypy_strict(files: dict[str, str], folder: Path, package: str = "generated") -> str:
    """Write the package ``files`` under ``folder`` and run ``mypy --strict`` on it there;
    its report when it refuses the package, else ``""``."""
    root = folder / package
    for name, source in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(source, "utf-8")
    cwd = Path.cwd()
    os.chdir(folder)
    try:
        out, err, status = mypy_api.run(["--strict", "--no-incremental", "--cache-dir", os.devnull, package])
    finally:
        os.chdir(cwd)
    return "" if status == 0 else out + err


def make_case(rng: random.Random, corpora: list[Corpus], folder: Path) -> tuple[Path, str]:
    """Write one broken spec (and its other files) into ``folder``; return it and what broke."""
    corpus = rng.choice(corpora)
    for name in (corpus.spec, *corpus.others):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(corpus.folder / name, folder / name)
    name = corpus.spec
    if corpus.others and rng.random() < 0.3:  # sometimes a referenced file or the overlay
        name = rng.choice(corpus.others)
    doc = copy.deepcopy(parsed(corpus.folder / name))
    changes = []
    for _ in range(rng.randrange(1, 4)):
        doc, change = break_once(rng, doc)
        changes.append(change)
    write(folder / name, doc, rng)
    return folder / corpus.spec, f"{corpus.spec}, in {name}: " + "; ".join(changes)


def fuzz(corpora: list[Corpus], seed: int, tmp: Path) -> dict[int, int]:
    rng = random.Random(seed)
    outcomes = {0: 0, 2: 0}
    rendered = 0
    for case in range(CASES):
        spec, what = make_case(rng, corpora, tmp / f"case{case}")
        render = rendered < RENDERED
        try:
            status = run(spec, render)
        except Exception:  # noqa: BLE001 - the point of the test: report what broke, and how
            pytest.fail(f"seed {seed} case {case}: {what}\n" + traceback.format_exc())
        rendered += render and status == 0
        outcomes[status] += 1
        shutil.rmtree(tmp / f"case{case}")
    return outcomes


@pytest.mark.parametrize(("corpora", "seed"), [("nova", 1), ("asyncapi", 2), ("wild", 3)])
def test_broken_structure_is_a_diagnostic_never_a_crash(corpora: str, seed: int, tmp_path: Path) -> None:
    chosen = {"nova": NOVA, "asyncapi": ASYNCAPI, "wild": wild_corpora()}[corpora]
    outcomes = fuzz(chosen, SEED * 1000 + seed, tmp_path)
    # Both outcomes occur: the mutations are neither all harmless nor all fatal.
    assert outcomes[0] > 0 and outcomes[2] > 0, outcomes


def test_the_typecheck_of_rendered_cases_reports_what_mypy_refuses(in_tmp: Path) -> None:
    """``NOVA_FUZZ_MYPY=1`` relies on :func:`mypy_strict` telling a refused package apart."""
    assert mypy_strict({"__init__.py": "", "ok.py": "x: int = 1\n"}, in_tmp / "a") == ""
    report = mypy_strict({"__init__.py": "", "bad.py": "x: int = 'a'\n"}, in_tmp / "b")
    assert "bad.py:1: error: Incompatible types in assignment" in report, report


# -- what it found, one case each -------------------------------------------------------------


def test_found_non_literal_const_and_enum_values_give_plain_types(in_tmp: Path) -> None:
    """An enum holding an object (or a const of infinity) has no ``Literal``: the type is plain."""
    spec = in_tmp / "spec.yaml"
    spec.write_text(
        mutate('interval: { enum: ["100ms", "raw"] }', 'interval: { enum: ["100ms", {a: 1}] }')
        + "  Big: { type: object, properties: { x: { const: .inf } } }\n",
        encoding="utf-8",
    )
    diagnostics = Diagnostics()
    planned = plan(load_api(spec, diagnostics), diagnostics)
    files = render_package(planned, RenderOptions(), diagnostics)
    assert not diagnostics.has_errors, [d.format() for d in diagnostics.items]
    assert "interval: Any," in files["client.py"]
    for name, text in files.items():
        compile(text, name, "exec")


def test_found_required_entries_that_are_not_names(in_tmp: Path) -> None:
    spec = in_tmp / "spec.yaml"
    spec.write_text(mutate("required: [channels]", "required: [{k: 1}, channels]"), encoding="utf-8")
    planned = plan(load_api(spec), Diagnostics())
    assert [(p.name, p.required) for r in planned.requests if r.name == "subscribe" for p in r.params] == [
        ("channels", True)
    ]


def test_found_handshake_schemas_are_checked(in_tmp: Path) -> None:
    text = (ROOT / "tests" / "asyncapi" / "docs" / "client-side.yml").read_text("utf-8")
    assert "X-Client-Version: {type: string" in text
    shutil.copytree(ROOT / "tests" / "asyncapi" / "docs" / "common", in_tmp / "common")
    # The position is the argument's key, as for every handshake argument.
    broken = text.replace("X-Client-Version: {type: string", "@@X-Client-Version: {type: {type: string}")
    where = write_files(in_tmp, {"api.yml": broken})
    assert where is not None
    found = [d for d in diagnose(in_tmp / "api.yml").items if d.severity == "error"]
    assert [(d.code, str(d.position)) for d in found] == [("NOVA012", f"api.yml:{where.line}:{where.column}")]
    assert "the header argument 'X-Client-Version' of connect()" in found[0].message


def test_found_a_message_named_by_its_index_generates(in_tmp: Path) -> None:
    """A message listed without a ``$ref`` in an operation is named by its index, ``0``: its
    constant must still be a Python name."""
    text = (ROOT / "tests" / "asyncapi" / "docs" / "client-side.yml").read_text("utf-8")
    shutil.copytree(ROOT / "tests" / "asyncapi" / "docs" / "common", in_tmp / "common")
    doc = yaml.safe_load(text)
    del doc["operations"]["say"]["messages"][0]["$ref"]
    del doc["channels"]["room"]["messages"]["say"]
    (in_tmp / "api.yml").write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    assert run(in_tmp / "api.yml", render=True) in (0, 2)


@pytest.mark.parametrize(
    ("written", "name"),
    [("x" * 300 + ".yaml",) * 2, ("a\\0b.yaml", "a\x00b.yaml"), ("loop.yaml",) * 2],
    ids=["too-long", "nul", "symlink-loop"],
)
def test_found_ref_files_that_cannot_be_opened(in_tmp: Path, written: str, name: str) -> None:
    """A file name too long for the file system, a NUL byte, a symlink loop: not found."""
    (in_tmp / "loop.yaml").symlink_to(in_tmp / "loop.yaml")
    (in_tmp / "spec.yaml").write_text(mutate("#/schemas/Ticker", written + "#/T"), encoding="utf-8")
    found = [(d.code, d.message) for d in diagnose(in_tmp / "spec.yaml").items]
    assert found == [("NOVA011", f"$ref file {name[:200]!r} not found")], found
    assert main(["validate", name]) == 2  # the same name as the spec itself


def chained(member: str, n: int, sides: str = "receive", payload: str = "{$ref: '#/components/schemas/S0'}") -> str:
    """An AsyncAPI 3.0 document whose payload ``S0`` is ``member`` of ``S1``, which is of ``S2``,
    ... ``S{n}``, an object with a constant (``REF`` in ``member`` is the ``$ref`` to the next)."""
    lines = [
        "asyncapi: 3.0.0",
        "info: {title: chain, version: '1'}",
        "servers: {local: {host: 'localhost:1', protocol: ws}}",
        f"channels: {{c: {{address: /, messages: {{m: {{payload: {payload}}}}}}}}}",
        f"operations: {{o: {{action: {sides}, channel: {{$ref: '#/channels/c'}}}}}}",
        "components:",
        "  schemas:",
    ]
    for i in range(n):
        lines.append(f"    S{i}: " + member.replace("REF", f"{{$ref: '#/components/schemas/S{i + 1}'}}"))
    lines.append(f"    S{n}: {{type: object, required: [type], properties: {{type: {{const: x}}}}}}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("keyword", ["allOf", "anyOf", "oneOf"])
@pytest.mark.parametrize("sides", ["receive", "send"])
def test_found_a_long_chain_of_schema_members_is_no_recursion_error(in_tmp: Path, keyword: str, sides: str) -> None:
    """``S0: {anyOf: [S1, ...]}``, ``S1: {anyOf: [S2, ...]}``, ... a thousand deep: reading
    which fields tell the messages apart stopped only at the stack's end."""
    (in_tmp / "api.yml").write_text(chained(f"{{{keyword}: [REF, {{type: string}}]}}", 1000, sides), "utf-8")
    assert run(in_tmp / "api.yml", render=False) in (0, 2)


def test_found_schemas_named_twice_by_the_one_before_are_read_once(in_tmp: Path) -> None:
    """``S0: {anyOf: [S1, S1]}``, ``S1: {anyOf: [S2, S2]}``, ...: read as a tree, the
    schemas of a chain of 40 (a 4 kB document) were 2**40 readings, a hang. (12 steps stay
    under the loader's limit of 10000 schemas counted once per path.)"""
    (in_tmp / "api.yml").write_text(chained("{anyOf: [REF, REF]}", 12), "utf-8")
    calls = 0
    follow = RefResolver.follow

    def counted(self: RefResolver, *args: Any) -> Any:
        nonlocal calls
        calls += 1
        return follow(self, *args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(RefResolver, "follow", counted)
        assert run(in_tmp / "api.yml", render=False) == 0
    assert calls < 1000, calls  # read as a tree: 2**12 readings of S12 alone


@pytest.mark.parametrize(
    ("member", "payload"),
    [
        ("{allOf: [REF, {type: object, properties: {b: {type: string}}}]}", "{$ref: '#/components/schemas/S0'}"),
        ("{anyOf: [REF, {type: 'null'}]}", "{$ref: '#/components/schemas/S0'}"),
        ("REF", "{type: object, properties: {a: {$ref: '#/components/schemas/S0'}}}"),
    ],
    ids=["allOf", "anyOf", "ref"],
)
def test_found_a_chain_of_same_value_schemas_past_the_limit_is_refused(in_tmp: Path, member: str, payload: str) -> None:
    """65 schemas, each the same value as the next: NOVA064 at the chain's first ``$ref``. A
    thousand took the model generator minutes (an ``allOf`` chain's class hierarchy) or
    most of one (a chain of aliases); 64 still generate."""
    (in_tmp / "api.yml").write_text(chained(member, 63, payload=payload), "utf-8")
    assert run(in_tmp / "api.yml", render=False) == 0
    text = chained(member, 64, payload=payload)
    (in_tmp / "api.yml").write_text(text, "utf-8")
    line = text.splitlines().index(next(t for t in text.splitlines() if t.startswith("    S0:")))
    found = [(d.code, str(d.position), d.message) for d in diagnose(in_tmp / "api.yml").items if d.severity == "error"]
    column = text.splitlines()[line].index("'#/components/schemas/S1'") + 1  # the $ref's value
    assert found == [
        (
            "NOVA064",
            f"api.yml:{line + 1}:{column}",
            "$ref chain of 65 schemas, each the same value as the next, is longer than the limit of 64: "
            "S0 -> S1 -> S2 -> ... -> S64",
        )
    ]


@pytest.mark.parametrize("tag", ["!!int", "!!float", "!!bool"])
def test_found_a_number_tag_on_nothing_is_not_valid_yaml(in_tmp: Path, tag: str) -> None:
    """``[!!float ]``: the empty text is no float (YAML's own constructor failed on it with an
    IndexError, exit 3)."""
    where = write_files(in_tmp, {"spec.yaml": mutate("title: Example ticker API", f"title: [@@{tag} ]")})
    assert where is not None
    found = [(d.code, str(d.position)) for d in diagnose(in_tmp / "spec.yaml").items]
    assert found == [("NOVA001", f"spec.yaml:{where.line}:{where.column}")], found


def test_found_defaults_and_enums_no_typed_code_can_hold_are_left_out(in_tmp: Path) -> None:
    """Gemini with a default its schema rules out (a channel parameter's, an argument of
    ``connect()``; a model field's) and enums holding an integer past 64 bits or a float (no
    ``Literal[...]`` holds either): each made ``mypy --strict`` fail on a package generated
    with exit status 0."""
    text = (ROOT / "specs" / "asyncapi" / "websocket-gemini.yml").read_text("utf-8")
    for old, new in [
        ("enum: ['btcusd',", "default: xrpusd\n          enum: ['btcusd',"),
        ("enum: ['bid', 'side']", "enum: [900000000000000000000, 'side']"),
        ("enum: ['place', 'trade', 'cancel', 'initial']", "enum: [1.5, 'trade']"),
        ("'oxteth', ", "1.5, "),
        ("enum: ['trade', 'change', 'auction, block_trade']", "enum: [trade, change]\n            title: Kind\n            default: 5"),
    ]:
        assert old in text, old
        text = text.replace(old, new, 1)
    (in_tmp / "api.yml").write_text(text, "utf-8")
    diagnostics = Diagnostics()
    files = render_package(plan(load_api(in_tmp / "api.yml", diagnostics), diagnostics), RenderOptions(), diagnostics)
    assert mypy_strict(files, in_tmp / "out", "gemini") == ""
    assert "900000000000000000000" not in files["models.py"]


def test_found_a_schema_that_expands_past_the_limit_is_refused(in_tmp: Path) -> None:
    """``D0: {anyOf: [D1, D1]}``, ... 40 deep (a 4 kB nova spec) as an event's message: its
    example's check ran past a minute and 4 GB. 8191 schemas counted once per path generate,
    16383 are NOVA064 at the first ``$ref``."""
    def spec(n: int) -> str:
        text = mutate('message: { $ref: "#/schemas/Ticker" }', 'message: { $ref: "#/schemas/D0" }')
        for i in range(n):
            text += f"  D{i}: {{ anyOf: [{{ $ref: '#/schemas/D{i + 1}' }}, {{ $ref: '#/schemas/D{i + 1}' }}] }}\n"
        return text + f"  D{n}: {{ type: object }}\n"

    (in_tmp / "spec.yaml").write_text(spec(12), "utf-8")
    assert [d.code for d in diagnose(in_tmp / "spec.yaml").items if d.severity == "error"] == []
    text = spec(13)
    (in_tmp / "spec.yaml").write_text(text, "utf-8")
    line = text.splitlines().index(next(t for t in text.splitlines() if t.startswith("  D0:")))
    column = text.splitlines()[line].index("'#/schemas/D1'") + 1
    found = [(d.code, str(d.position), d.message) for d in diagnose(in_tmp / "spec.yaml").items]
    assert found == [
        (
            "NOVA064",
            f"spec.yaml:{line + 1}:{column}",
            "schema 'D0' is the same value as more than 10000 schemas through its $refs "
            "(counted once per path: members that name the same schema again and again)",
        )
    ]


def test_found_allof_members_that_contradict_are_refused(in_tmp: Path) -> None:
    """``A: {allOf: [B, {type: {const: a}}]}`` where ``B`` pins ``type`` to ``b`` generated
    (exit 0) a subclass overriding ``Literal["b"]`` with ``Literal["a"]``: mypy --strict
    failed. Members that only narrow (a string, then one of its values) still generate."""
    head = (ROOT / "tests" / "generator" / "base_spec.yaml").read_text("utf-8")
    narrow = "  A: { allOf: [{ $ref: '#/schemas/B' }, { properties: { type: { const: a } } }] }\n"
    (in_tmp / "spec.yaml").write_text(head + narrow + "  B: { type: object, properties: { type: { type: string } } }\n")
    assert [d.code for d in diagnose(in_tmp / "spec.yaml").items] == []
    for other in ["{ const: b }", "{ enum: [b, c] }", "{ type: integer }"]:
        (in_tmp / "spec.yaml").write_text(head + narrow + f"  B: {{ type: object, properties: {{ type: {other} }} }}\n")
        assert [d.code for d in diagnose(in_tmp / "spec.yaml").items] == ["NOVA091"], other
