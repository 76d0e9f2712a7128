"""A corpus of secret formats, built at run time from pieces.

No secret-shaped literal sits in the repository (a hook greps tracked files for
key formats): every value is assembled here by concatenation from a seeded
random generator, so the values are obviously fake yet have the real shapes.
`SECRETS` maps a name to (text as it would appear in code, the secret value that
must never leave the machine).
"""

from __future__ import annotations

import base64
import json
import random
import string

_rng = random.Random(20240601)
ALNUM = string.ascii_letters + string.digits


def chars(n: int, alphabet: str = ALNUM) -> str:
    return "".join(_rng.choice(alphabet) for _ in range(n))


def _b64url(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _pem(kind: str) -> tuple[str, str]:
    body = "\n".join(chars(64, ALNUM + "+/") for _ in range(5))
    dashes = "-" * 5
    label = (kind + " " if kind else "") + "PRIVATE" + " KEY"
    block = f"{dashes}BEGIN {label}{dashes}\n{body}\n{dashes}END {label}{dashes}"
    return block, body.splitlines()[2]


def build() -> dict[str, tuple[str, str]]:
    google = "AI" + "za" + "Sy" + chars(33, ALNUM + "_-")
    openai = "sk" + "-" + "proj-" + chars(48, ALNUM + "_-")
    openai_legacy = "sk" + "-" + chars(48)
    anthropic = "sk" + "-ant-" + "api03-" + chars(93, ALNUM + "_-") + "AA"
    github = "gh" + "p_" + chars(36)
    github_oauth = "gh" + "o_" + chars(36)
    github_pat = "github" + "_pat_" + chars(22) + "_" + chars(59)
    slack_bot = "xo" + "xb-" + chars(12, string.digits) + "-" + chars(13, string.digits) + "-" + chars(24)
    slack_user = "xo" + "xp-" + chars(12, string.digits) + "-" + chars(12, string.digits) + "-" + chars(32, "abcdef0123456789")
    aws_id = "AK" + "IA" + chars(16, string.ascii_uppercase + string.digits)
    aws_secret = chars(40, ALNUM + "/+")
    stripe = "sk" + "_live_" + chars(24)
    jwt = "ey" + _b64url({"alg": "HS256", "typ": "JWT"})[2:] + "." + _b64url({"sub": "1234567890", "name": "Ada", "iat": 1516239022}) + "." + chars(43, ALNUM + "_-")
    bearer = chars(40, ALNUM + "._-")
    password = "Tr0ub4dor&3" + chars(4)
    db_password = "pg" + chars(12)
    yaml_secret = "ys" + chars(20)
    env_pass = "envpw" + chars(10)
    token_value = chars(32)
    hex_key = chars(64, "0123456789abcdef")
    b64_blob = chars(44, ALNUM + "+/")
    pem_rsa, pem_rsa_line = _pem("RSA")
    pem_plain, pem_plain_line = _pem("")
    pem_openssh, pem_openssh_line = _pem("OPENSSH")
    return {
        "google": (f'GOOGLE_API_KEY = "{google}"', google),
        "google-bare": (f"genai.configure(api_key={google!r})", google),
        "openai": (f'client = OpenAI(api_key="{openai}")', openai),
        "openai-legacy": (f"openai.api_key = '{openai_legacy}'", openai_legacy),
        "anthropic": (f'anthropic_client = Anthropic(api_key="{anthropic}")', anthropic),
        "github": (f'headers = {{"Authorization": "token {github}"}}', github),
        "github-oauth": (f"GH_TOKEN={github_oauth}", github_oauth),
        "github-pat": (f'gh = Github("{github_pat}")', github_pat),
        "slack-bot": (f'slack = WebClient(token="{slack_bot}")', slack_bot),
        "slack-user": (f"SLACK={slack_user}", slack_user),
        "aws-id": (f'aws_access_key_id = "{aws_id}"', aws_id),
        "aws-secret": (f'aws_secret_access_key = "{aws_secret}"', aws_secret),
        "aws-secret-env": (f"AWS_SECRET_ACCESS_KEY={aws_secret}", aws_secret),
        "stripe": (f"stripe.api_key = '{stripe}'", stripe),
        "jwt": (f'resp = get(url, cookies={{"session": "{jwt}"}})', jwt),
        "bearer": (f'headers = {{"Authorization": "Bearer {bearer}"}}', bearer),
        "password": (f'password = "{password}"', password),
        "password-kw": (f'db = connect(user="ada", password="{password}")', password),
        "password-dict": (f'config = {{"password": "{password}"}}', password),
        "password-annotated": (f'PASSWORD: str = "{password}"', password),
        "passwd-env": (f"PASSWD={env_pass}", env_pass),
        "token-single": (f"token = '{token_value}'", token_value),
        "secret-yaml": (f"client_secret: {yaml_secret}", yaml_secret),
        "connection": (f'DATABASE_URL = "postgresql://ada:{db_password}@db.example.com:5432/app"', db_password),
        "connection-mongo": (f"uri = 'mongodb+srv://ada:{db_password}@cluster0.example.net/test'", db_password),
        "query-password": (f'url = "https://example.com/login?user=ada&password={db_password}"', db_password),
        "hex-key": (f'SIGNING = "{hex_key}"', hex_key),
        "b64-blob": (f'blob = "{b64_blob}"', b64_blob),
        "pem-rsa": (f'KEY = """{pem_rsa}"""', pem_rsa_line),
        "pem-plain": (pem_plain, pem_plain_line),
        "pem-openssh": (pem_openssh, pem_openssh_line),
    }


SECRETS = build()


def program_with_secrets() -> str:
    """A learner's file with every secret of the corpus somewhere in its functions."""
    body = [
        "import requests",
        "",
        "",
        "def fetch(url):",
    ]
    for text, _ in SECRETS.values():
        for line in text.splitlines():
            body.append("    " + line if not line.startswith("-----") else line)
    body += [
        "    total = 0",
        "    for i in range(len(url)):",
        "        total += i",
        "    return total",
        "",
    ]
    return "\n".join(body)
