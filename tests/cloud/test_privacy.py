"""Secrets are redacted before any cloud call; excluded files are never candidates."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from codecoach.privacy import DEFAULT_EXCLUDES, is_excluded, redact, shannon_entropy

from .secrets_corpus import SECRETS, program_with_secrets


@pytest.mark.parametrize("name", sorted(SECRETS))
def test_every_secret_format_is_redacted(name: str) -> None:
    text, secret = SECRETS[name]
    out, count = redact(text)
    assert secret not in out, out
    assert count >= 1
    assert "<REDACTED:" in out


def test_a_whole_program_keeps_its_lines_and_loses_its_secrets() -> None:
    program = program_with_secrets()
    out, count = redact(program)
    for name, (_, secret) in SECRETS.items():
        assert secret not in out, name
    assert out.count("\n") == program.count("\n")
    assert count >= len(SECRETS) - 3  # some lines hold the same secret twice or share one
    # The code around the secrets survives for the model to read.
    assert "for i in range(len(url)):" in out and "return total" in out


def test_private_key_blocks_are_replaced_whole_but_a_bare_header_constant_is_not() -> None:
    text, secret = SECRETS["pem-rsa"]
    out, _ = redact(text + "\nprint('after')\n")
    assert "PRIVATE" not in out and secret not in out and "print('after')" in out
    header = "-" * 5 + "BEGIN OPENSSH " + "PRIVATE KEY" + "-" * 5
    constant = f'_START = b"{header}"\n'
    assert redact(constant) == (constant, 0)


ORDINARY_CODE = [
    'secret = random.randint(1, 100)',
    'secret_word = "python"',
    'password = input("Password: ")',
    'if password == secret_password:',
    'print("Your password: " + pw + " is too short")',
    'token = tokens[0]',
    'token = "("',
    'tokens = line.split()',
    'def check(api_key: str, token: str | None = None) -> bool:',
    'API_KEY = os.environ["GOOGLE_API_KEY"]',
    'PASSWORD = os.getenv("DB_PASSWORD")',
    'url = f"postgres://{user}:{password}@{host}/db"',
    'def calculate_average_of_numbers_in_list_2(numbers_list):',
    'ISO_8859_9_TURKISH_CHAR_TO_ORDER = {}',
    'result = some_function_with_a_long_name_v2(argument_number_1, argument_number_2)',
    'assert sha_hash == expected, "mismatch"',
    '"""Authentication with a Bearer token is covered in chapter 5."""',
    'AUTH_HEADER = "Authorization"',
    'x = "https://docs.python.org/3/library/functions.html#func-range"',
    'matrix = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]',
]


@pytest.mark.parametrize("line", ORDINARY_CODE)
def test_ordinary_novice_code_is_left_alone(line: str) -> None:
    assert redact(line) == (line, 0)


def test_real_buggy_programs_are_not_redacted() -> None:
    # Beside the repository (CI, /work/main) or where CODECOACH_CORPORA says (a git worktree).
    root = Path(os.environ.get("CODECOACH_CORPORA", Path(__file__).resolve().parents[3] / "shared" / "corpora"))
    files = sorted(root.glob("**/*.py"))
    if not files:
        pytest.skip("shared corpora not available")
    changed = [f for f in files if redact(f.read_text(errors="replace"))[1]]
    assert len(changed) <= len(files) // 200, changed[:5]  # near zero: 0 of 480 when measured


def test_entropy_is_bits_per_character() -> None:
    assert shannon_entropy("") == 0.0
    assert shannon_entropy("aaaa") == 0.0
    assert shannon_entropy("abcd") == pytest.approx(2.0)


@pytest.mark.parametrize("path", [
    "/w/.env", "/w/.env.local", "C:\\work\\.ENV", "/w/my_secret_notes.py", "/w/config/secrets.py",
    "/w/certs/server.pem", "/w/id.key", "file:///home/ada/proj/.env.production", "/w/secrets/app.py",
    "/home/ada/.ssh/id_rsa", "/w/aws_credentials.txt",
])
def test_secret_files_are_excluded(path: str) -> None:
    assert is_excluded(path)


@pytest.mark.parametrize("path", ["/w/main.py", "/w/environment.py", "/w/keyboard.py", "file:///w/envelope.py"])
def test_ordinary_files_are_not_excluded(path: str) -> None:
    assert not is_excluded(path)


def test_user_globs_add_to_the_defaults() -> None:
    assert ".env*" in DEFAULT_EXCLUDES
    assert not is_excluded("/w/homework/task1.py")
    assert is_excluded("/w/homework/task1.py", ["**/homework/**"])
    assert is_excluded("homework/task1.py", ["**/homework/**"])
    assert is_excluded("/w/private_draft.py", ["private_*"])
    assert is_excluded("/w/exam/q.py", ["*/exam/*"])
    assert not is_excluded("/w/main.py", ["", "  "])
