"""The ``nova-gen`` command.

    nova-gen SPEC -o DIR [--runtime-import MOD] [--templates DIR] [--check | --diff]
    nova-gen [--check | --diff]          every target of [tool.nova-gen] in pyproject.toml
    nova-gen validate SPEC...            diagnostics only
    nova-gen schema                      the nova spec language's JSON Schema, for editors
    nova-gen runtime -o DIR              a shared copy of the runtime (see --runtime-import)
    nova-gen serve SPEC [--port N]       a local server that speaks SPEC from its examples
    nova-gen check-handlers MOD:CLASS    a handlers subclass: misspelt hooks, wrong signatures

Exit status: 0 success, 1 ``--check`` found differences, 2 the spec or the command line
is wrong, 3 an internal error (a bug in nova-gen: please report it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from . import __version__
from .config import ConfigError, Target, find_pyproject, load_targets
from .diagnostics import Diagnostics, SpecError
from .loader.limits import DEFAULT_LIMITS, Limits, format_size, parse_size
from .output import NotOurFolder, compare, write
from .render import RenderOptions

EXIT_OK, EXIT_CHECK, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


def _print_diagnostics(diagnostics: Diagnostics) -> None:
    for d in diagnostics.sorted():
        print(d.format(), file=sys.stderr)
    errors = sum(d.severity == "error" for d in diagnostics.items)
    warnings = len(diagnostics.items) - errors
    if diagnostics.items:
        print(f"{errors} error(s), {warnings} warning(s)", file=sys.stderr)


def _size(text: str) -> int:
    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_size_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-file-size",
        type=_size,
        metavar="SIZE",
        help=f"largest file read: the spec, each $ref'd file, an overlay (default {format_size(DEFAULT_LIMITS.max_file_size)}; e.g. 50MB)",
    )


def add_perspective_option(parser: argparse.ArgumentParser) -> None:
    """``--perspective``, for every command that reads an AsyncAPI document."""
    parser.add_argument(
        "--perspective",
        choices=("server", "client"),
        help="AsyncAPI: whose side the document describes (default: server, so its `send` is what the client receives)",
    )


def _limits(max_file_size: int | None) -> Limits:
    return DEFAULT_LIMITS if max_file_size is None else replace(DEFAULT_LIMITS, max_file_size=max_file_size)


def _generate_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nova-gen",
        description="Generate a typed Python WebSocket client from a nova spec. "
        "Other commands: validate, schema, runtime, serve (nova-gen COMMAND --help).",
    )
    parser.add_argument("spec", nargs="?", type=Path, help="the spec; without it, the targets in pyproject.toml")
    parser.add_argument("-o", "--output", type=Path, help="folder that receives the package folder <name>/")
    parser.add_argument("--runtime-import", metavar="MODULE", help="import the runtime from MODULE instead of vendoring _runtime/")
    parser.add_argument("--templates", type=Path, metavar="DIR", help="templates that override the built-in ones")
    add_perspective_option(parser)
    _add_size_option(parser)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="write nothing; exit 1 and show a diff if files are out of date")
    mode.add_argument("--diff", action="store_true", help="write nothing; show what would change")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    parser.add_argument("--version", action="version", version=f"nova-gen {__version__}")
    return parser


def _targets(args: argparse.Namespace) -> list[Target]:
    if args.spec is not None:
        if args.output is None:
            raise ConfigError("-o DIR is required with a spec (the package is written to DIR/<name>/)")
        return [
            Target(
                args.spec,
                args.output,
                args.runtime_import,
                args.templates,
                perspective=args.perspective,
                max_file_size=args.max_file_size,
            )
        ]
    pyproject = find_pyproject(Path.cwd())
    if pyproject is None:
        raise ConfigError("no spec given and no pyproject.toml found; usage: nova-gen SPEC -o DIR")
    targets = load_targets(pyproject)
    if args.perspective is not None:
        targets = [replace(t, perspective=args.perspective) for t in targets]
    if args.max_file_size is not None:
        targets = [replace(t, max_file_size=args.max_file_size) for t in targets]
    return targets


def _shown(folder: Path) -> str:
    try:
        return folder.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return folder.as_posix()


def _run_target(target: Target, args: argparse.Namespace) -> int:
    from .pipeline import generate

    diagnostics = Diagnostics()
    started = time.monotonic()
    try:
        generated = generate(
            target.spec,
            RenderOptions(target.runtime_import, target.templates),
            diagnostics,
            target.base,
            perspective=target.perspective,
            limits=_limits(target.max_file_size),
        )
    except SpecError:
        _print_diagnostics(diagnostics)
        return EXIT_USAGE
    _print_diagnostics(diagnostics)
    folder = target.output / generated.package
    shown = _shown(folder)
    if args.check or args.diff:
        result = compare(folder, generated.files, shown)
        if result.clean:
            if not args.quiet:
                print(f"{shown}: up to date ({len(generated.files)} files)")
            return EXIT_OK
        sys.stdout.write(result.diff)
        for kind, names in (("missing", result.missing), ("stale", result.stale), ("changed", result.changed)):
            for name in names:
                print(f"{shown}/{name}: {kind}", file=sys.stderr)
        if args.check:
            print(f"{shown}: out of date; run nova-gen to regenerate", file=sys.stderr)
            return EXIT_CHECK
        return EXIT_OK
    result = write(folder, generated.files)
    if not args.quiet:
        changed = len(result.missing) + len(result.changed) + len(result.stale)
        print(
            f"{shown}: {len(generated.files)} files, {changed} changed "
            f"({time.monotonic() - started:.1f}s)"
        )
    return EXIT_OK


def cmd_generate(argv: Sequence[str]) -> int:
    args = _generate_parser().parse_args(argv)
    try:
        targets = _targets(args)
    except ConfigError as exc:
        print(f"nova-gen: {exc}", file=sys.stderr)
        return EXIT_USAGE
    status = EXIT_OK
    for target in targets:
        try:
            status = max(status, _run_target(target, args))
        except (NotOurFolder, ConfigError) as exc:
            print(f"nova-gen: {exc}", file=sys.stderr)
            status = EXIT_USAGE
    return status


def cmd_validate(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="nova-gen validate", description="Check specs and print diagnostics.")
    parser.add_argument("specs", nargs="+", type=Path)
    add_perspective_option(parser)
    _add_size_option(parser)
    args = parser.parse_args(argv)
    from .loader import load_api
    from .planner import plan

    status = EXIT_OK
    for spec in args.specs:
        diagnostics = Diagnostics()
        try:
            api = load_api(spec, diagnostics, perspective=args.perspective, limits=_limits(args.max_file_size))
            plan(api, diagnostics)
        except SpecError:
            status = EXIT_USAGE
        _print_diagnostics(diagnostics)
        if not diagnostics.has_errors:
            print(f"{spec}: ok")
    return status


def cmd_schema(argv: Sequence[str]) -> int:
    argparse.ArgumentParser(prog="nova-gen schema", description="Print the nova spec language's JSON Schema.").parse_args(argv)
    from .nova.validate import language_schema

    print(json.dumps(language_schema(), indent=2))
    return EXIT_OK


def cmd_runtime(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="nova-gen runtime",
        description="Write a shared copy of the runtime, for clients generated with --runtime-import.",
    )
    parser.add_argument("-o", "--output", type=Path, required=True, help="the runtime package folder to write")
    args = parser.parse_args(argv)
    from .render import runtime_files

    files = runtime_files()
    for name, text in files.items():
        path = args.output / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    print(f"{args.output.as_posix()}: runtime {__version__}, {len(files)} files")
    return EXIT_OK


def cmd_check_handlers(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="nova-gen check-handlers",
        description="Check handlers subclasses: every on_* method is a hook, every hook override "
        "takes the arguments the runtime passes. Exit 1 with file:line for each problem.",
    )
    parser.add_argument("targets", nargs="+", metavar="MODULE:CLASS")
    args = parser.parse_args(argv)
    from .check_handlers import check_handlers

    status = EXIT_OK
    for target in args.targets:
        lines, found = check_handlers(target)
        for line in lines:
            print(line, file=sys.stderr)
        if not found:
            status = max(status, EXIT_USAGE)
        elif lines:
            status = max(status, EXIT_CHECK)
        else:
            print(f"{target}: ok")
    return status


def cmd_serve(argv: Sequence[str]) -> int:
    from .testing.__main__ import main as serve_main

    return serve_main(list(argv))


COMMANDS = {
    "validate": cmd_validate,
    "schema": cmd_schema,
    "runtime": cmd_runtime,
    "serve": cmd_serve,
    "check-handlers": cmd_check_handlers,
}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = COMMANDS.get(argv[0]) if argv else None
    try:
        if command is not None:
            return command(argv[1:])
        return cmd_generate(argv)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a bare traceback
        if os.environ.get("NOVA_GEN_DEBUG"):
            raise
        print(
            f"nova-gen: internal error: {exc.__class__.__name__}: {exc}\n"
            "  this is a bug in nova-gen; rerun with NOVA_GEN_DEBUG=1 for the traceback and report it",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
