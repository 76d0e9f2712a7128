"""Fake secrets of many vendors' formats, placed in the places learners put them.

Every value is made here, at run time, from a seeded generator: the shapes are the
vendors' published formats (prefix, length, alphabet), the characters are random, so none
is a real credential. Prefixes are split (`"gh" + "p_"`) so that no key-shaped literal sits
in a tracked file.

- `FORMATS`: kind -> (family, generator). Families: `vendor` (a provider's token format),
  `shape` (long random hex/base64 without a vendor prefix), `generic` (passwords and short
  tokens: recognisable only by the name that labels them).
- `CONTEXTS`: name -> (template, labelled). A labelled context names the value as a
  secret (`password = ...`, `{"token": ...}`, `?key=...`); the others do not (`print(...)`).
- `cases()`: every (kind, sample, context) combination that makes sense, as `Case`s.

A `vendor` or `shape` secret must be redacted in every context, a `generic` one in every
labelled context (`tests/cloud/test_redaction_corpus.py`; figures in docs/reliability.md).
"""

from __future__ import annotations

import base64
import json
import random
import string
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

ALNUM = string.ascii_letters + string.digits
WORD = ALNUM + "_-"
HEX = "0123456789abcdef"
UPPER = string.ascii_uppercase + string.digits
B64 = ALNUM + "+/"
BECH32 = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"
SAMPLES = 3


def _chars(rng: random.Random, n: int, alphabet: str = ALNUM) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _b64url(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _jwt(rng: random.Random) -> str:
    header = _b64url({"alg": "HS256", "typ": "JWT"})
    claims = _b64url({"sub": _chars(rng, 10, string.digits), "name": "Ada", "iat": rng.randrange(10**9, 2 * 10**9)})
    return header + "." + claims + "." + _chars(rng, 43, WORD)


def _pem(label: str) -> Callable[[random.Random], str]:
    def make(rng: random.Random) -> str:
        dashes = "-" * 5
        body = "\n".join(_chars(rng, 64, B64) for _ in range(6)) + "\n" + _chars(rng, 20, B64) + "=="
        return f"{dashes}BEGIN {label}{dashes}\n{body}\n{dashes}END {label}{dashes}"
    return make


def _seq(*parts: str | tuple[int, str]) -> Callable[[random.Random], str]:
    """A token of literal pieces and (length, alphabet) random runs."""
    def make(rng: random.Random) -> str:
        return "".join(p if isinstance(p, str) else _chars(rng, *p) for p in parts)
    return make


def _digits_run(lo: int, hi: int) -> Callable[[random.Random], str]:
    return lambda rng: _chars(rng, rng.randint(lo, hi), string.digits)


def _slack_bot(rng: random.Random) -> str:
    return "xo" + "xb-" + _digits_run(10, 13)(rng) + "-" + _digits_run(10, 13)(rng) + "-" + _chars(rng, 24)


def _slack_user(rng: random.Random) -> str:
    return "xo" + "xp-" + "-".join(_digits_run(10, 13)(rng) for _ in range(3)) + "-" + _chars(rng, 32, HEX)


def _teams_webhook(rng: random.Random) -> str:
    return ("https://acme.webhook.off" + "ice.com/webhookb2/" + _uuid(rng) + "@" + _uuid(rng)
            + "/IncomingWebhook/" + _chars(rng, 32, HEX) + "/" + _uuid(rng))


def _azure_storage(rng: random.Random) -> str:
    return ("DefaultEndpointsProtocol=https;AccountName=acme;Account" + "Key=" + _chars(rng, 86, B64)
            + "==;EndpointSuffix=core.windows.net")


def _password(rng: random.Random) -> str:
    words = ["sunshine", "dragon", "monkey", "football", "pikachu", "letmein", "shadow", "hello", "summer"]
    return rng.choice(words) + _chars(rng, 4, string.digits)


def _complex_password(rng: random.Random) -> str:
    return _chars(rng, 5, string.ascii_letters) + rng.choice("!$%^*") + _chars(rng, 3, string.digits) + \
        rng.choice("&#") + _chars(rng, 2, string.ascii_uppercase)


def _slash_password(rng: random.Random) -> str:
    return _chars(rng, 4, string.ascii_lowercase) + "/" + _chars(rng, 4, ALNUM) + ":" + _chars(rng, 3, string.digits)


# kind -> (family, generator, URL-safe). Formats as their vendors document them (gitleaks'
# and Betterleaks' rule files are a convenient index of those documents).
FORMATS: dict[str, tuple[str, Callable[[random.Random], str]]] = {
    "aws-access-key-id": ("vendor", _seq("AK" + "IA", (16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"))),
    "aws-sts-key-id": ("vendor", _seq("AS" + "IA", (16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"))),
    "github-pat": ("vendor", _seq("gh" + "p_", (36, ALNUM))),
    "github-oauth": ("vendor", _seq("gh" + "o_", (36, ALNUM))),
    "github-app-server": ("vendor", _seq("gh" + "s_", (36, ALNUM))),
    "github-app-user": ("vendor", _seq("gh" + "u_", (36, ALNUM))),
    "github-refresh": ("vendor", _seq("gh" + "r_", (36, ALNUM))),
    "github-fine-grained": ("vendor", _seq("github" + "_pat_", (22, ALNUM), "_", (59, ALNUM))),
    "gitlab-pat": ("vendor", _seq("gl" + "pat-", (20, WORD))),
    "gitlab-deploy": ("vendor", _seq("gl" + "dt-", (20, WORD))),
    "gitlab-runner": ("vendor", _seq("gl" + "rt-", (20, WORD))),
    "gitlab-trigger": ("vendor", _seq("gl" + "ptt-", (40, HEX))),
    "slack-bot": ("vendor", _slack_bot),
    "slack-user": ("vendor", _slack_user),
    "slack-app": ("vendor", _seq("xa" + "pp-1-A", (10, UPPER), "-", (13, string.digits), "-", (64, HEX))),
    "slack-webhook": ("vendor", _seq("https://hooks.sl" + "ack.com/services/T", (10, UPPER), "/B", (10, UPPER), "/",
                                     (24, ALNUM))),
    "stripe-secret": ("vendor", _seq("sk" + "_live_", (24, ALNUM))),
    "stripe-restricted": ("vendor", _seq("rk" + "_live_", (24, ALNUM))),
    "stripe-test": ("vendor", _seq("sk" + "_test_", (24, ALNUM))),
    "google-api-key": ("vendor", _seq("AI" + "za", (35, WORD))),
    "google-oauth-secret": ("vendor", _seq("GOC" + "SPX-", (28, WORD))),
    "google-oauth-token": ("vendor", _seq("ya" + "29.", (60, WORD))),
    "openai-project": ("vendor", _seq("sk" + "-proj-", (74, WORD), "T3Blbk" + "FJ", (74, WORD))),
    "openai-legacy": ("vendor", _seq("sk" + "-", (20, ALNUM), "T3Blbk" + "FJ", (20, ALNUM))),
    "openai-project-plain": ("vendor", _seq("sk" + "-proj-", (48, WORD))),
    "anthropic": ("vendor", _seq("sk" + "-ant-api03-", (93, WORD), "AA")),
    "anthropic-admin": ("vendor", _seq("sk" + "-ant-admin01-", (93, WORD), "AA")),
    "huggingface": ("vendor", _seq("hf" + "_", (34, string.ascii_letters))),
    "npm": ("vendor", _seq("np" + "m_", (36, ALNUM))),
    "pypi": ("vendor", _seq("pyp" + "i-AgEIcHlwaS5vcmc", (70, WORD))),
    "sendgrid": ("vendor", _seq("S" + "G.", (22, WORD), ".", (43, WORD))),
    "twilio-api-key": ("vendor", _seq("S" + "K", (32, HEX))),
    "mailgun": ("vendor", _seq("ke" + "y-", (32, HEX))),
    "mailchimp": ("vendor", _seq((32, HEX), "-us", (2, string.digits))),
    "digitalocean-pat": ("vendor", _seq("do" + "p_v1_", (64, HEX))),
    "digitalocean-oauth": ("vendor", _seq("do" + "o_v1_", (64, HEX))),
    "digitalocean-refresh": ("vendor", _seq("do" + "r_v1_", (64, HEX))),
    "shopify-access": ("vendor", _seq("shp" + "at_", (32, HEX))),
    "shopify-custom-app": ("vendor", _seq("shp" + "ca_", (32, HEX))),
    "shopify-private-app": ("vendor", _seq("shp" + "pa_", (32, HEX))),
    "shopify-shared-secret": ("vendor", _seq("shp" + "ss_", (32, HEX))),
    "vault-service": ("vendor", _seq("hv" + "s.CAESI", (91, WORD))),
    "vault-batch": ("vendor", _seq("hv" + "b.AAAAAQ", (140, WORD))),
    "docker-pat": ("vendor", _seq("dck" + "r_pat_", (27, WORD))),
    "grafana-service-account": ("vendor", _seq("gl" + "sa_", (32, ALNUM), "_", (8, HEX))),
    "grafana-cloud": ("vendor", _seq("gl" + "c_", (80, ALNUM), "==")),
    "doppler-personal": ("vendor", _seq("dp" + ".pt.", (43, ALNUM))),
    "doppler-service": ("vendor", _seq("dp" + ".st.", (43, ALNUM))),
    "databricks": ("vendor", _seq("da" + "pi", (32, HEX))),
    "atlassian": ("vendor", _seq("ATA" + "TT3", (186, WORD))),
    "linear": ("vendor", _seq("lin" + "_api_", (40, ALNUM))),
    "postman": ("vendor", _seq("PMA" + "K-", (24, HEX), "-", (34, HEX))),
    "pulumi": ("vendor", _seq("pu" + "l-", (40, HEX))),
    "terraform-cloud": ("vendor", _seq((14, string.ascii_lowercase + string.digits), ".atl" + "asv1.",
                                       (67, string.ascii_lowercase + string.digits))),
    "heroku": ("vendor", _seq("HRK" + "U-AA", (58, WORD))),
    "telegram-bot": ("vendor", _seq((10, string.digits), ":AA", (33, WORD))),
    "square-access": ("vendor", _seq("EAA" + "A", (60, WORD))),
    "square-secret": ("vendor", _seq("sq0" + "csp-", (43, WORD))),
    "figma": ("vendor", _seq("fig" + "d_", (40, WORD))),
    "netlify": ("vendor", _seq("nf" + "p_", (36, ALNUM))),
    "flyio": ("vendor", _seq("fo" + "1_", (43, WORD))),
    "sentry-user": ("vendor", _seq("sntr" + "yu_", (64, HEX))),
    "airtable-pat": ("vendor", _seq("pa" + "t", (14, ALNUM), ".", (64, HEX))),
    "age-secret-key": ("vendor", _seq("AGE-SE" + "CRET-KEY-1", (58, BECH32))),
    "dynatrace": ("vendor", _seq("dt0" + "c01.", (24, UPPER), ".", (64, UPPER))),
    "easypost": ("vendor", _seq("EZA" + "K", (54, ALNUM))),
    "flutterwave": ("vendor", _seq("FLWSE" + "CK_TEST-", (32, HEX), "-X")),
    "frameio": ("vendor", _seq("fio" + "-u-", (64, WORD))),
    "intra42": ("vendor", _seq("s-s4" + "t2ud-", (64, HEX))),
    "jfrog": ("vendor", _seq("AKC" + "p", (69, ALNUM))),
    "newrelic-user": ("vendor", _seq("NRA" + "K-", (27, UPPER))),
    "newrelic-insert": ("vendor", _seq("NRI" + "I-", (32, WORD))),
    "openshift": ("vendor", _seq("sha" + "256~", (43, WORD))),
    "planetscale-token": ("vendor", _seq("pscale" + "_tkn_", (43, WORD))),
    "planetscale-password": ("vendor", _seq("pscale" + "_pw_", (43, WORD))),
    "prefect": ("vendor", _seq("pn" + "u_", (36, ALNUM))),
    "readme": ("vendor", _seq("rd" + "me_", (70, string.ascii_lowercase + string.digits))),
    "rubygems": ("vendor", _seq("rubyge" + "ms_", (48, HEX))),
    "scalingo": ("vendor", _seq("tk-" + "us-", (48, WORD))),
    "brevo": ("vendor", _seq("xkey" + "sib-", (64, HEX), "-", (16, ALNUM))),
    "shippo": ("vendor", _seq("shippo" + "_live_", (40, HEX))),
    "sourcegraph": ("vendor", _seq("sg" + "p_", (40, HEX))),
    "typeform": ("vendor", _seq("tf" + "p_", (59, WORD))),
    "infracost": ("vendor", _seq("ic" + "o-", (32, ALNUM))),
    "supabase": ("vendor", _seq("sb" + "p_", (40, HEX))),
    "groq": ("vendor", _seq("gs" + "k_", (52, ALNUM))),
    "replicate": ("vendor", _seq("r" + "8_", (37, ALNUM))),
    "perplexity": ("vendor", _seq("ppl" + "x-", (48, ALNUM))),
    "xai": ("vendor", _seq("xa" + "i-", (80, ALNUM))),
    "octopus-deploy": ("vendor", _seq("AP" + "I-", (26, UPPER))),
    "nuget": ("vendor", _seq("oy" + "2", (43, string.ascii_lowercase + string.digits))),
    "alibaba": ("vendor", _seq("LTA" + "I", (20, ALNUM))),
    "contentful": ("vendor", _seq("CFPA" + "T-", (43, WORD))),
    "clojars": ("vendor", _seq("CLOJA" + "RS_", (60, string.ascii_lowercase + string.digits))),
    "duffel": ("vendor", _seq("duffel" + "_test_", (43, WORD))),
    "harness": ("vendor", _seq("pa" + "t.", (22, ALNUM), ".", (24, HEX), ".", (20, ALNUM))),
    "teams-webhook": ("vendor", _teams_webhook),
    "discord-webhook": ("vendor", _seq("https://discord.com/api/web" + "hooks/", (18, string.digits), "/", (68, WORD))),
    "azure-storage": ("vendor", _azure_storage),
    "jwt": ("vendor", _jwt),
    "private-key-rsa": ("vendor", _pem("RSA " + "PRIVATE KEY")),
    "private-key-ec": ("vendor", _pem("EC " + "PRIVATE KEY")),
    "private-key-openssh": ("vendor", _pem("OPENSSH " + "PRIVATE KEY")),
    "private-key-pkcs8": ("vendor", _pem("PRIVATE " + "KEY")),
    "private-key-pgp": ("vendor", _pem("PGP PRIVATE " + "KEY BLOCK")),
    "hex-24": ("shape", _seq((24, HEX))),
    "hex-32": ("shape", _seq((32, HEX))),
    "hex-40": ("shape", _seq((40, HEX))),
    "hex-64": ("shape", _seq((64, HEX))),
    "base64-40": ("shape", _seq((40, B64))),
    "base64url-48": ("shape", _seq((48, WORD))),
    "password-word-digits": ("generic", _password),
    "password-symbols": ("generic", _complex_password),
    "password-slash-colon": ("generic", _slash_password),
    "short-token": ("generic", _seq((10, ALNUM))),
    "uuid-key": ("generic", _uuid),
}

URL_SAFE = frozenset(ALNUM + "-._~")

# name -> (template, labelled). `{s}` is the secret.
CONTEXTS: dict[str, tuple[str, bool]] = {
    "assignment": ('API_KEY = "{s}"', True),
    "annotated": ('api_key: str = "{s}"', True),
    "attribute": ("self.secret = '{s}'", True),
    "dict-value": ('config = {{"token": "{s}"}}', True),
    "dict-multiline": ('settings = {{\n    "user": "ada",\n    "password": "{s}",\n}}', True),
    "keyword-argument": ('client = Client(api_key="{s}")', True),
    "environ-subscript": ('os.environ["DB_PASSWORD"] = "{s}"', True),
    "environ-setdefault": ('os.environ.setdefault("API_KEY", "{s}")', True),
    "getenv-default": ('key = os.getenv("SERVICE_TOKEN", "{s}")', True),
    "authorization-bearer": ('headers = {{"Authorization": "Bearer {s}"}}', True),
    "auth-tuple": ('r = requests.get(url, auth=("admin", "{s}"))', True),
    "tuple-unpacking": ('user, password = "admin", "{s}"', True),
    "login-call": ('server.login("ada@example.com", "{s}")', True),
    "comment-labelled": ("# api key: {s}", True),
    "url-key": ('url = "https://api.example.com/v1/data?key={s}&q=1"', True),
    "url-apikey": ('url = f"https://api.example.com/v1/data?q={{query}}&apikey={s}"', True),
    "connection-string": ('DATABASE_URL = "postgresql://ada:{s}@db.example.com:5432/app"', True),
    "name-db_pass": ('db_pass = "{s}"', True),
    "name-pw": ('pw = "{s}"', True),
    "name-x_key": ('openweather_key = "{s}"', True),
    "env-file": ("SECRET_TOKEN={s}", True),
    "yaml": ("client_secret: {s}", True),
    "neutral-name": ('value = "{s}"', False),
    "print": ('print("{s}")', False),
    "list-item": ('items = ["a", "{s}"]', False),
    "comment-bare": ("# {s}", False),
    "f-string": ('message = f"using {s} for {{user}}"', False),
    "docstring": ('"""Example:\n\n    {s}\n"""', False),
}

MULTILINE_CONTEXTS = {"triple-quoted": 'KEY = """{s}"""', "bare-text": "{s}"}


@dataclass(frozen=True)
class Case:
    kind: str
    family: str
    context: str
    labelled: bool
    text: str
    secret: str

    @property
    def must_redact(self) -> bool:
        return self.family != "generic" or self.labelled


def samples() -> dict[str, list[str]]:
    rng = random.Random(20261201)
    return {kind: [make(rng) for _ in range(SAMPLES)] for kind, (_, make) in FORMATS.items()}


def _fits(secret: str, context: str) -> bool:
    if context in ("url-key", "url-apikey"):
        return set(secret) <= URL_SAFE
    if context == "connection-string":
        return "@" not in secret and not set(secret) & set(" \t\"'")
    if context in ("env-file", "yaml"):
        return not secret.startswith(("{", "$", "%", "<", "#"))
    if context == "f-string":
        return "{" not in secret and "}" not in secret
    return True


def cases() -> Iterator[Case]:
    for kind, values in samples().items():
        family = FORMATS[kind][0]
        for secret in values:
            if "\n" in secret:
                for context, template in MULTILINE_CONTEXTS.items():
                    yield Case(kind, family, context, False, template.format(s=secret), secret)
                continue
            for context, (template, labelled) in CONTEXTS.items():
                if _fits(secret, context):
                    yield Case(kind, family, context, labelled, template.format(s=secret), secret)


def leaked(secret: str, redacted: str) -> bool:
    """Whether any telling part of `secret` survived: the whole value, or for a private key
    block any of its body lines."""
    if "\n" in secret:
        return any(len(line) >= 16 and line in redacted for line in secret.splitlines()[1:-1])
    return secret in redacted
