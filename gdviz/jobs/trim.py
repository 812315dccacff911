"""Handing freed heap memory back to the operating system.

glibc keeps freed blocks for reuse, so after a large job a process can look hundreds of
MB bigger than it is. ``release_memory`` runs the cycle collector and then
``malloc_trim(0)``, which returns free pages at the top of each arena and madvises the
free pages inside it: a few ms. Where there is no glibc (musl, macOS) it only collects.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc


def _find_malloc_trim():
    """glibc's ``malloc_trim``, or None (musl, macOS, Windows)."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or None).malloc_trim
    except (AttributeError, OSError, TypeError):
        return None


_malloc_trim = _find_malloc_trim()


def release_memory() -> None:
    gc.collect()
    if _malloc_trim is not None:
        _malloc_trim(0)
