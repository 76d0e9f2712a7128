"""The key and the model are checked with the Models API before any code is sent.

A retired or unknown model becomes one clear notice and a fallback of its family,
never a 404 loop that opens the breaker; a rejected key and an unreachable Gemini
are said plainly and cost no generation request.
"""

from __future__ import annotations

from dataclasses import replace

from codecoach.providers.catalogue import LIST_TTL_SECONDS, choose_model
from codecoach.providers.models import DEFAULT_MODEL, fallbacks, family, uses_fixed_sampling
from codecoach.providers.store import CloudStore
from fakegemini import FakeGemini

from .conftest import AVERAGE, CLOUD, Clock, answer, point, review

RETIRED = "gemini-2.5-flash"


def test_model_names_are_data_with_one_fallback_order() -> None:
    assert family("gemini-3.5-flash-lite") == "flash-lite" and family("models/gemini-3.8-flash") == "flash"
    assert family("gemini-3.1-pro-preview-06") == "pro" and family("not-a-gemini") == ""
    assert fallbacks(RETIRED) == ["gemini-3.8-flash", "gemini-3.6-flash", "gemini-3.5-flash-lite",
                                  "gemini-3.1-flash-lite"]
    assert fallbacks(RETIRED, {"gemini-3.6-flash", "gemini-3.1-flash-lite"}) == ["gemini-3.6-flash",
                                                                                   "gemini-3.1-flash-lite"]
    # A newer stable model the API lists but our list does not know yet still counts; previews do not.
    assert fallbacks("gemini-3.5-flash-lite", {"gemini-4.0-flash-lite", "gemini-4.1-flash-lite-preview-01"}) == [
        "gemini-4.0-flash-lite"]
    assert uses_fixed_sampling(DEFAULT_MODEL) and not uses_fixed_sampling("gemini-3.1-flash-lite")


def test_choosing_keeps_an_available_model_and_replaces_a_missing_one() -> None:
    listed = {"gemini-3.8-flash", "gemini-3.5-flash-lite"}
    kept = choose_model(DEFAULT_MODEL, listed)
    assert kept.usable and kept.model == DEFAULT_MODEL and kept.notice == ""
    moved = choose_model(RETIRED, listed)
    assert moved.usable and moved.model == "gemini-3.8-flash"
    assert moved.notice.startswith(f"Gemini model {RETIRED} is not available; using gemini-3.8-flash")
    assert "codecoach.cloud.model" in moved.notice
    none = choose_model("gemini-3.1-pro", set())
    assert none.state == "no-model" and not none.usable and "codecoach.cloud.model" in none.reason


def test_a_retired_model_becomes_one_notice_and_a_fallback(fake: FakeGemini, make_analyst, caplog) -> None:
    fake.retired.add(RETIRED)  # not listed, and generateContent answers 404 NOT_FOUND
    statuses: list[dict] = []
    analyst = make_analyst(replace(CLOUD, model=RETIRED), on_status=statuses.append)
    assert analyst.status()["state"] == "checking"
    fake.reply(answer(review(point(3))))
    findings = analyst.analyze("/w/avg.py", AVERAGE, [])
    assert len(findings) == 1 and findings[0].rule_id == "GEM-OFF-BY-ONE"
    assert [r.model for r in fake.generate_requests] == ["gemini-3.8-flash"]  # never the retired one
    status = analyst.status()
    assert status["state"] == "gemini" and status["model"] == "gemini-3.8-flash" and status["breaker"] == "closed"
    assert status["notice"].startswith(f"Gemini model {RETIRED} is not available; using gemini-3.8-flash")
    notices = [r for r in caplog.records if "is not available" in r.getMessage()]
    assert len(notices) == 1 and notices[0].levelname == "WARNING"
    assert any(s.get("notice") for s in statuses)


def test_a_model_that_answers_404_later_is_replaced_not_retried(fake: FakeGemini, make_analyst) -> None:
    analyst = make_analyst()
    fake.reply(answer(review(point(3))))
    assert len(analyst.analyze("/w/avg.py", AVERAGE, [])) == 1
    assert [r.model for r in fake.generate_requests] == [DEFAULT_MODEL]
    fake.retired.add(DEFAULT_MODEL)  # shut down while the day-old list still names it
    changed = AVERAGE.replace("total = 0", "total = 0.0")
    fake.reply(answer(review(point(3))))
    # The 404 is not the chunk's fault: the same settled change is asked again, with the replacement.
    assert len(analyst.analyze("/w/avg.py", changed, [])) == 1
    assert [r.model for r in fake.generate_requests] == [DEFAULT_MODEL, DEFAULT_MODEL, "gemini-3.1-flash-lite"]
    status = analyst.status()
    assert status["breaker"] == "closed" and status["state"] == "gemini" and status["model"] == "gemini-3.1-flash-lite"
    assert DEFAULT_MODEL in status["notice"]
    listings = [r for r in fake.model_list_requests if "pageToken" not in r.query]  # first pages only
    assert len(listings) == 2  # fetched again after the 404, not served from the day cache
    analyst.analyze("/w/avg.py", changed.replace("0.0", "0.5"), [])
    assert [r.model for r in fake.generate_requests][-1] == "gemini-3.1-flash-lite"


def test_the_models_list_is_remembered_for_a_day(fake: FakeGemini, make_analyst, clock: Clock, tmp_path) -> None:
    store_path = tmp_path / "shared.sqlite3"
    first = make_analyst(store=CloudStore(store_path))
    assert first.verify().model == DEFAULT_MODEL
    lists = len(fake.model_list_requests)
    assert lists >= 1
    second = make_analyst(store=CloudStore(store_path))
    assert second.verify().model == DEFAULT_MODEL
    assert len(fake.model_list_requests) == lists  # answered from the cloud store
    clock.advance(LIST_TTL_SECONDS + 1)
    third = make_analyst(store=CloudStore(store_path))
    assert third.verify().usable
    assert len(fake.model_list_requests) > lists
    assert "fake-test-key" not in store_path.read_bytes().decode("latin-1")  # a fingerprint, never the key


def test_a_rejected_key_is_said_once_and_sends_nothing(fake: FakeGemini, make_analyst) -> None:
    # A key of the right shape that the fake does not accept; built here, so no file holds one.
    analyst = make_analyst(key="AIza" + "WrongKey" * 4 + "123")
    assert analyst.analyze("/w/avg.py", AVERAGE, []) == []
    status = analyst.status()
    assert status["state"] == "key-rejected" and "rejected the API key" in status["message"]
    assert fake.requests == []  # no generation request with a key that does not work
    lists = len(fake.model_list_requests)
    analyst.analyze("/w/avg.py", AVERAGE + "\n", [])
    assert len(fake.model_list_requests) == lists  # not asked again until the key changes
    from fakegemini import API_KEY

    analyst.set_api_key(API_KEY)
    assert analyst.verify().usable and analyst.status()["state"] == "gemini"


def test_unreachable_gemini_is_checked_again_a_minute_later(make_analyst, clock: Clock, loopback_only) -> None:
    url = FakeGemini.refused_url()
    port = int(url.rsplit(":", 1)[1])
    attempts = lambda: sum(1 for address in loopback_only if address[1:2] == (port,))  # noqa: E731
    analyst = make_analyst(base_url=url)
    assert analyst.analyze("/w/avg.py", AVERAGE, []) == []
    status = analyst.status()
    assert status["state"] == "unreachable" and "offline coach keeps working" in status["message"]
    tried = attempts()
    assert tried >= 1
    clock.advance(30)
    analyst.analyze("/w/avg.py", AVERAGE + "\n", [])
    assert attempts() == tried  # not hammered: one check a minute at most
    clock.advance(31)
    analyst.analyze("/w/avg.py", AVERAGE + "\n\n", [])
    assert attempts() > tried and analyst.status()["state"] == "unreachable"


def test_no_model_of_the_family_means_offline_with_a_reason(fake: FakeGemini, make_analyst) -> None:
    fake.models = ["gemini-3.8-flash"]
    analyst = make_analyst(replace(CLOUD, model="gemini-3.1-pro"))
    assert analyst.analyze("/w/avg.py", AVERAGE, []) == []
    status = analyst.status()
    assert status["state"] == "no-model" and "gemini-3.1-pro" in status["message"]
    assert "gemini-3.8-flash" in status["message"] and fake.requests == []
