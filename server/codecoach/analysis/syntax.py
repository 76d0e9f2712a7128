"""Friendly explanations for syntax errors whose Python message is cryptic.

Python's own message stays visible (it is accurate); the coach adds the idea
behind it and a hint, in words a beginner can act on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .findings import Explanation, Finding, Position, Severity, Source, Span
from .markup import escape_text
from .rules.base import PY_DOCS

REFERENCE = f"{PY_DOCS}/reference"
TUTORIAL = f"{PY_DOCS}/tutorial"


@dataclass(frozen=True)
class SyntaxPattern:
    id: str
    name: str
    pattern: re.Pattern[str]
    message: str
    why: str
    idea: str
    hint: str
    docs_url: str
    # Broken code that must get this explanation (tests and docs).
    bad: tuple[str, ...] = ()


def _p(regex: str) -> re.Pattern[str]:
    return re.compile(regex, re.IGNORECASE)


PATTERNS: tuple[SyntaxPattern, ...] = (
    SyntaxPattern(
        "CC001", "assignment-in-condition",
        _p(r"maybe you meant '==' or ':=' instead of '='|cannot assign to .* maybe you meant '=='"),
        "`=` stores a value; to compare two values use `==`",
        "A single `=` means 'make this name refer to that value'. Inside an `if` or `while` "
        "Python expects a question with a yes/no answer, and an assignment is not a question.",
        "Python keeps two symbols apart on purpose: `=` binds a name, `==` asks whether two "
        "values are equal. Confusing them is one of the most common beginner slips in any language.",
        "Look at the condition Python pointed to: are you asking a question there, or storing a value?",
        f"{REFERENCE}/expressions.html#comparisons",
        ("if answer = 42:\n    print('yes')\n",),
    ),
    SyntaxPattern(
        "CC002", "missing-colon",
        _p(r"^expected ':'"),
        "This line needs a `:` at the end to start its block",
        "Lines that open a block (`if`, `elif`, `else`, `for`, `while`, `def`, `class`, `try`, "
        "`with`) must end with a colon. Without it Python cannot tell where the header ends "
        "and the indented body begins.",
        "A colon plus indentation is how Python groups statements: the colon says 'a block "
        "follows', the indentation says which lines belong to it.",
        "Check the end of the line Python highlighted, and the header line just above it.",
        f"{TUTORIAL}/controlflow.html#if-statements",
        ("for i in range(3)\n    print(i)\n",),
    ),
    SyntaxPattern(
        "CC003", "print-statement",
        _p(r"missing parentheses in call to 'print'"),
        "`print` is a function in Python 3: call it with parentheses",
        "Python 2 had a `print` statement; Python 3 made it an ordinary function, so the "
        "values to print go inside `( )` like any other function call.",
        "Calling a function always uses parentheses, even when it gets no arguments.",
        "Wrap everything after the word `print` in parentheses.",
        f"{PY_DOCS}/library/functions.html#print",
        ("print 'hello'\n",),
    ),
    SyntaxPattern(
        "CC004", "unclosed-bracket",
        _p(r"was never closed|unmatched|does not match opening parenthesis|unexpected eof"),
        "A bracket is opened but never closed (or closed without being opened)",
        "Every `(`, `[` and `{` needs a matching `)`, `]` and `}`. When one is missing Python "
        "keeps reading the following lines as part of the same expression, so the error may "
        "be reported later than the real mistake.",
        "Brackets nest like boxes inside boxes: each box must be closed before its outer box.",
        "Count the opening and closing brackets on the highlighted line; the culprit is often "
        "the line *above* where Python complains.",
        f"{REFERENCE}/lexical_analysis.html#implicit-line-joining",
        ("total = (1 + 2\nprint(total)\n",),
    ),
    SyntaxPattern(
        "CC005", "unterminated-string",
        _p(r"unterminated (triple-quoted )?string|eol while scanning|eof while scanning"),
        "This string is missing its closing quote",
        "A string starts at a quote and ends at the next matching quote. Without the closing "
        "quote Python reads the rest of the line (or file) as text.",
        "Strings can use `'` or `\"`, but must end with the same kind they started with. To put "
        "a quote inside a string, use the other kind around it, or escape it with `\\`.",
        "Find where this string starts and make sure the same quote character ends it.",
        f"{TUTORIAL}/introduction.html#text",
        ("name = 'Ada\n",),
    ),
    SyntaxPattern(
        "CC006", "indentation",
        _p(r"indent|unindent|inconsistent use of tabs"),
        "The indentation here does not match the block structure",
        "Python uses indentation to know which lines belong to an `if`, a loop or a function. "
        "A block must be indented after a line ending in `:`, and every line of the same block "
        "must start at exactly the same column.",
        "Indentation is syntax in Python, not decoration: it replaces the braces of other languages.",
        "Use 4 spaces per level and never mix tabs and spaces; line this statement up with the "
        "others in its block.",
        f"{REFERENCE}/lexical_analysis.html#indentation",
        ("if ready:\nprint('go')\n",),
    ),
    SyntaxPattern(
        "CC007", "smart-quote-or-odd-character",
        _p(r"invalid character|invalid non-printable character"),
        "This character is not allowed in Python code here",
        "Code copied from a document or a web page often contains ‘curly’ quotes, long dashes "
        "or invisible characters that look right but are different characters to Python.",
        "Python source is plain text: quotes must be the straight `'` and `\"` from the keyboard.",
        "Retype the highlighted character (and the quotes around it) by hand.",
        f"{REFERENCE}/lexical_analysis.html#string-and-bytes-literals",
        ("greeting = \u201chello\u201d\n",),
    ),
    SyntaxPattern(
        "CC008", "missing-comma",
        _p(r"perhaps you forgot a comma"),
        "Two values sit side by side without a comma between them",
        "Inside a call, a list or a tuple, values must be separated by commas. Two values next "
        "to each other mean nothing to Python.",
        "Commas separate the items of a collection and the arguments of a call.",
        "Look between the items Python highlighted: one of them is missing a `,`.",
        f"{TUTORIAL}/introduction.html#lists",
        ("scores = [90, 85 77]\n",),
    ),
    SyntaxPattern(
        "CC009", "invalid-name",
        _p(r"invalid decimal literal|cannot assign to (keyword|literal|true|false|none)"),
        "A name here starts with a digit or is one of Python's keywords",
        "Names may contain letters, digits and `_` but cannot start with a digit, and Python's "
        "keywords (`class`, `def`, `if`, `for`, `else`, ...) cannot be used as names. "
        "`else if` is also not Python: it is spelled `elif`.",
        "The parser reads code token by token; a word it cannot fit into any statement stops it.",
        "Check the highlighted word: is it a keyword, does it start with a digit, or is a "
        "word or symbol missing just before it?",
        f"{REFERENCE}/lexical_analysis.html#identifiers",
        ("2nd_place = 'Bob'\n", "True = 1\n"),
    ),
)

GENERIC = SyntaxPattern(
    "CC010", "syntax-error",
    _p(r".*"),
    "Python cannot read this line",
    "Python checks that the whole file is valid before running any of it, so one syntax "
    "error stops the program from starting at all.",
    "Syntax is the grammar of the language: the shape statements must have.",
    "Read Python's own message below and look at the highlighted spot and the line above it.",
    f"{TUTORIAL}/errors.html#syntax-errors",
)

ALL_PATTERNS = PATTERNS + (GENERIC,)


def classify(message: str) -> SyntaxPattern:
    for pattern in PATTERNS:
        if pattern.pattern.search(message):
            return pattern
    return GENERIC


def syntax_finding(error: SyntaxError | ValueError, lines: list[str]) -> Finding:
    """A finding at the spot Python reported, explained for a novice."""
    message = getattr(error, "msg", None) or str(error)
    pattern = classify(message)
    line = max((getattr(error, "lineno", None) or 1) - 1, 0)
    line = min(line, max(len(lines) - 1, 0))
    text = lines[line].rstrip("\r\n") if lines else ""
    col = min(max((getattr(error, "offset", None) or 1) - 1, 0), len(text))
    end_col = len(text) if col >= len(text) else len(text)
    if col == len(text) and col > 0:
        col -= 1  # point at the last character rather than past the line
    span = Span(Position(line, col), Position(line, max(end_col, col + 1)))
    return Finding(
        rule_id=pattern.id,
        span=span,
        severity=Severity.ERROR,
        message=pattern.message,
        explanation=Explanation(pattern.why, pattern.idea, pattern.hint, pattern.docs_url),
        concepts=("syntax",),
        source=Source.SYNTAX,
        detail=f"Python says: {escape_text(message)}",
    )

