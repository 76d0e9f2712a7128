"""Where the Gemini key and endpoint come from: explicit value, environment, `.env`.

The extension passes the key from VS Code's SecretStorage (the LSP layer hands
it to `CloudAnalyst.set_api_key`); otherwise GOOGLE_API_KEY (or GEMINI_API_KEY)
from the environment, otherwise a `.env` file in the workspace folders or the
current directory. A tiny parser reads `.env` (KEY=value, optional `export`,
quotes, comments); no dependency needed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

KEY_NAMES = ("GOOGLE_API_KEY", "GEMINI_API_KEY")


def parse_dotenv(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export "):].lstrip()
        name, sep, value = line.partition("=")
        if not sep:
            continue
        name, value = name.strip(), value.strip()
        if value[:1] in ("'", '"'):
            quote = value[0]
            end = value.find(quote, 1)
            value = value[1:end] if end > 0 else value[1:]
        else:
            value = value.split(" #", 1)[0].strip()
        if name:
            values[name] = value
    return values


def read_dotenv(folders: Iterable[str | os.PathLike[str]]) -> dict[str, str]:
    """The first `.env` found in `folders` (then the current directory), parsed."""
    seen = set()
    for folder in [*folders, os.getcwd()]:
        path = Path(folder) / ".env"
        if path in seen:
            continue
        seen.add(path)
        try:
            if path.is_file():
                return parse_dotenv(path.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
    return {}


def find_api_key(folders: Iterable[str | os.PathLike[str]] = (), env: Mapping[str, str] | None = None) -> str | None:
    env = os.environ if env is None else env
    for name in KEY_NAMES:
        if env.get(name, "").strip():
            return env[name].strip()
    dotenv = read_dotenv(folders)
    for name in KEY_NAMES:
        if dotenv.get(name, "").strip():
            return dotenv[name].strip()
    return None


def find_base_url(folders: Iterable[str | os.PathLike[str]] = (), env: Mapping[str, str] | None = None) -> str | None:
    env = os.environ if env is None else env
    value = env.get("GEMINI_BASE_URL", "").strip() or read_dotenv(folders).get("GEMINI_BASE_URL", "").strip()
    return value or None
