"""What the machine refuses is the user's to fix: a file where the output folder must be, a
folder given as the spec, a templates folder that does not exist, a port in use. Each is one
plain line and exit status 2, never exit 3 ("a bug in nova-gen") with a traceback."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from nova_gen.cli import main
from nova_gen.testing.__main__ import main as serve_main

from .conftest import BASE

EXIT_USAGE = 2


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = main(argv)
    err = capsys.readouterr().err
    assert "internal error" not in err and "Traceback" not in err, err
    return status, err


@pytest.fixture
def spec(in_tmp: Path) -> Path:
    (in_tmp / "spec.yaml").write_text(BASE, encoding="utf-8")
    return in_tmp / "spec.yaml"


def test_an_output_that_is_a_file(spec: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Path("ro").write_text("", encoding="utf-8")
    status, err = run(["spec.yaml", "-o", "ro"], capsys)
    assert status == EXIT_USAGE
    assert "nova-gen: cannot write the package to ro/tickers: 'ro' is a file, not a folder" in err


def test_an_output_under_a_file(spec: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Path("ro").write_text("", encoding="utf-8")
    status, err = run(["spec.yaml", "-o", "ro/deeper/still"], capsys)
    assert status == EXIT_USAGE and "'ro' is a file, not a folder" in err


def test_an_output_the_system_cannot_create(spec: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """/proc takes no new folders, not even from root."""
    status, err = run(["spec.yaml", "-o", "/proc/nova-gen-nope"], capsys)
    assert status == EXIT_USAGE
    assert "cannot write the package to /proc/nova-gen-nope/tickers: '/proc/nova-gen-nope'" in err


def test_an_output_under_a_folder_that_cannot_be_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What os.access says decides (root may write anywhere, so the answer is set here)."""
    from nova_gen import oserrors

    locked = tmp_path / "locked"
    locked.mkdir()
    monkeypatch.setattr(oserrors.os, "access", lambda path, mode: Path(path) != locked)
    assert oserrors.folder_problem(locked / "out" / "pkg") == (
        f"{str(locked / 'out' / 'pkg')!r} cannot be created: {str(locked)!r} is not writable"
    )
    assert oserrors.folder_problem(locked) is None  # it exists: writing into it reports its own error


def test_a_file_in_the_way_of_the_package_folder(spec: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Path("out").mkdir()
    Path("out/tickers").write_text("", encoding="utf-8")
    status, err = run(["spec.yaml", "-o", "out"], capsys)
    assert status == EXIT_USAGE and "'out/tickers' is a file, not a folder" in err


@pytest.mark.parametrize("command", [[], ["validate"]])
def test_a_folder_as_the_spec(spec: Path, capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    status, err = run([*command, ".", *(["-o", "out"] if not command else [])], capsys)
    assert status == EXIT_USAGE
    assert "error NOVA011: '.' is a folder, not a spec file" in err
    assert "hint: name the spec file itself; this folder has spec.yaml" in err


def test_a_folder_as_a_spec_of_breaking(spec: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, err = run(["breaking", ".", "spec.yaml"], capsys)
    assert status == EXIT_USAGE and "'.' is a folder, not a spec file" in err


def test_a_spec_that_is_not_utf8(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Path("spec.yaml").write_bytes(b"nova: 1\nname: caf\xe9\n")
    status, err = run(["validate", "spec.yaml"], capsys)
    assert status == EXIT_USAGE
    assert "spec.yaml:2:10: error NOVA011: cannot read spec.yaml: the byte 0xE9 is not UTF-8 text" in err


@pytest.mark.parametrize("make", ["nothing", "file"])
def test_a_templates_folder_that_is_not_one(spec: Path, capsys: pytest.CaptureFixture[str], make: str) -> None:
    if make == "file":
        Path("tpl").write_text("", encoding="utf-8")
    status, err = run(["spec.yaml", "-o", "out", "--templates", "tpl"], capsys)
    assert status == EXIT_USAGE
    assert f"templates folder 'tpl' {'does not exist' if make == 'nothing' else 'is not a folder'}" in err
    assert not Path("out").exists()


def test_serve_on_a_port_in_use(spec: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        status = serve_main(["spec.yaml", "--port", str(port), "-q"], prog="nova-gen serve")
    err = capsys.readouterr().err
    assert status == EXIT_USAGE
    assert f"nova-gen serve: cannot listen on 127.0.0.1:{port}: the address is already in use" in err
    assert "hint: choose another port with --port N (0: any free port)" in err


@pytest.mark.parametrize("port", ["70000", "-1", "http"])
def test_serve_on_a_port_that_is_none(spec: Path, capsys: pytest.CaptureFixture[str], port: str) -> None:
    with pytest.raises(SystemExit) as exited:
        serve_main(["spec.yaml", "--port", port], prog="nova-gen serve")
    assert exited.value.code == EXIT_USAGE
    assert "is not a port number" in capsys.readouterr().err


def test_check_handlers_of_a_module_that_fails_to_import(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    Path("broken_handlers_mod.py").write_text("def oops(:\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(in_tmp))
    status, err = run(["check-handlers", "broken_handlers_mod:Handlers"], capsys)
    assert status == EXIT_USAGE
    assert "importing 'broken_handlers_mod' raised SyntaxError" in err


def test_check_handlers_of_a_missing_module(capsys: pytest.CaptureFixture[str]) -> None:
    status, err = run(["check-handlers", "no_such_module_here:Handlers"], capsys)
    assert status == EXIT_USAGE and "cannot import 'no_such_module_here'" in err


# [tool.nova-gen]: a misspelt key is an error with the key it is likely meant to be.


def configured(root: Path, text: str) -> None:
    (root / "pyproject.toml").write_text(text, encoding="utf-8")


def test_a_misspelt_top_level_key(spec: Path, capsys: pytest.CaptureFixture[str]) -> None:
    configured(spec.parent, '[tool.nova-gen]\noutptu = "src"\n\n[[tool.nova-gen.targets]]\nspec = "spec.yaml"\n')
    status, err = run(["--check"], capsys)
    assert status == EXIT_USAGE
    assert "[tool.nova-gen]: unknown key 'outptu' (did you mean 'output'?); known: output, targets" in err
    assert "missing" not in err


def test_a_misspelt_target_key(spec: Path, capsys: pytest.CaptureFixture[str]) -> None:
    configured(
        spec.parent,
        '[tool.nova-gen]\n[[tool.nova-gen.targets]]\nspce = "spec.yaml"\nvendor_runtime = true\nzzz = 1\n',
    )
    status, err = run([], capsys)
    assert status == EXIT_USAGE
    assert (
        "target 1: unknown keys 'spce' (did you mean 'spec'?), 'vendor_runtime' (did you mean "
        "'vendor-runtime'?), 'zzz'; known: spec, output, vendor-runtime" in err
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[tool.nova-gen]\noutput = 3\n[[tool.nova-gen.targets]]\nspec = "spec.yaml"\n', "output must be a path"),
        ('[tool.nova-gen]\n[[tool.nova-gen.targets]]\nspec = ["spec.yaml"]\n', "target 1: spec must be a path"),
        ('[tool.nova-gen]\ntargets = ["spec.yaml"]\n', "target 1 must be a table"),
    ],
)
def test_values_of_the_wrong_type(
    spec: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    configured(spec.parent, text)
    status, err = run([], capsys)
    assert status == EXIT_USAGE and message in err
