"""Keep the process's old memory out of the index's files.

Embedded Chroma writes its HNSW segment files from buffers that hnswlib takes from
malloc and never clears: the unused capacity of `data_level0.bin` (most of the file
for a small index: room for 100 vectors is written when 1 is stored) is whatever the
process's heap held there before. That can be the open document's text, secrets
redaction kept out of the log, or code that `forget` just deleted: it was seen in a
segment file written right after a `forget --before`.

On glibc, `mallopt(M_PERTURB)` makes malloc fill each block it hands out, and each
block it takes back, with a constant byte, so those files hold only what Chroma wrote
and filler. The cost is a memset per large allocation; measured in the noise on the
memory tests. Other C libraries (musl, macOS, Windows) have no such switch at run
time: there the unused capacity keeps old heap bytes (docs/reliability.md).
"""

from __future__ import annotations

import logging
import sys
import threading

log = logging.getLogger(__name__)

M_PERTURB = -6  # glibc's mallopt parameter number
FILL = 0xA5  # freed bytes become 0xA5, newly allocated ones 0x5A
_lock = threading.Lock()
_state: bool | None = None


def fill_allocated_memory() -> bool:
    """Ask malloc to fill what it hands out and takes back (once per process). True if it will."""
    global _state
    with _lock:
        if _state is None:
            _state = _perturb()
            if not _state:
                log.debug("memory: this C library cannot fill allocated memory; index files may hold old heap bytes")
        return _state


def _perturb() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    import ctypes
    import platform

    if platform.libc_ver()[0] != "glibc":  # musl's mallopt does nothing
        return False
    try:
        return bool(ctypes.CDLL(None).mallopt(M_PERTURB, FILL))
    except (OSError, AttributeError):
        return False
