"""The fences: limits, blocked actions, keyboard input, cancellation and a dying worker.

Every blocked action is checked on disk (or on the socket): the learner's files
are untouched and nothing happened outside the throwaway copy.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time

import pytest

from codecoach.runner import CANCELLED, MEMORY, OFF, RAN, TIMEOUT

from .conftest import QuickSettings, by_rule, line_of, run, write


def snapshot(folder):
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir() if p.is_file()}


def test_input_with_no_input_is_reported_at_once(runner, tmp_path):
    path = write(tmp_path, "ask.py", '''
        name = input("Your name? ")
        print("Hello", name)
    ''')
    started = time.perf_counter()
    report = run(runner, path)
    assert time.perf_counter() - started < 5  # never waits for a keyboard
    [needs] = by_rule(report, "CC815")
    assert needs.span.start.line == line_of(path, "input(")
    assert needs.message == "this example needs keyboard input; examples run without one"
    assert by_rule(report, "CC803") == []  # the EOFError is not a second finding


def test_io_examples_feed_stdin_and_name_the_first_differing_line(runner, tmp_path):
    path = write(tmp_path, "sums.py", '''
        n = int(input())
        for _ in range(n):
            a, b = map(int, input().split())
            print(a + b if a < 5 else a - b)
    ''')
    write(tmp_path, "sums.in", "2\n1 2\n3 4\n")
    write(tmp_path, "sums.out", "3\n7\n\n")
    write(tmp_path, "sums_examples/1.in", "1\n6 1\n")
    write(tmp_path, "sums_examples/1.out", "7  \n")
    report = run(runner, path)
    assert {o.name: o.status for o in report.outcomes} == {"sums.in": "passed", "sums_examples/1.in": "failed"}
    [mismatch] = by_rule(report, "CC802")
    assert mismatch.message == "output line 1 is `5`, expected `7` (sums_examples/1.in)"
    assert mismatch.span.start.line == line_of(path, "print(a + b")  # the print that wrote that line
    assert "- Expected: 7" in mismatch.detail and "- Actual: 5" in mismatch.detail


def test_endless_loop_is_cut_and_shows_the_loop_and_its_values(runner, tmp_path):
    path = write(tmp_path, "countdown.py", '''
        def countdown(n):
            steps = 0
            while n != 0:
                n -= 2
                steps += 1
            return steps

        assert countdown(4) == 2
        assert countdown(3) == 2
    ''')
    started = time.perf_counter()
    report = run(runner, path)
    assert time.perf_counter() - started < 6
    assert [o.status for o in report.outcomes] == ["passed", TIMEOUT]
    [spinning] = by_rule(report, "CC813")
    assert spinning.span.start.line == line_of(path, "while n != 0:")
    assert "the loop on this line kept going" in spinning.message
    assert "Changing while it ran: `n`" in spinning.detail and "`steps`" in spinning.detail


def test_endless_top_level_loop_in_a_script(runner, tmp_path):
    path = write(tmp_path, "forever.py", '''
        count = 0
        while True:
            count += 1
    ''')
    report = run(runner, path)
    [spinning] = by_rule(report, "CC813")
    assert spinning.span.start.line == line_of(path, "while True:")


def test_deep_recursion_names_the_function_and_its_arguments(runner, tmp_path):
    path = write(tmp_path, "fact.py", '''
        def fact(n):
            if n == 0:
                return 1
            return n * fact(n - 2)

        assert fact(4) == 24
        assert fact(3) == 6
    ''')
    report = run(runner, path)
    [deep] = by_rule(report, "CC808")
    assert deep.message.startswith("RecursionError: `fact` called itself ")
    assert deep.span.start.line in (line_of(path, "if n == 0"), line_of(path, "return n * fact"))
    assert "First calls: n = 3; n = 1; n = -1" in deep.detail


def test_memory_hog_is_stopped_by_the_limit(runner, tmp_path):
    path = write(tmp_path, "hog.py", '''
        def hog():
            chunks = []
            while True:
                chunks.append(bytearray(8_000_000))

        assert hog() is None
        assert 1 + 1 == 2
    ''')
    report = run(runner, path, settings=QuickSettings(examplesMemoryMb=128))
    assert report.status == RAN
    assert [o.status for o in report.outcomes] == [MEMORY, "passed"]  # the next example still runs
    [hog] = by_rule(report, "CC814")
    assert hog.span.start.line == line_of(path, "chunks.append")
    assert "(128 MB)" in hog.message


def test_writes_and_deletes_outside_the_copy_are_blocked(runner, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "keep.txt"
    victim.write_text("precious")
    project = tmp_path / "project"
    project.mkdir()
    path = write(project, "tidy.py", f'''
        import os
        open("scratch.txt", "w").write("fine: inside the copy")
        os.remove("scratch.txt")
        try:
            open({str(outside / "new.txt")!r}, "w").write("no")
        except PermissionError:
            pass
        os.remove({str(victim)!r})
    ''')
    before = snapshot(project)
    report = run(runner, path)
    blocked = by_rule(report, "CC818")
    assert {f.span.start.line for f in blocked} == {line_of(path, "new.txt"), line_of(path, "os.remove(" + repr(str(victim)))}
    assert all(f.message == "this example tried to write outside its own folder; examples may not" for f in blocked)
    assert victim.read_text() == "precious" and not (outside / "new.txt").exists()
    assert snapshot(project) == before  # the learner's own folder is untouched, scratch.txt never reached it


def test_network_connections_are_blocked(runner, tmp_path):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    path = write(tmp_path, "fetch.py", f'''
        import socket
        connection = socket.create_connection(("127.0.0.1", {port}), timeout=2)
        connection.sendall(b"hello")
    ''')
    try:
        report = run(runner, path)
        [blocked] = by_rule(report, "CC816")
        assert blocked.message == "this example tried to open a network connection; examples run offline"
        assert blocked.span.start.line == line_of(path, "create_connection")
        assert f"127.0.0.1:{port}" in blocked.detail
        with pytest.raises(socket.timeout):
            listener.accept()  # nobody ever connected
    finally:
        listener.close()


def test_starting_programs_is_blocked(runner, tmp_path):
    marker = tmp_path / "ran.txt"
    path = write(tmp_path, "shell.py", f'''
        import os, subprocess
        os.system("echo ran > {marker}")
        subprocess.run(["touch", "{marker}"])
    ''')
    report = run(runner, path)
    [blocked] = by_rule(report, "CC817")
    assert blocked.span.start.line == line_of(path, "os.system")
    assert "os.system" in blocked.detail
    assert not marker.exists()


def test_run_examples_off_never_executes(runner, tmp_path):
    path = write(tmp_path, "loud.py", 'print("hello")\n')
    report = run(runner, path, settings=QuickSettings(runExamples=False))
    assert report.status == OFF and report.printed == () and report.findings == ()


def test_a_cancelled_run_stops_at_once_and_the_next_one_works(runner, tmp_path):
    path = write(tmp_path, "slow.py", '''
        import time
        while True:
            time.sleep(0.01)
    ''')
    box = {}

    def work():
        box["report"] = run(runner, path, settings=QuickSettings(examplesCpuSeconds=10))

    thread = threading.Thread(target=work)
    started = time.perf_counter()
    thread.start()
    time.sleep(0.5)
    runner.cancel()
    thread.join(timeout=10)
    assert box["report"].status == CANCELLED and box["report"].findings == ()
    assert time.perf_counter() - started < 3  # not the 21 s wall-clock limit of a 10 s CPU budget
    fine = write(tmp_path, "fine.py", "assert 1 + 1 == 2\n")
    assert run(runner, fine).status == RAN


def test_a_stale_version_is_dropped_through_the_cancelled_callback(runner, tmp_path):
    path = write(tmp_path, "spin.py", "while True:\n    pass\n")
    newest = {"version": 1}
    started = time.perf_counter()
    timer = threading.Timer(0.3, lambda: newest.update(version=2))
    timer.start()
    report = run(runner, path, version=1, cancelled=lambda: newest["version"] != 1)
    assert report.status == CANCELLED and report.version == 1
    assert time.perf_counter() - started < 2.5


def test_the_worker_is_restarted_when_it_dies(runner, tmp_path):
    path = write(tmp_path, "ok.py", "assert sum([1, 2]) == 3\n")
    assert run(runner, path).status == RAN
    first = runner.worker_pid
    os.kill(first, signal.SIGKILL)
    for _ in range(100):
        if runner.worker_pid is None:
            break
        time.sleep(0.02)
    report = run(runner, path)
    assert report.status == RAN and [o.status for o in report.outcomes] == ["passed"]
    assert runner.worker_pid not in (None, first)


def test_the_throwaway_folders_are_removed(runner, tmp_path):
    import tempfile

    def leftovers():
        return {p for p in os.listdir(tempfile.gettempdir()) if p.startswith("codecoach-run-")}

    before = leftovers()
    path = write(tmp_path, "ok.py", "open('made.txt', 'w').write('x')\n")
    run(runner, path)
    assert leftovers() <= before
