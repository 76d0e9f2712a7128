"""`codecoach serve|analyze|web|watch|insights|recommend|summary|reindex|forget ...`: the command-line front of the coach.

Imports stay inside the subcommands so `codecoach serve` pays only for what
the language server needs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .sources import file_report, python_files, read_source

EXIT_OK = 0
EXIT_USAGE = 2


def main(argv: Sequence[str] | None = None) -> int:
    from .memory.paths import restrict_new_files

    # Every file a coach process writes (the memory, the index, the cloud store) is the learner's.
    restrict_new_files()
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    return args.run(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="codecoach",
        description="Code Coach: a learning coach for Python that explains mistakes as you type.",
    )
    parser.add_argument("--version", action="version", version=f"codecoach {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the language server over stdio (what editors start)")
    serve.add_argument("--stdio", action="store_true", help="accepted for editors that pass it; stdio is the default")
    serve.set_defaults(run=_serve)

    analyze = sub.add_parser("analyze", help="print the findings and concepts of Python files or folders")
    analyze.add_argument("paths", nargs="+", metavar="PATH", help="files or folders (searched for *.py)")
    analyze.add_argument("--json", action="store_true", help="machine-readable output")
    analyze.add_argument(
        "--no-run", dest="run_examples", action="store_false",
        help="do not run the files' examples (doctests, asserts, tests, .in/.out pairs, scripts); "
             "by default they run in a sandboxed process",
    )
    analyze.add_argument(
        "--remember", action="store_true",
        help="also record the findings and concepts into the memory (CODECOACH_DATA_DIR) as one session;"
             " mistakes already remembered and still there are not recorded again",
    )
    analyze.set_defaults(run=_analyze)

    insights = sub.add_parser("insights", help="key mistakes, topics and difficulty of recently analysed files")
    insights.add_argument("--days", type=_positive, default=30, metavar="N", help="look back N days (default 30)")
    insights.add_argument("--json", action="store_true", help="machine-readable output")
    insights.set_defaults(run=_insights)

    recommend = sub.add_parser("recommend", help="learning material for your recent struggles")
    recommend.add_argument("--concept", metavar="C", help="only material for this concept (e.g. loops)")
    recommend.add_argument("--limit", type=_positive, default=8, metavar="N", help="at most N items (default 8)")
    recommend.add_argument("--json", action="store_true", help="machine-readable output")
    recommend.set_defaults(run=_recommend)

    summary = sub.add_parser(
        "summary", help="what you practised, struggled with and improved: a day, a week or a range"
    )
    summary.add_argument("--period", choices=("day", "week"), default="day", help="today or the last 7 days")
    summary.add_argument("--from", dest="start", metavar="DATE", type=_date, help="first day of a range (YYYY-MM-DD)")
    summary.add_argument("--to", dest="end", metavar="DATE", type=_date, help="last day of a range (default today)")
    summary.add_argument("--json", action="store_true", help="machine-readable output")
    summary.set_defaults(run=_summary)

    web = sub.add_parser(
        "web", help="serve the coach over HTTP and a WebSocket, with a dashboard (needs the web extra)",
        description="Serve the coach over HTTP: REST (/insights, /recommendations, /summary, /feedback; "
                    "OpenAPI at /docs), the /ws/stream WebSocket and the dashboard at /. Every path but "
                    "/health needs the token printed at start (docs/web.md).")
    web.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    web.add_argument("--port", type=_port, default=8000, help="port (default 8000; 0 picks a free one)")
    web.add_argument("--token", help="the access token (default: CODECOACH_WEB_TOKEN, else a random one per start)")
    web.add_argument("--allow-remote", action="store_true",
                     help="needed with a --host other machines can reach (e.g. 0.0.0.0)")
    web.add_argument("--public-url", metavar="URL",
                     help="the address clients use behind a reverse proxy, e.g. https://coach.example.org")
    web.add_argument("--settings", type=Path, metavar="FILE",
                     help="a JSON object of settings with the editor's keys (docs/settings.md)")
    web.add_argument("--log-level", choices=("debug", "info", "warning", "error"), default="info")
    web.set_defaults(run=_web)

    watch = sub.add_parser(
        "watch", help="print the findings of each Python file you save in a folder (needs the web extra)",
        description="Watch a folder and send each saved .py file to a Code Coach web server's /ws/stream; "
                    "print the findings as they come, like `codecoach analyze`. Without --url it starts "
                    "its own local server (and prints its dashboard URL). Ctrl+C stops.")
    watch.add_argument("folder", nargs="?", default=".", metavar="DIR", help="the folder to watch (default: here)")
    watch.add_argument("--url", help="a running `codecoach web`, e.g. http://127.0.0.1:8000 (its token from "
                                      "--token, CODECOACH_WEB_TOKEN or ?token= in the URL)")
    watch.add_argument("--token", help="the server's token (default: CODECOACH_WEB_TOKEN)")
    watch.set_defaults(run=_watch)

    reindex = sub.add_parser("reindex", help="rebuild the vector index from the event log")
    reindex.set_defaults(run=_reindex)

    forget = sub.add_parser("forget", help="delete what the coach remembers (event log and index)")
    which = forget.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="everything")
    which.add_argument("--before", metavar="DATE", type=_date, help="events before this day (YYYY-MM-DD)")
    forget.set_defaults(run=_forget)
    return parser


def _date(text: str):
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-21") from None


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (0 to 65535)")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be 1 or more")
    return value


def _usage_error(message: str) -> int:
    print(f"codecoach: {message}", file=sys.stderr)
    return EXIT_USAGE


def _emit(data: dict, as_json: bool, render) -> None:
    try:
        if as_json:
            json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
            print()
        else:
            print(render(data))
        sys.stdout.flush()
    except BrokenPipeError:  # `codecoach summary | head`: the reader has had enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _summary(args: argparse.Namespace) -> int:
    from .services.summary import resolve_period
    from .services.text import render_summary

    if args.end is not None and args.start is None:
        return _usage_error("--to needs --from (a range is --from DATE [--to DATE])")
    try:
        resolve_period(args.period, args.start, args.end)
    except ValueError as error:
        return _usage_error(str(error))
    with _coach() as coach:
        data = coach.summary(args.period, args.start, args.end)
    _emit(data, args.json, render_summary)
    return EXIT_OK


def _insights(args: argparse.Namespace) -> int:
    from .services.text import render_insights

    with _coach() as coach:
        data = coach.insights(days=args.days)
    _emit(data, args.json, render_insights)
    return EXIT_OK


def _recommend(args: argparse.Namespace) -> int:
    from .analysis.concepts import concept_slug, label, unknown_concept
    from .services.text import render_recommendations

    concept = args.concept
    if concept is not None:
        concept = concept_slug(concept)
        if concept is None:
            return _usage_error(unknown_concept(args.concept))
    with _coach() as coach:
        data = coach.recommendations(concept, args.limit)
    _emit(data, args.json, lambda d: render_recommendations(d, label(concept) if concept else None))
    return EXIT_OK


def _remember(results) -> bool:
    """Record what `analyze` found into the memory as one session, then flush it."""
    findings = known = 0
    coach = _new_coach()
    try:
        for path, text, analysis, examples in results:
            # A failing example is a struggle like any other.
            new = coach.remember_analysis(str(path.resolve()), text, analysis, extra=examples)
            findings += len(new)
            known += len(analysis.findings) + len(examples) - len(new)
    except RuntimeError as error:
        print(f"codecoach: could not remember anything: {error}", file=sys.stderr)
        coach.close()
        return False
    ok = coach.close(timeout=120, index=True)
    where = coach.data_dir
    if ok:
        # Mistakes still open from an earlier run are the same occurrences, not new ones.
        already = f" ({known} already remembered, unchanged)" if known else ""
        print(f"Remembered {findings} finding(s) from {len(results)} file(s) in {where}{already}.",
              file=sys.stderr)
    else:
        print(f"codecoach: could not save everything to the memory in {where} ({coach.memory_problem()})",
              file=sys.stderr)
    return ok


def _new_coach():
    """The coach the command line drives: no editor, memory in CODECOACH_DATA_DIR (or the default)."""
    from .coach import Coach

    # The learner ran this in their folder: its .env may hold their key (never the language server's).
    return Coach(dotenv_dirs=[os.getcwd()])  # the data folder: memory.paths.data_dir()


@contextlib.contextmanager
def _coach():
    coach = _new_coach()
    try:
        yield coach
    finally:
        coach.close()


def _reindex(args: argparse.Namespace) -> int:
    with _coach() as coach:
        try:
            print(f"Rebuilding the index from the event log in {coach.data_dir} ...", file=sys.stderr)
            counts = coach.reindex()
        except Exception as error:  # noqa: BLE001 - report, don't dump a traceback on a learner
            print(f"codecoach: reindex failed: {error}", file=sys.stderr)
            return 1
    print("Reindexed " + ", ".join(f"{n} {kind}" for kind, n in counts.items()) + ".")
    return EXIT_OK


def _forget(args: argparse.Namespace) -> int:
    with _coach() as coach:
        try:
            stores = coach.forget(everything=args.all, before=args.before)
        except Exception as error:  # noqa: BLE001
            print(f"codecoach: forget failed: {error}", file=sys.stderr)
            return 1
    scope = "everything" if args.all else f"everything before {args.before.isoformat()}"
    print(f"Forgot {scope}:")
    for store in stores:
        print(f"  {store.store} ({store.where}): {_counts(store.removed) or 'nothing to delete'}"
              + (f"; kept {_counts(store.kept)}" if store.kept else "")
              + (f" — {store.note}" if store.note else ""))
    return EXIT_OK


# What the stores count, in the words of the learner reading what was forgotten.
_KINDS = {
    "shown": ("mistake shown", "mistakes shown"), "fixes": ("fix", "fixes"),
    "hovers": ("explanation read", "explanations read"), "concept_uses": ("concept use", "concept uses"),
    "summaries": ("session summary", "session summaries"), "feedback": ("feedback answer", "feedback answers"),
    "event_concepts": ("concept link", "concept links"), "sessions": ("session", "sessions"),
    "open_occurrences": ("open mistake", "open mistakes"), "file_concepts": ("file's concepts", "files' concepts"),
    "records": ("record", "records"), "segment folders": ("segment folder", "segment folders"),
    "database files": ("database file", "database files"), "cached answers": ("cached answer", "cached answers"),
    "request records": ("request record", "request records"),
    "requests counted today": ("request counted today", "requests counted today"),
    "recommended items": ("recommended item", "recommended items"),
}


def _counts(counts: dict[str, int]) -> str:
    def words(kind: str, n: int) -> str:
        one, many = _KINDS.get(kind, (kind, kind))
        return f"{n} {one if n == 1 else many}"

    return ", ".join(words(kind, n) for kind, n in counts.items() if n)


def _web(args: argparse.Namespace) -> int:
    from .web.server import Options, run

    return run(Options(host=args.host, port=args.port, token=args.token, allow_remote=args.allow_remote,
                       public_url=args.public_url, settings=args.settings, log_level=args.log_level))


def _watch(args: argparse.Namespace) -> int:
    from .web.watch import run

    return run(Path(args.folder), url=args.url, token=args.token)


def _serve(args: argparse.Namespace) -> int:
    from .lsp.router import main as serve

    serve()
    return EXIT_OK


def _analyze(args: argparse.Namespace) -> int:
    from .analysis.concepts import label

    files, problems = python_files(args.paths)
    coach = _new_coach()  # no memory is opened just to analyze
    results = []
    texts: list[str] = []
    for path in files:
        try:
            text = read_source(path)
        except ValueError as error:
            problems.append(f"codecoach: {error}")
            continue
        results.append((path, coach.analyze_text(text)))
        texts.append(text)

    examples = _run_examples(coach, results, texts, problems) if args.run_examples else {}
    for problem in problems:
        print(problem, file=sys.stderr)
    remembered = (
        _remember([(p, t, a, examples.get(p, ([], None))[0]) for (p, a), t in zip(results, texts)])
        if args.remember else True
    )
    if args.json:
        json.dump(
            {
                "files": [
                    {
                        "path": str(path),
                        "parsed": analysis.syntax_ok,
                        "findings": [f.to_json() for f in analysis.findings + examples.get(path, ([], None))[0]],
                        "examples": _examples_json(examples.get(path)),
                        "concepts": dict(analysis.concepts.most_common()),
                        "functions": {
                            name: sorted(counts) for name, counts in analysis.function_concepts.items()
                        },
                    }
                    for path, analysis in results
                ],
                "errors": problems,
            },
            sys.stdout,
            indent=2,
        )
        print()
    else:
        _print_text([(p, a, examples.get(p, ([], None))[0]) for p, a in results], label)
    if problems:
        return EXIT_USAGE
    return EXIT_OK if remembered else 1


def _run_examples(coach, results, texts: list[str], problems: list[str]) -> dict:
    """Each file's example findings and report."""
    return coach.run_examples([(path, text) for (path, _), text in zip(results, texts)], on_error=problems.append)


def _examples_json(entry) -> dict | None:
    report = entry[1] if entry else None
    if report is None:
        return None
    data = report.to_json()
    data.pop("elsewhere", None)  # those findings are listed under the files they belong to
    return data


def _print_text(results, label) -> None:
    totals: Counter = Counter()
    rules: Counter = Counter()
    concepts: Counter = Counter()
    for path, analysis, examples in results:
        findings = analysis.findings + examples
        print(file_report(str(path), [f.to_json() for f in findings], dict(analysis.concepts.most_common())))
        for f in findings:
            totals[f.severity.name.lower()] += 1
            rules[(f.rule_id, f.message)] += 1
        concepts.update(analysis.concepts)
    count = sum(totals.values())
    by_level = ", ".join(f"{n} {level}" for level, n in totals.most_common())
    print(f"Summary: {len(results)} file(s), {count} finding(s)" + (f" ({by_level})" if count else ""))
    if concepts:
        print("  practised most: " + ", ".join(label(c) for c, _ in concepts.most_common(5)))
    if rules:
        print("  most frequent mistakes:")
        for (rule_id, message), n in rules.most_common(5):
            print(f"    {n} x {rule_id}  {message}")
