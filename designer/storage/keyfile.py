"""Key files: made once, atomically, readable by their owner only.

When no key is configured the server keeps a generated one in a file, so
that every worker on the host and every restart use the same key.  Workers
start together: two may both find the file missing, and one must never read
the other's half-written file.  So the key is written to a private temporary
file in the same folder and hard-linked into place; the link fails when
another process got there first, and its key wins.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def read_or_create(path: Path, make: Callable[[], str]) -> tuple[str, bool]:
    """The file's text, creating it (mode 0600) with ``make()`` when missing; and whether it did.

    Raises ``OSError`` when the file can neither be read nor made: the
    caller knows which setting to name in its message.
    """
    created = False
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mode 0600
        try:
            with os.fdopen(fd, "w", encoding="ascii") as out:
                out.write(make() + "\n")
                out.flush()
                os.fsync(out.fileno())
            try:
                os.link(temporary, path)
                created = True
            except FileExistsError:
                pass  # another process made it first: use theirs
        finally:
            os.unlink(temporary)
    return path.read_text(encoding="ascii"), created
