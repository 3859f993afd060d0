"""The ``nova-gen`` command.

    nova-gen SPEC -o DIR [--vendor-runtime] [--templates DIR] [--check | --diff]
    nova-gen [--check | --diff]          every target of [tool.nova-gen] in pyproject.toml
    nova-gen validate SPEC...            diagnostics only
    nova-gen schema                      the nova spec language's JSON Schema, for editors
    nova-gen serve SPEC [--port N]       a local server that speaks SPEC from its examples
    nova-gen check-handlers MOD:CLASS    a handlers subclass: misspelt hooks, wrong signatures
    nova-gen breaking OLD NEW            changes of NEW that break users of OLD's client

``--error-format text|github|json`` (generation, ``--check``, ``validate``, ``breaking``) prints
diagnostics for people, as GitHub annotations or as JSON Lines (see :mod:`nova_gen.report`).

Exit status: 0 success, 1 ``--check`` found differences (or ``breaking`` found breaks), 2 the
spec or the command line is wrong, 3 an internal error (a bug in nova-gen: please report it).
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
from typing import TYPE_CHECKING

from . import __version__
from .argparsing import SuggestingParser, closest
from .config import ConfigError, Target, find_pyproject, header_source, load_targets
from .diagnostics import Diagnostic, Diagnostics, Position, SpecError
from .loader.limits import DEFAULT_LIMITS, Limits, format_size, parse_size
from .oserrors import describe, folder_problem
from .output import Comparison, NotOurFolder, compare, write
from .report import ERROR_FORMATS, Reporter

if TYPE_CHECKING:
    from .plan import Plan

EXIT_OK, EXIT_CHECK, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

STALE_OUTPUT = "NOVA200"
"""``--check``: a generated file differs from what the spec produces, is missing, or is stale."""


def _add_error_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--error-format",
        choices=ERROR_FORMATS,
        default="text",
        help="how problems are printed: text (default), github (workflow annotations) or json (JSON Lines on stdout)",
    )


def _add_perspective(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--perspective",
        choices=("server", "client"),
        help="AsyncAPI: whose side the document describes (default: server, so its `send` is what the client receives)",
    )


def _add_quiet(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-q", "--quiet", action="store_true", help="print only problems")


def _add_spec_options(parser: argparse.ArgumentParser) -> None:
    """The options of every command that reads specs: --perspective, --max-file-size,
    --error-format, -q."""
    _add_perspective(parser)
    _add_size_option(parser)
    _add_error_format(parser)
    _add_quiet(parser)


def _plan(spec: Path, diagnostics: Diagnostics, args: argparse.Namespace, base: Path | None = None) -> Plan:
    """Load and plan ``spec`` with the command line's perspective and size limit; raises
    SpecError (with ``diagnostics``) on errors."""
    from .loader import load_api
    from .planner import plan

    api = load_api(spec, diagnostics, base, args.perspective, _limits(args.max_file_size))
    return plan(api, diagnostics)


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


def _limits(max_file_size: int | None) -> Limits:
    return DEFAULT_LIMITS if max_file_size is None else replace(DEFAULT_LIMITS, max_file_size=max_file_size)


def _generate_parser() -> argparse.ArgumentParser:
    parser = SuggestingParser(
        prog="nova-gen",
        description="Generate a typed Python WebSocket client from a nova spec. "
        f"Other commands: {', '.join(COMMANDS)} (nova-gen COMMAND --help).",
    )
    parser.add_argument("spec", nargs="?", type=Path, help="the spec; without it, the targets in pyproject.toml")
    parser.add_argument("-o", "--output", type=Path, help="folder that receives the package folder <name>/")
    parser.add_argument(
        "--vendor-runtime",
        action="store_true",
        help="copy the runtime into the package as _runtime/ (no nova-runtime dependency) instead of importing nova_runtime",
    )
    parser.add_argument("--templates", type=Path, metavar="DIR", help="templates that override the built-in ones")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="write nothing; exit 1 and show a diff if files are out of date")
    mode.add_argument("--diff", action="store_true", help="write nothing; show what would change")
    _add_spec_options(parser)
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
                args.vendor_runtime,
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
    if args.vendor_runtime:
        targets = [replace(t, vendor_runtime=True) for t in targets]
    return targets


def _shown(folder: Path) -> str:
    try:
        return folder.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return folder.as_posix()


def _stale_diagnostics(shown: str, result: Comparison) -> list[Diagnostic]:
    """``--check`` findings as diagnostics that point at the generated file at fault."""
    why = {
        "changed": "generated file differs from what the spec produces",
        "missing": "generated file is missing",
        "stale": "generated file is stale: the spec no longer produces it",
    }
    out = []
    for kind, names in _findings(result):
        for name in names:
            if kind == "shadows":
                message = f"file shadows the generated module {result.shadowing[name]}: imports would read it instead"
                hint = "remove or rename it: nova-gen never deletes a file it did not write"
            else:
                message, hint = why[kind], "run nova-gen to regenerate, and commit the result"
            out.append(
                Diagnostic(
                    STALE_OUTPUT,
                    "error",
                    message,
                    Position(f"{shown}/{name}", result.first_change.get(name, 1), 1),
                    hint=hint,
                )
            )
    return out


def _findings(result: Comparison) -> tuple[tuple[str, list[str]], ...]:
    """What makes a package out of date, by kind, in the order they are reported."""
    return (
        ("missing", result.missing),
        ("stale", result.stale),
        ("changed", result.changed),
        ("shadows", list(result.shadowing)),
    )


def _report_kept(shown: str, result: Comparison, report: Reporter) -> None:
    """The user's files in the package folder that shadow nothing: kept, each named once."""
    for name in result.kept:
        if name not in result.shadowing:
            report.note(f"{shown}/{name}: not written by nova-gen, kept")


def _run_target(target: Target, args: argparse.Namespace, report: Reporter) -> int:
    from .pipeline import generate
    from .render import RenderOptions

    if target.templates is not None and not target.templates.is_dir():
        state = "is not a folder" if target.templates.exists() else "does not exist"
        raise ConfigError(f"templates folder {target.templates.as_posix()!r} {state}")
    diagnostics = Diagnostics()
    started = time.monotonic()
    try:
        generated = generate(
            target.spec,
            RenderOptions(target.vendor_runtime, target.templates, header_source(target.spec, target.output)),
            diagnostics,
            target.base,
            perspective=target.perspective,
            limits=_limits(target.max_file_size),
        )
    except SpecError:
        report.diagnostics(diagnostics.items)
        return EXIT_USAGE
    report.diagnostics(diagnostics.items)
    folder = target.output / generated.package
    shown = _shown(folder)
    if args.check or args.diff:
        result = compare(folder, generated.files, shown)
        if not args.quiet:
            _report_kept(shown, result, report)
        if result.clean:
            if not args.quiet:
                report.info(f"{shown}: up to date ({len(generated.files)} files)")
            return EXIT_OK
        if not folder.exists():
            # Never generated: the list of its files says it all (not thousands of "+" lines).
            report.note(f"{shown}: does not exist; the spec produces {len(generated.files)} files in it")
        else:
            report.info(result.diff, end="")
        if report.format == "text" and folder.exists():
            for kind, names in _findings(result):
                for name in names:
                    report.note(f"{shown}/{name}: {kind} {result.shadowing.get(name, '')}".rstrip())
        if args.check:
            if report.format != "text":
                report.diagnostics(_stale_diagnostics(shown, result), summary=False)
            report.note(f"{shown}: out of date; run nova-gen to regenerate")
            return EXIT_CHECK
        return EXIT_OK
    problem = folder_problem(folder)
    if problem is not None:
        raise ConfigError(f"cannot write the package to {shown}: {problem}")
    try:
        result = write(folder, generated.files)
    except OSError as exc:
        raise ConfigError(f"cannot write the package to {shown}: {describe(exc)}") from None
    # Deleting is never silent, not even with -q: the user sees every file that went away.
    for name in result.stale:
        report.info(f"{shown}/{name}: removed (the spec no longer produces it)")
    for name, module in result.shadowing.items():  # even with -q: the package may not import
        report.note(f"{shown}/{name}: warning: not written by nova-gen, kept; it shadows {module}")
    if not args.quiet:
        _report_kept(shown, result, report)
        report.info(f"{shown}: {_write_summary(len(generated.files), result)} ({time.monotonic() - started:.1f}s)")
    return EXIT_OK


def _write_summary(total: int, result: Comparison) -> str:
    """``9 files, 9 new`` (a first generation), ``9 files, 1 changed, 1 removed``,
    ``9 files, none changed``."""
    counts = ((len(result.missing), "new"), (len(result.changed), "changed"), (len(result.stale), "removed"))
    return f"{total} files, " + (", ".join(f"{n} {what}" for n, what in counts if n) or "none changed")


def cmd_generate(argv: Sequence[str]) -> int:
    args = _generate_parser().parse_args(argv)
    try:
        targets = _targets(args)
    except ConfigError as exc:
        print(f"nova-gen: {exc}", file=sys.stderr)
        return EXIT_USAGE
    report = Reporter(args.error_format)
    status = EXIT_OK
    for target in targets:
        try:
            status = max(status, _run_target(target, args, report))
        except (NotOurFolder, ConfigError) as exc:
            print(f"nova-gen: {exc}", file=sys.stderr)
            status = EXIT_USAGE
    return status


def cmd_validate(argv: Sequence[str]) -> int:
    parser = SuggestingParser(prog="nova-gen validate", description="Check specs and print diagnostics.")
    parser.add_argument("specs", nargs="+", type=Path)
    _add_spec_options(parser)
    args = parser.parse_args(argv)
    report = Reporter(args.error_format)
    status = EXIT_OK
    for spec in args.specs:
        diagnostics = Diagnostics()
        try:
            _plan(spec, diagnostics, args)
        except SpecError:
            status = EXIT_USAGE
        report.diagnostics(diagnostics.items)
        if not diagnostics.has_errors and not args.quiet:
            report.info(f"{spec}: ok")
    return status


def cmd_schema(argv: Sequence[str]) -> int:
    SuggestingParser(prog="nova-gen schema", description="Print the nova spec language's JSON Schema.").parse_args(argv)
    from .nova.validate import language_schema

    print(json.dumps(language_schema(), indent=2))
    return EXIT_OK


def cmd_check_handlers(argv: Sequence[str]) -> int:
    parser = SuggestingParser(
        prog="nova-gen check-handlers",
        description="Check handlers subclasses: every on_* method is a hook, every hook override "
        "takes the arguments the runtime passes. Exit 1 with file:line for each problem.",
    )
    parser.add_argument("targets", nargs="+", metavar="MODULE:CLASS")
    _add_quiet(parser)
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
        elif not args.quiet:
            print(f"{target}: ok")
    return status


def cmd_breaking(argv: Sequence[str]) -> int:
    parser = SuggestingParser(
        prog="nova-gen breaking",
        description="List the changes from OLD to NEW that break code using the generated client: "
        "removed or renamed requests, channels, hooks, models, fields; parameters that became "
        "required or changed type; narrowed enums; changed wire methods. Exit 1 if there are any, "
        "0 if NEW only adds. OLD and NEW are spec files or REF:PATH (e.g. main:specs/x.yaml).",
    )
    parser.add_argument("old", metavar="OLD", help="the spec as users have it: a file, or REF:PATH in git")
    parser.add_argument("new", metavar="NEW", help="the changed spec: a file, or REF:PATH in git")
    _add_spec_options(parser)
    args = parser.parse_args(argv)
    import tempfile

    from .breaking import breaking_changes
    from .gitref import GitRefError, export, is_git_ref

    report = Reporter(args.error_format)
    with tempfile.TemporaryDirectory(prefix="nova-gen-breaking-") as tmp:
        plans: list[Plan] = []
        for index, argument in enumerate((args.old, args.new)):
            spec, base = Path(argument), None
            if is_git_ref(argument):
                base = Path(tmp) / str(index)
                try:
                    spec = export(argument, base)
                except GitRefError as exc:
                    print(f"nova-gen breaking: {argument}: {exc}", file=sys.stderr)
                    return EXIT_USAGE
            diagnostics = Diagnostics()
            try:
                plans.append(_plan(spec, diagnostics, args, base))
            except SpecError:
                report.diagnostics(diagnostics.items)
                return EXIT_USAGE
        breaks = breaking_changes(plans[0], plans[1])
    report.diagnostics(breaks, summary=False)
    if breaks:
        report.note(f"{args.new}: {len(breaks)} breaking change(s) from {args.old}")
        return EXIT_CHECK
    if not args.quiet:
        report.info(f"{args.new}: no breaking changes from {args.old}")
    return EXIT_OK


def cmd_serve(argv: Sequence[str]) -> int:
    from .testing.__main__ import main as serve_main

    return serve_main(list(argv), prog="nova-gen serve")


COMMANDS = {
    "validate": cmd_validate,
    "schema": cmd_schema,
    "serve": cmd_serve,
    "check-handlers": cmd_check_handlers,
    "breaking": cmd_breaking,
}


def _misspelt_command(word: str) -> str | None:
    """The command ``word`` looks like a typo of, when it is not a file (a spec) either."""
    if word.startswith("-") or Path(word).exists() or Path(word).suffix:
        return None
    return closest(word, list(COMMANDS))


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = COMMANDS.get(argv[0]) if argv else None
    try:
        if command is not None:
            return command(argv[1:])
        guess = _misspelt_command(argv[0]) if argv else None
        if guess is not None:
            print(f"nova-gen: unknown command {argv[0]!r}; did you mean {guess!r}?", file=sys.stderr)
            return EXIT_USAGE
        return cmd_generate(argv)
    except KeyboardInterrupt:
        return 130
    except OSError as exc:
        # The machine's answer to what the user asked for (a file where a folder must be, a
        # permission, a port in use): the user's to fix, not a bug of nova-gen.
        if os.environ.get("NOVA_GEN_DEBUG"):
            raise
        print(f"nova-gen: {describe(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a bare traceback
        if os.environ.get("NOVA_GEN_DEBUG"):
            raise
        print(
            f"nova-gen: internal error: {exc.__class__.__name__}: {exc}\n"
            "  this is a bug in nova-gen; rerun with NOVA_GEN_DEBUG=1 for the traceback and report it",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
