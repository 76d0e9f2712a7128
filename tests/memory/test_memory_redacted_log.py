"""No secret in the learner's code reaches the memory's files: code regions and messages are
redacted before they are stored (on the writer thread, never the caller's), and an occurrence
whose message was stored redacted is still the same occurrence."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from memtools import GITHUB_TOKEN, NONE_MSG, files_holding, make_finding


def test_redaction_runs_on_the_writer_thread_never_the_callers(open_memory, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first redaction loads the rule set (0.4-2 s): it must not happen on the caller's thread
    (the language server's event loop records what is on screen)."""
    from codecoach import secret_scan

    loaded_on: list[str] = []
    load = secret_scan._load_vendor

    def recording_load():
        loaded_on.append(threading.current_thread().name)
        return load()

    monkeypatch.setattr(secret_scan, "_vendor", None)
    monkeypatch.setattr(secret_scan, "_load_vendor", recording_load)
    mem = open_memory()
    lines = ["token = 1", f'API = "{GITHUB_TOKEN}"', "if token == None:", "    pass"]
    mem.record_shown("/w/t.py", [make_finding("CC103", NONE_MSG, 2, ("none",))], lines)
    assert loaded_on == [] or loaded_on == ["codecoach-memory-writer"]
    assert mem.flush(60)
    assert loaded_on == ["codecoach-memory-writer"]
    assert GITHUB_TOKEN not in mem.events("shown")[0]["region"]


def test_a_message_quoting_a_secret_is_stored_redacted_and_stays_one_occurrence(open_memory, tmp_path: Path) -> None:
    data = tmp_path / "data"
    lines = ["x = 1", f'"{GITHUB_TOKEN}"', "y = 2"]
    quoting = make_finding("CC999", f"`'{GITHUB_TOKEN}'` is computed and then thrown away", 1, ("strings",))
    mem = open_memory(data)
    (first,) = mem.record_shown("/w/q.py", [quoting], lines)
    assert mem.flush(60)
    mem.close()
    assert files_holding(data, GITHUB_TOKEN) == {}

    again = open_memory(data)  # a new process: the open occurrence is read back from the log
    assert again.record_shown("/w/q.py", [quoting], lines) == []
    assert again.occurrence_id("/w/q.py", quoting) == first
    again.record_fixed("/w/q.py", [quoting])
    assert again.flush(60)
    assert again.counts()["shown"] == 1
    assert again.events("fixed")[0]["shown_id"] == first
    assert files_holding(data, GITHUB_TOKEN) == {}


def test_a_message_quoting_a_secret_without_its_name_is_redacted_by_its_region(open_memory, tmp_path: Path) -> None:
    """`PASSWD=s3cr3t` makes "`s3cr3t` is not defined": the message alone does not say it is a
    secret, the region around it does. Its fix and a hover on it are stored without it too."""
    data = tmp_path / "data"
    value = "envpw" + GITHUB_TOKEN[-10:]
    lines = ["def f():", f"    PASSWD={value}", "    return PASSWD"]
    undefined = make_finding("CC602", f"`{value}` is not defined", 1, ("names",))
    mem = open_memory(data)
    mem.record_shown("/w/e.py", [undefined], lines)
    mem.record_hover("/w/e.py", undefined, context="\n".join(lines))
    mem.record_fixed("/w/e.py", [undefined])
    assert mem.flush(60)
    assert files_holding(data, value) == {}
    assert mem.events("shown")[0]["message"] == "`<REDACTED:password>` is not defined"
    assert mem.events("fixed")[0]["message"] == mem.events("shown")[0]["message"]


def test_a_feedback_note_that_pastes_code_keeps_its_words_and_loses_its_secret(open_memory, tmp_path: Path) -> None:
    data = tmp_path / "data"
    mem = open_memory(data)
    note = f'unclear: my line API = "{GITHUB_TOKEN}" still fails'
    mem.record_feedback("/w/t.py", "CC103", False, note)
    assert mem.flush(60)
    mem.close()
    assert files_holding(data, GITHUB_TOKEN) == {}
    again = open_memory(data)
    (stored,) = [row["note"] for row in again.events("feedback")]
    assert stored.startswith("unclear: my line API = ") and stored.endswith(" still fails")
    assert "<REDACTED:" in stored
