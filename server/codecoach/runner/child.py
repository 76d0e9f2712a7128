"""The forked child: fences itself in, runs one file's examples, streams what happened.

Forked from the warm worker (which imported everything below), so a run pays
for a fork, not for a Python start-up. One child per file run: it imports the
learner's module once (like pytest), runs each example in turn with its own
share of the CPU allowance, and writes one event per example to its pipe as
soon as the example ends, so a hard kill loses only the example that was
running. It never returns: it ends with os._exit.
"""

from __future__ import annotations

import ast
import doctest
import faulthandler
import gc
import inspect
import json
import operator
import os
import signal
import sys
import time
import types
import unittest
from collections.abc import Callable
from typing import Any

import coverage

from .protocol import (
    ASSERT,
    DOCTEST,
    ERROR,
    FAILED,
    IMPORT,
    IO,
    MEMORY,
    MODE_IMPORT,
    MODE_IO,
    NOT_RUN,
    OUTPUT_KEEP_CHARS,
    PASSED,
    SCRIPT,
    SKIPPED,
    TEST,
    TIMEOUT,
    UNITTEST,
    Limits,
)
from .rewrite import CALL, CHECK, rewrite
from .sandbox import Clock, Console, ExampleTimedOut, Sandbox, apply_limits
from .values import Files, describe_call, describe_exception, sample, short_repr, site_only

MIN_SHARE = 0.02  # seconds of CPU below which an example is not started
BALLAST_BYTES = 4 << 20  # freed on MemoryError so the report can still be written
MAX_EVENT_BYTES = 256_000

_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "Eq": operator.eq, "NotEq": operator.ne, "Lt": operator.lt, "LtE": operator.le, "Gt": operator.gt,
    "GtE": operator.ge, "Is": operator.is_, "IsNot": operator.is_not,
    "In": lambda a, b: a in b, "NotIn": lambda a, b: a not in b,
}


def new_coverage() -> coverage.Coverage:
    """Line coverage of whatever runs from a throwaway folder (only the learner's file is read back)."""
    import tempfile

    pattern = os.path.join(tempfile.gettempdir(), "codecoach-run-*", "work", "*.py")
    cov = coverage.Coverage(data_file=None, include=[pattern], branch=False, config_file=False)
    cov.set_option("run:disable_warnings", ["no-data-collected", "module-not-measured", "module-not-imported",
                                            "couldnt-parse", "already-imported"])
    return cov


# Created and started once in the warm worker (start() costs ~40 ms the first time, under 1 ms after).
WARM_COVERAGE: coverage.Coverage | None = None


def warm_up() -> None:
    """In the worker, before any fork: pay coverage's first start, then freeze what exists so the
    children's garbage collector leaves the shared pages alone (copy-on-write stays cheap)."""
    global WARM_COVERAGE
    WARM_COVERAGE = new_coverage()
    WARM_COVERAGE.start()
    WARM_COVERAGE.stop()
    gc.collect()
    gc.freeze()


class ExampleFailure(AssertionError):
    """A rewritten assert that did not hold, with the values on both sides."""

    def __init__(self, details: dict[str, Any]) -> None:
        super().__init__(details.get("message") or "")
        self.details = details


class _Events:
    def __init__(self, fd: int) -> None:
        self.fd = fd

    def emit(self, event: dict[str, Any]) -> None:
        data = (json.dumps(event, ensure_ascii=False, default=str) + "\n").encode("utf-8", "replace")
        if len(data) > MAX_EVENT_BYTES:
            event = {k: v for k, v in event.items() if k in ("type", "id", "kind", "status", "seconds", "cpu")}
            event["truncated"] = True
            data = (json.dumps(event) + "\n").encode()
        view = memoryview(data)
        while view:
            written = os.write(self.fd, view)
            view = view[written:]


class ChildRun:
    def __init__(self, job: dict[str, Any], base: str, work: str, event_fd: int) -> None:
        self.job = job
        self.base, self.work = base, work
        self.limits = Limits.from_json(job.get("limits", {}))
        self.events = _Events(event_fd)
        self.files = Files(work)
        self.console = Console(self.files.where, self._needs_input)
        self.sandbox = Sandbox(base, self.files.where, self._blocked)
        self.clock = Clock(lambda frame: sample(frame, self.files))
        self.examples: list[dict[str, Any]] = job.get("examples", [])
        self.current: str | None = None
        self.last_call: dict[str, Any] | None = None
        self.cov: coverage.Coverage | None = None
        self.ballast: bytearray | None = None
        self.started_cpu = time.process_time()
        self.cpu_end = self.started_cpu + self.limits.cpu_seconds
        self.share = self.limits.cpu_seconds / 2 if len(self.examples) >= 2 else self.limits.cpu_seconds
        self.ran: set[str] = set()

    # ------------------------------------------------------------------ setup

    def setup(self) -> None:
        os.setpgid(0, 0)
        os.chdir(self.work)
        os.environ["TMPDIR"] = os.path.join(self.base, "tmp")
        import tempfile

        tempfile.tempdir = os.environ["TMPDIR"]
        sys.path[0:1] = [self.work]
        sys.argv = [os.path.join(self.work, self.job["main"])]
        sys.dont_write_bytecode = True
        fault = open(os.path.join(self.base, "fault.txt"), "w")  # noqa: SIM115 - kept open until exit
        faulthandler.enable(fault)
        faulthandler.register(signal.SIGXCPU, fault, all_threads=False, chain=False)
        faulthandler.register(signal.SIGUSR1, fault, all_threads=False, chain=False)
        for fd in (1, 2):
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, fd)
            os.close(null)
        self.console.set_stdin(None)
        refused = apply_limits(self.limits)
        if refused:
            self.events.emit({"type": "limits", "refused": refused})
        self.console.install()
        self.clock.install()
        import builtins

        builtins.__dict__[CHECK] = self.check
        builtins.__dict__[CALL] = self.call
        if self.job.get("coverage") and self.job.get("mode") != MODE_IO:
            self.cov = WARM_COVERAGE or new_coverage()
            self.cov.start()
        self.ballast = bytearray(BALLAST_BYTES)
        self.sandbox.install()
        self.sandbox.active = True

    # ------------------------------------------------------------------ reporting hooks

    def _blocked(self, kind: str, detail: str, where: tuple[str, int] | None) -> None:
        self.events.emit({"type": "blocked", "kind": kind, "detail": detail, "example": self.current,
                          "file": where[0] if where else None, "line": where[1] if where else None})

    def _needs_input(self, where: tuple[str, int] | None, provided: bool) -> None:
        self.events.emit({"type": "input", "provided": provided, "example": self.current,
                          "file": where[0] if where else None, "line": where[1] if where else None})

    # ------------------------------------------------------------------ examples

    def run_example(self, example_id: str, kind: str, body: Callable[[], dict[str, Any] | None],
                    share: float | None = None, counted: bool = True) -> str:
        """Run one example within its share of the CPU allowance; emit what happened; return its status."""
        remaining = self.cpu_end - time.process_time()
        if remaining < MIN_SHARE:
            self.events.emit({"type": "example", "id": example_id, "kind": kind, "status": NOT_RUN,
                              "reason": "out of time"})
            self.ran.add(example_id)
            return NOT_RUN
        previous, self.current = self.current, example_id
        self.last_call = None
        if self.cov is not None and counted:
            self.cov.switch_context(example_id)
        event: dict[str, Any] = {"type": "example", "id": example_id, "kind": kind}
        cpu0, wall0 = time.process_time(), time.perf_counter()
        self.clock.push(min(remaining, share if share is not None else self.share))
        try:
            try:
                extra = body() or {}
            finally:
                samples = self.clock.samples
                self.clock.pop()
            event["status"] = extra.pop("status", PASSED)
            event.update(extra)
        except ExampleTimedOut as cut:
            event.update(status=TIMEOUT, reason=cut.reason, samples=samples)
            event["error"] = site_only(cut, self.files)
        except ExampleFailure as failure:
            event.update(status=FAILED, failure=failure.details)
        except MemoryError as error:
            self.ballast = None
            gc.collect()
            event.update(status=MEMORY, error=site_only(error, self.files))
            error = None  # drop the traceback and with it the frames that hold the memory
        except SystemExit as leaving:
            event.update(status=PASSED if leaving.code in (None, 0) else ERROR, exit_code=short_repr(leaving.code))
            if event["status"] == ERROR:
                event["error"] = {"type": "SystemExit", "message": f"exit code {short_repr(leaving.code)}",
                                  "site": site_only(leaving, self.files)["site"], "frames": [], "values": [],
                                  "facts": {}}
        except AssertionError as error:
            event.update(status=FAILED, failure=self._plain_assertion(error))
        except BaseException as error:  # noqa: BLE001 - whatever their code raised is the finding
            event.update(status=ERROR, error=describe_exception(error, self.files))
            error = None
        finally:
            self.current = previous
            if self.cov is not None and counted:
                self.cov.switch_context(previous or "")
        if self.ballast is None:
            gc.collect()
            try:
                self.ballast = bytearray(BALLAST_BYTES)
            except MemoryError:
                pass
        event["cpu"] = round(time.process_time() - cpu0, 6)
        event["seconds"] = round(time.perf_counter() - wall0, 6)
        if self.last_call is not None and kind not in (IMPORT, SCRIPT) and "call" not in event.get("failure", {}):
            event["call"] = self.last_call
        self.last_call = None  # an assert inside an import must not lend its call to the import
        self.events.emit(event)
        self.ran.add(example_id)
        return event["status"]

    def _plain_assertion(self, error: AssertionError) -> dict[str, Any]:
        """An AssertionError that is not ours: unittest's assert methods, or an assert we did not rewrite."""
        details: dict[str, Any] = {"message": short_repr_of(error)}
        tb = error.__traceback__
        unittest_frame = None
        while tb is not None:
            frame = tb.tb_frame
            if frame.f_code.co_filename == unittest.case.__file__ and frame.f_code.co_name.startswith("assert"):
                unittest_frame = unittest_frame or frame  # the outermost assert* method
            tb = tb.tb_next
        described = describe_exception(error, self.files)
        details["site"] = described.get("site")
        if unittest_frame is not None:
            local_values = unittest_frame.f_locals
            details["method"] = unittest_frame.f_code.co_name
            for first, second in (("first", "second"), ("expr", None), ("member", "container"), ("obj", "cls"),
                                  ("list1", "list2"), ("seq1", "seq2"), ("d1", "d2")):
                if first in local_values:
                    details["left"] = short_repr(local_values[first])
                    if second and second in local_values:
                        details["right"] = short_repr(local_values[second])
                    break
            site = details["site"]
            if site and site.get("node"):
                call = _parse_expression(site["node"])
                if isinstance(call, ast.Call) and call.args:
                    details["left_source"] = ast.unparse(call.args[0])
                    if len(call.args) > 1:
                        details["right_source"] = ast.unparse(call.args[1])
        return details

    # ------------------------------------------------------------------ the assert helpers

    def call(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            self.last_call = describe_call(func, args, kwargs, self.files)
        except Exception:  # noqa: BLE001
            self.last_call = None
        return func(*args, **kwargs)

    def check(self, line: int, op: str, left: Callable[[], Any], right: Callable[[], Any] | None,
              message: Callable[[], Any] | None, left_source: str | None = None,
              right_source: str | None = None) -> None:
        caller = sys._getframe(1)
        file = self.files.name(caller.f_code.co_filename) or self.job["main"]

        def evaluate() -> None:
            self.last_call = None
            left_value = left()
            call = self.last_call
            right_value = right() if right is not None else None
            if op == "Truth":
                holds = bool(left_value)
            elif op == "Not":
                holds = not left_value
            else:
                holds = bool(_OPERATORS[op](left_value, right_value))
            if holds:
                return
            details = {"op": op, "left": short_repr(left_value), "left_source": left_source,
                       "right": short_repr(right_value) if right is not None else None,
                       "right_source": right_source, "file": file, "line": line, "call": call}
            if message is not None:
                details["message"] = short_repr_text(message())
            raise ExampleFailure(details)

        if caller.f_code.co_name == "<module>":
            # A module-level assert is an example of its own: the module goes on after it fails.
            self.run_example(f"assert:{file}:{line}", ASSERT, evaluate)
        else:
            evaluate()

    # ------------------------------------------------------------------ modules

    def load(self, name: str, file: str, *, rewrite_module_level: bool, rewrite_tests: bool = True) -> types.ModuleType:
        path = os.path.join(self.work, file)
        with open(path, encoding="utf-8", errors="replace") as handle:
            source = handle.read()
        tree = ast.parse(source, filename=path)
        if rewrite_tests:
            rewrite(tree, source, module_level=rewrite_module_level)
        code = compile(tree, path, "exec", dont_inherit=True)
        module = types.ModuleType(name)
        module.__file__ = path
        module.__builtins__ = __builtins__
        sys.modules[name] = module
        exec(code, module.__dict__)  # noqa: S102 - the learner's own program, in the sandbox
        return module

    def run(self) -> None:
        mode = self.job["mode"]
        main, name = self.job["main"], self.job["module"]
        if mode == MODE_IO:
            for example in self.examples:
                self.run_example(example["id"], IO, lambda e=example: self._io(e))
        elif mode == MODE_IMPORT:
            modules: dict[str, types.ModuleType] = {}

            def import_main() -> None:
                modules[name] = self.load(name, main, rewrite_module_level=True)

            status = self.run_example("import:" + main, IMPORT, import_main, share=self.limits.cpu_seconds,
                                      counted=False)
            if status != PASSED:
                self._not_run(f"{main} stopped with an error before its examples could run")
                return
            self._run_examples(modules)
        else:
            self.run_example("script:" + main, SCRIPT,
                             lambda: self._as_main(main, rewrite_module_level=True),
                             share=self.limits.cpu_seconds, counted=False)

    def _as_main(self, file: str, *, rewrite_module_level: bool) -> None:
        saved = sys.modules.get("__main__")
        try:
            self.load("__main__", file, rewrite_module_level=rewrite_module_level)
        finally:
            sys.stdout.flush()
            if saved is not None:
                sys.modules["__main__"] = saved

    def _run_examples(self, modules: dict[str, types.ModuleType]) -> None:
        doctests: dict[int, list[dict[str, Any]]] = {}
        for example in self.examples:
            if example["kind"] == DOCTEST:
                doctests.setdefault(example["spec"]["first_line"], []).append(example)
        done_doctests: set[int] = set()
        main_module = modules[self.job["module"]]
        for example in self.examples:
            kind, spec = example["kind"], example.get("spec", {})
            if example["id"] in self.ran:
                continue
            if kind == DOCTEST:
                first = spec["first_line"]
                if first not in done_doctests:
                    done_doctests.add(first)
                    self._doctests(main_module, doctests[first])
            elif kind in (TEST, UNITTEST):
                module = self._module_for(spec, modules)
                if module is None:
                    continue
                if kind == TEST:
                    self.run_example(example["id"], TEST, lambda m=module, s=spec: self._test_function(m, s))
                else:
                    self.run_example(example["id"], UNITTEST, lambda m=module, s=spec: self._unittest(m, s))
        self._not_run("not reached")

    def _module_for(self, spec: dict[str, Any], modules: dict[str, types.ModuleType]) -> types.ModuleType | None:
        name = spec["module"]
        if name in modules:
            return modules[name]
        if spec["file"] == self.job["main"]:
            return modules[self.job["module"]]

        def import_test_file() -> None:
            modules[name] = self.load(name, spec["file"], rewrite_module_level=False)

        status = self.run_example("import:" + spec["file"], IMPORT, import_test_file,
                                  share=self.limits.cpu_seconds, counted=False)
        if status != PASSED:
            for example in self.examples:
                if example.get("spec", {}).get("module") == name and example["id"] not in self.ran:
                    self.events.emit({"type": "example", "id": example["id"], "kind": example["kind"],
                                      "status": NOT_RUN, "reason": f"{spec['file']} stopped with an error"})
                    self.ran.add(example["id"])
            modules[name] = None  # type: ignore[assignment] - failed once, not retried
            return None
        return modules[name]

    def _not_run(self, reason: str) -> None:
        for example in self.examples:
            if example["id"] not in self.ran:
                self.events.emit({"type": "example", "id": example["id"], "kind": example["kind"],
                                  "status": NOT_RUN, "reason": reason})
                self.ran.add(example["id"])

    # ------------------------------------------------------------------ kinds of example

    def _test_function(self, module: types.ModuleType, spec: dict[str, Any]) -> dict[str, Any] | None:
        function = getattr(module, spec["function"], None)
        if not callable(function):
            return {"status": SKIPPED, "reason": f"{spec['function']} is not a function when the file has run"}
        try:
            needed = [p for p in inspect.signature(function).parameters.values()
                      if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        except (TypeError, ValueError):
            needed = []
        if needed:
            return {"status": SKIPPED, "reason": "it needs arguments (pytest fixtures are not supported)"}
        result = function()
        if inspect.isgenerator(result) or inspect.iscoroutine(result):
            result.close()
            return {"status": SKIPPED, "reason": "generator and async tests are not supported"}
        return None

    def _unittest(self, module: types.ModuleType, spec: dict[str, Any]) -> dict[str, Any] | None:
        case_class = getattr(module, spec["class"], None)
        if not (isinstance(case_class, type) and issubclass(case_class, unittest.TestCase)):
            return {"status": SKIPPED, "reason": f"{spec['class']} is not a unittest.TestCase"}
        result = _CaseResult()
        # A suite of one, so that setUpClass and tearDownClass run around the method.
        unittest.TestSuite([case_class(spec["method"])]).run(result)
        if result.error is not None:
            raise result.error[1].with_traceback(result.error[2])
        if result.skip_reason is not None:
            return {"status": SKIPPED, "reason": result.skip_reason}
        return None

    def _doctests(self, module: types.ModuleType, examples: list[dict[str, Any]]) -> None:
        spec = examples[0]["spec"]
        first_line = spec["first_line"]
        parser = doctest.DocTestParser()
        path = os.path.join(self.work, self.job["main"])
        test = parser.get_doctest(spec["docstring"], dict(module.__dict__), spec["owner"], path, first_line - 1)
        by_index = {e["spec"]["index"]: e for e in examples}
        runner = _DoctestRunner(self, test, by_index, optionflags=doctest.ELLIPSIS)
        runner.run(test, out=lambda text: None, clear_globs=False)

    def _io(self, example: dict[str, Any]) -> dict[str, Any]:
        spec = example["spec"]
        stdin_path = os.path.join(self.base, "stdin", f"{abs(hash(example['id']))}.in")
        os.makedirs(os.path.dirname(stdin_path), exist_ok=True)
        with open(stdin_path, "w", encoding="utf-8") as handle:
            handle.write(spec["stdin"])
        self.console.set_stdin(stdin_path)
        self.console.reset_output()
        try:
            self._as_main(self.job["main"], rewrite_module_level=False)
        except SystemExit as leaving:
            if leaving.code not in (None, 0):
                raise
        finally:
            sys.stdout.flush()
            self.console.set_stdin(None)
        return _compare_output(self.console, spec)

    # ------------------------------------------------------------------ the end

    def finish(self) -> None:
        self.sandbox.active = False
        try:
            sys.stdout.flush()
        except Exception:  # noqa: BLE001
            pass
        if self.cov is not None:
            self.cov.stop()
            data = self.cov.get_data()
            path = os.path.join(self.work, self.job["main"])
            lines: dict[str, list[int]] = {}
            for context in data.measured_contexts():
                if not context:
                    continue
                data.set_query_contexts([context])
                lines[context] = sorted(data.lines(path) or [])
            self.events.emit({"type": "coverage", "lines": lines})
        printed = [{"file": f, "line": line, "text": t, "count": n}
                   for (f, line), (t, n) in list(self.console.printed.items())[:2000]]
        output = self.console.stdout_buffer.text() if self.job["mode"] != MODE_IO else ""
        self.events.emit({"type": "output", "printed": printed, "stdout": output[:OUTPUT_KEEP_CHARS],
                          "truncated": len(output) > OUTPUT_KEEP_CHARS or self.console.stdout_buffer.dropped > 0})
        self.events.emit({"type": "end", "cpu": round(time.process_time() - self.started_cpu, 6)})


def short_repr_of(error: BaseException) -> str:
    try:
        return str(error)[:300]
    except Exception:  # noqa: BLE001
        return ""


def short_repr_text(value: Any) -> str:
    try:
        text = str(value)
    except Exception:  # noqa: BLE001
        return ""
    return text[:200]


def _parse_expression(text: str) -> ast.AST | None:
    try:
        return ast.parse(text.replace("…", ""), mode="eval").body
    except SyntaxError:
        return None


def _compare_output(console: Console, spec: dict[str, Any]) -> dict[str, Any]:
    actual_text = console.stdout_buffer.text()
    actual = [line.rstrip() for line in actual_text.rstrip().split("\n")] if actual_text.strip() else []
    expected_text = spec["expected"]
    expected = [line.rstrip() for line in expected_text.rstrip().split("\n")] if expected_text.strip() else []
    if actual == expected:
        return {"status": PASSED}
    index = next((i for i, (a, e) in enumerate(zip(actual, expected)) if a != e), min(len(actual), len(expected)))
    printed_by = None
    for start, file, line in console.origins:
        if start <= index:
            printed_by = [file, line]
        else:
            break
    return {
        "status": FAILED,
        "failure": {
            "io": True,
            "label": spec["label"],
            "output_line": index + 1,
            "expected": expected[index][:200] if index < len(expected) else None,
            "actual": actual[index][:200] if index < len(actual) else None,
            "expected_lines": len(expected),
            "actual_lines": len(actual),
            "printed_by": printed_by,
            "truncated": console.stdout_buffer.dropped > 0,
        },
    }


class _CaseResult(unittest.TestResult):
    """One test method's result, keeping the raw exception so its values can be read."""

    def __init__(self) -> None:
        super().__init__()
        self.error: tuple | None = None
        self.skip_reason: str | None = None

    def addFailure(self, test, err):  # noqa: N802 - unittest's names
        self.error = self.error or err

    def addError(self, test, err):  # noqa: N802
        self.error = self.error or err

    def addSubTest(self, test, subtest, err):  # noqa: N802
        if err is not None:
            self.error = self.error or err

    def addSkip(self, test, reason):  # noqa: N802
        self.skip_reason = reason


class _DoctestRunner(doctest.DocTestRunner):
    """Each doctest example is one example of the run: timed, covered and reported on its own."""

    def __init__(self, child: ChildRun, test: doctest.DocTest, by_index: dict[int, dict[str, Any]],
                 optionflags: int) -> None:
        super().__init__(verbose=False, optionflags=optionflags)
        self.child = child
        self.by_index = by_index

    def run(self, test, compileflags=None, out=None, clear_globs=True):
        # Run example by example through run_example, each in a DocTest of its own
        # sharing the globals, so every example gets its own time share and coverage.
        examples = test.examples
        for index, example in enumerate(examples):
            entry = self.by_index.get(index)
            example_id = entry["id"] if entry else f"doctest:{test.lineno + example.lineno + 1}"
            single = doctest.DocTest([example], test.globs, test.name, test.filename, test.lineno, test.docstring)
            # Each example runs alone, so its code is always "<doctest NAME[0]>".
            self.child.files.doctests[f"<doctest {test.name}[0]>"] = (
                self.child.job["main"], test.lineno + 1 + example.lineno)
            self._outcome: dict[str, Any] = {}

            def body(single=single) -> dict[str, Any]:
                self._outcome = {}
                super(_DoctestRunner, self).run(single, compileflags, out, clear_globs=False)
                return self._outcome

            self.child.run_example(example_id, DOCTEST, body)
        return doctest.TestResults(0, len(examples))

    def report_start(self, out, test, example):
        pass

    def report_success(self, out, test, example, got):
        self._outcome = {"status": PASSED}

    def report_failure(self, out, test, example, got):
        self._outcome = {"status": FAILED, "failure": {"doctest": True, "source": example.source.strip(),
                                                      "expected": example.want.rstrip()[:400],
                                                      "actual": got.rstrip()[:400]}}

    def report_unexpected_exception(self, out, test, example, exc_info):
        error = exc_info[1]
        if isinstance(error, (ExampleTimedOut, MemoryError, SystemExit, KeyboardInterrupt)):
            raise error
        self._outcome = {"status": ERROR, "error": describe_exception(error, self.child.files),
                         "source": example.source.strip()}


def main(job: dict[str, Any], base: str, work: str, event_fd: int) -> None:
    """The child's whole life. Never returns."""
    status = 0
    run = ChildRun(job, base, work, event_fd)
    try:
        run.setup()
        run.run()
        run.finish()
    except BaseException as error:  # noqa: BLE001 - tell the worker, then leave
        status = 3
        try:
            run.sandbox.active = False
            run.events.emit({"type": "crash", "error": f"{type(error).__name__}: {error}"[:500]})
        except BaseException:  # noqa: BLE001
            pass
    os._exit(status)
