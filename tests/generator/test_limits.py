"""Reading a file is bounded: size, nesting, alias expansion and number length are limits,
each a diagnostic at the node that crossed it, for YAML and JSON, in the spec itself, in
every ``$ref``'d file and in an AsyncAPI overlay."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nova_gen.cli import main
from nova_gen.diagnostics import Diagnostics
from nova_gen.loader.compose import LimitedLoader
from nova_gen.loader.limits import DEFAULT_LIMITS, Limits, parse_size
from nova_gen.loader.source import load_document

from .conftest import BASE, diagnose, mutate, write_files

DEPTH = DEFAULT_LIMITS.max_depth


def billion_laughs(levels: int = 10) -> str:
    """Each level is a list of nine aliases of the level below: 9**levels strings."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def load(tmp_path: Path, text: str, name: str = "doc.yaml", limits: Limits = DEFAULT_LIMITS) -> Diagnostics:
    where = write_files(tmp_path, {name: text})
    diagnostics = Diagnostics()
    doc = load_document(tmp_path / name, name, diagnostics, limits)
    if where is not None:
        assert doc is None
        assert [(d.position.line, d.position.column) for d in diagnostics.items] == [(where.line, where.column)], [
            d.format() for d in diagnostics.items
        ]
    return diagnostics


def codes(diagnostics: Diagnostics) -> list[str]:
    return [d.code for d in diagnostics.items]


# -- each limit, in YAML and JSON -----------------------------------------------------------


def test_alias_bomb_is_refused_before_it_is_expanded(tmp_path: Path) -> None:
    text = billion_laughs()
    # a4 is 66,430 nodes; with what a1..a4 added, its first use crosses 100,000.
    marked = text.replace("a5: &a5 [*a4", "a5: &a5 [@@*a4", 1)
    assert codes(load(tmp_path, marked)) == ["NOVA062"]


def test_alias_bomb_composes_few_nodes(tmp_path: Path) -> None:
    """The composer stops at the first alias over the budget: it never builds the expansion."""
    loader = LimitedLoader(billion_laughs(40), DEFAULT_LIMITS)
    with pytest.raises(Exception, match="more than 100000 nodes"):
        loader.get_single_node()
    assert len(loader.anchors) <= 7


def test_an_alias_inside_its_own_anchor_is_refused(tmp_path: Path) -> None:
    diagnostics = load(tmp_path, "a: &a [1, {b: @@*a}]\n")
    assert codes(diagnostics) == ["NOVA062"]
    assert "inside its own anchor" in diagnostics.items[0].message


def test_moderate_aliases_are_expanded(tmp_path: Path) -> None:
    path = tmp_path / "doc.yaml"
    path.write_text("base: &b {type: string, enum: [a, b]}\nx: *b\ny: [*b, *b]\n", encoding="utf-8")
    doc = load_document(path, "doc.yaml", Diagnostics())
    assert doc is not None
    assert doc.data["y"] == [{"type": "string", "enum": ["a", "b"]}] * 2
    assert doc.data["x"] is not doc.data["base"], "each use is its own copy"
    # Nodes repeated by an alias point at where they are written, under the anchor.
    assert str(doc.source.position("/y/1/enum/0")) == "doc.yaml:1:32"


def test_alias_budget_counts_nodes_not_aliases(tmp_path: Path) -> None:
    limits = Limits(max_alias_nodes=10)
    ok = "a: &a [1, 2, 3, 4]\nb: [*a, *a]\n"  # 2 x 5 nodes
    assert codes(load(tmp_path, ok, limits=limits)) == []
    assert codes(load(tmp_path, ok + "c: @@*a\n", limits=limits)) == ["NOVA062"]


@pytest.mark.parametrize("name", ["doc.yaml", "doc.json"])
def test_nesting_deeper_than_the_limit(tmp_path: Path, name: str) -> None:
    at_limit = "[" * DEPTH + "]" * DEPTH
    assert codes(load(tmp_path, json.dumps({"x": json.loads(at_limit[1:-1])}), name)) == []
    # The document is level 1, so the 64th bracket is the 65th level.
    deep = '{"x": ' + "[" * (DEPTH - 1) + "@@[" + "[" * (50_000 - DEPTH) + "]" * (50_001 - DEPTH) + "]" * (DEPTH - 1) + "}"
    diagnostics = load(tmp_path, deep, name)
    assert codes(diagnostics) == ["NOVA061"]
    assert f"more than {DEPTH} levels" in diagnostics.items[0].message


def test_nesting_in_block_style(tmp_path: Path) -> None:
    lines = [f"{'  ' * i}k{i}:" for i in range(DEPTH)]
    lines.append(f"{'  ' * DEPTH}@@k{DEPTH}: 1")
    assert codes(load(tmp_path, "\n".join(lines) + "\n")) == ["NOVA061"]


def test_nesting_counts_what_aliases_expand_to(tmp_path: Path) -> None:
    """Aliases of deep anchors inside deep anchors: few nodes, but thousands of levels once expanded."""
    half = DEPTH // 2
    lines = ["a0: &a0 " + "[" * half + "]" * half]
    for i in range(1, 40):
        lines.append(f"a{i}: &a{i} " + "[" * half + f"*a{i - 1}" + "]" * half)
    text = "\n".join(lines) + "\n"
    # a1 ends at 1 + 32 + 32 levels: its alias is the first node past the limit.
    diagnostics = load(tmp_path, text.replace("*a0", "@@*a0", 1))
    assert codes(diagnostics) == ["NOVA061"]
    assert "once its aliases are expanded" in diagnostics.items[0].message
    shallow = "a: &a [[x]]\nb: [[[*a]]]\n"
    path = tmp_path / "ok.yaml"
    path.write_text(shallow, encoding="utf-8")
    doc = load_document(path, "ok.yaml", Diagnostics())
    assert doc is not None and doc.data["b"] == [[[[["x"]]]]]


@pytest.mark.parametrize("name", ["doc.yaml", "doc.json"])
@pytest.mark.parametrize("number", ["9" * 100_000, "-" + "1" * 200, "1." + "5" * 300, "1.0e+" + "0" * 200])
def test_absurd_numbers(tmp_path: Path, name: str, number: str) -> None:
    diagnostics = load(tmp_path, '{"a": [1, @@' + number + "]}", name)
    assert codes(diagnostics) == ["NOVA063"]
    assert f"a number of {len(number)} characters" in diagnostics.items[0].message


def test_long_numbers_within_the_limit_and_quoted_ones_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "doc.yaml"
    path.write_text(f'a: {"9" * 100}\nb: "{"9" * 100_000}"\n', encoding="utf-8")
    doc = load_document(path, "doc.yaml", Diagnostics())
    assert doc is not None
    assert doc.data == {"a": int("9" * 100), "b": "9" * 100_000}


@pytest.mark.parametrize("name", ["doc.yaml", "doc.json"])
def test_file_size_limit(tmp_path: Path, name: str) -> None:
    text = '{"a": "' + "x" * 2000 + '"}'
    diagnostics = load(tmp_path, "@@" + text, name, Limits(max_file_size=1000))
    assert codes(diagnostics) == ["NOVA060"]
    assert diagnostics.items[0].message == f"{name} has 2.01KB, more than the limit of 1KB"
    assert "--max-file-size" in diagnostics.items[0].hint
    assert codes(load(tmp_path, text, name, Limits(max_file_size=len(text)))) == []


def test_a_50mb_spec_is_refused_before_it_is_read(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with (in_tmp / "huge.yaml").open("wb") as file:
        file.write(BASE.encode())
        file.truncate(50_000_000)  # sparse: the test writes almost nothing
    assert main(["validate", "huge.yaml"]) == 2
    err = capsys.readouterr().err
    assert "huge.yaml:1:1: error NOVA060: huge.yaml has 50MB, more than the limit of 2MB" in err
    assert "Traceback" not in err


# -- YAML values JSON cannot hold ------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("!!int abc", "'abc' is not a valid int"),
        ("!!float x", "'x' is not a valid float"),
        ("!!bool maybe", "'maybe' is not a valid bool"),
        ("!!binary aGVsbG8=", "does not describe a JSON value"),
        ("!!python/name:os.system x", "does not describe a JSON value"),
    ],
)
def test_tags_that_are_not_json_are_refused(tmp_path: Path, value: str, message: str) -> None:
    diagnostics = load(tmp_path, f"a: @@{value}\n")
    assert codes(diagnostics) == ["NOVA001"]
    assert message in diagnostics.items[0].message


def test_characters_yaml_refuses_are_positioned(tmp_path: Path) -> None:
    diagnostics = load(tmp_path, "a: 1\nb: [x, @@\x00]\n")
    assert codes(diagnostics) == ["NOVA001"]
    assert diagnostics.items[0].message == "invalid YAML: the character U+0000 is not allowed"


def test_dates_stay_text(tmp_path: Path) -> None:
    path = tmp_path / "doc.yaml"
    path.write_text("a: 2001-12-14\nb: 2001-13-45\nc: 2001-12-14 21:59:43.10 -5\n", encoding="utf-8")
    doc = load_document(path, "doc.yaml", Diagnostics())
    assert doc is not None
    assert doc.data == {"a": "2001-12-14", "b": "2001-13-45", "c": "2001-12-14 21:59:43.10 -5"}


# -- the same limits everywhere a file is read ---------------------------------------------------


@pytest.mark.parametrize("ref_file", ["common.yaml", "common.json"])
def test_limits_apply_to_refd_files(in_tmp: Path, ref_file: str) -> None:
    spec = mutate('message: { $ref: "#/schemas/Ticker" }', f'message: {{ $ref: "{ref_file}#/T" }}')
    bodies = {
        "NOVA061": '{"T": ' + "[" * (DEPTH - 1) + "@@[]" + "]" * (DEPTH - 1) + "}",
        "NOVA063": '{"T": {"const": @@' + "7" * 500 + "}}",
        "NOVA062": billion_laughs().replace("a5: &a5 [*a4", "a5: &a5 [@@*a4", 1)
        + "T: {type: string}\n",
    }
    for code, body in bodies.items():
        where = write_files(in_tmp, {"spec.yaml": spec, ref_file: body})
        assert where is not None
        found = [(d.code, str(d.position)) for d in diagnose(in_tmp / "spec.yaml").items]
        assert found == [(code, f"{ref_file}:{where.line}:{where.column}")], code


def test_max_file_size_applies_to_refd_files_and_the_flag_raises_it(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = mutate('message: { $ref: "#/schemas/Ticker" }', 'message: { $ref: "big.yaml#/T" }')
    padding = "#" * 30_000 + "\n"
    write_files(in_tmp, {"spec.yaml": spec, "big.yaml": padding + "T: {type: object}\n"})
    assert main(["validate", "--max-file-size", "20KB", "spec.yaml"]) == 2
    err = capsys.readouterr().err
    assert "big.yaml:1:1: error NOVA060: big.yaml has 30KB, more than the limit of 20KB" in err
    assert main(["validate", "--max-file-size", "40KB", "spec.yaml"]) == 0
    assert main(["spec.yaml", "-o", "out", "--max-file-size", "20KB"]) == 2
    assert "NOVA060" in capsys.readouterr().err
    assert main(["spec.yaml", "-o", "out", "--max-file-size", "40KB"]) == 0


def test_max_file_size_in_pyproject(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (in_tmp / "spec.yaml").write_text(BASE + "#" * 30_000 + "\n", encoding="utf-8")
    target = '[tool.nova-gen]\noutput = "out"\n[[tool.nova-gen.targets]]\nspec = "spec.yaml"\n'
    (in_tmp / "pyproject.toml").write_text(target + 'max-file-size = "20KB"\n', encoding="utf-8")
    assert main([]) == 2
    assert "spec.yaml:1:1: error NOVA060" in capsys.readouterr().err
    assert main(["--max-file-size", "1MB"]) == 0, "the flag overrides the table"
    (in_tmp / "pyproject.toml").write_text(target + "max-file-size = 1000000\n", encoding="utf-8")
    assert main(["--check"]) == 0
    (in_tmp / "pyproject.toml").write_text(target + 'max-file-size = "lots"\n', encoding="utf-8")
    assert main([]) == 2
    assert "max-file-size must be a size" in capsys.readouterr().err


def test_limits_apply_to_the_asyncapi_overlay(in_tmp: Path) -> None:
    where = write_files(
        in_tmp,
        {
            "api.yaml": "asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\n",
            "api.nova.yaml": "heartbeat: {interval: @@" + "1" * 101 + "}\n",
        },
    )
    # NOVA120 says the document describes no operation; the limit is what is tested here.
    found = [(d.code, str(d.position)) for d in diagnose(in_tmp / "api.yaml").items if d.code != "NOVA120"]
    assert found == [("NOVA063", f"api.nova.yaml:1:{where.column if where else 0}")]


@pytest.mark.parametrize(
    ("text", "size"),
    [("50MB", 50_000_000), ("200kb", 200_000), ("1.5M", 1_500_000), ("1000", 1000), (" 2 GB ", 2 * 10**9)],
)
def test_parse_size(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "MB", "-1MB", "1TB", "lots"])
def test_parse_size_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="is not a size"):
        parse_size(text)
