"""The CC8xx rules: what running the learner's examples can tell them.

These are not AST rules (nothing here looks at code without running it), so
they are not in `analysis.rules.CATALOGUE`; `analysis/catalogue_doc.py` renders
this table into its own section of docs/rules.md. Each explanation teaches the
idea behind the failure and points at where to look, never at the fix.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..analysis.findings import Explanation, Severity

PY_DOCS = "https://docs.python.org/3"


@dataclass(frozen=True)
class ExampleRule:
    id: str
    name: str
    concept: str
    severity: Severity
    summary: str  # the shape of the one-line message, for the docs
    why: str
    idea: str
    hint: str
    docs_url: str

    def explanation(self) -> Explanation:
        return Explanation(self.why, self.idea, self.hint, self.docs_url)


_RULES = (
    ExampleRule(
        "CC801", "example-failed", "return-values", Severity.WARNING,
        "`search(42, (-5, 1, 3, 5, 7, 10))` returned 5, expected 6",
        "One of your own examples (a doctest, an assert or a test) ran to the end but gave a "
        "different answer from the one it expects. The code runs; it computes something else.",
        "An example is a small promise: for these arguments, this answer. When the answer differs, "
        "trace the example by hand with the argument values shown above, writing down each "
        "variable as it changes, and compare with what you meant each line to do.",
        "Find the first line where your hand trace and your intention part ways. If other examples "
        "pass, ask what is special about this one's arguments (empty, one item, the first or the "
        "last position, a repeated value).",
        f"{PY_DOCS}/library/doctest.html",
    ),
    ExampleRule(
        "CC802", "output-differs", "input-output", Severity.WARNING,
        "output line 3 is `7`, expected `8` (example 2.in)",
        "Your program read the example's input and printed something other than the expected "
        "output. Trailing spaces and blank lines at the end are ignored, so the difference is in "
        "the text itself.",
        "A program that reads input and prints an answer is checked line by line against the "
        "expected output. The first differing line is usually the one to study: everything before "
        "it was right.",
        "Run the program in your head (or with a print) on this example's input and watch the "
        "values that produce the differing line. Check also the format: separators, order, rounding.",
        f"{PY_DOCS}/tutorial/inputoutput.html",
    ),
    ExampleRule(
        "CC803", "example-raised", "exceptions", Severity.ERROR,
        "ValueError: invalid literal for int() with base 10: 'x'",
        "Running an example stopped with an exception in your code, on this line.",
        "An exception means Python could not carry out this line with the values it had. The "
        "values listed above are what the names held at that moment.",
        "Compare the values with what this line needs. Where did the unexpected value come from? "
        "Follow it back to the line that produced it.",
        f"{PY_DOCS}/tutorial/errors.html#exceptions",
    ),
    ExampleRule(
        "CC804", "index-out-of-range", "slicing", Severity.ERROR,
        "IndexError: `values[i]` with i = 5, but `values` has 5 items",
        "The code asked for a position that the list (or string, or tuple) does not have. A sequence "
        "of n items has positions 0 to n - 1, so position n is already one past the end.",
        "Indexes count from 0. A loop or a search that runs one step too far, or a `<=` where a "
        "`<` was meant, is the usual way to reach position n.",
        "Look at the index value above next to the length. Which step made the index that large, "
        "and should the loop (or the search) have stopped one step earlier?",
        f"{PY_DOCS}/tutorial/introduction.html#lists",
    ),
    ExampleRule(
        "CC805", "missing-key", "dicts", Severity.ERROR,
        "KeyError: `counts[word]` with word = 'the', but `counts` has no key 'the'",
        "The code looked up a key that the dictionary does not contain. `d[key]` only works for "
        "keys that were put in before.",
        "A dictionary is empty until you store keys in it. Reading a key that was never stored "
        "raises KeyError; there are ways to read with a default, or to check with `in` first.",
        "Should this key have been stored earlier? If yes, find where it should have been added. "
        "If a missing key is normal here, decide what the code should do in that case.",
        f"{PY_DOCS}/tutorial/datastructures.html#dictionaries",
    ),
    ExampleRule(
        "CC806", "none-value-used", "none", Severity.ERROR,
        "AttributeError: `node` is None in `node.next`",
        "A value used here is None, and None has no items, attributes or arithmetic. Most often it "
        "comes from a function that has no `return` on some path (it then returns None), or from a "
        "method such as `list.sort()` that changes the list and returns None.",
        "None is Python's \"nothing here\". Any function that ends without `return value` hands back "
        "None, and so do methods that change an object in place.",
        "Find where the None-valued name got its value. If it came from a function call, read that "
        "function: does every path end with a `return` of a value?",
        f"{PY_DOCS}/library/constants.html#None",
    ),
    ExampleRule(
        "CC807", "division-by-zero", "numbers", Severity.ERROR,
        "ZeroDivisionError: `total / count` with count = 0",
        "The code divided by zero (or took a remainder by zero), which has no answer.",
        "Division needs a divisor that is not zero. Counts, lengths and differences are often zero "
        "for the smallest inputs: an empty list, one item, two equal values.",
        "Which input made the divisor zero? Decide what the answer should be in that case, and "
        "whether it should be handled before the division.",
        f"{PY_DOCS}/library/exceptions.html#ZeroDivisionError",
    ),
    ExampleRule(
        "CC808", "runaway-recursion", "recursion", Severity.ERROR,
        "RecursionError: `fact` called itself 990 times without stopping",
        "The function kept calling itself until Python gave up (about 1,000 calls deep). Either no "
        "call ever reaches the base case, or the base case is missing.",
        "Every recursive call must move the arguments closer to a base case that returns without "
        "calling again. The argument values of the first and last calls, shown above, tell you in "
        "which direction they moved.",
        "Look at how the arguments change from call to call. Do they move towards the base case, and "
        "does the base case's condition catch them when they arrive (or do they jump past it)?",
        f"{PY_DOCS}/library/sys.html#sys.getrecursionlimit",
    ),
    ExampleRule(
        "CC809", "name-not-defined", "names", Severity.ERROR,
        "NameError: `totl` is not defined here",
        "Python met a name that has no value at this point of the run: it was never assigned, is "
        "spelled differently where it was assigned, lives in another function, or is a module that "
        "was not imported.",
        "A name exists only after an assignment (or `def`, `import`, `for`) has run, and only in "
        "its own scope: a local name of one function is invisible in another.",
        "Check the spelling against the place you meant to define it, and check that that place "
        "runs before this line, in the same function.",
        f"{PY_DOCS}/tutorial/classes.html#python-scopes-and-namespaces",
    ),
    ExampleRule(
        "CC810", "local-read-before-assignment", "scope", Severity.ERROR,
        "UnboundLocalError: `count` is read in `add` before it gets a value there",
        "Because the function assigns to this name somewhere, Python treats it as a local name of "
        "the whole function, so a global of the same name is not used, and this line read the local "
        "before any assignment to it had run.",
        "Assigning to a name anywhere in a function makes it local everywhere in that function. "
        "Reading it before the assignment runs is an error even if a global has that name.",
        "Decide whether this function should have its own variable (then give it a value first) or "
        "work with the outer one (then think about passing it in and returning the result).",
        f"{PY_DOCS}/faq/programming.html#why-am-i-getting-an-unboundlocalerror-when-the-variable-has-a-value",
    ),
    ExampleRule(
        "CC811", "wrong-type", "basics", Severity.ERROR,
        "TypeError: can only concatenate str (not \"int\") to str",
        "An operation got a value of a type it cannot work with: text where a number was needed, a "
        "number where a list was needed, the wrong number of arguments in a call.",
        "Each operation expects certain types. The values above show what this line actually had; "
        "the type is what matters here, not only the value.",
        "Which of the values has the unexpected type, and where did it come from? Values read with "
        "`input()` are always text.",
        f"{PY_DOCS}/library/exceptions.html#TypeError",
    ),
    ExampleRule(
        "CC812", "missing-attribute", "classes", Severity.ERROR,
        "AttributeError: 'list' object has no attribute 'push'",
        "The code asked an object for an attribute or method it does not have.",
        "What you can do with a value depends on its type: a list has `append`, a string has "
        "`upper`, and a misspelt name is simply not there.",
        "Check the type of the object (shown above) and the exact spelling of the attribute against "
        "the documentation of that type.",
        f"{PY_DOCS}/library/stdtypes.html",
    ),
    ExampleRule(
        "CC813", "example-timed-out", "loops", Severity.WARNING,
        "still running after 1.0 s: the loop on this line kept going",
        "The example did not finish within its share of the time limit, so the coach stopped it. "
        "Almost always a loop whose condition never becomes false, or one that waits for input that "
        "never comes.",
        "A `while` loop ends only when something inside it changes the values its condition tests. "
        "The values sampled while it was spinning, shown above, tell which ones changed and which "
        "stayed the same.",
        "Look at the condition of the loop and at the values above: which name should have moved "
        "the loop towards its end, and does every pass through the body really change it?",
        f"{PY_DOCS}/reference/compound_stmts.html#the-while-statement",
    ),
    ExampleRule(
        "CC814", "memory-limit", "lists", Severity.WARNING,
        "used more memory than examples may (512 MB) around this line",
        "The example kept allocating memory until it hit the limit for examples. Usually a "
        "collection that grows in a loop that never ends, or a value multiplied far beyond what was "
        "meant.",
        "Every item appended to a list stays in memory. A loop that keeps appending without a "
        "reachable end fills the memory before it fills the time.",
        "Check what makes the growing loop stop, and how big the collection should be for this "
        "example's input.",
        f"{PY_DOCS}/library/exceptions.html#MemoryError",
    ),
    ExampleRule(
        "CC815", "needs-keyboard-input", "input-output", Severity.INFORMATION,
        "this example needs keyboard input; examples run without one",
        "The code called `input()`, and examples run without a keyboard: there is nobody to type the "
        "answer, so `input()` finds nothing to read.",
        "Programs that read their data can be given examples as files: put the input in "
        "`<name>.in` and the expected output in `<name>.out` beside the program (or pairs of "
        "`N.in`/`N.out` in a folder `<name>_examples/`), and the coach feeds the input in.",
        "Keep reading input in one place (for example at the bottom, under "
        "`if __name__ == \"__main__\":`) and put the work in functions that your examples can call "
        "with values.",
        f"{PY_DOCS}/library/functions.html#input",
    ),
    ExampleRule(
        "CC816", "network-blocked", "modules", Severity.WARNING,
        "this example tried to open a network connection; examples run offline",
        "Examples run offline on purpose: they run every time you pause typing, and a program that "
        "talks to the network there could send data, wait on a slow server, or change something "
        "elsewhere.",
        "Code that fetches data is easier to test when the fetching is kept apart from the work done "
        "on the data: the work can then be tried on a small sample that lives in the file.",
        "Give the functions you want to try values directly, and keep the network part in a place "
        "your examples do not call.",
        f"{PY_DOCS}/library/socket.html",
    ),
    ExampleRule(
        "CC817", "process-blocked", "modules", Severity.WARNING,
        "this example tried to start another program; examples may not",
        "Examples may not start other programs (`subprocess`, `os.system`, `os.fork`): they run "
        "every time you pause typing, and another program could do anything on your machine.",
        "Running other programs from Python is a tool for scripts you start deliberately; the "
        "automatic example runs use only Python itself.",
        "Keep the part that starts programs out of what your examples run, and try the rest with "
        "values.",
        f"{PY_DOCS}/library/subprocess.html",
    ),
    ExampleRule(
        "CC818", "write-outside-blocked", "input-output", Severity.WARNING,
        "this example tried to write outside its own folder; examples may not",
        "Examples run in a throwaway copy of your folder. Writing or deleting files there is fine; "
        "writing or deleting anywhere else is refused, so a run can never damage your files.",
        "Relative paths (`open(\"out.txt\", \"w\")`) are relative to the folder the program runs "
        "in; absolute paths point at one fixed place on the disk, outside the copy.",
        "Prefer paths relative to the program for files it writes, so the examples (and anyone "
        "else running it) keep them in their own folder.",
        f"{PY_DOCS}/library/functions.html#open",
    ),
    ExampleRule(
        "CC819", "example-could-not-run", "exceptions", Severity.INFORMATION,
        "the examples could not run: the example process crashed",
        "The examples could not be run to the end for a reason outside a normal Python exception: "
        "the process crashed, a test file does not parse, or the coach's worker failed.",
        "The message says which part could not run. Nothing of your code is changed by this.",
        "Fix what the message names (often a syntax error in the test file), and the examples run "
        "again after your next pause.",
        f"{PY_DOCS}/library/faulthandler.html",
    ),
    ExampleRule(
        "CC820", "suspicious-line", "functions", Severity.INFORMATION,
        "most examples that fail run this line; the ones that pass don't",
        "Some of your examples pass and some fail. This line is run by the failing examples more "
        "than by the passing ones, which makes it a good place to look first. It is a hint, never "
        "a verdict: the mistake can be elsewhere, for example in a line that should have run.",
        "Comparing what passing and failing runs do differently narrows the search "
        "(spectrum-based fault localization, here with the Ochiai score over line coverage).",
        "Trace one failing and one passing example through this line and compare the values. What "
        "does this line do with the failing one that it should not?",
        "https://en.wikipedia.org/wiki/Spectrum-based_fault_localization",
    ),
)

RULES: dict[str, ExampleRule] = {rule.id: rule for rule in _RULES}
BY_NAME: dict[str, ExampleRule] = {rule.name: rule for rule in _RULES}
