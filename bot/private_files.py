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
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
    descriptor = os.open(path, flags, PRIVATE)
    try:
        os.fchmod(descriptor, PRIVATE)  # the umask may have taken bits away; an older file may have more
        return os.fdopen(descriptor, "a" if append else "w", encoding="utf-8")
    except BaseException:
        os.close(descriptor)
        raise
