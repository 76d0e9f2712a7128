"""Everything a use sends goes through one `Redactor`, which counts what it replaced.

One counter per request means no use can forget to count (an earlier copy of
the pipeline dropped the count of the notes it redacted).
"""

from __future__ import annotations

from ..privacy import redact


class Redactor:
    def __init__(self) -> None:
        self.secrets = 0

    def __call__(self, text: str) -> str:
        clean, count = redact(text)
        self.secrets += count
        return clean
