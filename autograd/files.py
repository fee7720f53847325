"""Writing files so that nothing is ever half-written.

Every file the project writes (pictures, HTML steppers, saved models) goes through
`write_atomic`: the bytes go to a temporary file in the same folder, which then
replaces the target in one step (os.replace). A reader sees the old file or the new
one, never a truncated mix, even if the writer is interrupted.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def write_atomic(path: str | os.PathLike, data: str | bytes, *, who: str = "write") -> Path:
    """Write `data` (text is UTF-8 encoded) to `path` atomically; return the path.

    `who` names the caller in the error raised when the folder does not exist."""
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise FileNotFoundError(f"{who}: the folder {str(folder)!r} does not exist; create it first")
    if isinstance(data, str):
        data = data.encode("utf-8")
    # Not tempfile.mkstemp: its files are private (mode 0600); os.open with 0o666
    # gives the usual permissions (minus the umask), like any other new file.
    tmp = folder / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())  # on disk before it takes the target's name
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path
