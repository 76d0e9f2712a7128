"""What may leave the machine: excluded files and secret redaction.

Two guards stand between a learner's code and any cloud call:

- `is_excluded(path, extra_globs)`: files whose names say they hold secrets
  (`.env*`, `*secret*`, `*.pem`, `*.key`, ...) plus the user's globs are
  never sent at all.
- `redact(text)`: everything that is sent first has its secrets replaced by
  placeholders such as ``<REDACTED:aws-key>``: provider API keys and tokens,
  private key blocks, passwords in assignments and connection strings, bearer
  tokens, JWTs, and long high-entropy literals.

Redaction never changes the number of lines, so line numbers the model
returns still point at the learner's code. It errs on the side of redacting:
a placeholder costs the model a little context, a leaked key costs the learner
their account. Ordinary novice code (``secret = random.randint(1, 10)``,
``password = input("Password: ")``, long descriptive identifiers) is left alone.
"""

from __future__ import annotations

import fnmatch
import math
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

DEFAULT_EXCLUDES: tuple[str, ...] = (
    ".env*",
    "*secret*",
    "*.pem",
    "*.key",
    # Other usual homes of credentials.
    "*.p12",
    "*.pfx",
    "id_rsa*",
    "id_ecdsa*",
    "id_ed25519*",
    "*credentials*",
    ".netrc",
    ".pypirc",
)


def _as_posix(path: str) -> str:
    if path.startswith("file:"):
        path = unquote(urlsplit(path).path)
    return path.replace("\\", "/")


def is_excluded(path: str, extra_globs: Iterable[str] = ()) -> bool:
    """True if the file must never be sent to a cloud provider.

    `path` may be a filesystem path or a ``file://`` URI. A glob without a
    slash matches the file name (and any folder name on the way, so ``secrets``
    excludes everything under a ``secrets/`` folder); a glob with a slash
    matches the whole path (``**/private/**`` or ``*/private/*``). Matching
    ignores case: on the platforms where it matters, ``.ENV`` is ``.env``.
    """
    posix = _as_posix(path).lower()
    parts = [p for p in PurePosixPath(posix).parts if p not in ("/", "")]
    for glob in (*DEFAULT_EXCLUDES, *extra_globs):
        pattern = glob.strip().replace("\\", "/").lower()
        if not pattern:
            continue
        if "/" in pattern:
            if fnmatch.fnmatchcase(posix, pattern) or fnmatch.fnmatchcase(posix, "*/" + pattern.lstrip("/")):
                return True
            # `**/x/**` should also match a relative path starting with x/
            if pattern.startswith("**/") and fnmatch.fnmatchcase(posix, pattern[3:]):
                return True
        elif any(fnmatch.fnmatchcase(part, pattern) for part in parts):
            return True
    return False


# -- secret patterns ----------------------------------------------------------

def _placeholder(kind: str) -> str:
    return f"<REDACTED:{kind}>"


_PLACEHOLDER = re.compile(r"<REDACTED:[a-z0-9-]+>")

# Whole-token patterns, most specific first. Each is (kind, regex); the whole
# match is replaced.
_TOKENS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("google-api-key", re.compile(r"\bAIza[0-9A-Za-z_\-]{30,}")),
    ("anthropic-key", re.compile(r"\bsk-ant-[A-Za-z0-9_\-]{20,}")),
    ("openai-key", re.compile(r"\bsk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_\-]{20,}")),
    ("github-token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}")),
    ("github-token", re.compile(r"\bgithub_pat_[A-Za-z0-9_]{22,}")),
    ("slack-token", re.compile(r"\bxox[abposr]-[A-Za-z0-9\-]{10,}")),
    ("slack-webhook", re.compile(r"https://hooks\.slack\.com/services/[A-Za-z0-9_/]+")),
    ("aws-key", re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA|AIDA|AROA)[0-9A-Z]{16}\b")),
    ("stripe-key", re.compile(r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}")),
    ("google-oauth", re.compile(r"\bya29\.[A-Za-z0-9_\-]{20,}")),
    ("gitlab-token", re.compile(r"\bglpat-[A-Za-z0-9_\-]{20,}")),
    ("npm-token", re.compile(r"\bnpm_[A-Za-z0-9]{36}\b")),
    ("pypi-token", re.compile(r"\bpypi-[A-Za-z0-9_\-]{50,}")),
    ("huggingface-token", re.compile(r"\bhf_[A-Za-z0-9]{30,}")),
    ("sendgrid-key", re.compile(r"\bSG\.[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{16,}")),
    ("twilio-key", re.compile(r"\bSK[0-9a-fA-F]{32}\b")),
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}")),
)

# The header, the base64 body (and any `Proc-Type:` style header lines), the
# footer if present. A header alone (a constant in a crypto library) is no secret.
_PRIVATE_KEY = re.compile(
    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
    r"(?:\s*(?:[A-Za-z0-9+/=]{8,}|[A-Za-z\-]+:[^\n]*))+"
    r"(?:\s*-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----)?"
)

# `Authorization: Bearer abc`, `"Bearer " + ...` is left alone (no token).
_BEARER = re.compile(r"(?i)(\b(?:bearer|token)[ \t]+)([A-Za-z0-9\-._~+/]{16,}=*)")
_BASIC = re.compile(r"(?i)(\bbasic[ \t]+)([A-Za-z0-9+/]{12,}={0,2})(?![A-Za-z0-9+/=])")

# scheme://user:password@host
_CONNECTION = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s:/@'\"`]+:)([^\s@'\"`/]+)(@)")

# Names that announce a secret. `secret_number`, `secret_word` and friends are
# guessing-game variables, not credentials.
_SECRET_NAME = (
    r"[A-Za-z0-9_.\-]*?"
    r"(?:password|passwd|passphrase|pwd|secret|token|api[_\-]?key|apikey|access[_\-]?key|"
    r"auth[_\-]?key|private[_\-]?key|credentials?|client[_\-]?secret|session[_\-]?key|signing[_\-]?key)"
    r"[A-Za-z0-9_.\-]*"
)
_GAME_NAMES = re.compile(
    r"(?i)^(?:the_?|my_?)?secret_?(?:word|number|num|letter|guess|phrase|message|code_?length|santa|count)s?$"
    r"|^(?:n_?|num_?|max_?|total_?)?tokens?_?(?:count|type|list|index|idx|len|length|kind|s)?$"
)

# password = "..."  /  "password": '...'  /  password: str = "..."  /  connect(password="...")
_QUOTED_ASSIGN = re.compile(
    r"(?P<name>[\"']?\b" + _SECRET_NAME + r"\b[\"']?)"
    r"(?P<sep>\s*(?::\s*[A-Za-z_][\w\[\], .|]*?\s*)?(?<![=!<>])(?:=|:=|:)(?!=)\s*)"
    r"(?P<prefix>[rbuRBU]{0,2})(?P<q>\"\"\"|'''|\"|')(?P<value>.*?)(?P=q)",
    re.IGNORECASE,
)

# PASSWD=hunter2 (env files, shell snippets), secret: abc123 (YAML)
_BARE_ASSIGN = re.compile(
    r"(?im)^(?P<lead>[ \t]*(?:export[ \t]+)?)(?P<name>" + _SECRET_NAME + r")"
    r"(?P<sep>[ \t]*[=:][ \t]*)(?P<value>[^\s'\"#]+)[ \t]*(?:#.*)?$"
)

# password=hunter2 inside a URL query, a log line or a string: only values that
# are clearly not a Python name (they carry a digit or a symbol).
_INLINE_PASSWORD = re.compile(
    r"(?i)(?<![\w.])(?P<name>password|passwd|passphrase|pwd)(?P<sep>\s*[=:]\s*)"
    r"(?P<value>(?=[^\s'\"&#]*[\d!@$%^*~?])[^\s'\"&#(),;\[\]{}<>$%]{4,})(?=[\s'\"&#,;)]|$)"
)

_AWS_SECRET = re.compile(
    r"(?i)(aws_?secret_?(?:access_?)?key\w*[\"']?\s*[:=]\s*[\"']?)([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])"
)

# Long runs of base64/hex-ish characters; judged by `_looks_random`.
_CANDIDATE = re.compile(r"(?<![A-Za-z0-9+/_\-=.])[A-Za-z0-9+/_\-=]{20,}(?![A-Za-z0-9+/_\-=])")
_HEX = re.compile(r"[0-9a-fA-F]+")


_RUNS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+|[^A-Za-z\d]")


def shannon_entropy(text: str) -> float:
    """Bits per character."""
    if not text:
        return 0.0
    counts = Counter(text)
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _looks_random(token: str) -> bool:
    """A secret-like literal rather than code: long, mixed, and close to random.

    Thresholds leave room under the maximum entropy a string of that length can
    reach (log2 of its length): random base64 of 24+ characters scores ~4.2 and
    up, English-ish identifiers stay near 3.5-3.9, and identifiers are excluded
    anyway unless they mix digits into letters the way keys do.
    """
    core = token.strip("=")
    n = len(core)
    if n < 20:
        return False
    if _HEX.fullmatch(core):
        # Hex digests/keys: 32+ digits with both letters and digits.
        return n >= 32 and any(c.isdigit() for c in core) and any(c.isalpha() for c in core) \
            and shannon_entropy(core) >= 3.0
    digits = sum(c.isdigit() for c in core)
    upper = sum(c.isupper() for c in core)
    lower = sum(c.islower() for c in core)
    if digits < 2 or (upper == 0 and lower == 0):
        return False
    # snake_case / kebab-case words with a number in them: code, not a key.
    words = re.split(r"[_\-./]+", core)
    if len(words) > 1 and all(re.fullmatch(r"[A-Za-z]+\d{0,4}|\d+", w) for w in words if w):
        return False
    if (upper == 0 or lower == 0) and n < 28:
        return False  # single-case alphanumerics need more length to be convincing
    # Names are made of words (NFCISO15693ReaderSession, MCC_GetSlowCompTauX20Enable,
    # ISO_8859_9_TURKISH): long runs. Random keys break into runs of 1-2 characters.
    runs = [r for r in _RUNS.findall(core) if r[0].isalnum()]
    if sum(map(len, runs)) / max(1, len(runs)) >= 2.8:
        return False
    threshold = min(4.3, 0.8 * math.log2(n) + 0.4)
    return shannon_entropy(core) >= threshold


def _keep_lines(original: str, replacement: str) -> str:
    """Pad a replacement with the newlines of what it replaced."""
    return replacement + "\n" * original.count("\n")


def redact(text: str) -> tuple[str, int]:
    """Return `text` with every secret replaced by a placeholder, and how many were replaced.

    Line structure is preserved exactly (same number of newlines).
    """
    count = 0

    def sub(pattern: re.Pattern[str], repl, value: str) -> str:
        nonlocal count

        def replace(match: re.Match[str]) -> str:
            nonlocal count
            out = repl(match)
            if out != match.group(0):
                count += 1
            return out

        return pattern.sub(replace, value)

    out = sub(_PRIVATE_KEY, lambda m: _keep_lines(m.group(0), _placeholder("private-key")), text)
    out = sub(_CONNECTION, lambda m: m.group(0) if m.group(2).lower().strip("<>[]{}*") in _PLACEHOLDER_WORDS
              or len(set(m.group(2))) <= 1 else m.group(1) + _placeholder("password") + m.group(3), out)
    for kind, pattern in _TOKENS:
        out = sub(pattern, lambda m, k=kind: _placeholder(k), out)
    out = sub(_AWS_SECRET, lambda m: m.group(1) + _placeholder("aws-secret"), out)
    out = sub(_BEARER, lambda m: m.group(0) if _PLACEHOLDER.match(m.group(2)) or not _looks_like_token(m.group(2))
              else m.group(1) + _placeholder("bearer-token"), out)
    out = sub(_BASIC, lambda m: m.group(1) + _placeholder("basic-auth") if _is_basic_credential(m.group(2)) else m.group(0), out)
    out = sub(_QUOTED_ASSIGN, _quoted_assignment, out)
    out = sub(_BARE_ASSIGN, _bare_assignment, out)
    out = sub(_INLINE_PASSWORD, lambda m: m.group(0) if _PLACEHOLDER.search(m.group("value"))
              else m.group("name") + m.group("sep") + _placeholder("password"), out)
    out = sub(_CANDIDATE, lambda m: _placeholder("high-entropy") if _looks_random(m.group(0)) else m.group(0), out)
    return out, count


def _looks_like_token(value: str) -> bool:
    """Not a word or a name: has a digit or mixes case, and is not a placeholder."""
    if _PLACEHOLDER.search(value) or sum(c.isalnum() for c in value) < 6:
        return False
    if re.fullmatch(r"[a-z]+(?:_[a-z]+)*|[A-Z]+(?:_[A-Z]+)*", value):
        return False  # access_token, READ_WRITE: names, not values
    if re.fullmatch(r"[A-Z]?[a-z]+|[A-Z]+", value):
        return False  # a word: "Basic Multilingual Plane", "Bearer Token"
    has_digit = any(c.isdigit() for c in value)
    has_symbol = any(c in "+/=_-." for c in value)
    upper = sum(c.isupper() for c in value)
    return has_digit or has_symbol or upper >= 2 or len(value) >= 32


def _is_basic_credential(value: str) -> bool:
    """HTTP Basic credentials are base64 of `user:password`."""
    import base64
    import binascii

    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    return b":" in decoded


def _kind_for(name: str) -> str:
    lowered = name.lower()
    if any(k in lowered for k in ("password", "passwd", "passphrase", "pwd")):
        return "password"
    if "token" in lowered:
        return "token"
    if "key" in lowered:
        return "api-key"
    return "secret"


def _bare_name(name: str) -> str:
    return name.strip("\"'").rsplit(".", 1)[-1]


_SECRET_WORD = re.compile(_SECRET_NAME, re.IGNORECASE)
_NOT_SECRETS = {"yes", "no", "true", "false", "none", "null", "on", "off", "required", "optional", "changeme"}
_PLACEHOLDER_WORDS = {"password", "passwd", "pass", "pwd", "secret", "token", "pw", "xxx"}
_TYPE_NAME = re.compile(r"_?[A-Z][A-Za-z_.]*(?:\[[\w\[\], .|]*\])?")


def _quoted_assignment(match: re.Match[str]) -> str:
    name, value = match.group("name"), match.group("value")
    bare = _bare_name(name)
    if not _SECRET_WORD.fullmatch(bare):
        return match.group(0)  # Token.Keyword: "bold" - the secret word is not the name
    kind_hint = _kind_for(bare)
    if "r" in match.group("prefix").lower() and kind_hint != "password":
        return match.group(0)  # _TOKEN_RE = r"[A-Z]\w*": a regular expression
    sep = match.group("sep").strip()
    colon = sep.startswith(":") and not sep.startswith(":=")
    if colon and name[0] not in "\"'" and _TYPE_NAME.fullmatch(value) and not any(c.isdigit() for c in value):
        return match.group(0)  # private_key: "_RSAPrivateKey" - a string annotation
    if kind_hint != "password" and any(c in value for c in " \\[](){}%^$|"):
        return match.group(0)  # formats, regexes, prose
    if _GAME_NAMES.match(bare) or not value.strip() or _PLACEHOLDER.fullmatch(value):
        return match.group(0)
    if len(set(value)) <= 1 or not value.strip("*:.-_x ") or value.lower() in _NOT_SECRETS:
        return match.group(0)  # "...", "***", "xxxx", "yes": a placeholder or a flag
    if kind_hint != "password" and not _looks_like_token(value):
        return match.group(0)  # token_type_hint="access_token", default_token="Bearer"
    if value[0] in " ,)+%;":
        return match.group(0)  # the "name" sat inside a string: "Your password: " + pw + "..."
    kind = _kind_for(bare)
    if kind != "password" and len(value) < 4:
        return match.group(0)  # token = "(" in a tokenizer exercise
    if kind != "password" and " " in value.strip() and not _looks_like_token(value):
        return match.group(0)  # prose: secret = "the cake is a lie"? keep; prompts like "Enter token: "
    if value.rstrip().endswith(":") or value.rstrip().endswith(": "):
        return match.group(0)  # an input() prompt such as "Password: "
    return (
        match.group("name") + match.group("sep") + match.group("prefix") + match.group("q")
        + _keep_lines(value, _placeholder(kind)) + match.group("q")
    )


_PY_WORDS = {"None", "True", "False", "null", "true", "false", "none", "str", "int", "bytes", "float",
             "bool", "Optional", "Any", "dict", "list"}


def _bare_assignment(match: re.Match[str]) -> str:
    name, value, sep = match.group("name"), match.group("value"), match.group("sep")
    bare = _bare_name(name)
    if value.endswith(",") and not bare.isupper():
        value = value.rstrip(",")  # def f(api_key: str,
    if _GAME_NAMES.match(bare) or _PLACEHOLDER.search(value) or value in _PY_WORDS or len(set(value)) <= 1:
        return match.group(0)
    if not _SECRET_WORD.fullmatch(bare) or value[0] in "$%{<" or value.lower().strip("<>[]*") in _PLACEHOLDER_WORDS:
        return match.group(0)  # PASSWORD=$DB_PASS, password:%s, secret: <secret>
    env_style = bare.isupper() and "=" in sep and " " not in sep
    # In Python `token = make_token()` or `password = entered` is code, not a
    # secret; env files (`PASSWD=...`) and YAML (`secret: ...`) hold values.
    if not env_style:
        if any(c in value for c in "()[]{}") or re.fullmatch(r"[A-Za-z_][A-Za-z_]*(?:\.[A-Za-z_]\w*)*", value):
            return match.group(0)
        if re.fullmatch(r"-?\d+(?:\.\d+)?", value):
            return match.group(0)  # secret = 42: a guessing game
    return match.group("lead") + name + sep + _placeholder(_kind_for(bare))
