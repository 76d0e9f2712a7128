"""Where the Gemini key and endpoint come from. Never from a workspace on its own.

A repository can ship a `.env`. If the coach read it, that repository could
pick where the learner's code and key are sent, or supply its owner's key and
so receive the learner's code. So:

- **The key** comes from the editor (the extension passes the key from VS
  Code's secret storage, or a workspace `.env` key that the learner confirmed
  once for that folder in a trusted workspace), or from GOOGLE_API_KEY /
  GEMINI_API_KEY in the process environment. A `.env` file is read (with
  python-dotenv) only from folders the front end names in `dotenv_dirs`: the
  command line names the folder the learner ran it in. The language server
  names none.
- **The endpoint** (`GEMINI_BASE_URL`, for proxies and tests) comes only from
  the process environment, never from a `.env`. It must be https unless it
  points at this machine (a loopback address).
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import urlsplit

KEY_NAMES = ("GOOGLE_API_KEY", "GEMINI_API_KEY")
BASE_URL = "GEMINI_BASE_URL"


class UnsafeEndpoint(ValueError):
    """GEMINI_BASE_URL would send the key and the code in clear, or somewhere unparseable."""


def read_dotenv(folders: Iterable[str | os.PathLike[str]]) -> dict[str, str]:
    """The first `.env` found in `folders`, parsed by python-dotenv (empty values left out)."""
    from dotenv import dotenv_values

    for folder in folders:
        path = Path(folder) / ".env"
        try:
            if path.is_file():
                return {k: v for k, v in dotenv_values(path).items() if v}
        except (OSError, UnicodeDecodeError):
            continue
    return {}


def find_api_key(env: Mapping[str, str] | None = None, dotenv_dirs: Iterable[str | os.PathLike[str]] = ()) -> str | None:
    env = os.environ if env is None else env
    for source in (env, read_dotenv(dotenv_dirs)):
        for name in KEY_NAMES:
            value = (source.get(name) or "").strip()
            if value:
                return value
    return None


def is_loopback(host: str) -> bool:
    """Whether `host` (a name, an address, or a bracketed IPv6 address) is this machine."""
    host = host.strip()
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_base_url(url: str) -> str:
    """`url` if it is a safe place to send a key: https, or http to this machine; else UnsafeEndpoint."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host:
        raise UnsafeEndpoint(f"{BASE_URL} is not an http(s) URL")
    if parts.scheme == "http" and not is_loopback(host):
        raise UnsafeEndpoint(f"{BASE_URL} must use https unless it points at this machine (got http://{host})")
    return url


def find_base_url(env: Mapping[str, str] | None = None) -> str | None:
    """The endpoint override from the process environment (None: Google's own); UnsafeEndpoint if unsafe."""
    env = os.environ if env is None else env
    value = (env.get(BASE_URL) or "").strip()
    return check_base_url(value) if value else None
