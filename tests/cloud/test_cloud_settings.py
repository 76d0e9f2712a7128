"""The cloud settings fail soft like every other setting."""

from codecoach.config import SETTINGS, Settings


def test_cloud_defaults_fit_the_free_tier_and_are_off() -> None:
    s = Settings()
    assert s.cloud.cloudEnabled is False
    assert (s.cloud.model, s.cloud.requestsPerMinute, s.cloud.requestsPerDay) == ("gemini-3.5-flash-lite", 8, 200)
    assert s.cloud.providers == ("gemini", "offline") and s.cloud.excludeGlobs == ()
    assert (s.cloud.breakerFailures, s.cloud.breakerCooldownSeconds) == (3, 300)
    names = {setting.name for setting in SETTINGS}
    assert {"cloudEnabled", "settleSeconds", "timeoutSeconds", "temperature", "ollamaModel"} <= names


def test_providers_are_validated_and_offline_always_comes_last() -> None:
    s, problems = Settings().updated({"providers": ["Ollama", "gemini", "offline", "gemini"]})
    assert problems == [] and s.cloud.providers == ("ollama", "gemini", "offline")
    s, problems = Settings().updated({"providers": ["gpt"]})
    assert s.cloud.providers == ("gemini", "offline") and "unknown provider" in problems[0]


def test_bad_cloud_values_fall_back_one_by_one() -> None:
    s, problems = Settings().updated({"cloudEnabled": "yes", "temperature": 3, "requestsPerMinute": 5,
                                      "excludeGlobs": "*.txt", "model": "  "})
    assert s.cloud.cloudEnabled is False and s.cloud.temperature == 0.2 and s.cloud.excludeGlobs == () and s.cloud.model == "gemini-3.5-flash-lite"
    assert s.cloud.requestsPerMinute == 5
    assert len(problems) == 4
    s, problems = Settings().updated({"codecoach": {"cloudEnabled": True, "excludeGlobs": ["**/exam/**", " "]}})
    assert problems == [] and s.cloud.cloudEnabled and s.cloud.excludeGlobs == ("**/exam/**",)
