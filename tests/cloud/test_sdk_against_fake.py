"""The real SDK pointed at the fake: the fake speaks the shapes the SDK sends and reads."""

from __future__ import annotations

import json

import pytest

from codecoach.providers.gemini import GeminiProvider
from codecoach.providers.models import API_VERSION, DEFAULT_MODEL
from codecoach.providers.prompts import PromptChunk, analysis_messages
from fakegemini import API_KEY, FakeGemini, Reply, embedding_for

from .conftest import point, review


def _messages() -> list[tuple[str, str]]:
    chunk = PromptChunk("c1", "function f", 0, 1, 0, ("def f(xs):\n", "    return xs[1]\n"))
    return analysis_messages([chunk])


def test_the_provider_sends_the_api_version_it_chose_not_the_sdks_default(fake: FakeGemini) -> None:
    # The SDK's own default moved from v1beta to v1 once already; the provider decides.
    fake.versions = {API_VERSION}
    fake.reply(Reply.json({"chunks": []}), Reply.text("An explanation."))
    GeminiProvider(API_KEY, DEFAULT_MODEL, fake.url, timeout=5).review(_messages())
    GeminiProvider(API_KEY, DEFAULT_MODEL, fake.url, timeout=5).explain([("human", "why?")])
    assert API_VERSION == "v1"
    assert [r.api_version for r in fake.requests] == ["v1", "v1"]
    assert fake.requests[0].path == f"/v1/models/{DEFAULT_MODEL}:generateContent"


@pytest.mark.parametrize("version", ["v1", "v1beta"])
def test_structured_output_request_and_answer_shapes(fake: FakeGemini, version: str) -> None:
    provider = GeminiProvider(API_KEY, DEFAULT_MODEL, fake.url, temperature=0.1, timeout=5, api_version=version)
    fake.reply(Reply.json({"chunks": [review(point(2))]}))
    result = provider.review(_messages())
    assert result.payload["chunks"][0]["confusion_points"][0]["kind"] == "off-by-one"
    assert result.usage["total_tokens"] > 0 and result.usage["input_tokens"] == 100
    sent = fake.requests[-1]
    assert sent.path == f"/{version}/models/{DEFAULT_MODEL}:generateContent" and sent.api_version == version
    assert sent.headers["x-goog-api-key"] == API_KEY
    config = sent.body["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    assert "chunks" in config["responseJsonSchema"]["properties"]
    assert "temperature" not in config  # Gemini 3.5 Flash-Lite and newer use fixed sampling
    assert sent.body["systemInstruction"]["parts"][0]["text"].startswith("You are Code Coach")
    assert "return xs[1]" in sent.body["contents"][0]["parts"][0]["text"]


def test_models_that_still_take_a_temperature_get_it(fake: FakeGemini) -> None:
    GeminiProvider(API_KEY, "gemini-3.1-flash-lite", fake.url, temperature=0.1, timeout=5).review(_messages())
    assert fake.requests[-1].body["generationConfig"]["temperature"] == 0.1


@pytest.mark.parametrize("version", ["v1", "v1beta"])
def test_plain_text_explanations(fake: FakeGemini, version: str) -> None:
    provider = GeminiProvider(API_KEY, DEFAULT_MODEL, fake.url, timeout=5, api_version=version)
    fake.reply(Reply.text("Lists start at **0**."))
    assert provider.explain([("human", "why?")]).payload == "Lists start at **0**."
    assert "responseMimeType" not in fake.requests[-1].body.get("generationConfig", {})
    assert fake.requests[-1].api_version == version


@pytest.mark.parametrize("version", ["v1", "v1beta"])
def test_streaming_models_and_embeddings_through_the_sdk(fake: FakeGemini, version: str) -> None:
    from google import genai
    from google.genai import types
    from langchain_google_genai import GoogleGenerativeAIEmbeddings

    fake.versions = {version}
    client = genai.Client(api_key=API_KEY, http_options=types.HttpOptions(base_url=fake.url, api_version=version))
    fake.reply(Reply.text("x" * 100))
    pieces = [chunk.text for chunk in client.models.generate_content_stream(model=DEFAULT_MODEL, contents="hi")]
    assert "".join(pieces) == "x" * 100 and len(pieces) == 3
    assert fake.requests[-1].action == "streamGenerateContent" and fake.requests[-1].query == "alt=sse"

    listed = [m.name for m in client.models.list()]  # paged: the fake serves three per page
    assert f"models/{DEFAULT_MODEL}" in listed and "models/gemini-embedding-001" in listed
    assert len(fake.model_list_requests) >= 2

    embedder = GoogleGenerativeAIEmbeddings(model="gemini-embedding-001", google_api_key=API_KEY,
                                            base_url=fake.url, api_version=version)
    vectors = embedder.embed_documents(["for loop", "recursion"])
    assert vectors[0] == embedding_for("for loop")
    body = fake.requests[-1].body
    assert fake.requests[-1].action == "batchEmbedContents"
    assert body["requests"][1]["content"]["parts"][0]["text"] == "recursion"
    assert {r.api_version for r in fake.requests} == {version}


def test_a_wrong_key_is_rejected_like_the_real_api(fake: FakeGemini) -> None:
    from codecoach.providers.base import AuthFailed

    provider = GeminiProvider("wrong-key", DEFAULT_MODEL, fake.url, timeout=5)
    try:
        provider.review(_messages())
    except AuthFailed:
        pass
    else:  # pragma: no cover
        raise AssertionError("expected AuthFailed")


def test_the_429_body_carries_retry_info(fake: FakeGemini) -> None:
    from codecoach.providers.base import RateLimited

    provider = GeminiProvider(API_KEY, DEFAULT_MODEL, fake.url, timeout=5)
    fake.reply(Reply.rate_limited(retry_delay=17))
    try:
        provider.review(_messages())
    except RateLimited as limited:
        assert limited.retry_after == 17 and not limited.per_day
    else:  # pragma: no cover
        raise AssertionError("expected RateLimited")
    assert len(fake.requests) == 1  # max_retries=0: the SDK did not retry on its own
    details = json.loads(Reply.rate_limited(per_day=True).body["error"]["details"][0]["violations"][0]["quotaId"]
                         .join(['"', '"']))
    assert "PerDay" in details
