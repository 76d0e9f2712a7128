"""`ModuleFacts`: what detectors may know about the whole module, not just their chunk.

Its own module because two facts come from rule families (control flow's
one-path names, strings' placeholders) that themselves build on `base`:
computing them here keeps `base` free of imports back into the families.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from .base import function_summary, input_only_names, is_stub, shadow_prone_calls, walk_same_scope
from .control_flow import module_one_path_names
from .types_and_strings import module_placeholder_names

ChunkFact = Callable[[str, ast.AST, Callable[[ast.AST], Any]], Any]


class ModuleFacts:
    """What detectors may know about the whole module, not just their chunk.

    Kept small and hashable: the engine re-runs every chunk when it changes, so
    per-chunk caching stays correct.
    """

    __slots__ = ("valueless_functions", "printing_functions", "input_only_names",
                 "exiting_functions", "one_path_names", "module_placeholder_names",
                 "called_builtins", "_key")

    def __init__(self, tree: ast.Module, per_chunk: ChunkFact | None = None) -> None:
        """`per_chunk(kind, top_level_statement, compute)` caches a chunk's facts across
        analyses (the engine's cache); by default every fact is computed afresh."""
        per_chunk = per_chunk or (lambda kind, node, compute: compute(node))

        def summarize(node: ast.AST) -> tuple[bool, bool, bool, bool]:
            return per_chunk("summary", node, function_summary)

        valueless: set[str] = set()
        printing: set[str] = set()
        exiting: set[str] = set()
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                # The last definition of a name is the one callers get.
                valueless.discard(node.name)
                printing.discard(node.name)
                gives_value, generator, prints, exits = summarize(node)
                if exits:
                    exiting.add(node.name)
                # Calling an `async def` gives a coroutine, never None; a decorator may
                # replace the function (@overload, @lru_cache...); a stub (`...`) is a
                # placeholder whose real body is elsewhere or not written yet.
                if not gives_value and not generator \
                        and not isinstance(node, ast.AsyncFunctionDef) \
                        and not node.decorator_list and not is_stub(node):
                    valueless.add(node.name)
                    if prints:
                        printing.add(node.name)
        self.valueless_functions = frozenset(valueless)
        self.printing_functions = frozenset(printing)
        module_nodes = list(walk_same_scope(tree))
        self.input_only_names = input_only_names(module_nodes)
        # Functions that may end the program (`sys.exit()` inside): calling one can end a loop.
        self.exiting_functions = frozenset(exiting)
        # (name, fingerprint of the statement reading it): module-level names assigned on one
        # path of a top-level `if` only, then read after it (statements are separate chunks).
        self.one_path_names = module_one_path_names(tree, self.exiting_functions)
        # Module-level names that also appear as `{name}` in a module-level string.
        self.module_placeholder_names = module_placeholder_names(module_nodes)
        # Shadow-prone builtins the module calls somewhere: shadowing one of these breaks a call.
        called: set[str] = set()
        for node in tree.body:
            called |= per_chunk("called-builtins", node, shadow_prone_calls)
        self.called_builtins = frozenset(called)
        self._key = (self.valueless_functions, self.printing_functions, self.input_only_names,
                     self.exiting_functions, self.one_path_names, self.module_placeholder_names,
                     self.called_builtins)

    @property
    def key(self) -> tuple:
        return self._key
