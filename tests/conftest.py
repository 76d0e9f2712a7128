"""What every test shares: the redaction rule set, compiled once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def rules_cache(tmp_path_factory) -> Path:
    """One cache folder for the redaction rule set (compiling it takes ~5 s, once per machine)."""
    return tmp_path_factory.mktemp("xdg-cache")


@pytest.fixture(scope="session", autouse=True)
def _redaction_rules_loaded(rules_cache: Path) -> None:
    """Compile the redaction rule set before the first test, as a learner's machine has it after
    the first start: a test's time limits then measure the memory, not that one-time compile."""
    from codecoach.secret_scan import vendor_scanner

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(rules_cache))
        assert vendor_scanner() is not None, "the redaction rule set (kingfisher-secret-scanner) did not load"
