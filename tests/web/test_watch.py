"""`codecoach watch` on a temporary folder: save a file, read its findings; Ctrl+C stops it cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from codecoach.web.watch import stream_url

from .conftest import isolated_env, start_server

MISTAKE = "def grade(score):\n    if score is 100:\n        return 'A'\n    return 'B'\n"
FIXED = MISTAKE.replace(" is ", " == ")


class Watch:
    def __init__(self, folder: Path, *args: str, env: dict[str, str]) -> None:
        self.out = folder.parent / f"{folder.name}.out"
        self.err = folder.parent / f"{folder.name}.err"
        self.process = subprocess.Popen([sys.executable, "-m", "codecoach", "watch", str(folder), *args],
                                        stdin=subprocess.DEVNULL, stdout=self.out.open("w"), stderr=self.err.open("w"),
                                        env=env)

    def text(self) -> str:
        return self.out.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, needle: str, timeout: float = 60.0, *, count: int = 1) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.text()
            if text.count(needle) >= count:
                return text
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"{needle!r} not printed; stdout:\n{self.text()}\nstderr:\n"
                             f"{self.err.read_text(errors='replace')}")


def analyze_text(file: Path) -> str:
    """`codecoach analyze`'s block for one file, with the file's name as the watcher names it."""
    out = subprocess.run([sys.executable, "-m", "codecoach", "analyze", "--no-run", str(file)],
                         capture_output=True, text=True, timeout=120).stdout
    block = out.split("\n\n", 1)[0]
    return block.replace(str(file), file.name, 1)


def test_a_saved_file_is_printed_like_analyze_and_ctrl_c_exits_0(tmp_path):
    folder = tmp_path / "course"
    (folder / "week1").mkdir(parents=True)
    (folder / ".venv").mkdir()
    env = isolated_env(tmp_path / "data")
    watch = Watch(folder, env=env)
    try:
        watch.wait_for("Watching")
        assert "Dashboard: http://127.0.0.1:" in watch.text() and "?token=" in watch.text()
        lesson = folder / "week1" / "grades.py"
        lesson.write_text(MISTAKE, encoding="utf-8")
        (folder / ".venv" / "ignored.py").write_text(MISTAKE, encoding="utf-8")  # tools' folders are not coached
        (folder / "notes.txt").write_text("not python", encoding="utf-8")
        text = watch.wait_for("CC102")
        expected = analyze_text(lesson).replace("grades.py", "week1/grades.py", 1)
        assert expected in text, (expected, text)

        lesson.write_text(FIXED, encoding="utf-8")
        text = watch.wait_for("no mistakes found")
        assert "week1/grades.py\n  no mistakes found" in text
    finally:
        if watch.process.poll() is None:
            watch.process.send_signal(signal.SIGINT)
        code = watch.process.wait(30)
    assert code == 0, watch.err.read_text()
    assert "Traceback" not in watch.err.read_text() and "ignored.py" not in watch.text()
    assert "notes.txt" not in watch.text()
    # The memory was flushed on the way out: the summary of that folder's day has the file in it.
    summary = subprocess.run([sys.executable, "-m", "codecoach", "summary", "--json"], env=env,
                             capture_output=True, text=True, timeout=120)
    assert '"files": 1' in summary.stdout, summary.stdout + summary.stderr


def test_watch_streams_to_a_running_server_with_its_token(tmp_path):
    server = start_server(tmp_path / "web")
    folder = tmp_path / "folder"
    folder.mkdir()
    env = isolated_env(tmp_path / "other-data") | {"CODECOACH_WEB_TOKEN": server.token}
    watch = Watch(folder, "--url", server.base, env=env)
    try:
        watch.wait_for("Watching")
        (folder / "quiz.py").write_text(MISTAKE, encoding="utf-8")
        assert "quiz.py\n  2:8  warning     CC102" in watch.wait_for("CC102")
        assert server.get("/insights").json()["files"][0]["file"] == "quiz.py"  # the server's coach has it
    finally:
        watch.process.send_signal(signal.SIGTERM)
        assert watch.process.wait(30) == 0
        assert server.stop() == 0


def test_watch_refuses_a_wrong_token_and_a_missing_folder(tmp_path):
    server = start_server(tmp_path / "web")
    try:
        env = isolated_env(tmp_path / "data")
        wrong = subprocess.run([sys.executable, "-m", "codecoach", "watch", str(tmp_path), "--url",
                                f"{server.base}/?token=not-the-token-at-all"], env=env, capture_output=True,
                               text=True, timeout=60)
        assert wrong.returncode == 2 and "HTTP 401" in wrong.stderr and "check the token" in wrong.stderr
    finally:
        assert server.stop() == 0
    missing = subprocess.run([sys.executable, "-m", "codecoach", "watch", str(tmp_path / "nope")],
                             env=isolated_env(tmp_path / "data"), capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "no such folder" in missing.stderr


def test_stream_urls():
    assert stream_url("http://127.0.0.1:8000") == ("ws://127.0.0.1:8000/ws/stream", None)
    assert stream_url("https://coach.example.org/?token=abc") == ("wss://coach.example.org/ws/stream", "abc")
    assert stream_url("127.0.0.1:9000/coach/") == ("ws://127.0.0.1:9000/coach/ws/stream", None)


def test_the_language_server_never_imports_the_web_stack():
    probe = ("import sys, codecoach.lsp.router, codecoach.cli;"
             "print(','.join(m for m in ('fastapi', 'starlette', 'uvicorn', 'watchfiles', 'websockets', "
             "'codecoach.web') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         env={**os.environ})
    assert out.stdout.strip() == ""
