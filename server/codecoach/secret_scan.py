"""Where the secrets are in a text: the detectors behind `privacy.redact`.

Each detector returns spans `(start, end, kind)` of characters to replace; `privacy`
merges them and writes the placeholders. Four kinds of evidence:

1. **Vendor formats** from a maintained rule set: Betterleaks' rules (the successor of
   gitleaks') and Google's Veles rules, run by MongoDB's Kingfisher engine
   (`kingfisher-secret-scanner`: Rust regex + Vectorscan, linear time). Loaded lazily at
   the first redaction; compiled once per machine into the user cache folder.
2. **Built-in formats**: a short list of the formats learners paste most (cloud and AI
   provider keys, PEM blocks, JWTs, long random literals), so redaction still works if
   the native rule set cannot load.
3. **Names**: a secret-like name labels the value next to it, wherever it stands
   (assignment, annotation, attribute, subscript, dict key, keyword argument,
   `os.environ[...]`, `.setdefault("API_KEY", ...)`, headers, tuple unpacking, `auth=`
   tuples, URL query keys and userinfo, comments, `.env`/YAML lines). Found on a token
   stream of strings and comments, so it works on code that does not parse.
4. **Shapes inside strings and comments**: `Bearer <token>`, `scheme://user:pw@host`,
   `?key=...`, `password=...` in a connection string.

Every pattern here is linear in the length of the text: no nested quantifiers, and each
one can only start a match at the start of a run (a look-behind for its own first
characters), so a long near-match is scanned once, not once per character. Work beyond
regular expressions is bounded per token (`_TAIL` characters of context).
"""

from __future__ import annotations

import functools
import logging
import math
import os
import re
import string
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

log = logging.getLogger(__name__)

Span = tuple[int, int, str]  # (start, end, kind): characters [start, end) are a secret

# -- 1. the vendor rule set (Kingfisher) ------------------------------------------------

_VENDOR_LOCK = threading.Lock()
_vendor: Any = None  # None: not loaded yet; False: unavailable (logged once)
VENDOR_TIMEOUT_SECONDS = 5.0


def _rules_cache_dir() -> str | None:
    """The compiled rule database is ~2 MB and takes seconds to build: keep it per user."""
    try:
        import kingfisher_sdk
        from platformdirs import user_cache_path

        path = user_cache_path("codecoach", appauthor=False) / f"kingfisher-{kingfisher_sdk.__version__}"
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Kingfisher refuses a cache folder others can write to; ours is user-only anyway.
        os.chmod(path, 0o700)
        os.chmod(path.parent, 0o700)
        return str(path)
    except OSError:
        return None


def _load_vendor() -> Any:
    import kingfisher_sdk

    cache_dir = _rules_cache_dir()
    rules = kingfisher_sdk.Rules(builtins=True, confidence="medium", cache=cache_dir is not None, cache_dir=cache_dir)
    # base64=False: a base64 blob is caught whole by the entropy check; decoding it would
    # only point inside it.
    return kingfisher_sdk.Scanner(rules, base64=False, dedup=False, redact=False)


def vendor_scanner() -> Any:
    """The Kingfisher scanner, loaded on first use; None when it cannot be had."""
    global _vendor
    if _vendor is None:
        with _VENDOR_LOCK:
            if _vendor is None:
                try:
                    _vendor = _load_vendor()
                except Exception as error:  # noqa: BLE001 - a missing wheel must not stop redaction
                    log.warning("Secret rule set unavailable (%s); redacting with the built-in patterns only", error)
                    _vendor = False
    return _vendor or None


def vendor_kind(rule_id: str) -> str:
    """`betterleaks.github-pat` -> `github-pat`; `veles.secrets/digitaloceanapikey` -> `digitaloceanapikey`."""
    name = re.split(r"[./]", rule_id)[-1].lower()
    return re.sub(r"[^a-z0-9]+", "-", name).strip("-") or "secret"


def vendor_spans(text: str) -> list[Span]:
    scanner = vendor_scanner()
    if scanner is None or not text:
        return []
    # Placeholders of an earlier pass are masked (same length): a rule keyed on a word such
    # as "azure" must not wake up on `<REDACTED:azure-storage-key>` and redact its neighbour.
    if "<REDACTED:" in text:
        text = PLACEHOLDER.sub(lambda m: "<" + "_" * (len(m.group()) - 2) + ">", text)
    data = text.encode("utf-8", "surrogatepass")
    findings = scanner.scan(data, timeout=VENDOR_TIMEOUT_SECONDS)
    found = sorted(((f.location["start_offset"], f.location["end_offset"], f.rule_id) for f in findings))
    if not found:
        return []
    if len(data) == len(text):  # ASCII: bytes are characters
        return [(start, end, vendor_kind(rule)) for start, end, rule in found]
    # Offsets are in UTF-8 bytes: walk them in order, decoding each stretch once.
    spans: list[Span] = []
    byte_pos = char_pos = 0
    cache: dict[int, int] = {}

    def to_char(offset: int) -> int:
        nonlocal byte_pos, char_pos
        if offset in cache:
            return cache[offset]
        if offset < byte_pos:  # overlapping findings: decode from the start of this one
            return len(data[:offset].decode("utf-8", "ignore"))
        char_pos += len(data[byte_pos:offset].decode("utf-8", "ignore"))
        byte_pos = offset
        cache[offset] = char_pos
        return char_pos

    for start, end, rule in found:
        first = to_char(start)
        spans.append((first, first + len(data[start:end].decode("utf-8", "ignore")), vendor_kind(rule)))
    return spans


# -- 2. built-in formats -------------------------------------------------------------------

# (kind, prefix, characters a token is made of, rest). The prefix comes first so that the
# regex engine can jump to it; a look-behind right after it then checks that the prefix
# starts a run (`AIzaAIzaAIza...` is one attempt, not one per occurrence). All formats
# are one alternation: one pass over the text.
_W = r"A-Za-z0-9_\-"
_FORMAT_TABLE: tuple[tuple[str, str, str, str], ...] = (
    ("google-api-key", r"AIza", _W, r"[0-9A-Za-z_\-]{30,}"),
    ("anthropic-key", r"sk-ant-", _W, r"[A-Za-z0-9_\-]{20,}"),
    ("openai-key", r"sk-", _W, r"(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_\-]{20,}"),
    ("github-token", r"gh[pousr]_", _W, r"[A-Za-z0-9]{30,}"),
    ("github-token", r"github_pat_", _W, r"[A-Za-z0-9_]{22,}"),
    ("slack-token", r"xox[abposre]-", _W, r"[A-Za-z0-9\-]{10,}"),
    ("slack-webhook", r"hooks\.slack\.com/services/", r"\w.", r"[A-Za-z0-9_/]+"),
    ("aws-key", r"A(?:KIA|SIA|BIA|CCA|IDA|ROA)", r"A-Z0-9", r"[0-9A-Z]{16}(?![0-9A-Z])"),
    ("stripe-key", r"sk_(?:live|test)_", _W, r"[A-Za-z0-9]{16,}"),
    ("stripe-key", r"rk_(?:live|test)_", _W, r"[A-Za-z0-9]{16,}"),
    ("google-oauth", r"ya29\.", _W + ".", r"[A-Za-z0-9_\-]{20,}"),
    ("google-oauth-secret", r"GOCSPX-", _W, r"[A-Za-z0-9_\-]{28}"),
    ("gitlab-token", r"gl", _W, r"(?:pat|dt|rt|ptt|soat|cbt|imt|agent|oas|ffct)-[A-Za-z0-9_\-]{20,}"),
    ("grafana-token", r"gl", _W, r"(?:sa|c)_[A-Za-z0-9_+/=]{32,}"),
    ("npm-token", r"npm_", _W, r"[A-Za-z0-9]{36}(?![A-Za-z0-9])"),
    ("pypi-token", r"pypi-", _W, r"[A-Za-z0-9_\-]{50,}"),
    ("huggingface-token", r"hf_", _W, r"[A-Za-z0-9]{30,}"),
    ("sendgrid-key", r"SG\.", _W, r"[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{16,}"),
    ("twilio-key", r"SK", r"A-Za-z0-9", r"[0-9a-fA-F]{32}(?![0-9a-fA-F])"),
    ("digitalocean-token", r"do[opr]_v1_", _W, r"[a-f0-9]{64}"),
    ("shopify-token", r"shp(?:at|ca|pa|ss)_", _W, r"[a-fA-F0-9]{32}"),
    ("vault-token", r"hv[sbr]\.", _W + ".", r"[A-Za-z0-9_\-]{24,}"),
    ("docker-token", r"dckr_(?:pat|oat)_", _W, r"[A-Za-z0-9_\-]{20,}"),
    ("doppler-token", r"dp\.", _W + ".", r"(?:pt|st|sa|scim|audit|ct)\.[A-Za-z0-9_\-]{20,}"),
    ("newrelic-key", r"NR(?:AK|II|JS|AA|RA|RI)-", _W, r"[A-Z0-9_\-]{20,}"),
    ("discord-webhook", r"discord", r"\w.", r"(?:app)?\.com/api/webhooks/\d+/[A-Za-z0-9_\-]+"),
    ("jwt", r"eyJ", _W, r"[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"),
)
_FORMAT_PATTERNS = tuple((kind, re.compile(f"{prefix}(?<![{guard}]{prefix}){rest}"))
                         for kind, prefix, guard, rest in _FORMAT_TABLE)
# Every branch starts with a plain character and there are no groups around them, so the
# engine skips positions that cannot start any format (CPython's `re` only does this then).
FORMATS = re.compile("|".join(pattern.pattern for _, pattern in _FORMAT_PATTERNS))


def _format_kind(text: str, start: int, end: int) -> str:
    for kind, pattern in _FORMAT_PATTERNS:
        match = pattern.match(text, start)
        if match is not None and match.end() == end:
            return kind
    return "token"

# A long run of base64/hex-ish characters, judged by `looks_random`.
_CANDIDATE = re.compile(r"(?<![A-Za-z0-9+/_\-=.])[A-Za-z0-9+/_\-=]{20,}")
_HEX = re.compile(r"[0-9a-fA-F]+")
_MAX_KEY = 256
_RUNS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+|[^A-Za-z\d]")
_SEPARATORS = re.compile(r"[_\-.]")
_WORDY = re.compile(r"[A-Za-z]+\d{0,4}|\d+")


def shannon_entropy(text: str) -> float:
    """Bits per character."""
    if not text:
        return 0.0
    counts = Counter(text)
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def looks_random(token: str) -> bool:
    """A secret-like literal rather than code: long, mixed, and close to random.

    Thresholds leave room under the maximum entropy a string of that length can reach
    (log2 of its length): random base64 of 24+ characters scores ~4.2 and up, English-ish
    identifiers 3.5-3.9, and identifiers are excluded anyway unless they mix digits into
    letters the way keys do. Hex keys of 24+ digits (API keys of many vendors) count when
    they mix digits and letters.
    """
    core = token.strip("=.")
    n = len(core)
    if n < 20:
        return False
    if _HEX.fullmatch(core):
        return _hex_key(core)
    if any(_hex_key(part) for part in _SEPARATORS.split(core)):
        return True  # key-<hex> (Mailgun), <hex>-us12 (Mailchimp): a hex key with a tag
    digits = sum(c.isdigit() for c in core)
    upper = sum(c.isupper() for c in core)
    lower = sum(c.islower() for c in core)
    if digits < 2 or (upper == 0 and lower == 0):
        return False
    # snake_case / kebab-case / dotted words with a number in them: code, not a key.
    words = re.split(r"[_\-./]+", core)
    if len(words) > 1 and all(_WORDY.fullmatch(w) for w in words if w):
        return False
    if (upper == 0 or lower == 0) and n < 28:
        return False  # single-case alphanumerics need more length to be convincing
    if _wordy(core):
        return False
    threshold = min(4.3, 0.8 * math.log2(n) + 0.4)
    return shannon_entropy(core) >= threshold


def _wordy(text: str) -> bool:
    """Made of words (NFCISO15693ReaderSession, MCC_GetSlowCompTauX20Enable): long runs of
    letters. Random keys break into runs of 1-2 characters."""
    runs = [r for r in _RUNS.findall(text) if r[0].isalnum()]
    return sum(map(len, runs)) / max(1, len(runs)) >= 2.8


def _hex_key(core: str) -> bool:
    return len(core) >= 24 and _HEX.fullmatch(core) is not None and any(c.isdigit() for c in core) \
        and sum(c.isalpha() for c in core) >= 3 and shannon_entropy(core) >= 3.0


def format_spans(text: str) -> list[Span]:
    spans: list[Span] = [(m.start(), m.end(), _format_kind(text, m.start(), m.end())) for m in FORMATS.finditer(text)]
    for match in _CANDIDATE.finditer(text):
        # A run longer than any key is judged by its start: bounded work per run.
        if looks_random(text[match.start() : min(match.end(), match.start() + _MAX_KEY)]):
            spans.append((match.start(), match.end(), "high-entropy"))
    spans.extend(private_key_spans(text))
    return spans


_PEM_BEGIN = re.compile(r"-----BEGIN ([A-Z0-9 ]{0,40})PRIVATE KEY(?: BLOCK)?-----")
_PEM_BODY_LINE = re.compile(r"[ \t]*(?:[A-Za-z0-9+/=]{8,}|[A-Za-z\-]+:[^\r\n]*)[ \t]*[\"',]*[ \t]*(?:\\n)?[\"']?")
_PEM_END = re.compile(r"[ \t\"'+]*-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----")


def private_key_spans(text: str) -> Iterator[Span]:
    """The header, the base64 body and the footer if present. A header alone (a constant in
    a crypto library) is no secret. Walks line by line: linear."""
    for begin in _PEM_BEGIN.finditer(text):
        pos = begin.end()
        end = pos
        body = 0
        while pos < len(text):
            line_end = text.find("\n", pos)
            line_end = len(text) if line_end < 0 else line_end
            line = text[pos:line_end].rstrip("\r")
            footer = _PEM_END.match(line)
            if footer:
                end = pos + footer.end()
                break
            if not line.strip():
                if body:
                    break
            elif _PEM_BODY_LINE.fullmatch(line) or (not body and _PEM_BODY_LINE.match(line)):
                body += 1
                end = pos + len(line)
            else:
                break
            pos = line_end + 1
        if body:
            yield begin.start(), end, "private-key"


# -- 3. names --------------------------------------------------------------------------------

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
MAX_NAME = 80

_CLASS_NAME = re.compile(r"[A-Z][a-z0-9]+(?:[A-Z][A-Za-z0-9]*)+")
PASSWORD_WORDS = frozenset({"password", "passwd", "pass", "pw", "pwd", "passphrase", "passcode", "pword", "pswd", "psw"})
# Words that make a name about a secret rather than the secret itself: `password_prompt`,
# `token_url`, `API_KEY_ENV`, `secret_word` (a guessing game), `token_type` (a tokenizer).
METADATA_WORDS = frozenset({
    "error", "errors", "message", "msg", "prompt", "label", "hint", "text", "help", "title", "field", "fields",
    "policy", "rule", "rules", "regex", "re", "pattern", "length", "len", "min", "max", "count", "num", "number",
    "input", "file", "filename", "path", "dir", "url", "uri", "endpoint", "reset", "strength", "valid", "check",
    "type", "types", "kind", "name", "names", "header", "param", "env", "var", "prefix", "suffix", "format", "fmt",
    "template", "index", "idx", "list", "limit", "expiry", "expires", "ttl", "timeout", "lifetime", "id", "ids",
    "pos", "position", "start", "end", "stream", "char", "chars", "is", "has", "placeholder", "example", "sample",
    "word", "words", "letter", "guess", "guesses", "phrase", "code", "santa", "digit", "digits", "answer",
    "location", "manager", "provider", "store", "storage", "required", "enabled",
    "continuation", "page", "next", "cursor", "pagination",
})
# `*_key` names whose first part says "credential"; any other `x_key` (sort_key, cache_key,
# primary_key) needs a value that looks random.
CREDENTIAL_KEY_PREFIXES = frozenset({
    "api", "secret", "private", "priv", "access", "auth", "signing", "sign", "encryption", "enc", "master", "license",
    "licence", "client", "app", "consumer", "account", "admin", "subscription", "session", "hmac", "jwt", "webhook",
    "gemini", "openai", "google", "gcp", "aws", "azure", "stripe", "github", "slack", "twilio", "sendgrid", "mailgun",
    "anthropic", "mapbox", "maps", "firebase", "supabase", "pinecone", "cohere", "groq", "mistral", "deepl",
    "weather", "openweather", "news", "tmdb", "omdb", "riot", "steam", "discord", "telegram", "spotify", "dev",
    "prod", "test", "live", "service", "user", "ssh", "gpg", "pgp", "rsa", "ed25519", "x", "goog",
})
AUTH_WORDS = frozenset({"auth", "authorization", "authentication", "basicauth", "httpauth", "credential", "credentials",
                        "cred", "creds"})


@dataclass(frozen=True)
class SecretName:
    kind: str  # placeholder kind: password, token, api-key, secret
    strict: bool  # the value must look random (an `x_key` that may be a sort key)
    pair: bool  # labels a (user, password) pair: only the second element is secret


def name_words(name: str) -> list[str]:
    """`dbPassword` -> [db, password]; `X-API-Key` -> [x, api, key]; `APIKEY` -> [apikey]."""
    return [w for w in _NON_ALNUM.split(_CAMEL.sub("_", name).lower()) if w]


@functools.lru_cache(maxsize=4096)
def secret_name(name: str, *, url: bool = False) -> SecretName | None:
    """Whether a name (identifier, dict key, header, env var, URL query key) labels a secret.

    `url=True` is for query keys, where `key`, `sig` and `code` alone mean credentials.
    """
    if not name or len(name) > MAX_NAME:
        return None
    words = name_words(name)
    if not words:
        return None
    if _CLASS_NAME.fullmatch(name):
        # CreateCredentialRequest, OAuth2Credentials: a class or a type, not a variable.
        found = secret_name(name.lower())
        return SecretName(found.kind, True, False) if found is not None else None
    if url and words[-1] in ("key", "sig", "signature", "apikey", "token", "code", "secret", "auth", "password",
                             "pwd", "pass", "pw", "access_token"):
        return SecretName("api-key" if words[-1] in ("key", "apikey", "sig", "signature") else "token", False, False)
    if any(w in METADATA_WORDS for w in words):
        return None
    for w in words:
        if w in PASSWORD_WORDS or w.endswith(("password", "passwd", "passphrase", "passwords")):
            return SecretName("password", False, False)
    for w in words:
        if w in AUTH_WORDS or w.endswith(("auth", "credentials")):
            return SecretName("credentials", False, True)
    for w in words:
        if w == "secret" or w.endswith("secret") or w in ("secretkey", "privatekey", "privkey", "apisecret"):
            return SecretName("secret", False, False)
    for w in words:
        if w == "token" or (w.endswith("token") and len(w) > 5):
            return SecretName("token", False, False)
    for i, w in enumerate(words):
        if w == "apikey" or w.endswith("apikey") or w in ("accesskey", "signingkey", "masterkey", "licensekey"):
            return SecretName("api-key", False, False)
        if w in ("key", "keys") and i > 0:
            return SecretName("api-key", words[i - 1] not in CREDENTIAL_KEY_PREFIXES, False)
    return None


# Values a secret-named thing may hold that are not secrets.
NOT_SECRETS = frozenset({"yes", "no", "true", "false", "none", "null", "nil", "on", "off", "required", "optional",
                         "changeme", "password", "passwd", "pass", "pwd", "secret", "token", "pw", "xxx", "todo",
                         "your_api_key", "your-api-key", "api_key", "apikey", "key", "str", "string", "bytes", "int",
                         "undefined", "empty", "default", "redacted", "hidden", "dummy", "test", "example"})
_TEMPLATE = re.compile(r"^(?:\$\{?[A-Za-z_]\w*\}?|%\(?\w*\)?[sdr]|\{\{?[\w .]*\}?\}|<[^<>]*>|%[A-Z_]+%|\[[^\[\]]*\])$")
_WORD_LIKE = re.compile(r"[a-z]+(?:[_\-. ][a-z]+)*|[A-Z]+(?:[_\-. ][A-Z]+)*|[A-Z]?[a-z]+(?:[A-Z][a-z]+)*")
_NUMERIC = re.compile(r"[\d.:/\-]+")  # a version, an OID, a date, an address: no letters, no secret
_FILE_LIKE = re.compile(r"[\w.\-/\\~]+\.(?:json|txt|pem|key|crt|cer|cfg|conf|ini|yaml|yml|env|p12|pfx|toml|py|csv|db)")
_SCHEME = re.compile(r"(?i)^(?:bearer|basic|token|digest|apikey|key|jwt|sso-key)[ \t]+")
PLACEHOLDER = re.compile(r"<REDACTED:[a-z0-9-]+>")


def value_is_secret(label: SecretName, value: str, *, raw: bool = False) -> bool:
    """Whether `value`, labelled by a secret-like name, is the secret itself.

    Passwords are secret whatever they look like; other kinds must look like a token (no
    prose, not a word or a name, a path, a URL or a template); `strict` ones (an `x_key`
    that may be a sort key) must look random.
    """
    stripped = value.strip()
    if not stripped or PLACEHOLDER.search(stripped) or "\n" in stripped:
        return False
    if stripped.lower() in NOT_SECRETS or len(set(stripped)) <= 1 or not stripped.strip("*.-_x# "):
        return False  # "yes", "***", "xxxx", "...": a placeholder or a flag
    if _TEMPLATE.match(stripped) or ("{" in stripped and "}" in stripped):
        return False  # ${DB_PASS}, %s, {{ token }}, <your key>, "{}": filled in elsewhere
    if stripped.endswith((":", "?")):
        return False  # an input() prompt such as "Password: "
    if names_a_secret(stripped):
        return False  # "access_token", "challengePassword", "X-Api-Key": a name, not a value
    if label.kind == "password":
        return len(stripped) >= 3
    if label.strict:
        return looks_random(stripped) or _vendor_shaped(stripped)
    if "://" in stripped or _FILE_LIKE.fullmatch(stripped) or stripped.startswith(("/", ".", "~/")):
        return False  # token_url, key_file: where the secret is, not the secret
    if any(c.isspace() for c in stripped) or len(stripped) < 6 or _NUMERIC.fullmatch(stripped):
        return False  # prose, or a tokenizer's token such as "("
    if raw and any(c in stripped for c in "\\[](){}^$|*+?"):
        return False  # _TOKEN_RE = r"[A-Z]\w*": a regular expression
    if _WORD_LIKE.fullmatch(stripped):
        return False  # "access_token", "READ_WRITE", "Bearer": names and words, not values
    return sum(c.isalnum() for c in stripped) >= 6


_NAME_LIKE = re.compile(r"[A-Za-z_][A-Za-z0-9_\-.]{0,79}")


def names_a_secret(value: str) -> bool:
    """A value that is itself a secret-like name (a header, a key, an enum value)."""
    return _NAME_LIKE.fullmatch(value) is not None and secret_name(value) is not None


def _vendor_shaped(value: str) -> bool:
    return FORMATS.search(value) is not None


# -- the token stream: strings and comments ---------------------------------------------------

# The leftmost string or comment wins, so a `#` inside a string and a quote inside a
# comment are never mistaken for each other. Unterminated strings (code being typed) end
# at the end of their line (single quotes) or of the text (triple quotes). Each body is
# an unrolled loop (`[^'\\]*(?:\\.[^'\\]*)*`): linear.
# No groups, and every branch starts with a plain character: CPython's `re` then skips
# the characters that cannot start a token instead of trying every branch at each.
_LEXER = re.compile(
    r"#[^\r\n]*"
    r"|'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*(?:'''|\Z)"
    r'|"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*(?:"""|\Z)'
    r"|'[^'\\\r\n]*(?:\\(?:\r\n|.)[^'\\\r\n]*)*'?"
    r'|"[^"\\\r\n]*(?:\\(?:\r\n|.)[^"\\\r\n]*)*"?',
    re.DOTALL,
)
_PREFIX_CHARS = frozenset("rRbBuUfFtT")
_TAIL = 160  # characters of code before a string that may hold its label


class _Context(NamedTuple):
    """What a string tells the next one after a comma: `user, password = "a", |"b"|`."""

    label: SecretName | None = None  # the label of a whole sequence (`auth=(...)`, `KEYS = [...]`)
    targets: list[str] | None = None  # tuple-unpacking targets (`user, password = ...`)
    index: int = 0  # position of this string in its sequence
    in_call: bool = False  # the sequence is a call's arguments
    key: str | None = None  # this string's text, when it may be the key of the next one


_NO_CONTEXT = _Context()


_IDENTIFIER_CHARS = string.ascii_letters + string.digits + "_"


def _identifier_before(text: str) -> str:
    """The last identifier at the end of `text` (`self.api_key` -> `api_key`)."""
    return text[len(text.rstrip(_IDENTIFIER_CHARS)) :]


_NOT_ASSIGN = frozenset("=!<>+-*/%&|^@")
_IDENTIFIER = re.compile(r"\*?[A-Za-z_][\w.]*")


def _assignment_label(code: str, statement_start: bool) -> tuple[str | None, list[str] | None]:
    """For code that ends with an operator before a value: (name, tuple-unpacking targets).

    `password: str = ` -> password; `self.api_key = ` -> api_key; `f(x, password=` ->
    password; `user, pw = ` at the start of a statement -> targets [user, pw].
    """
    t = code.rstrip()
    if t.endswith(("+=", ":=")):
        op = t[-2:]
    elif t.endswith(("=", ":")):
        op = t[-1]
    else:
        return None, None
    if op == "=" and len(t) >= 2 and t[-2] in _NOT_ASSIGN:
        return None, None  # ==, !=, <=, -= ...: a comparison or arithmetic, not a label
    lhs = t[: -len(op)].rstrip()
    if op == "=" and ":" in lhs:
        name_part, _, annotation = lhs.rpartition(":")  # password: Optional[str] =
        if annotation.strip() and all(c.isalnum() or c in "_[], .|'\"" for c in annotation):
            lhs = name_part.rstrip()
    if op == "=" and "," in lhs and statement_start:
        statement = lhs[max(lhs.rfind("\n"), lhs.rfind(";")) + 1 :].strip()
        parts = [p.strip() for p in statement.split(",")]
        if len(parts) > 1 and all(_IDENTIFIER.fullmatch(p) for p in parts):
            return None, [p.lstrip("*").rsplit(".", 1)[-1] for p in parts]
    return _identifier_before(lhs) or None, None


def _callee(code: str) -> str | None:
    """`requests.get(url, auth=HTTPBasicAuth(` -> `HTTPBasicAuth`: the call `code` opens."""
    t = code.rstrip()
    if not t.endswith("("):
        return None
    return _identifier_before(t[:-1].rstrip()) or None


# Calls and names whose two string arguments are (user, password).
_PAIR_CALLEE = re.compile(r"(?i)(?:auth|login|authenticate|credentials?|creds)$")
_PAIR_LABEL = SecretName("password", False, True)


@functools.lru_cache(maxsize=1024)
def _pair_callee(name: str) -> bool:
    return _PAIR_CALLEE.search(name) is not None


_LABEL_ENDS = frozenset(":=,([")
_SEQUENCE_GAP = re.compile(r"\s*,[\w\s,.\-]*")


def _continues_sequence(gap: str) -> bool:
    """`, ` or `, 42, ` between two strings: the same call, tuple, list or unpacking."""
    return _SEQUENCE_GAP.fullmatch(gap) is not None


def _label_for(gap: str, context: _Context, body: str, statement_start: bool) -> tuple[SecretName | None, _Context]:
    """The name that labels this string (or None), and what it tells the next string."""
    own_key = body if len(body) <= MAX_NAME else None
    stripped = gap.strip()
    last = stripped[-1:]
    if last not in _LABEL_ENDS:
        # Nothing before this string can label it (`print(x + "...")`, `return "..."`).
        return None, _Context(None, None, 0, False, own_key) if own_key is not None else _NO_CONTEXT
    prev_key = context.key
    if prev_key is not None and (stripped == ":" or stripped.replace(" ", "") in ("]=", "]:=")):
        # {"password": "x"}, JSON, os.environ["DB_PASSWORD"] = "x", headers["Authorization"] = "x"
        return secret_name(prev_key), _NO_CONTEXT
    if _continues_sequence(gap):
        index = context.index + stripped.count(",")
        label: SecretName | None = None
        if context.targets is not None:
            label = secret_name(context.targets[index]) if index < len(context.targets) else None
        elif context.label is not None:
            label = context.label if not context.label.pair or index >= 1 else None
        elif context.in_call and prev_key is not None and stripped == ",":
            label = secret_name(prev_key)  # setdefault("API_KEY", "x"), putenv, getenv's default, config.set
        return label, _Context(context.label, context.targets, index, context.in_call, own_key)
    tail = gap[-_TAIL:]
    if "\n" in tail and not tail.rstrip().endswith(("(", "[", "{", ",")):
        tail = tail[tail.rfind("\n") + 1 :]  # only the current line's code labels the value
    t = tail.rstrip()
    if t.endswith(("(", "[")):
        callee = _callee(t)
        if callee is not None:  # a call's first argument: HTTPBasicAuth("admin", "pw"), setdefault("KEY", ...)
            pair = _PAIR_LABEL if _pair_callee(callee) else None
            return None, _Context(pair, None, 0, True, own_key)
        name, _ = _assignment_label(t[:-1], False)  # auth=("admin", "pw"), API_KEYS = ["...", ...]
        label = secret_name(name) if name else None
        if label is not None and label.pair:
            return None, _Context(_PAIR_LABEL, None, 0, False, own_key)
        return label, _Context(label, None, 0, False, own_key)
    if t.endswith(","):
        head = t[:-1].rstrip()  # smtp.login(user, "pw"): the second argument of a login call
        first_arg = _identifier_before(head)
        callee = _callee(head[: len(head) - len(first_arg)]) if first_arg else None
        if callee is not None and _pair_callee(callee):
            return _PAIR_LABEL, _Context(None, None, 1, True, own_key)
        return None, _Context(None, None, 0, context.in_call, own_key)
    name, targets = _assignment_label(t, statement_start or "\n" in gap)
    if targets is not None:
        return secret_name(targets[0]), _Context(None, targets, 0, False, own_key)
    label = secret_name(name) if name else None
    if label is not None and t.endswith(":") and not t.endswith(":=") and _looks_like_type_name(body):
        label = None  # private_key: "_RSAPrivateKey": a string annotation
    return label, _Context(None, None, 0, False, own_key)


def _looks_like_type_name(value: str) -> bool:
    return bool(re.fullmatch(r"_?[A-Z][A-Za-z_.]*(?:\[[\w\[\], .|]*\])?", value)) and not any(c.isdigit() for c in value)


def name_spans(text: str) -> list[Span]:
    """Values labelled by secret-like names, and secrets inside strings and comments.

    The hot loop of redaction (one pass per string or comment): cheap checks first.
    """
    spans: list[Span] = []
    previous_end = 0
    previous_comment = True  # the start of the text starts a statement, like a comment line
    context = _NO_CONTEXT
    for match in _LEXER.finditer(text):
        start, end = match.span()
        first = text[start]
        if first == "#":
            if _INLINE_HINT.search(text, start + 1, end):
                spans.extend(inline_spans(text, start + 1, end, comment=True))
            previous_end, previous_comment, context = end, True, _NO_CONTEXT
            continue
        q = 3 if end - start >= 6 and text.startswith(first * 3, start) else 1
        closed = end - start >= 2 * q and text.startswith(first * q, end - q)
        body_start, body_end = start + q, (end - q if closed else end)
        if body_end - body_start < 2:
            # "", "(", an empty triple-quoted string: too short to be a secret or to name one.
            previous_end, previous_comment, context = end, False, _NO_CONTEXT
            continue
        gap = text[previous_end:start]
        body = text[body_start:body_end]
        label, context = _label_for(gap, context, body, previous_comment)
        if label is not None:
            prefix = _prefix(text, start)
            if not ("f" in prefix and "{" in body):
                spans.extend(_labelled_value(label, body, body_start, raw="r" in prefix))
        if _INLINE_HINT.search(body):
            spans.extend(inline_spans(text, body_start, body_end, comment=False))
        previous_end, previous_comment = end, False
    return spans


# Characters without which no shape of `inline_spans` can occur (`=`, `:`, `?`/`&`, the
# space after `Bearer`, the `is` of a comment).
_INLINE_HINT = re.compile(r"[=:?&\s]")


def _prefix(text: str, start: int) -> str:
    """The string prefix before the quote at `start` (`rb`, `f`...), lower case."""
    p = start
    while p > 0 and start - p < 2 and text[p - 1] in _PREFIX_CHARS:
        p -= 1
    if p > 0 and (text[p - 1].isalnum() or text[p - 1] == "_"):
        return ""  # `x'...'` is a name before a string, not a prefix
    return text[p:start].lower()


def _labelled_value(label: SecretName, body: str, offset: int, *, raw: bool) -> list[Span]:
    scheme = _SCHEME.match(body)
    if scheme:
        # "Authorization": "Bearer abc": the token after the scheme, however short.
        value = body[scheme.end() :]
        kind = "basic-auth" if scheme.group().lower().startswith("basic") else "bearer-token"
        if value_is_secret(SecretName("password", False, False), value) and not _WORD_LIKE.fullmatch(value):
            return [(offset + scheme.end(), offset + len(body), kind)]
        return []
    if value_is_secret(label, body, raw=raw):
        return [(offset, offset + len(body), label.kind)]
    return []


# -- 4. shapes inside a string or a comment -------------------------------------------------

# `password=...`, `token: ...` (and `password is ...` in a comment). The name must start a
# word (look-behind), so a long run of name characters is tried once.
_INLINE = re.compile(
    r"(?<![\w\-.])(?P<name>[A-Za-z][\w\-]{0,60}(?:[ ](?:api[ _-]?key|key|token|secret|password))?)"
    r"[ \t]*(?P<sep>[:=]|\bis\b)[ \t]*(?P<q>[\"'`]?)(?P<value>[^\s\"'`,;&)(<>\]\[{}]+)"
)
_DOTTED_CODE = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")
_AUTH_SCHEME = re.compile(r"(?i)(?<![\w\-])(?P<scheme>bearer|basic|token)[ \t]+(?P<value>[A-Za-z0-9\-._~+/]+=*)")
_QUERY = re.compile(r"[?&;](?P<name>[A-Za-z_][\w.\-]{0,60})=(?P<value>[^&#\s'\"<>`]*)")
_HOST = re.compile(r"(?:\[[0-9A-Fa-f:.]+\]|[\w.\-%]+)(?::\d+)?(?=[/?#\s'\"`,;)]|$)")


def inline_spans(text: str, start: int, end: int, *, comment: bool) -> Iterator[Span]:
    body = text[start:end]
    if not body:
        return
    if "=" in body or ":" in body or (comment and " is " in body):
        for match in _INLINE.finditer(body):
            sep, value = match.group("sep"), match.group("value").rstrip(".,;:!?")
            if sep == "is" and not comment:
                continue  # "Password is too short": a message, not a value
            label = secret_name(match.group("name").replace(" ", "_"))
            if label is None or value.startswith(("//", "$", "%")):
                continue
            # Unquoted or in a sentence, a password must look made up: `password=hunter2`
            # in a connection string, not `# password: must be 8 characters`.
            made_up = any(c.isdigit() for c in value) or not value.isalnum() \
                or not (value.islower() or value.isupper() or value.istitle())
            if not match.group("q"):
                after = body[match.end("value") : match.end("value") + 1]
                if after in ("(", "[") or _DOTTED_CODE.fullmatch(value):
                    continue  # `credentials = service_account.Credentials(...)` in a docstring: code
            if (sep == "is" or not match.group("q")) and not made_up:
                continue
            if value_is_secret(label, value):
                yield start + match.start("value"), start + match.end("value"), label.kind
    lowered = body.lower()
    if "bearer" in lowered or "basic" in lowered or "token" in lowered:
        for match in _AUTH_SCHEME.finditer(body):
            value = match.group("value")
            if match.group("scheme").lower() == "basic":
                if _is_basic_credential(value):
                    yield start + match.start("value"), start + match.end("value"), "basic-auth"
            elif len(value) >= 16 and _looks_like_token(value):
                yield start + match.start("value"), start + match.end("value"), "bearer-token"
    if "?" in body or "&" in body:
        for match in _QUERY.finditer(body):
            value = match.group("value")
            label = secret_name(match.group("name"), url=True)
            if label is not None and value and not value.startswith(("{", "$", "%", "<")) \
                    and len(set(value)) > 1 and value.lower() not in NOT_SECRETS and not PLACEHOLDER.search(value):
                yield start + match.start("value"), start + match.end("value"), label.kind
    if "://" in body and "@" in body:
        yield from _userinfo_spans(body, start)


_PORT_PATH = re.compile(r"\d+(?:/.*)?")


def _userinfo_spans(body: str, offset: int) -> Iterator[Span]:
    """`scheme://user:password@host`: the password may hold `/` (or `@`); the text after
    the last `@` of the authority must look like a host. Every search stays inside the
    stretch up to the next `://`, so each character is looked at a bounded number of times."""
    pos = body.find("://")
    while pos >= 0:
        auth_start = pos + 3
        nxt = body.find("://", auth_start)
        stop = len(body) if nxt < 0 else nxt
        for ch in " \t\r\n'\"`<>":
            i = body.find(ch, auth_start, stop)
            if i >= 0:
                stop = i
        at = body.rfind("@", auth_start, stop)
        if at > auth_start:
            user, colon, password = body[auth_start:at].partition(":")
            host = _HOST.match(body, at + 1)
            if colon and password and "/" not in user and host and host.end() > at + 1 \
                    and not _PORT_PATH.fullmatch(password) \
                    and not password.startswith(("{", "$", "%", "<", "*")) and password.lower() not in NOT_SECRETS \
                    and not PLACEHOLDER.search(password) and len(set(password)) > 1:
                yield offset + auth_start + len(user) + 1, offset + at, "password"
        pos = nxt


def _looks_like_token(value: str) -> bool:
    """Not a word or a name: has a digit or mixes case, and is not a placeholder."""
    if PLACEHOLDER.search(value) or sum(c.isalnum() for c in value) < 6:
        return False
    if re.fullmatch(r"[a-z]+(?:_[a-z]+)*|[A-Z]+(?:_[A-Z]+)*|[A-Z]?[a-z]+", value):
        return False  # access_token, READ_WRITE, "Bearer Token": names and words
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


# -- .env and YAML lines ------------------------------------------------------------------------

# PASSWD=hunter2 (env files, shell), client_secret: abc123 (YAML). Anchored at a line start;
# each part is a single run, so a failed line costs one pass over it.
_BARE = re.compile(
    r"(?m)^[ \t]*(?:export[ \t]+)?(?P<name>[A-Za-z_][\w.\-]{0,80})(?P<sep>[ \t]*[=:][ \t]*)"
    r"(?P<value>[^\s'\"#][^\s#]*)[ \t]*(?:#[^\r\n]*)?\r?$"
)
_PY_WORDS = frozenset({"None", "True", "False", "null", "true", "false", "none", "str", "int", "bytes", "float",
                       "bool", "Optional", "Any", "dict", "list"})
# A name such as `entered` or `config.value` (letters only before the first dot: `ys3Kq...` is a value).
_DOTTED = re.compile(r"[A-Za-z_]+(?:\.[A-Za-z_]\w*)*")
_PASCAL = re.compile(r"_?(?:[A-Z][a-z0-9]*)+")
_PY_TYPE = re.compile(r"[a-z_]+|_?[A-Z][a-z0-9]*(?:[A-Z][a-z0-9]+)*")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def bare_spans(text: str) -> Iterator[Span]:
    if "=" not in text and ":" not in text:
        return
    for match in _BARE.finditer(text):
        name, value, sep = match.group("name"), match.group("value"), match.group("sep")
        bare = name.rsplit(".", 1)[-1]
        label = secret_name(bare)
        if label is None:
            continue
        if value.endswith(",") and not bare.isupper():
            value = value.rstrip(",")  # def f(api_key: str,
        if not value or PLACEHOLDER.search(value) or value in _PY_WORDS or len(set(value)) <= 1:
            continue
        if value[0] in "$%{<" or value.lower().strip("<>[]*") in NOT_SECRETS:
            continue  # PASSWORD=$DB_PASS, password:%s, secret: <secret>
        env_style = bare.isupper() and "=" in sep and " " not in sep
        # In Python `token = make_token()` or `password = entered` is code, not a secret;
        # env files (`PASSWD=...`) and YAML (`secret: ...`) hold values.
        if not env_style:
            if any(c in value for c in "()[]{}") or _NUMBER.fullmatch(value):
                continue
            if _DOTTED.fullmatch(value) and (":" not in sep or "." in value or _PY_TYPE.fullmatch(value)):
                continue  # `password = entered` is code; `token: Token` an annotation
            if ":" in sep and _PASCAL.fullmatch(value) and _wordy(value):
                continue  # `private_key: SSHPrivateKeyTypes,`
        if label.strict and not looks_random(value):
            continue
        yield match.start("value"), match.start("value") + len(value), label.kind
