"""``--error-format text|github|json`` on validate, generation and ``--check``; removed files
reported by name; CLI polish (prog names, -q, --perspective, "did you mean")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nova_gen.cli import main
from nova_gen.diagnostics import Diagnostic, Position
from nova_gen.report import github_annotation

from .conftest import BASE, GENERATED, mutate

ROOT = Path(__file__).parents[2]
BROKEN = mutate("nova: 1", "nova: 3")  # NOVA004 at 1:7
KEYS = ["file", "line", "col", "code", "severity", "message", "hint"]


def json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines()]


@pytest.mark.parametrize(
    "command",
    [["validate", "spec.yaml"], ["spec.yaml", "-o", "out"], ["spec.yaml", "-o", "out", "--check"]],
)
def test_json_and_github_for_a_bad_spec(
    project: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    (project / "spec.yaml").write_text(BROKEN, encoding="utf-8")
    assert main([*command, "--error-format", "json"]) == 2
    out, _ = capsys.readouterr()
    (record,) = json_lines(out)
    assert list(record) == KEYS
    assert record["file"] == "spec.yaml" and (record["line"], record["col"]) == (1, 7)
    assert record["code"] == "NOVA004" and record["severity"] == "error"
    assert "unsupported language version 3" in str(record["message"])

    assert main([*command, "--error-format", "github"]) == 2
    out, _ = capsys.readouterr()
    assert out.startswith(
        "::error file=spec.yaml,line=1,col=7::NOVA004 unsupported language version 3"
    )

    assert main([*command]) == 2  # text stays the default, on stderr
    out, err = capsys.readouterr()
    assert (
        "spec.yaml:1:7: error NOVA004: unsupported language version 3" in err
        and "::error" not in out
    )


def test_warnings_and_hints_in_every_format(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (in_tmp / "spec.yaml").write_text(
        mutate(
            "schemas:\n",
            "events:\n  anything:\n    when: {}\n    payload: /x\n    message: {type: object}\n\nschemas:\n",
        ),
        encoding="utf-8",
    )
    assert main(["validate", "spec.yaml", "--error-format", "json"]) == 0
    records = json_lines(capsys.readouterr().out)
    assert [(r["code"], r["severity"]) for r in records] == [("NOVA042", "warning")]
    assert main(["validate", "spec.yaml", "--error-format", "github"]) == 0
    assert capsys.readouterr().out.startswith("::warning file=spec.yaml,line=")


def test_github_escapes_what_the_runner_would_misread() -> None:
    d = Diagnostic(
        "NOVA010", "error", "50% of a,b: x\ny", Position("dir,1/a:b.yaml", 3, 4), "try\r\nthis"
    )
    assert github_annotation(d) == (
        "::error file=dir%2C1/a%3Ab.yaml,line=3,col=4::NOVA010 50%25 of a,b: x%0Ay%0Ahint: try%0D%0Athis"
    )


def test_check_annotations_point_at_the_stale_files(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "spec.yaml").write_text(
        mutate("Current server time in milliseconds.", "Server time, in ms."), encoding="utf-8"
    )
    package = project / "out" / "tickers"
    (package / "extra.py").write_text(GENERATED + "x = 1\n", encoding="utf-8")
    (package / "errors.py").unlink()
    client = (package / "client.py").read_text("utf-8").splitlines()
    first = next(
        i for i, line in enumerate(client, 1) if "Current server time in milliseconds." in line
    )

    assert main(["spec.yaml", "-o", "out", "--check", "--error-format", "json"]) == 1
    out, err = capsys.readouterr()
    records = json_lines(out)  # stdout holds only JSON; the diff went to stderr
    assert "+++ out/tickers/client.py (generated)" in err
    found = {r["file"]: (r["line"], r["col"], r["code"]) for r in records}
    assert sorted(found) == [
        f"out/tickers/{name}" for name in ("_protocol.py", "client.py", "errors.py", "extra.py")
    ]
    assert found["out/tickers/client.py"] == (first, 1, "NOVA200")
    assert found["out/tickers/errors.py"] == found["out/tickers/extra.py"] == (1, 1, "NOVA200")
    fingerprint = (
        (package / "_protocol.py")
        .read_text("utf-8")
        .splitlines()[int(str(found["out/tickers/_protocol.py"][0])) - 1]
    )
    assert "sha256:" in fingerprint, (
        "the spec's fingerprint is what changed in _protocol.py"
    )
    by_file = {r["file"]: r["message"] for r in records}
    assert "stale" in str(by_file["out/tickers/extra.py"]) and "missing" in str(
        by_file["out/tickers/errors.py"]
    )

    assert main(["spec.yaml", "-o", "out", "--check", "--error-format", "github"]) == 1
    out, _ = capsys.readouterr()
    assert (
        f"::error file=out/tickers/client.py,line={first},col=1::NOVA200 generated file differs"
        in out
    )
    assert "::error file=out/tickers/extra.py,line=1,col=1::NOVA200 generated file is stale" in out


def test_check_clean_in_json_prints_nothing_on_stdout(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--check", "--error-format", "json", "spec.yaml", "-o", "out"]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "up to date" in err


def test_regeneration_names_every_removed_file(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    package = project / "out" / "tickers"
    (package / "old_module.py").write_text(GENERATED + "x = 1\n", encoding="utf-8")
    (package / "sub").mkdir()
    (package / "sub" / "notes.txt").write_text(GENERATED, encoding="utf-8")
    assert main(["spec.yaml", "-o", "out", "-q"]) == 0  # even when quiet
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "out/tickers/old_module.py: removed (the spec no longer produces it)",
        "out/tickers/sub/notes.txt: removed (the spec no longer produces it)",
    ]
    assert not (package / "old_module.py").exists() and not (package / "sub").exists()


# -- CLI polish ---------------------------------------------------------------------------


def test_serve_help_names_nova_gen_serve(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["serve", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert (
        out.startswith("usage: nova-gen serve ") and "-q, --quiet" in out and "--perspective" in out
    )


@pytest.mark.parametrize(
    ("command", "quiet", "perspective"),
    [
        ([], True, True),
        (["validate"], True, True),
        (["serve"], True, True),
        (["breaking"], True, True),
        (["check-handlers"], True, False),
    ],
)
def test_every_subcommand_takes_quiet_and_perspective_where_meaningful(
    capsys: pytest.CaptureFixture[str], command: list[str], quiet: bool, perspective: bool
) -> None:
    with pytest.raises(SystemExit):
        main([*command, "--help"])
    out = capsys.readouterr().out
    assert ("-q, --quiet" in out) == quiet
    assert ("--perspective {server,client}" in out) == perspective


def test_quiet_validate_prints_nothing_for_a_good_spec(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (in_tmp / "spec.yaml").write_text(BASE, encoding="utf-8")
    assert main(["validate", "-q", "spec.yaml"]) == 0
    assert capsys.readouterr() == ("", "")
    assert main(["validate", "spec.yaml"]) == 0
    assert capsys.readouterr().out == "spec.yaml: ok\n"


def test_validate_perspective_reads_asyncapi_from_the_other_side(
    capsys: pytest.CaptureFixture[str],
) -> None:
    spec = str(ROOT / "specs" / "asyncapi" / "websocket-gemini.yml")
    assert main(["validate", spec, "--perspective", "server", "--error-format", "json"]) == 0
    assert capsys.readouterr().out == ""
    # Read reversed, the document still generates (its oneOf payload is sent as one frame),
    # but the client would receive nothing: the perspective warning says so.
    assert main(["validate", spec, "--perspective", "client", "--error-format", "json"]) == 0
    assert "NOVA095" in {r["code"] for r in json_lines(capsys.readouterr().out)}


@pytest.mark.parametrize(
    ("argv", "suggestion"),
    [
        (["valdate", "spec.yaml"], "did you mean 'validate'?"),
        (["breakng", "a.yaml", "b.yaml"], "did you mean 'breaking'?"),
        (["--chek"], "'--chek': did you mean '--check'?"),
        (["validate", "spec.yaml", "--error-fromat", "json"], "did you mean '--error-format'?"),
        (["serve", "spec.yaml", "--prot", "0"], "did you mean '--port'?"),
    ],
)
def test_a_misspelt_command_or_flag_gets_the_closest(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], argv: list[str], suggestion: str
) -> None:
    try:
        status = main(argv)
    except SystemExit as exit_:
        status = int(str(exit_.code))
    assert status == 2
    assert suggestion in capsys.readouterr().err


def test_a_spec_named_like_a_command_is_still_a_spec(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (in_tmp / "validat").write_text(BASE, encoding="utf-8")
    assert main(["validat", "-o", "out", "-q"]) == 0
    assert (in_tmp / "out" / "tickers" / "client.py").is_file()
