"""Two learners on one real `chroma run` (a classroom): each has their own database on it, so
retrieval never cites the other's files and one's forget leaves the other's index intact; a
server elsewhere is reached over TLS only."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from memtools import NONE_MSG, make_finding

ALICE_FILE = "/home/alice/grade_appeal_for_prof_smith.py"
BOB_FILE = "/home/bob/homework.py"
LINES = ["total = None", "if total == None:", "    total = 0"]


def _on_server(monkeypatch: pytest.MonkeyPatch, server: tuple[str, int], learner: str | None) -> None:
    host, port = server
    monkeypatch.setenv("CHROMA_HOST", host)
    monkeypatch.setenv("CHROMA_PORT", str(port))
    if learner is None:
        monkeypatch.delenv("CODECOACH_LEARNER", raising=False)
    else:
        monkeypatch.setenv("CODECOACH_LEARNER", learner)


def test_two_learners_on_one_server_never_see_or_forget_each_other(
        chroma_server, open_memory, clock, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _on_server(monkeypatch, chroma_server, "alice")
    alice = open_memory(tmp_path / "alice")
    _on_server(monkeypatch, chroma_server, "bob")
    bob = open_memory(tmp_path / "bob")

    mistake = make_finding("CC103", NONE_MSG, 1, ("none",))
    alice.record_shown(ALICE_FILE, [mistake], LINES)
    assert alice.flush(60)
    bob.record_shown(BOB_FILE, [mistake], LINES)
    assert bob.flush(60)
    clock.advance(3600)

    # Bob meets the same mistake again: "met before" is his own file, never Alice's.
    hits = bob.similar_struggles(mistake, "if total == None:", 5)
    assert [h.file for h in hits] == [BOB_FILE]
    assert [h.file for h in alice.similar_struggles(mistake, "if total == None:", 5)] == [ALICE_FILE]
    assert all(h.file != ALICE_FILE for h in bob.similar_to_text("if total == None:", 10, max_distance=2.0))

    # Bob forgets everything: Alice's index is untouched.
    bob.forget(all=True)
    assert alice.index.count("struggles") == 1 and alice.index.count("summaries") == 0
    assert [h.file for h in alice.similar_struggles(mistake, "if total == None:", 5)] == [ALICE_FILE]
    assert bob.similar_struggles(mistake, "if total == None:", 5) == []
    # Bob's memory works on afterwards, in a new database of his own.
    bob.record_shown(BOB_FILE, [make_finding("CC103", NONE_MSG, 1, ("none",))], ["x = 1", *LINES])
    assert bob.flush(60) and bob.index.count("struggles") == 1
    # Each in a database of their own, named by a hash: the server never sees who they are.
    assert alice.index.target.database != bob.index.target.database
    assert "alice" not in alice.index.target.describe()


def test_the_default_learner_is_the_os_user_on_this_machine_hashed(monkeypatch: pytest.MonkeyPatch) -> None:
    import getpass

    from codecoach.memory.index import ChromaTarget

    env = {"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": "8000"}
    default = ChromaTarget.from_env(Path("/unused"), env)
    assert default.learner == f"{getpass.getuser()}@{socket.gethostname()}"
    assert getpass.getuser() not in default.database and socket.gethostname() not in default.database
    assert default.database == ChromaTarget.from_env(Path("/unused"), env).database  # stable
    chosen = ChromaTarget.from_env(Path("/unused"), env | {"CODECOACH_LEARNER": "alice"})
    assert chosen.database != default.database and chosen.database.startswith("learner-")


def _no_network(attempts: list):
    """A socket.connect that records every attempt and refuses those that would leave this machine."""
    connect = socket.socket.connect

    def guarded(sock: socket.socket, address, *args, **kwargs):
        attempts.append(address)
        host = address[0] if isinstance(address, tuple) else ""
        if sock.family != socket.AF_UNIX and not str(host).startswith("127."):
            raise OSError("test guard: no connection beyond 127.0.0.1")
        return connect(sock, address, *args, **kwargs)

    return guarded


def test_plain_http_to_a_server_elsewhere_is_refused_with_a_clear_message(
        open_memory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from codecoach.memory.index import ChromaIndex, ChromaTarget

    attempts: list = []
    monkeypatch.setattr(socket.socket, "connect", _no_network(attempts))
    monkeypatch.setenv("CHROMA_HOST", "192.0.2.10")  # TEST-NET-1: not this machine
    monkeypatch.setenv("CHROMA_PORT", "8000")
    mem = open_memory(tmp_path / "data")
    mem.record_shown("/w/a.py", [make_finding("CC103", NONE_MSG, 1, ("none",))], LINES)
    assert mem.flush(60)
    assert mem.counts()["shown"] == 1  # the log keeps everything
    assert "CHROMA_SSL" in mem.health and "CHROMA_ALLOW_INSECURE" in mem.health, mem.health
    assert attempts == [], "the coach tried to reach the server anyway"

    with pytest.raises(ValueError, match="is not this machine and CHROMA_SSL is off"):
        ChromaIndex(ChromaTarget.from_env(Path("/unused")), "x").count("struggles")
    # TLS, or an explicit opt-out, is accepted; loopback needs neither.
    for env in ({"CHROMA_SSL": "1"}, {"CHROMA_ALLOW_INSECURE": "1"}):
        ChromaTarget.from_env(Path("/unused"), {"CHROMA_HOST": "192.0.2.10", **env}).check_transport()
    for host in ("127.0.0.1", "localhost", "::1"):
        ChromaTarget.from_env(Path("/unused"), {"CHROMA_HOST": host}).check_transport()
