"""A curated, offline catalogue of free learning material per concept.

Each entry says in one line why it helps with that concept. Sources are the
official Python tutorial, library reference and PEPs, plus a few well-known
free books and exercise tracks. Rules point here through their concept.
"""

from __future__ import annotations

from dataclasses import dataclass

DOCS = "https://docs.python.org/3"


@dataclass(frozen=True)
class Resource:
    id: str
    title: str
    url: str
    why: str


def _r(id: str, title: str, url: str, why: str) -> Resource:
    return Resource(id, title, url, why)


CATALOGUE: dict[str, tuple[Resource, ...]] = {
    "basics": (
        _r("tut-intro", "Tutorial: An Informal Introduction to Python", f"{DOCS}/tutorial/introduction.html",
           "Names, numbers and strings as Python sees them: the ground every other concept stands on."),
        _r("ttp-variables", "Think Python, ch. 2: Variables, Expressions and Statements",
           "https://allendowney.github.io/ThinkPython/chap02.html",
           "Explains what assignment really does, with state diagrams you can redraw on paper."),
    ),
    "names": (
        _r("ref-naming", "Naming and binding", f"{DOCS}/reference/executionmodel.html#naming-and-binding",
           "How Python decides which thing a name refers to, and why built-ins can be hidden."),
        _r("lib-builtins", "Built-in functions", f"{DOCS}/library/functions.html",
           "The list of names Python gives you for free: worth knowing so you don't reuse them."),
    ),
    "scope": (
        _r("faq-unbound", "FAQ: Why am I getting an UnboundLocalError?",
           f"{DOCS}/faq/programming.html#why-am-i-getting-an-unboundlocalerror-when-the-variable-has-a-value",
           "The exact surprise behind 'local variable referenced before assignment', explained in a few lines."),
        _r("tut-scopes", "Tutorial: Python Scopes and Namespaces", f"{DOCS}/tutorial/classes.html#python-scopes-and-namespaces",
           "Local, enclosing, global and built-in scopes with a short worked example."),
    ),
    "comparisons": (
        _r("ref-comparisons", "Comparisons", f"{DOCS}/reference/expressions.html#comparisons",
           "The difference between value comparison (==) and identity (is), straight from the language reference."),
        _r("tut-conditions", "Tutorial: More on Conditions", f"{DOCS}/tutorial/datastructures.html#more-on-conditions",
           "Chained comparisons, `in`, and how `and`/`or` combine conditions."),
    ),
    "bools": (
        _r("lib-truth", "Truth Value Testing", f"{DOCS}/library/stdtypes.html#truth-value-testing",
           "Which values count as true or false in an `if` — the key to reading `or` conditions correctly."),
        _r("ref-boolean", "Boolean operations", f"{DOCS}/reference/expressions.html#boolean-operations",
           "What `x or y` actually returns, and why `x == 'a' or 'b'` is always true."),
    ),
    "none": (
        _r("pep8-none", "PEP 8: Programming Recommendations", "https://peps.python.org/pep-0008/#programming-recommendations",
           "Why comparisons to None use `is`, and other small habits that prevent bugs."),
        _r("lib-none", "The None object", f"{DOCS}/library/constants.html#None",
           "What None is and where it comes from (for example, functions without `return`)."),
    ),
    "conditionals": (
        _r("tut-if", "Tutorial: if Statements", f"{DOCS}/tutorial/controlflow.html#if-statements",
           "if / elif / else in one page, with the colon and indentation rules."),
        _r("ttp-conditionals", "Think Python, ch. 5: Conditionals and Recursion",
           "https://allendowney.github.io/ThinkPython/chap05.html",
           "Builds conditions step by step and shows the classic mistakes with them."),
    ),
    "loops": (
        _r("tut-for", "Tutorial: for Statements", f"{DOCS}/tutorial/controlflow.html#for-statements",
           "How `for` walks over a sequence, and why changing that sequence inside the loop goes wrong."),
        _r("tut-break", "Tutorial: break and continue, and else on loops",
           f"{DOCS}/tutorial/controlflow.html#break-and-continue-statements-and-else-clauses-on-loops",
           "The right tools to leave a loop early instead of returning on the first pass."),
        _r("exercism-loops", "Exercism Python track: Loops", "https://exercism.org/tracks/python/concepts/loops",
           "Short explanations plus practice exercises with mentoring, free."),
    ),
    "while-loops": (
        _r("ref-while", "The while statement", f"{DOCS}/reference/compound_stmts.html#the-while-statement",
           "When the condition is checked, and what must change inside the loop for it to end."),
        _r("ttp-iteration", "Think Python, ch. 7: Iteration", "https://allendowney.github.io/ThinkPython/chap07.html",
           "Walks through while loops, loop variables and how to make sure a loop terminates."),
    ),
    "iteration": (
        _r("tut-range", "Tutorial: The range() Function", f"{DOCS}/tutorial/controlflow.html#the-range-function",
           "Exactly which numbers range(n) produces — the usual source of off-by-one errors."),
        _r("lib-enumerate", "enumerate()", f"{DOCS}/library/functions.html#enumerate",
           "Gives you index and item together, so you rarely need range(len(...))."),
    ),
    "lists": (
        _r("tut-lists", "Tutorial: More on Lists", f"{DOCS}/tutorial/datastructures.html#more-on-lists",
           "The list methods, which of them change the list in place, and which return a new value."),
        _r("exercism-lists", "Exercism Python track: Lists", "https://exercism.org/tracks/python/concepts/lists",
           "Practice with indexing, slicing and copying lists."),
    ),
    "list-methods": (
        _r("tut-list-methods", "Tutorial: More on Lists", f"{DOCS}/tutorial/datastructures.html#more-on-lists",
           "Every list method in one table: note which ones return None because they change the list."),
        _r("howto-sorting", "Sorting Techniques", f"{DOCS}/howto/sorting.html",
           "sort() versus sorted(): changing a list versus getting a new one."),
    ),
    "tuples": (
        _r("tut-tuples", "Tutorial: Tuples and Sequences", f"{DOCS}/tutorial/datastructures.html#tuples-and-sequences",
           "Tuples, packing and unpacking, and why they cannot be changed."),
    ),
    "dicts": (
        _r("tut-dicts", "Tutorial: Dictionaries", f"{DOCS}/tutorial/datastructures.html#dictionaries",
           "Keys, values and looping over a dictionary safely."),
        _r("lib-dict", "Mapping Types — dict", f"{DOCS}/library/stdtypes.html#mapping-types-dict",
           "The full dict reference, including views and why a dict must not change size while you loop over it."),
    ),
    "dict-methods": (
        _r("lib-dict-methods", "dict methods", f"{DOCS}/library/stdtypes.html#dict",
           "get, setdefault, items, pop: the methods that make dictionary code short and safe."),
    ),
    "sets": (
        _r("tut-sets", "Tutorial: Sets", f"{DOCS}/tutorial/datastructures.html#sets",
           "Membership tests and removing duplicates with sets."),
    ),
    "strings": (
        _r("tut-text", "Tutorial: Text", f"{DOCS}/tutorial/introduction.html#text",
           "Strings are immutable: every string method returns a new string."),
        _r("lib-input", "input()", f"{DOCS}/library/functions.html#input",
           "input() always returns text — convert it with int() or float() before doing arithmetic."),
    ),
    "string-methods": (
        _r("lib-str-methods", "String Methods", f"{DOCS}/library/stdtypes.html#string-methods",
           "Every str method returns a new string; none of them changes the original."),
    ),
    "string-formatting": (
        _r("tut-fstrings", "Tutorial: Formatted String Literals", f"{DOCS}/tutorial/inputoutput.html#formatted-string-literals",
           "f-strings: the f prefix and {braces} that turn names into text."),
    ),
    "numbers": (
        _r("tut-numbers", "Tutorial: Numbers", f"{DOCS}/tutorial/introduction.html#numbers",
           "/ versus // versus %: division that gives floats, whole numbers and remainders."),
        _r("tut-float", "Floating-Point Arithmetic: Issues and Limitations", f"{DOCS}/tutorial/floatingpoint.html",
           "Why 0.1 + 0.2 is not exactly 0.3, and what to do about it."),
    ),
    "functions": (
        _r("tut-functions", "Tutorial: Defining Functions", f"{DOCS}/tutorial/controlflow.html#defining-functions",
           "Parameters, return values, and what a function returns when it has no `return`."),
        _r("ttp-functions", "Think Python, ch. 3 and 6: Functions and Return Values",
           "https://allendowney.github.io/ThinkPython/chap06.html",
           "The difference between printing a result and returning it, with exercises."),
    ),
    "function-arguments": (
        _r("tut-defaults", "Tutorial: Default Argument Values", f"{DOCS}/tutorial/controlflow.html#default-argument-values",
           "The 'Important warning' box explains why a default list is shared between calls."),
    ),
    "return-values": (
        _r("ref-return", "The return statement", f"{DOCS}/reference/simple_stmts.html#the-return-statement",
           "What return does, and why code after it never runs."),
        _r("ttp-fruitful", "Think Python, ch. 6: Return Values", "https://allendowney.github.io/ThinkPython/chap06.html",
           "Writing functions that give back a result instead of printing it."),
    ),
    "recursion": (
        _r("ttp-recursion", "Think Python, ch. 5: Recursion", "https://allendowney.github.io/ThinkPython/chap05.html",
           "Base cases, the call stack, and infinite recursion, with stack diagrams."),
        _r("exercism-recursion", "Exercism Python track: Recursion", "https://exercism.org/tracks/python/concepts/recursion",
           "Practice problems that need a base case and a step toward it."),
    ),
    "classes": (
        _r("tut-classes", "Tutorial: Classes", f"{DOCS}/tutorial/classes.html",
           "Objects, attributes, methods and self, from the beginning."),
    ),
    "inheritance": (
        _r("tut-inheritance", "Tutorial: Inheritance", f"{DOCS}/tutorial/classes.html#inheritance",
           "How a class extends another and how super() works."),
    ),
    "exceptions": (
        _r("tut-errors", "Tutorial: Errors and Exceptions", f"{DOCS}/tutorial/errors.html",
           "Catching the exceptions you expect — and why a bare except hides the ones you don't."),
        _r("lib-exceptions", "Built-in Exceptions", f"{DOCS}/library/exceptions.html",
           "The exception hierarchy: pick the narrowest one that fits."),
    ),
    "generators": (
        _r("tut-generators", "Tutorial: Generators", f"{DOCS}/tutorial/classes.html#generators",
           "yield produces values one at a time; a generator can be looped over only once."),
    ),
    "comprehensions": (
        _r("tut-listcomp", "Tutorial: List Comprehensions", f"{DOCS}/tutorial/datastructures.html#list-comprehensions",
           "Building a list from a loop in one readable expression."),
    ),
    "generator-expressions": (
        _r("tut-genexp", "Tutorial: Generator Expressions", f"{DOCS}/tutorial/classes.html#generator-expressions",
           "Comprehension-like syntax that produces values lazily."),
    ),
    "lambdas": (
        _r("tut-lambda", "Tutorial: Lambda Expressions", f"{DOCS}/tutorial/controlflow.html#lambda-expressions",
           "Small anonymous functions and when a def reads better."),
    ),
    "closures": (
        _r("faq-lambda-loop", "FAQ: Why do lambdas defined in a loop all return the same result?",
           f"{DOCS}/faq/programming.html#why-do-lambdas-defined-in-a-loop-with-different-values-all-return-the-same-result",
           "The classic closure surprise, explained by the Python FAQ."),
    ),
    "decorators": (
        _r("glossary-decorator", "Glossary: decorator", f"{DOCS}/glossary.html#term-decorator",
           "What @decorator means: a function that wraps another."),
    ),
    "context-managers": (
        _r("tut-files", "Tutorial: Reading and Writing Files", f"{DOCS}/tutorial/inputoutput.html#reading-and-writing-files",
           "Why `with open(...)` closes the file for you, even on errors."),
    ),
    "unpacking": (
        _r("tut-unpacking", "Tutorial: Tuples and Sequences", f"{DOCS}/tutorial/datastructures.html#tuples-and-sequences",
           "Sequence unpacking: `a, b = b, a` and friends."),
    ),
    "slicing": (
        _r("tut-slicing", "Tutorial: Text (indexing and slicing)", f"{DOCS}/tutorial/introduction.html#text",
           "Indexes start at 0 and the last valid index is len - 1; slices stop before their end."),
        _r("exercism-sequences", "Exercism Python track: Sequences", "https://exercism.org/tracks/python/concepts/sequences",
           "Practice indexing and slicing without running off the end."),
    ),
    "input-output": (
        _r("tut-io", "Tutorial: Input and Output", f"{DOCS}/tutorial/inputoutput.html",
           "Formatting output, and reading input that arrives as text."),
    ),
    "modules": (
        _r("tut-modules", "Tutorial: Modules", f"{DOCS}/tutorial/modules.html",
           "import, what it runs, and how to use what you imported."),
    ),
    "syntax": (
        _r("tut-syntax-errors", "Tutorial: Syntax Errors", f"{DOCS}/tutorial/errors.html#syntax-errors",
           "How to read Python's syntax error messages and find the real spot."),
        _r("ref-indentation", "Indentation", f"{DOCS}/reference/lexical_analysis.html#indentation",
           "The exact rules for indentation, which in Python is part of the grammar."),
    ),
}


def resources_for(concept: str) -> tuple[Resource, ...]:
    return CATALOGUE.get(concept, CATALOGUE["basics"])
