"""Helpers shared by the memory tests."""

from __future__ import annotations

from codecoach.analysis.findings import Explanation, Finding, Severity, Span

DAY = 86_400.0


def make_finding(rule: str, message: str, line: int, concepts: tuple[str, ...] = ("loops",),
                 severity: Severity = Severity.WARNING) -> Finding:
    return Finding(
        rule_id=rule,
        span=Span.of(line, 0, line, 10),
        severity=severity,
        message=message,
        explanation=Explanation("why", "idea", "hint", "https://docs.python.org/3/"),
        concepts=concepts,
    )


NONE_MSG = "compare with None using `is`, not `==`"
EXCEPT_MSG = "`except:` followed by nothing silently hides every error in the `try` block"


