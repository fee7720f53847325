"""Writing files so that nothing is ever half-written, and nothing is clobbered wrongly.

Every file the project writes (pictures, HTML steppers, saved models, the demo's
plots) goes through `write_atomic`, which saves the way a careful editor does:

* a regular file is written atomically: the bytes go to a temporary file in the same
  folder, which then replaces the target in one step (os.replace). A reader sees the
  old file or the new one, never a truncated mix, and a failed write (a full disk, an
  interrupt) leaves the old file as it was. The new file keeps the old one's
  permission bits (a 0600 file stays 0600) and, where allowed, its owner.
* a symbolic link is followed: its target is written, the link stays a link.
* a file with more than one hard link is overwritten in place, so every name still
  shows the same file (replacing it would split the link); if that write fails, the
  old bytes are put back.
* a file nobody may write is refused, as `echo > file` is. "Nobody" is decided by the
  permission bits, not only by os.access: root may write anything, but a file whose
  mode has no write bit at all (chmod a-w) was made read-only on purpose, so it is
  refused for root too. The same holds for the folder a new file goes into.
* a character device or a FIFO (/dev/null, /dev/stdout, a named pipe) is written into,
  as open(path, "w") would; a FIFO that no program is reading is refused rather than
  waited on forever. Sockets, block devices and folders are refused.

Every error is an OSError whose message names the caller and the user's path, never
the hidden temporary file, and says what to do.

Every file the project reads from a user (a saved model, a class's answers, a quiz) goes
through `read_bounded`: at most `limit` + 1 bytes are ever read, whatever size the file
claims (a pipe, /dev/zero or a file still growing claims none), so no file makes a
reader allocate without bound.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from pathlib import Path
from typing import Callable


def write_atomic(path: str | os.PathLike, data: str | bytes, *, who: str = "write") -> Path:
    """Write `data` (text is UTF-8 encoded) to `path` (see the module doc); return the path.

    `who` names the caller in error messages, e.g. "save" or "render"."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    shown = os.fspath(path)
    if isinstance(shown, bytes):
        shown = os.fsdecode(shown)
    if shown == "":
        raise FileNotFoundError(f"{who}: the file name is empty; give a path such as 'model.json'")
    path = Path(shown)
    # Follow a symbolic link (or a chain of them) to the file it names.
    target = Path(os.path.realpath(path)) if os.path.islink(path) else path
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as err:  # a loop of links, a name too long, a folder we may not enter
        raise _named(err, who, shown) from None

    if st is not None and not stat.S_ISREG(st.st_mode):
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(f"{who}: {shown!r} is a folder; give a file name inside it")
        if stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode):
            _write_device(target, data, who, shown, fifo=stat.S_ISFIFO(st.st_mode))
            return path
        kind = "a socket" if stat.S_ISSOCK(st.st_mode) else \
            "a block device (a disk)" if stat.S_ISBLK(st.st_mode) else "not a regular file"
        raise OSError(f"{who}: {shown!r} is {kind}; refusing to write to it — give the name of a file")

    folder = target.parent
    if not folder.is_dir():
        raise FileNotFoundError(f"{who}: the folder {str(folder)!r} does not exist; create it first")
    if not writable_folder(folder):
        raise _read_only(f"{who}: cannot write {shown!r}: the folder {str(folder)!r} is read-only; "
                         "choose another place")
    if st is not None:
        _check_writable(target, st, who, shown)
        if st.st_nlink > 1:
            _write_in_place(target, data, who, shown)
            return path
    _replace(target, data, st, who, shown)
    return path


class TooLarge(ValueError):
    """A file holds more bytes than its reader takes (see `read_bounded`): `size` is the size
    the file claimed (None where it was found by reading one byte past `limit`)."""

    def __init__(self, message: str, size: int | None, limit: int):
        super().__init__(message)
        self.size, self.limit = size, limit


def read_bounded(path: str | os.PathLike, limit: int, *, who: str = "read", what: str = "the file",
                 check: Callable[[bytes], None] | None = None, chunk: int = 2**20) -> bytes:
    """The bytes of `path`, of which at most `limit` + 1 are ever read: a file holding
    more than `limit` bytes is refused with a `TooLarge` (a ValueError) naming `who`, the
    path, and `what` the limit is for. A file whose size is already over the limit is refused before
    any byte is read. `check`, if given, sees each chunk as it comes (at most `chunk`
    bytes) and may raise to refuse the file early (nn.io counts a model's brackets so).
    A folder or a file that cannot be opened is an OSError naming `who` and the path."""
    shown = os.fsdecode(os.fspath(path))
    try:
        f = open(path, "rb")
    except OSError as err:
        raise _named_read(err, who, shown) from None
    with f:
        try:
            size = os.fstat(f.fileno()).st_size
        except OSError as err:
            raise _named_read(err, who, shown) from None
        if size > limit:
            raise TooLarge(f"{who}: {shown!r} is {size:,} bytes; the limit for {what} is {limit:,} bytes", size, limit)
        data = bytearray()
        while len(data) <= limit:
            try:
                got = f.read(min(chunk, limit + 1 - len(data)))  # never more than one byte past the limit
            except OSError as err:
                raise _named_read(err, who, shown) from None
            if not got:
                break
            data += got
            if check is not None:
                check(got)
        if len(data) > limit:  # a pipe, a device or a file that grew after it was measured
            raise TooLarge(f"{who}: {shown!r} holds more than {limit:,} bytes; the limit for {what} is {limit:,} bytes",
                           None, limit)
    return bytes(data)


def _named_read(err: OSError, who: str, shown: str) -> OSError:
    """The same kind of OSError, its message naming the caller and the user's path."""
    reason = "it is a folder; give a file inside it" if isinstance(err, IsADirectoryError) else \
        (err.strerror or str(err)).lower()
    new = type(err)(f"{who}: cannot read {shown!r}: {reason}")
    new.errno = err.errno
    return new


_ANY_WRITE = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH


def in_folder(folder: str | os.PathLike, stem: str, suffix: str = "", *, who: str = "write") -> Path:
    """The path folder/<stem><suffix>, for a file *name* a caller was given (a handout's stem,
    a page's name): the stem must name a file in `folder` itself, so "../escaped", "/etc/x",
    "a/b", "..", "C:x" or a NUL byte is refused with a ValueError naming `who` and the stem."""
    if not isinstance(stem, str):
        raise TypeError(f"{who}: the file name must be a str, got {type(stem).__name__} {stem!r}")
    name = stem + suffix
    separators = {"/", "\\", os.sep, os.altsep or "/"}
    problem = ("is empty" if not stem.strip() else
               "contains a NUL byte" if "\0" in name else
               "contains a folder separator" if any(sep in name for sep in separators) else
               "is not a file name" if stem in (".", "..") else
               "names a drive" if len(stem) > 1 and stem[1] == ":" else "")
    path = Path(folder) / name
    if not problem and path.parent != Path(folder):
        problem = "leaves the folder"
    if problem:
        raise ValueError(f"{who}: the file name {stem!r} {problem}; it must be a plain file name such as "
                         f"'exercise' (the files go into the folder {os.fspath(folder)!r})")
    return path


def writable_folder(folder: str | os.PathLike) -> bool:
    """May files be created in this existing folder? (By os.access and by its mode bits.)"""
    return os.access(folder, os.W_OK | os.X_OK) and bool(os.stat(folder).st_mode & _ANY_WRITE)


def _check_writable(target: Path, st: os.stat_result, who: str, shown: str) -> None:
    """Refuse a read-only file (see the module doc for root)."""
    if not os.access(target, os.W_OK) or not st.st_mode & _ANY_WRITE:
        raise _read_only(
            f"{who}: {shown!r} is read-only (mode {stat.filemode(st.st_mode)}); it was left unchanged. "
            "Make it writable (chmod u+w) or choose another file name"
        )


def _read_only(message: str) -> PermissionError:
    err = PermissionError(message)
    err.errno = errno.EACCES  # (no .filename: it would replace this message by "[Errno 13] ...")
    return err


def _replace(target: Path, data: bytes, st: os.stat_result | None, who: str, shown: str) -> None:
    """Write a temporary file beside `target`, then rename it over `target`."""
    tmp = target.parent / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        # Not tempfile.mkstemp: its files are private (mode 0600); os.open with 0o666
        # gives the usual permissions (minus the umask), like any other new file.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as err:
        raise _named(err, who, shown) from None
    try:
        with os.fdopen(fd, "wb") as f:
            if st is not None:  # the old file's permissions (before any byte is in) and owner
                os.chmod(f.fileno(), stat.S_IMODE(st.st_mode))
                mine = os.fstat(f.fileno())
                if (st.st_uid, st.st_gid) != (mine.st_uid, mine.st_gid):
                    try:
                        os.chown(f.fileno(), st.st_uid, st.st_gid)
                    except OSError:
                        pass  # only root may give a file away; the bytes matter more
            f.write(data)
            f.flush()
            os.fsync(f.fileno())  # on disk before it takes the target's name
        os.replace(tmp, target)
    except BaseException as err:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(err, OSError):
            raise _named(err, who, shown) from None
        raise


def _write_in_place(target: Path, data: bytes, who: str, shown: str) -> None:
    """Overwrite a hard-linked file through the same inode; restore it if that fails."""
    try:
        with open(target, "r+b") as f:
            old = f.read()
            try:
                f.seek(0)
                f.write(data)
                f.truncate()
                f.flush()
                os.fsync(f.fileno())
            except OSError:
                f.seek(0)
                f.write(old)  # the old bytes' blocks are still allocated: this fits
                f.truncate()
                f.flush()
                raise
    except OSError as err:
        raise _named(err, who, shown) from None


def _write_device(target: Path, data: bytes, who: str, shown: str, fifo: bool) -> None:
    """Write into a character device or FIFO, as open(path, "w") would (no rename)."""
    flags = os.O_WRONLY | (os.O_NONBLOCK if fifo else 0)
    try:
        fd = os.open(target, flags)
    except OSError as err:
        if fifo and err.errno == errno.ENXIO:  # opening a FIFO with no reader would block forever
            raise OSError(f"{who}: {shown!r} is a named pipe (FIFO) that no program is reading; "
                          "start the reader first, or give the name of a file") from None
        raise _named(err, who, shown) from None
    try:
        if fifo:
            os.set_blocking(fd, True)  # a reader is there: wait for it, as a pipe does
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except OSError as err:
        raise _named(err, who, shown) from None
    finally:
        os.close(fd)


def _named(err: OSError, who: str, shown: str) -> OSError:
    """The same kind of OSError, its message naming the user's path (not a temporary file)."""
    reason = err.strerror or str(err)
    hint = {
        errno.ENOSPC: "; free some space and try again (the old file, if any, is unchanged)",
        errno.EACCES: "; the folder is not writable — choose another place",
        errno.EPERM: "; the folder is not writable — choose another place",
        errno.EROFS: "; the file system is mounted read-only — choose another place",
    }.get(err.errno, "")
    new = type(err)(f"{who}: cannot write {shown!r}: {reason.lower() if reason else 'failed'}{hint}")
    new.errno = err.errno  # (not .filename: str() would then show "[Errno n] None: path")
    return new
