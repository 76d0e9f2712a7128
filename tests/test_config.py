"""Settings fail soft: one bad value costs only that value."""

from codecoach.analysis.findings import Severity
from codecoach.config import SETTINGS, AnalysisSettings, Settings


def test_defaults_are_sane():
    settings = Settings()
    assert settings.analysis.debounceMs == 300
    assert settings.log.logLevel == "info"
    assert settings.analysis.disabledRules == frozenset()


def test_valid_values_are_applied_and_normalised():
    settings, problems = Settings().updated(
        {"debounceMs": 120, "logLevel": "DEBUG", "disabledRules": ["cc103"], "ruleSeverity": {"cc604": "Hint"}}
    )
    assert problems == []
    assert settings.analysis.debounceMs == 120
    assert settings.log.logLevel == "debug"
    assert settings.analysis.disabledRules == {"CC103"}
    assert settings.analysis.ruleSeverity == {"CC604": Severity.HINT}


def test_a_bad_value_gives_one_message_and_its_default_while_others_apply():
    settings, problems = Settings(analysis=AnalysisSettings(debounceMs=500)).updated(
        {"debounceMs": "fast", "churnEdits": 4, "ruleSeverity": {"CC101": "loud"}}
    )
    assert settings.analysis.debounceMs == 300  # back to the default, not the previous value
    assert settings.hints.churnEdits == 4
    assert settings.analysis.ruleSeverity == {}
    assert len(problems) == 2
    assert "codecoach.debounceMs" in problems[0] and "'fast'" in problems[0]
    assert "loud" in problems[1]


def test_out_of_range_and_wrong_types_are_rejected():
    for raw in ({"debounceMs": -1}, {"debounceMs": 2.5}, {"debounceMs": True}, {"behaviourHints": "yes"},
                {"disabledRules": "CC101"}):
        _, problems = Settings().updated(raw)
        assert len(problems) == 1, raw


def test_the_vscode_section_wrapper_is_accepted():
    settings, problems = Settings().updated({"codecoach": {"debounceMs": 10}})
    assert (settings.analysis.debounceMs, problems) == (10, [])


def test_non_object_settings_keep_current_values():
    current = Settings(analysis=AnalysisSettings(debounceMs=42))
    settings, problems = current.updated(["not", "an", "object"])
    assert settings is current and len(problems) == 1
    assert current.updated(None) == (current, [])


def test_every_setting_is_described():
    assert all(len(s.description) > 20 for s in SETTINGS)
