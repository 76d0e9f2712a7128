"""Live examples for the open documents: which run covers a document, running it, and
attaching its findings and printed values to every open document it speaks about.

After a document's quiet period the live pipeline (live.py) runs its examples on the
examples worker (`run`), then hands the run back on the main thread (`attach`), which
stores the findings in each open document they belong on and says what to publish. The
findings follow their lines through later edits, like Gemini's, until that file's next run
replaces them; offline rules win on a shared line; the user's rule settings apply. Nothing
runs, and no worker process starts, while runExamples is false.

The `Coach` owns one `LiveExamples` over its own open documents and is the only caller:
front ends reach it through the Coach's methods. Nothing here knows LSP or HTTP.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .analysis.document import DocumentSession, Preferences, Report, document_path
from .analysis.findings import Finding, Position, Span
from .config import Settings

if TYPE_CHECKING:
    from .runner import ExampleReport, ExampleRunner
    from .runner.display import PrintedHint

log = logging.getLogger(__name__)

# How long closing waits for a run in progress to stop cleanly before its worker is killed:
# shutdown must answer the editor promptly whatever the learner's code is doing.
STOP_EXAMPLES_SECONDS = 1.0


@dataclass(frozen=True)
class ExamplesRun:
    """One run of examples for a live document: who asked, what ran, and on which texts."""

    file: str  # the document whose quiet period asked for it
    version: int | None  # its version then
    target: str  # the path whose examples ran: the document's, or the file a test file tests
    report: ExampleReport
    texts: dict[str, str]  # by path: the text each open file (and the target) had in the run


@dataclass(frozen=True)
class ExamplesUpdate:
    """What a run changed: the reports to publish, and every open document it covered."""

    reports: dict[str, Report]  # documents whose findings changed, merged into what they show
    documents: tuple[str, ...] = ()  # documents whose examples (findings, printed values) are new


class LiveExamples:
    """The examples side of the open documents, and the warm worker process that runs them."""

    def __init__(self, sessions: dict[str, DocumentSession], settings: Callable[[], Settings],
                 preferences: Callable[[], Preferences]) -> None:
        self._sessions = sessions  # the Coach's own: documents open and close there
        self._settings = settings  # read at each use: the Coach replaces its settings when they change
        self._preferences = preferences
        self._runner: ExampleRunner | None = None  # started on the first run (examples worker)

    @property
    def on(self) -> bool:
        return bool(self._settings().examples.runExamples)

    @property
    def started(self) -> bool:
        """Whether a runner was ever built (none is while examples are off)."""
        return self._runner is not None

    @property
    def ready(self) -> bool:
        """Whether the warm worker process is up (nothing to prepare)."""
        runner = self._runner
        return runner is not None and runner.worker_pid is not None

    def documents(self, file: str) -> set[str]:
        """The open documents a run for `file` reads (itself, the file it tests, their test
        files): an edit to any of them makes the run stale."""
        path = document_path(file)
        if path is None:
            return {file}
        target = self._target(path)
        from .runner.discovery import sibling_tests

        found = {file}
        for candidate in (target, *sibling_tests(target)):
            document = self._document_for(candidate)
            if document is not None:
                found.add(document)
        return found

    def prepare(self) -> None:
        """Examples worker: start the warm worker process now (it imports for ~0.5 s), so the
        first run after the quiet period does not pay for it. Runs none of the learner's code."""
        if self.on:
            try:
                self._examples_runner().start()
            except Exception:  # noqa: BLE001 - the run will say what went wrong
                log.warning("The examples worker could not start", exc_info=True)

    def run(self, file: str, text: str, version: int | None,
            cancelled: Callable[[], bool] | None = None) -> ExamplesRun | None:
        """Examples worker (blocking): run the examples that cover `file` at `text` (a test file's
        are the file it tests'), with the other open documents' texts. None when nothing may run:
        examples off, or a document that is not a file on disk (an untitled buffer has no folder)."""
        path = document_path(file)
        if not self.on or path is None:
            return None
        target = self._target(path)
        texts = self._open_texts()
        texts[str(path)] = text
        if str(target) in texts:
            target_text = texts[str(target)]
        else:
            try:
                target_text = target.read_text(encoding="utf-8", errors="replace")
            except OSError:
                return None
        target_document = file if target == path else self._document_for(target)
        target_session = self._sessions.get(target_document) if target_document else None
        target_version = version if target == path else (
            target_session.last.version if target_session is not None and target_session.last else None)
        open_texts = {p: t for p, t in texts.items() if p != str(target)}
        report = self._examples_runner().run(target, target_text, settings=self._settings().examples,
                                             version=target_version, open_texts=open_texts, cancelled=cancelled)
        return ExamplesRun(file, version, str(target), report, {**texts, str(target): target_text})

    def attach(self, run: ExamplesRun) -> ExamplesUpdate:
        """Main thread: attach a finished run to the open documents it covers. A run that did not
        run (cancelled, a file that does not parse, a broken worker) changes nothing: the learner
        keeps what the last real run showed."""
        from .analysis.findings import split_lines
        from .runner import RAN
        from .runner.display import RunOutput

        report = run.report
        if report.status != RAN or not self.on:
            if report.message and report.status == "failed":
                log.warning("Examples of %s could not run: %s", Path(run.target).name, report.message)
            return ExamplesUpdate({})
        per_path: dict[str, list[Finding]] = {run.target: list(report.findings)}
        for other, found in report.elsewhere.items():
            per_path.setdefault(str(Path(other)), []).extend(found)
        covered = []
        for document, session in self._sessions.items():
            path = document_path(document)
            where = str(path) if path is not None else None
            if where not in per_path and run.target not in session.examples_origins():
                continue  # this run says nothing about it, and never did
            text = run.texts.get(where or "")
            lines = split_lines(text) if text is not None else (session.last.lines if session.last else [])
            session.set_examples(run.target, per_path.get(where or "", []), lines)
            covered.append(document)
        target = self._document_for(Path(run.target))
        if target is not None:
            session = self._sessions[target]
            session.set_printed(report.printed, split_lines(run.texts[run.target]),
                                RunOutput(report.stdout, report.stdout_truncated))
            if target not in covered:
                covered.append(target)
        changed = {}
        for document in covered:
            last = self._sessions[document].last
            if last is not None:
                merged = self._sessions[document].with_examples(last, self._preferences())
                if merged.findings != last.findings:
                    changed[document] = merged
        return ExamplesUpdate(changed, tuple(covered))

    def carried_onto(self, file: str, report: Report) -> Report:
        """`report` (a fresh analysis) with the document's example findings carried onto it."""
        session = self._sessions.get(file)
        if session is None:
            return report
        if not self.on:
            session.clear_examples()
        return session.with_examples(report, self._preferences())

    def printed_hints(self, file: str) -> list[PrintedHint]:
        """What each line of `file` printed when its examples last ran, where the line is now."""
        session = self._sessions.get(file)
        report = session.last if session is not None else None
        if report is None or not self.on:
            return []
        from .runner.display import printed_hints

        return printed_hints(session.printed(report.lines), report.lines)

    def printed_hover(self, file: str, line: int, *, markdown: bool) -> tuple[str, Span] | None:
        """The hover section for what `line` printed, and the span of its code (None if nothing)."""
        session = self._sessions.get(file)
        report = session.last if session is not None else None
        if report is None or not self.on:
            return None
        value = next((p for p in session.printed(report.lines) if p.line == line), None)
        if value is None:
            return None
        from .runner.display import printed_section

        code = report.lines[line].rstrip()
        indent = len(code) - len(code.lstrip())
        span = Span(Position(line, indent), Position(line, len(code)))
        return printed_section(value, session.printed_output, markdown=markdown), span

    def cancel(self) -> None:
        """Any thread: stop the run in progress, if any (it comes back cancelled)."""
        runner = self._runner
        if runner is not None:
            runner.cancel()

    def stop(self) -> None:
        """Examples worker: stop the warm worker process (examples were switched off, or closing)."""
        runner, self._runner = self._runner, None
        if runner is not None:
            runner.close(timeout=STOP_EXAMPLES_SECONDS)

    def _examples_runner(self) -> ExampleRunner:
        if self._runner is None:
            from .runner import ExampleRunner

            self._runner = ExampleRunner()
        return self._runner

    def _target(self, path: Path) -> Path:
        """The file whose run covers `path`: the file a test file tests, when there is one."""
        from .runner.discovery import tested_files

        for tested in tested_files(path):
            if self._document_for(tested) is not None or tested.is_file():
                return tested
        return path

    def _document_for(self, path: Path) -> str | None:
        for document in list(self._sessions):  # the examples worker reads while the loop opens and closes
            if document_path(document) == path:
                return document
        return None

    def _open_texts(self) -> dict[str, str]:
        texts = {}
        for document, session in list(self._sessions.items()):
            path = document_path(document)
            report = session.last
            if path is not None and report is not None:
                texts[str(path)] = "".join(report.lines)
        return texts

