"""The ``kg`` command: parse options, call one library function, format its output.

Typed errors are mapped to messages and exit codes here, and only here: 0 success, 1 invalid
input or a failed build, 2 a usage error, 130 interrupted. No traceback reaches the user unless
``KG_DEBUG=1`` is set.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

EXPORT_FORMATS = ("ttl", "nt", "jsonld")
LARGE_INPUT = 8 * 1024 * 1024  # bytes of input above which progress is shown


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kg",
        description="Build, check and export the documentary co-production knowledge graph.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def inputs(p: argparse.ArgumentParser) -> None:
        p.add_argument("--data", type=Path, default=Path("data"), help="records folder (default: data)")
        p.add_argument("--ontology", type=Path, default=Path("ontology"),
                       help="ontology folder (default: ontology)")
        p.add_argument("--progress", action="store_true", help="show progress even for small inputs")

    p = sub.add_parser("build", help="check the records and write kg.ttl, kg.nt and kg.jsonld")
    inputs(p)
    p.add_argument("--out", type=Path, default=Path("build"), help="output folder (default: build)")
    p = sub.add_parser("validate", help="run every check of a build; write nothing")
    inputs(p)
    p = sub.add_parser("export", help="write the graph in one format to a file or standard output")
    inputs(p)
    p.add_argument("--format", choices=EXPORT_FORMATS, default="ttl", help="ttl (default), nt or jsonld")
    p.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    p = sub.add_parser("stats", help="count the entities and triples of the graph")
    inputs(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.version:
        from kg import __version__

        print(f"kg {__version__}")
        return 0
    if not args.command:
        parser.print_help()
        return 2
    from kg.errors import KgError, ValidationError

    try:
        return _COMMANDS[args.command](args)
    except KgError as exc:
        for problem in exc.problems if len(exc.problems) > 1 else [exc]:
            print(problem, file=sys.stderr)
        if len(exc.problems) > 1 or isinstance(exc, ValidationError):
            print(f"kg {args.command}: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("kg: interrupted; nothing was written", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug, not bad input: say so briefly
        if os.environ.get("KG_DEBUG"):
            raise
        print(f"kg: internal error: {exc.__class__.__name__}: {exc} "
              "(please report it; run with KG_DEBUG=1 for the details)", file=sys.stderr)
        return 70


def _progress(args: argparse.Namespace):
    from kg.pipeline import input_size

    if args.progress or input_size(args.data, args.ontology) > LARGE_INPUT:
        return lambda message: print(f"kg: {message}", file=sys.stderr, flush=True)
    return None


def _counts_table(counts: dict[str, int]) -> str:
    width = max(len(k) for k in counts)
    return "\n".join(f"  {k:<{width}}  {v:>9,}" for k, v in counts.items())


def _size(path: Path) -> str:
    n = float(path.stat().st_size)
    for unit in ("bytes", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1000
    return ""


def _build(args: argparse.Namespace) -> int:
    from kg.pipeline import build

    result = build(args.data, args.ontology, args.out, progress=_progress(args))
    print("Built the knowledge graph:")
    print(_counts_table(result.counts))
    print("Wrote:")
    for path in result.files:
        print(f"  {path} ({_size(path)})")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from kg.pipeline import validate

    counts = validate(args.data, args.ontology, progress=_progress(args))
    print(f"OK: {args.data} is valid ({counts['triples']:,} triples); nothing was written")
    return 0


def _export(args: argparse.Namespace) -> int:
    from kg.errors import OutputError
    from kg.pipeline import load

    graph = load(args.data, args.ontology, progress=_progress(args))
    if args.output is None:
        graph.serialize(args.format, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return 0
    target = args.output
    if target.is_dir():
        raise OutputError("the output is a folder", file=str(target), hint="give a file name")
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        graph.serialize(args.format, tmp)
        os.replace(tmp, target)
    except OSError as exc:
        raise OutputError(f"cannot write the file: {exc.strerror}", file=str(target),
                          hint="check the path and its permissions") from exc
    finally:
        tmp.unlink(missing_ok=True)
    print(f"Wrote {target} ({_size(target)})", file=sys.stderr)
    return 0


def _stats(args: argparse.Namespace) -> int:
    from kg.pipeline import load

    graph = load(args.data, args.ontology, shapes=False, progress=_progress(args))
    print(_counts_table(graph.counts()))
    return 0


_COMMANDS = {"build": _build, "validate": _validate, "export": _export, "stats": _stats}
