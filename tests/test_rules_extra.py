"""Cross-rule checks: a realistic correct program stays clean; facts that rules rely on."""

from __future__ import annotations

import ast

from codecoach.analysis.engine import Analyzer
from codecoach.analysis.rules import ModuleFacts

# A beginner-style program that is correct, full of shapes that look like the mistakes.
CORRECT_PROGRAM = 'import random\n\ndef get_number(prompt):\n    while True:\n        text = input(prompt)\n        try:\n            return int(text)\n        except ValueError:\n            print("Please type a number")\n\ndef average(values):\n    if not values:\n        return 0\n    return sum(values) / len(values)\n\ndef median(values):\n    s = sorted(values)\n    n = len(s)\n    if n % 2 == 1:\n        return s[n // 2]\n    return (s[n // 2 - 1] + s[n // 2]) / 2\n\ndef pairs(a):\n    out = []\n    for i in range(len(a) - 1):\n        out.append((a[i], a[i + 1]))\n    return out\n\ndef is_sorted(a):\n    for i in range(1, len(a)):\n        if a[i - 1] > a[i]:\n            return False\n    return True\n\ndef count_words(text):\n    counts = {}\n    for word in text.split():\n        word = word.strip(".,").lower()\n        counts[word] = counts.get(word, 0) + 1\n    return counts\n\ndef fib(n, memo={}):\n    if n in memo:\n        return memo[n]\n    if n < 2:\n        return n\n    memo[n] = fib(n - 1) + fib(n - 2)\n    return memo[n]\n\ndef guess_game():\n    secret = random.randint(1, 10)\n    tries = 0\n    guess = None\n    while guess != secret:\n        guess = get_number("Guess: ")\n        tries += 1\n    print(f"Found in {tries} tries")\n\ndef binary_search(a, x):\n    lo, hi = 0, len(a) - 1\n    while lo <= hi:\n        mid = (lo + hi) // 2\n        if a[mid] == x:\n            return mid\n        elif a[mid] < x:\n            lo = mid + 1\n        else:\n            hi = mid - 1\n    return -1\n\ndef grade(score):\n    if score >= 90:\n        letter = "A"\n    elif score >= 80:\n        letter = "B"\n    else:\n        letter = "C"\n    return letter\n\ndef remove_negatives(nums):\n    return [n for n in nums if n >= 0]\n\ndef clean(d):\n    for k in list(d):\n        if d[k] is None:\n            del d[k]\n\nclass Stack:\n    def __init__(self):\n        self.items = []\n    def push(self, x):\n        self.items.append(x)\n    def pop(self):\n        return self.items.pop()\n    def __str__(self):\n        return "Stack({})".format(self.items)\n\nname = input("Name: ")\nage = int(input("Age: "))\nprint("Hello " + name + ", next year you will be " + str(age + 1))\nprint(f"{name} is {age}")\ntemplate = "Dear {name}"\nprint(template.format(name=name))\nif age > 18:\n    status = "adult"\nelse:\n    status = "minor"\nprint(status)\nn = len(name)\nprint(name[n // 2])\nwords = name.split()\nwords.sort()\ntotal = 0\ni = 0\nwhile i < len(words):\n    total += len(words[i])\n    i += 1\nfor w in words[:]:\n    if not w:\n        words.remove(w)\ntry:\n    f = open("x.txt")\nexcept FileNotFoundError:\n    f = None\n'


def test_correct_program_gets_no_findings():
    findings = Analyzer().analyze(CORRECT_PROGRAM).findings
    assert [(f.rule_id, f.span.start.line + 1, f.message) for f in findings] == []


def test_valueless_functions_ignore_stubs_overloads_async_and_redefinitions():
    facts = ModuleFacts(ast.parse(
        "from typing import overload\n"
        "@overload\ndef f(x: int) -> int: ...\n"
        "def f(x):\n    return x\n"
        "async def g():\n    pass\n"
        "def h():\n    print(1)\n"
        "def h():\n    return 2\n"
        "def todo():\n    ...\n"
        "def show():\n    print('x')\n"
    ))
    assert facts.valueless_functions == {"show"}
    assert facts.printing_functions == {"show"}


def test_module_level_one_path_name_is_reported_once_at_first_use():
    code = "import random\nif random.random() > 0.5:\n    x = 1\nprint(x)\nprint(x + 1)\n"
    hits = [f for f in Analyzer().analyze(code).findings if f.rule_id == "CC403"]
    assert [(f.span.start.line, f.span.start.column) for f in hits] == [(3, 6)]


def test_editing_elsewhere_keeps_module_level_finding():
    analyzer = Analyzer()
    code = "import random\nif random.random() > 0.5:\n    x = 1\nprint(x)\n"
    first = [f.rule_id for f in analyzer.analyze(code).findings]
    again = [f.rule_id for f in analyzer.analyze("y = 2\n" + code).findings]
    assert "CC403" in first and "CC403" in again
