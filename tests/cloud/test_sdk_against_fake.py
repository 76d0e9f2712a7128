"""The real SDK pointed at the fake: the fake speaks the shapes the SDK sends and reads."""

from __future__ import annotations

import json

from codecoach.providers.gemini import GeminiProvider
from codecoach.providers.prompts import PromptChunk, analysis_messages
from fakegemini import API_KEY, FakeGemini, Reply, embedding_for

from .conftest import point, review


def _messages() -> list[tuple[str, str]]:
    chunk = PromptChunk("c1", "function f", 0, 1, 0, ("def f(xs):\n", "    return xs[1]\n"))
    return analysis_messages([chunk])


def test_structured_output_request_and_answer_shapes(fake: FakeGemini) -> None:
    provider = GeminiProvider(API_KEY, "gemini-2.5-flash", fake.url, temperature=0.1, timeout=5)
    fake.reply(Reply.json({"chunks": [review(point(2))]}))
    result = provider.review(_messages())
    assert result.payload["chunks"][0]["confusion_points"][0]["kind"] == "off-by-one"
    assert result.usage["total_tokens"] > 0 and result.usage["input_tokens"] == 100
    sent = fake.requests[-1]
    assert sent.path == "/v1beta/models/gemini-2.5-flash:generateContent"
    assert sent.headers["x-goog-api-key"] == API_KEY
    config = sent.body["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    assert "chunks" in config["responseJsonSchema"]["properties"]
    assert config["temperature"] == 0.1
    assert sent.body["systemInstruction"]["parts"][0]["text"].startswith("You are Code Coach")
    assert "return xs[1]" in sent.body["contents"][0]["parts"][0]["text"]


def test_plain_text_explanations(fake: FakeGemini) -> None:
    provider = GeminiProvider(API_KEY, "gemini-2.5-flash", fake.url, timeout=5)
    fake.reply(Reply.text("Lists start at **0**."))
    assert provider.explain([("human", "why?")]).payload == "Lists start at **0**."
    assert "responseMimeType" not in fake.requests[-1].body.get("generationConfig", {})


def test_streaming_and_embeddings_through_the_sdk(fake: FakeGemini) -> None:
    from google import genai
    from google.genai import types
    from langchain_google_genai import GoogleGenerativeAIEmbeddings

    client = genai.Client(api_key=API_KEY, http_options=types.HttpOptions(base_url=fake.url))
    fake.reply(Reply.text("x" * 100))
    pieces = [chunk.text for chunk in client.models.generate_content_stream(model="gemini-2.5-flash", contents="hi")]
    assert "".join(pieces) == "x" * 100 and len(pieces) == 3
    assert fake.requests[-1].action == "streamGenerateContent" and fake.requests[-1].query == "alt=sse"

    embedder = GoogleGenerativeAIEmbeddings(model="gemini-embedding-001", google_api_key=API_KEY, base_url=fake.url)
    vectors = embedder.embed_documents(["for loop", "recursion"])
    assert vectors[0] == embedding_for("for loop")
    body = fake.requests[-1].body
    assert fake.requests[-1].action == "batchEmbedContents"
    assert body["requests"][1]["content"]["parts"][0]["text"] == "recursion"


def test_a_wrong_key_is_rejected_like_the_real_api(fake: FakeGemini) -> None:
    from codecoach.providers.base import AuthFailed

    provider = GeminiProvider("wrong-key", "gemini-2.5-flash", fake.url, timeout=5)
    try:
        provider.review(_messages())
    except AuthFailed:
        pass
    else:  # pragma: no cover
        raise AssertionError("expected AuthFailed")


def test_the_429_body_carries_retry_info(fake: FakeGemini) -> None:
    from codecoach.providers.base import RateLimited

    provider = GeminiProvider(API_KEY, "gemini-2.5-flash", fake.url, timeout=5)
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
