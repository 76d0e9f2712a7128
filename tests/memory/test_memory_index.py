"""The Chroma index: rebuilt from the log, keyed by embedder, local or a real server."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from memtools import DAY, EXCEPT_MSG, NONE_MSG, make_finding

from codecoach.memory import ChromaTarget, finding_key, region_text
from codecoach.memory.core import PastStruggle
from codecoach.services.phrasing import humanize_ago, met_before_phrase

PROGRAMS = {
    "/w/grades.py": (["grades = [3, 4]", "if grades == None:", "    grades = []"], [("CC103", NONE_MSG, 1, ("none",))]),
    "/w/shop.py": (["try:", "    buy()", "except:", "    pass"], [("CC502", EXCEPT_MSG, 2, ("exceptions",))]),
    "/w/loop.py": (["for i in range(10):", "    i = i + 1"], [("CC308", "loop variable reassigned", 1, ("loops",))]),
    "/w/fact.py": (["def fact(n):", "    return n * fact(n - 1)"], [("CC204", "recursion without a base case", 1, ("recursion",))]),
}


def _fill(mem, clock) -> None:
    for file, (lines, specs) in PROGRAMS.items():
        clock.advance(DAY)
        mem.record_shown(file, [make_finding(*spec) for spec in specs], lines)
    assert mem.flush(60)


QUERIES = [
    (make_finding("CC103", NONE_MSG, 0, ("none",)), "if value == None:"),
    (make_finding("CC502", EXCEPT_MSG, 2, ("exceptions",)), "try:\n    x()\nexcept:\n    pass"),
    (make_finding("CC999", "recursion without a base case", 0, ("recursion",)), "def f(n):\n    return f(n-1)"),
]


def _answers(mem) -> list[list[tuple[str, float]]]:
    return [[(s.event_id, round(s.distance, 4)) for s in mem.similar_struggles(f, r, 3)] for f, r in QUERIES]


def test_reindex_reproduces_the_same_results(open_memory, clock) -> None:
    mem = open_memory()
    _fill(mem, clock)
    before = _answers(mem)
    assert before[0] and before[1] and before[2]  # the third by text alone (another rule id)
    assert mem.index.count("struggles") == 4
    mem.index.drop("struggles")  # lose the index entirely
    assert _answers(mem) == [[], [], []]
    assert mem.reindex() == {"struggles": 4, "summaries": 0}
    assert _answers(mem) == before


def test_collections_are_keyed_by_embedder_and_never_download_a_model(open_memory, tmp_path: Path, clock) -> None:
    mem = open_memory()
    _fill(mem, clock)
    names = {c.name for c in mem.index.client().list_collections()}
    assert "struggles__minilm-l6-v2" in names
    col = mem.index.collection("struggles")
    assert col.configuration.get("embedding_function") is None
    # Chroma's default embedder would have fetched an ONNX model into ~/.cache/chroma.
    assert not (tmp_path / "home" / ".cache" / "chroma").exists()


class OtherSpace:
    """A different embedder (a different vector space and dimension)."""

    id = "toy-3d"
    dim = 3

    def embed(self, texts):
        return [[1.0, float(len(t) % 7), 0.5] for t in texts]


def test_a_new_embedder_gets_its_own_collection_rebuilt_from_the_log(open_memory, tmp_path: Path, clock) -> None:
    data = tmp_path / "data"
    mem = open_memory(data)
    _fill(mem, clock)
    mem.close()
    other = open_memory(data, embedder=OtherSpace())
    deadline = time.monotonic() + 30  # the catch-up starts a few seconds after open
    while other.index.count("struggles") < 4 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert other.index.count("struggles") == 4  # indexed again, in its own space
    names = {c.name for c in other.index.client().list_collections()}
    assert {"struggles__minilm-l6-v2", "struggles__toy-3d"} <= names


def test_prefetch_then_instant_cached_answer_excluding_the_current_occurrence(open_memory, clock) -> None:
    mem = open_memory()
    _fill(mem, clock)
    clock.advance(2 * DAY)
    lines = ["score = None", "if score == None:", "    score = 0"]
    current = make_finding("CC103", NONE_MSG, 1, ("none",))
    (current_id,) = mem.record_shown("/w/marks.py", [current], lines)
    assert mem.flush(30)
    key = finding_key(current, "/w/marks.py")
    assert mem.cached_similar(key) is None
    mem.prefetch(current, region_text(lines, 1), "/w/marks.py")
    assert mem.flush(30)
    cached = mem.cached_similar(key)
    assert cached, "prefetch produced nothing"
    assert all(s.event_id != current_id for s in cached)  # the occurrence on screen is not "before"
    top = cached[0]
    assert top.file == "/w/grades.py" and top.rule == "CC103" and top.concept == "none"
    assert met_before_phrase(top, clock()) == "You met this before: grades.py, 5 days ago"


def test_humanize_ago() -> None:
    now = 1_750_000_000.0
    assert humanize_ago(now - 30, now) == "just now"
    assert humanize_ago(now - 600, now) == "10 minutes ago"
    assert humanize_ago(now - 3 * DAY, now) == "3 days ago"
    assert humanize_ago(now - 21 * DAY, now) == "3 weeks ago"
    s = PastStruggle("e", "/home/me/grades.py", now - DAY, "CC103", ("none",), NONE_MSG, 1, 0.1)
    assert met_before_phrase(s, now) == "You met this before: grades.py, yesterday"


def test_chroma_server_mode(chroma_server, open_memory, clock, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    host, port = chroma_server
    monkeypatch.setenv("CHROMA_HOST", host)
    monkeypatch.setenv("CHROMA_PORT", str(port))
    monkeypatch.setenv("CHROMA_AUTH_TOKEN", "classroom-token")
    target = ChromaTarget.from_env(tmp_path / "unused")
    assert target.host == host and target.port == port and target.token == "classroom-token"
    mem = open_memory()
    assert mem.index.target.host == host
    _fill(mem, clock)
    assert mem.index.heartbeat()
    assert mem.index.count("struggles") == 4
    before = _answers(mem)
    assert before[0][0][0] == mem.events("shown", rule="CC103")[0]["id"]
    assert mem.reindex() == {"struggles": 4, "summaries": 0}
    assert _answers(mem) == before
    assert not (tmp_path / "data" / "chroma").exists()  # nothing embedded locally
    mem.forget(all=True)
    assert mem.index.count("struggles") == 0


def test_index_down_is_not_an_error_and_catches_up(open_memory, clock, monkeypatch: pytest.MonkeyPatch) -> None:
    from memtools import NONE_MSG as msg

    from conftest import free_port

    monkeypatch.setenv("CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("CHROMA_PORT", str(free_port()))  # nobody listens there
    mem = open_memory()
    ids = mem.record_shown("/w/a.py", [make_finding("CC103", msg, 0, ("none",))], ["if a == None: pass"])
    assert ids and mem.flush(30)  # committed to the log; the index failure does not block
    assert mem.counts()["shown"] == 1
    assert "index unavailable" in mem.health
    assert mem.similar_struggles(make_finding("CC103", msg, 0, ("none",)), "") == []
