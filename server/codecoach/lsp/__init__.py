"""The language server: pygls handlers that translate between LSP and the `Coach` (see router.py)."""
