"""The ``kg`` command: parse options, call one library function, format its output.

Typed errors are mapped to messages and exit codes here, and only here: 0 success, 1 invalid
input or a failed build, 2 a usage error, 130 interrupted. No traceback reaches the user unless
``KG_DEBUG=1`` is set.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

from kg.cli_options import DEFAULT_MAX_ANSWER, GRAPH_IRI, LARGE_INPUT, NETWORK_FORMATS
from kg.cli_options import build_parser as _parser
from kg.output import STDOUT, is_stdout


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
        if getattr(args, "ontology", "") is None:
            from kg.resources import default_ontology

            args.ontology = default_ontology()
        return _COMMANDS[args.command](args)
    except KgError as exc:
        _warn(args.command, getattr(exc, "warnings", []))  # what to confirm, as a run without errors says it
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
    from kg.build_dir.reading import input_size

    if args.progress or input_size(args.data, args.ontology) > LARGE_INPUT:
        return lambda message: print(f"kg: {message}", file=sys.stderr, flush=True)
    return None


def _counts_table(counts: dict[str, int]) -> str:
    width = max(len(k) for k in counts)
    return "\n".join(f"  {k:<{width}}  {v:>9,}" for k, v in counts.items())


def _size(path: Path) -> str:
    if path.is_dir():
        files = [p for p in path.rglob("*") if p.is_file()]
        return f"{len(files)} files, {_size_of(sum(p.stat().st_size for p in files))}"
    return _size_of(path.stat().st_size)


def _size_of(size: int) -> str:
    n = float(size)
    for unit in ("bytes", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1000
    return ""


def _build(args: argparse.Namespace) -> int:
    from kg.pipeline import build

    result = build(args.data, args.ontology, args.out, progress=_progress(args), extras=args.extras)
    _warn("build", result.warnings)
    print("Built the knowledge graph:")
    print(_counts_table(result.counts))
    print("Wrote:")
    for path in result.files:
        print(f"  {path} ({_size(path)})")
    for note in result.notes:
        print(f"Note: {note}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from kg.pipeline import load

    graph = load(args.data, args.ontology, progress=_progress(args))
    _warn("validate", graph.warnings)
    counts = graph.counts()
    confirm = f", {len(graph.warnings):,} to confirm" if graph.warnings else ""
    print(f"OK: {args.data} is valid ({counts['triples']:,} triples{confirm}); nothing was written")
    return 0


def _warn(command: str, warnings: list) -> None:
    """The warnings of the records, one line each on stderr, as problems are shown."""
    for warning in warnings:
        print(f"kg {command}: warning: {warning}", file=sys.stderr)


def _export(args: argparse.Namespace) -> int:
    from kg.errors import UsageError
    from kg.pipeline import load

    if args.format not in NETWORK_FORMATS and args.projection != "typed":
        raise UsageError("--projection is for the network formats", hint="use --format graphml, gexf or csv")
    if args.format in NETWORK_FORMATS and args.output is None:
        raise UsageError(f"--format {args.format} needs -o", hint="a file name, or a folder for csv")
    graph = load(args.data, args.ontology, progress=_progress(args))
    if args.format in NETWORK_FORMATS:
        from kg import network

        net = network.typed_graph(graph) if args.projection == "typed" else network.analyze(
            graph, args.projection).graph
        if args.format == "csv":
            if is_stdout(args.output):
                raise UsageError("--format csv writes two files (nodes.csv, edges.csv)", hint="give a folder to -o")
            written = list(network.write_csv(net, args.output))
        else:
            writer = network.write_graphml if args.format == "graphml" else network.write_gexf
            written = [writer(net, args.output)]
        for path in written:
            if not is_stdout(path):
                print(f"Wrote {path}" + (f" ({_size(path)})" if path.is_file() else ""), file=sys.stderr)
        return 0
    return _emit(args, lambda fh: graph.serialize(args.format, fh))


def _stats(args: argparse.Namespace) -> int:
    from kg.pipeline import load

    graph = load(args.data, args.ontology, shapes=False, progress=_progress(args))
    print(_counts_table(graph.counts()))
    return 0


def _query(args: argparse.Namespace) -> int:
    from kg.errors import UsageError

    if args.target == "list":
        from kg.questions.catalogue import load_catalogue, render_list

        text = render_list(load_catalogue(args.queries), markdown=args.format == "markdown")
        return _emit(args, text.encode("utf-8"))
    if (args.target is None) == (args.expression is None):
        raise UsageError("give a question name, a .rq file or -e SPARQL (one of them)",
                         hint="kg query list shows the catalogue")
    params: dict[str, str] = {}
    for item in args.param:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--param {item!r} is not NAME=VALUE", hint="e.g. --param person='Malcolm Clarke'")
        if name.strip() in params:
            raise UsageError(f"--param {name.strip()} is given twice", hint="give each parameter once")
        params[name.strip()] = value
    from kg.questions.ask import query
    from kg.questions.results import default_format, render

    taken = sorted(set(params) & set(query.__kwdefaults__ or ()))  # names of query()'s own arguments
    if taken:
        raise UsageError(f"--param {taken[0]} cannot be given: the name is taken by an option of kg query",
                         hint="rename the parameter in the query")

    target = args.expression if args.expression is not None else args.target
    if args.expression is None and args.target.endswith(".rq"):
        target = Path(args.target)
        if not target.is_file():
            raise UsageError("the query file does not exist", file=str(target),
                             hint="give a path to a .rq file, or a catalogue name (kg query list)")
    from kg.endpoint.checks import check_timeout

    args.timeout = check_timeout(args.timeout)  # nan, inf and 1e308 are refused
    from kg.isolated import parse_size

    try:
        max_memory = parse_size(args.max_memory)
    except (ValueError, IndexError):
        raise UsageError(f"--max-memory {args.max_memory!r} is not a size", hint="e.g. 512M or 8G") from None
    if args.graph is not None and args.endpoint is None:
        raise UsageError("--graph is for --endpoint", hint="the build has one graph")
    if args.max_answer_bytes is not None and args.endpoint is None:
        raise UsageError("--max-answer-bytes is for --endpoint", hint="the build is read from its files")
    named = None if args.graph == "default" else (args.graph or GRAPH_IRI)
    remote = None  # every option of a remote query is checked here, before anything is sent
    if args.endpoint is not None:
        from kg.endpoint.remote import RemoteGraph  # its HTTP client only when a store is asked

        remote = RemoteGraph(args.endpoint, graph=named, timeout=args.timeout,
                             max_answer_bytes=args.max_answer_bytes or DEFAULT_MAX_ANSWER)
    answer = query(target, graph=remote, build=args.build, data=args.data,  # type: ignore[arg-type]
                   ontology=args.ontology, queries=args.queries, timeout=args.timeout, endpoint=args.endpoint,
                   named_graph=named, max_memory=max_memory, **params)
    for warning in answer.warnings:
        print(f"kg: warning: {warning}", file=sys.stderr)
    fmt = args.format or default_format(answer)
    if fmt == "markdown":
        raise UsageError("--format markdown is for 'kg query list'", hint="use table, csv, tsv, json or ttl")
    try:
        content = render(answer, fmt, answer.labels() if fmt == "table" and args.labels else None,
                         names=args.labels)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return _emit(args, content)


def _emit(args: argparse.Namespace, content: bytes | Callable[[IO[bytes]], object]) -> int:
    """Write a command's output to ``-o`` (a file atomically; a FIFO, a device or ``-`` as a stream) or
    to standard output, with kg.output.write_output; say what was written only once it was."""
    from kg.output import write_output

    size = write_output(STDOUT if args.output is None else args.output, content)
    if args.output is not None and not is_stdout(args.output):
        print(f"Wrote {args.output} ({_size_of(size)})", file=sys.stderr)
    return 0


def _opened(args: argparse.Namespace):
    from kg.build_dir.reading import open_build

    opened = open_build(args.build, args.data, args.ontology)
    for warning in opened.warnings:
        print(f"kg: warning: {warning}", file=sys.stderr)
    return opened.graph


ANALYZE_COLUMNS = ["rank", "label", "type", "countries", "degree", "weighted_degree", "betweenness", "pagerank",
                   "community", "diversity", "broker_of"]
TIMELINE_COLUMNS = ["period", "nodes", "edges", "components", "communities", "entered", "left", "new_ties",
                    "lost_ties", "top"]


def _analyze(args: argparse.Namespace) -> int:
    from kg.gc_pause import paused_gc

    with paused_gc():  # the model's millions of objects hold no cycles; collecting took 1-2 s at 1M
        return _analyze_build(args)


def _analyze_build(args: argparse.Namespace) -> int:
    from kg import network
    from kg.errors import UsageError
    from kg.namespaces import KGO
    from kg.questions.resolve import resolve
    from kg.questions.results import render_rows

    if args.top is not None and args.top < 1:
        raise UsageError("--top must be at least 1")
    graph = _opened(args)
    edition = resolve(graph, args.edition, cls=KGO + "ProgrammeEdition", what="ProgrammeEdition").value \
        if args.edition else None
    options = {"role": args.role, "edition": edition, "since": args.since, "until": args.until, "top": args.top}
    if args.by:
        timeline = network.timeline(graph, args.projection, by=args.by, **options)
        content = render_rows(timeline.rows(), args.format, TIMELINE_COLUMNS)
    else:
        analysis = network.analyze(graph, args.projection, **options)
        summary = analysis.summary()
        content = render_rows(analysis.rows(), args.format, ANALYZE_COLUMNS, extra=summary
                              if args.format == "json" else None)
        if args.format == "table":
            head = (f"{summary['projection']} network: {summary['nodes']} nodes, {summary['edges']} ties, "
                    f"{summary['components']} components, {summary['communities']} communities "
                    f"({summary['community_method']}); betweenness {summary['betweenness_method']}\n")
            content = head.encode("utf-8") + content
    return _emit(args, content)


def _path(args: argparse.Namespace) -> int:
    from kg import network
    from kg.questions.resolve import resolve
    from kg.questions.results import render_rows

    graph = _opened(args)
    a, b = resolve(graph, args.a).value, resolve(graph, args.b).value
    steps = network.find_path(graph, a, b, max_length=args.max_length, via_places=args.via_places)
    rows = [step.as_dict() for step in steps]
    if args.format == "json":
        return _emit(args, render_rows(rows, "json"))
    table = [{"step": i, "entity": r["label"], "type": r["type"], "then": r["relation"],
              "sources": " ".join(s.rsplit("/", 1)[-1] for s in r["sources"])} for i, r in enumerate(rows, 1)]
    return _emit(args, render_rows(table, "table"))


def _viz(args: argparse.Namespace) -> int:
    from kg.viz import command as viz_command

    result = viz_command.run(args)
    for warning in result.warnings:
        print(f"kg viz: warning: {warning}", file=sys.stderr)
    print(result.summary())
    return 0


def _site(args: argparse.Namespace) -> int:
    from kg.site import site_from_build

    result = site_from_build(args.build, args.output, data=args.data, ontology=args.ontology, queries=args.queries,
                             timeout=args.timeout)
    for warning in result.warnings:
        print(f"kg site: warning: {warning}", file=sys.stderr)
    print(result.summary())
    return 0


_HOST_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"


def _bind_address(value: str) -> str:
    """``--bind``: an IPv4 or IPv6 address (brackets optional) or a host name (letters, digits,
    hyphens and dots), else a usage error; nothing else reaches the server's command line."""
    import ipaddress
    import re

    from kg.errors import UsageError

    host = value[1:-1] if value.startswith("[") and value.endswith("]") else value
    try:
        if re.fullmatch(r"[0-9A-Fa-f:.]+(%[A-Za-z0-9_.-]+)?", host):  # an IPv6 zone is an interface name
            return str(ipaddress.ip_address(host)) if ":" in host else str(ipaddress.IPv4Address(host))
    except ValueError:
        pass
    if len(host) <= 253 and re.fullmatch(rf"{_HOST_LABEL}(\.{_HOST_LABEL})*\.?", host) and \
            not re.fullmatch(r"[0-9.]+", host):
        return host
    shown = value.encode("unicode_escape").decode("ascii")[:80]
    raise UsageError(f"--bind '{shown}' is not an IP address or a host name",
                     hint="e.g. --bind 127.0.0.1 (this machine only), --bind ::1 or --bind 0.0.0.0")


def _serve(args: argparse.Namespace) -> int:
    args.bind = _bind_address(args.bind)
    import signal

    from kg.endpoint.serve import Server, ServerError, check_limits

    check_limits(args.timeout, args.max_memory, args.max_request_bytes)  # before anything starts

    def terminated(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # kill (SIGTERM) stops the server as Ctrl-C does: the store is removed

    signal.signal(signal.SIGTERM, terminated)
    server = Server(args.build, args.bind, args.port, timeout=args.timeout, max_memory=args.max_memory,
                    max_request_bytes=args.max_request_bytes)
    try:
        print(f"SPARQL endpoint: {server.query_url}  (read-only)")
        print(f"Query UI:        {server.url}")
        print("Ctrl-C stops the server.", flush=True)
        code = server.wait()
    except KeyboardInterrupt:
        print("kg serve: stopped", file=sys.stderr)
        return 0
    finally:
        server.stop()
    if code != 0:
        raise ServerError(f"the Oxigraph server stopped (exit {code})", hint="see its messages above")
    return 0


def _push(args: argparse.Namespace) -> int:
    from kg.build_dir.reading import open_build
    from kg.endpoint.push import check_push, push
    from kg.resources import default_ontology

    options = {"graph": args.graph, "update": args.update_endpoint, "store": args.store_endpoint,
               "protocol": args.protocol, "timeout": args.timeout, "batch": args.batch,
               "max_answer_bytes": args.max_answer_bytes or DEFAULT_MAX_ANSWER}
    check_push(args.endpoint, **options)  # every option, before the build is read or anything is sent
    opened = open_build(args.build, Path("data"), default_ontology())
    for warning in opened.warnings:
        print(f"kg: warning: {warning}", file=sys.stderr)
    result = push(opened.graph.triples(), args.endpoint, replace=args.replace, **options,
                  progress=lambda message: print(f"kg: {message}", file=sys.stderr, flush=True))
    print(f"Pushed {result.sent:,} triples into <{result.graph}> at {result.store} ({result.protocol}); "
          f"the graph holds {result.stored:,}")
    return 0


_COMMANDS = {"build": _build, "validate": _validate, "export": _export, "stats": _stats, "query": _query,
             "serve": _serve, "push": _push, "analyze": _analyze, "path": _path,
             "viz": _viz, "site": _site}
