"""Files with personal data that Krisebot writes (the logbog database, the console SMS log, logbog
exports) are readable and writable by their owner only: mode 0600, whatever the umask."""

import os
from pathlib import Path
from typing import TextIO

PRIVATE = 0o600


def open_private(path: Path, *, append: bool = False) -> TextIO:
    """Open ``path`` for writing text (UTF-8), created if missing; the file is 0600 afterwards.

    An existing file is made 0600 too: what is written into it is as private as a new one.
    """
    descriptor = _private_descriptor(path, os.O_APPEND if append else os.O_TRUNC)
    try:
        return os.fdopen(descriptor, "a" if append else "w", encoding="utf-8")
    except BaseException:
        os.close(descriptor)
        raise


def write_private(path: Path, content: str | bytes) -> None:
    """Write ``content`` (text as UTF-8) to ``path`` in place of what it held; the file is 0600 afterwards."""
    data = content.encode() if isinstance(content, str) else content
    descriptor = _private_descriptor(path, os.O_TRUNC)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view):]
    finally:
        os.close(descriptor)


def _private_descriptor(path: Path, mode: int) -> int:
    """A descriptor open for writing ``path`` (created if missing, ``mode``: O_APPEND or O_TRUNC), made 0600."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | mode, PRIVATE)
    try:
        os.fchmod(descriptor, PRIVATE)  # the umask may have taken bits away; an older file may have more
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor
