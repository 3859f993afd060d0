"""``nova-gen breaking OLD NEW``: one case per kind of break, additions that are not breaks,
AsyncAPI input, git refs, and the output formats."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from nova_gen.cli import main

from .conftest import MARKER, add_section, mutate, write_files

ROOT = Path(__file__).parents[2]

OLD = add_section(
    """events:
  maintenance:
    when: { equals: { /method: maintenance } }
    payload: /params
    message: { $ref: "#/schemas/Maintenance" }

errors:
  10028: { name: too_many_requests, action: retry }""",
    mutate(
        "subscriptions:",
        """  get_book:
    method: public/get_book
    params:
      type: object
      required: [symbol]
      properties:
        symbol: { type: string }
        depth: { type: integer }
        side: { enum: [buy, sell, both] }
    result: { $ref: "#/schemas/Book" }

subscriptions:""",
        mutate(
            "      price: { type: number }",
            """      price: { type: number }
      state: { $ref: "#/schemas/State" }
  State: { enum: [open, closed, halted] }
  Book:
    type: object
    required: [bids]
    properties:
      bids: { type: array, items: { type: number } }
  Maintenance:
    type: object
    properties:
      until: { type: integer }""",
        ),
    ),
)


@dataclass(frozen=True)
class Break:
    id: str
    new: str
    """NEW, written as OLD with one change; ``@@`` marks where the diagnostic must point."""
    code: str
    message: str


def change(old: str, new: str) -> str:
    return mutate(old, new, OLD)


BREAKS = [
    Break(
        "request-removed",
        change(
            "  get_time:\n    method: public/get_time\n",
            "  get_clock:\n    method: public/get_clock\n",
        ),
        "NOVA301",
        "request method get_time() is removed",
    ),
    Break(
        "request-renamed",
        change("  get_time:\n", "  @@fetch_time:\n"),
        "NOVA301",
        "request method get_time() is renamed fetch_time()",
    ),
    Break(
        "request-private",
        change(
            "  get_time:\n    method: public/get_time\n",
            "  get_time:\n    method: public/get_time\n    public: false\n",
        ),
        "NOVA301",
        "request method get_time() is removed",
    ),
    Break(
        "channel-removed",
        change(
            'address: "ticker.{symbol}.{interval}"', 'address: "tick.{symbol}.{interval}"'
        ).replace("  ticker:\n    address", "  tick:\n    address"),
        "NOVA302",
        "channel subscribe_ticker() (hook on_ticker) is removed",
    ),
    Break(
        "channel-renamed",
        change("  ticker:\n    address", "  @@tickers:\n    address"),
        "NOVA302",
        "channel subscribe_ticker() (hook on_ticker) is renamed subscribe_tickers() (hook on_tickers)",
    ),
    Break(
        "hook-removed",
        change(
            "  maintenance:\n    when: { equals: { /method: maintenance } }",
            "  downtime:\n    when: { equals: { /method: maintenance } }",
        ),
        "NOVA303",
        "hook on_maintenance (event 'maintenance') is removed",
    ),
    Break(
        "model-removed",
        change('    result: { $ref: "#/schemas/Book" }', "    result: { type: object }").replace(
            "  Book:\n    type: object\n    required: [bids]\n    properties:\n      bids: { type: array, items: { type: number } }\n",
            "",
        ),
        "NOVA304",
        "model Book is removed",
    ),
    Break(
        "model-renamed",
        change("  Book:\n", "  @@OrderBook:\n").replace(
            '"#/schemas/Book"', '"#/schemas/OrderBook"'
        ),
        "NOVA304",
        "model Book is renamed OrderBook",
    ),
    Break(
        "field-removed",
        change("      price: { type: number }\n", "").replace(
            "required: [symbol, price]\n    properties:", "required: [symbol, price]\n    @@properties:"
        ),
        "NOVA305",
        "field Ticker.price is removed or renamed",
    ),
    Break(
        "field-renamed",
        change("      price: { type: number }", "      last_price: { type: number }")
        .replace("required: [symbol, price]\n    properties:", "required: [symbol, last_price]\n    @@properties:")
        .replace("price: 64000.5", "last_price: 64000.5"),
        "NOVA305",
        "field Ticker.price is removed or renamed",
    ),
    Break(
        "field-optional",
        change("required: [symbol, price]", "@@required: [symbol]"),
        "NOVA305",
        "field Ticker.price may now be absent (it is no longer required)",
    ),
    Break(
        "field-optional-no-required-list",
        change("    required: [symbol, price]\n    properties:\n      symbol:", "    properties:\n      @@symbol:"),
        "NOVA305",
        "field Ticker.symbol may now be absent (it is no longer required)",
    ),
    Break(
        "nested-field-type",
        change("      bids: { type: array, items: { type: number } }", "      bids: { type: array, @@items: { type: string } }"),
        "NOVA307",
        'field Book.bids[] is {"type": "string"}, not {"type": "number"}',
    ),
    Break(
        "param-required",
        change(
            "required: [symbol]\n      properties:\n        symbol: { type: string }\n        depth",
            "required: [symbol, @@depth]\n      properties:\n        symbol: { type: string }\n        depth",
        ),
        "NOVA306",
        "parameter 'depth' of request get_book() is now required",
    ),
    Break(
        "param-new-required",
        change(
            "        side: { enum: [buy, sell, both] }",
            "        side: { enum: [buy, sell, both] }\n        token: { type: string }",
        ).replace("required: [symbol]", "required: [symbol, @@token]"),
        "NOVA306",
        "request get_book() has a new required parameter 'token'",
    ),
    Break(
        "param-removed",
        change("        depth: { type: integer }\n", ""),
        "NOVA306",
        "parameter 'depth' of request get_book() is removed or renamed",
    ),
    Break(
        "param-type",
        change("        depth: { type: integer }", "        @@depth: { type: string }"),
        "NOVA307",
        "parameter 'depth' of request get_book() is str, not int",
    ),
    Break(
        "channel-param-type",
        change(
            "      symbol: { type: string }\n      interval",
            "      symbol: { type: integer }\n      interval",
        ).replace("symbol: BTC-PERPETUAL, interval", "symbol: 1, interval"),
        "NOVA307",
        "parameter 'symbol' of channel subscribe_ticker() is int, not str",
    ),
    Break(
        "result-type",
        change("    result: { type: integer }", "    result: { type: number }"),
        "NOVA307",
        "request get_time() returns float, not int",
    ),
    Break(
        "field-type",
        change("      price: { type: number }", "      @@price: { type: string }").replace(
            "price: 64000.5", 'price: "64000.5"'
        ),
        "NOVA307",
        'field Ticker.price is {"type": "string"}, not {"type": "number"}',
    ),
    Break(
        "enum-param",
        change("side: { enum: [buy, sell, both] }", "@@side: { enum: [buy, sell] }"),
        "NOVA308",
        "parameter 'side' of request get_book() no longer allows \"both\"",
    ),
    Break(
        "enum-model",
        change("State: { enum: [open, closed, halted] }", "State: { enum: [open, closed] }"),
        "NOVA308",
        'model State no longer allows "halted"',
    ),
    Break(
        "wire-method",
        change("    method: public/get_time", "    method: public/server_time"),
        "NOVA309",
        "request get_time() sends the wire method 'public/server_time', not 'public/get_time'",
    ),
    Break(
        "error-removed",
        change(
            "  10028: { name: too_many_requests, action: retry }",
            "  10029: { name: rate_limited, action: retry }",
        ),
        "NOVA310",
        "exception class errors.TooManyRequests (code 10028) is removed",
    ),
]


def run(
    folder: Path, new: str, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, str, str]:
    write_files(folder, {"old.yaml": OLD, "new.yaml": new.replace(MARKER, "")})
    status = main(["breaking", "old.yaml", "new.yaml", *extra])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("case", BREAKS, ids=[b.id for b in BREAKS])
def test_each_kind_of_break(in_tmp: Path, capsys: pytest.CaptureFixture[str], case: Break) -> None:
    status, out, err = run(in_tmp, case.new, capsys, "--error-format", "json")
    records = [json.loads(line) for line in out.splitlines()]
    assert status == 1, err
    assert [(r["code"], r["message"]) for r in records if r["code"] == case.code][:1] == [
        (case.code, case.message)
    ], records
    assert {r["file"] for r in records} == {"new.yaml"}
    marked = write_files(in_tmp, {"new.yaml": case.new}) if MARKER in case.new else None
    if marked is not None:
        first = next(r for r in records if r["code"] == case.code)
        assert (first["line"], first["col"]) == (marked.line, marked.column)


def test_additions_are_not_breaks(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = change("side: { enum: [buy, sell, both] }", "side: { enum: [buy, sell, both, none] }")
    new = mutate(
        "        depth: { type: integer }",
        "        depth: { type: integer, description: Levels. }\n        limit: { type: integer }",
        new,
    )
    new = mutate(
        "      price: { type: number }",
        "      price: { type: number, description: Last price. }\n      volume: { type: number }",
        new,
    )
    new = mutate(
        "subscriptions:",
        "  get_status:\n    method: public/status\n    result: { type: string }\n\nsubscriptions:",
        new,
    )
    new = mutate(
        "schemas:\n",
        "schemas:\n  Extra: { type: object, properties: { a: { type: string } } }\n",
        new,
    )
    new = mutate(
        "required: [bids]",
        "required: [bids, asks]\n    properties:\n      asks: { type: array, items: { type: number } }",
        new,
    ).replace(
        "      asks: { type: array, items: { type: number } }\n    properties:\n",
        "      asks: { type: array, items: { type: number } }\n",
    )
    status, out, err = run(in_tmp, new, capsys)
    assert (status, out) == (0, "new.yaml: no breaking changes from old.yaml\n"), err
    # the same spec reformatted and reordered is not a change either
    assert run(in_tmp, OLD.replace("\n\n", "\n\n\n"), capsys, "-q") == (0, "", "")


def test_text_and_github_formats(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = change("  get_time:\n", "  @@fetch_time:\n")
    status, out, err = run(in_tmp, new, capsys)
    assert status == 1
    assert "new.yaml:15:3: error NOVA301: request method get_time() is renamed fetch_time()" in err
    assert "1 breaking change(s) from old.yaml" in err
    status, out, _ = run(in_tmp, new, capsys, "--error-format", "github")
    assert (
        out
        == "::error file=new.yaml,line=15,col=3::NOVA301 request method get_time() is renamed fetch_time()%0Ahint: keep the old name too, or tell users to rename their uses\n"
    )


def test_a_broken_spec_is_a_usage_error(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(in_tmp, mutate("nova: 1", "nova: 3", OLD), capsys)
    assert status == 2 and "new.yaml:1:7: error NOVA004" in err


def test_asyncapi_documents_compare_by_what_they_generate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = ROOT / "specs" / "asyncapi" / "websocket-gemini.yml"
    text = source.read_text("utf-8")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "old.yml").write_text(text, encoding="utf-8")
    (tmp_path / "same.yml").write_text(text.replace("\n", "\n\n", 3), encoding="utf-8")
    assert main(["breaking", "old.yml", "same.yml"]) == 0
    capsys.readouterr()
    narrowed = text.replace(
        "enum: ['place', 'trade', 'cancel', 'initial']", "enum: ['place', 'trade', 'cancel']"
    )
    assert narrowed != text
    (tmp_path / "new.yml").write_text(narrowed, encoding="utf-8")
    assert main(["breaking", "old.yml", "new.yml", "--error-format", "json"]) == 1
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["code"] for r in records] and {r["code"] for r in records} <= {"NOVA308", "NOVA307"}
    assert any('no longer allows "initial"' in r["message"] for r in records), records


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_refs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    (repo / "specs").mkdir(parents=True)
    (repo / "specs" / "api.yaml").write_text(OLD, encoding="utf-8")

    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
            cwd=repo,
            check=True,
            capture_output=True,
            timeout=60,
        )

    git("init", "-q", "-b", "main")
    git("add", ".")
    git("commit", "-q", "-m", "v1")
    (repo / "specs" / "api.yaml").write_text(
        change("        depth: { type: integer }\n", ""), encoding="utf-8"
    )
    monkeypatch.chdir(repo / "specs")
    assert main(["breaking", "main:specs/api.yaml", "api.yaml"]) == 1
    assert "api.yaml:" in capsys.readouterr().err
    assert main(["breaking", "main:./api.yaml", "HEAD:specs/api.yaml", "-q"]) == 0
    assert capsys.readouterr() == ("", "")
    assert main(["breaking", "main:specs/nothere.yaml", "api.yaml"]) == 2
    assert "nova-gen breaking: main:specs/nothere.yaml:" in capsys.readouterr().err
