"""The one writer, autograd.files.write_atomic: what it does to every kind of path.

Regular files are replaced atomically keeping their mode; symlinks are followed;
hard links are kept; read-only files are refused; character devices and FIFOs are
written into as open(path, "w") would; sockets and folders are refused. Every error
names the user's path, never the temporary file. All on a temporary folder (plus the
system's /dev/null and /dev/full, which are safe to write)."""

import errno
import os
import socket
import stat
import threading
import time

import pytest

import nn
from autograd.files import write_atomic

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
posix_only = pytest.mark.skipif(os.name != "posix", reason="FIFOs, sockets, modes and devices are POSIX")


def _only(folder):
    """The folder's entries: no temporary file may be left behind."""
    return sorted(os.listdir(folder))


# ---------------------------------------------------------------------------
# Regular files
# ---------------------------------------------------------------------------
def test_new_file_written_and_no_temporary_left(tmp_path):
    path = tmp_path / "a.txt"
    assert write_atomic(path, "δ = 1\n") == path
    assert path.read_text(encoding="utf-8") == "δ = 1\n"
    assert _only(tmp_path) == ["a.txt"]


@posix_only
@pytest.mark.parametrize("mode", [0o600, 0o640, 0o755])
def test_existing_file_keeps_its_mode(tmp_path, mode):
    path = tmp_path / "secret.json"
    path.write_text("old")
    os.chmod(path, mode)
    write_atomic(path, "new")
    assert path.read_text() == "new"
    assert stat.S_IMODE(os.stat(path).st_mode) == mode


@posix_only
def test_symlink_is_followed_and_stays_a_link(tmp_path):
    real = tmp_path / "real.svg"
    real.write_text("old")
    link = tmp_path / "link.svg"
    link.symlink_to(real)
    write_atomic(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "new"
    assert _only(tmp_path) == ["link.svg", "real.svg"]


@posix_only
def test_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "later.json")
    write_atomic(link, "new")
    assert link.is_symlink()
    assert (tmp_path / "later.json").read_text() == "new"


@posix_only
def test_hard_link_is_kept(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text("old old old")
    os.link(a, b)
    inode = os.stat(a).st_ino
    write_atomic(a, "new")
    assert os.stat(a).st_ino == os.stat(b).st_ino == inode and os.stat(a).st_nlink == 2
    assert b.read_text() == "new"  # the other name sees the new bytes (and nothing of the old)
    assert _only(tmp_path) == ["a.json", "b.json"]


@posix_only
def test_hard_link_failed_write_restores_old_bytes(tmp_path, monkeypatch):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text("old contents")
    os.link(a, b)

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match=r"save: cannot write '.*a\.json': no space left") as info:
        write_atomic(a, "much longer new contents", who="save")
    assert info.value.errno == errno.ENOSPC
    assert b.read_text() == "old contents"


@posix_only
def test_read_only_file_is_refused_and_unchanged(tmp_path):
    # Root passes os.access for every file, so the writer also looks at the mode:
    # a file with no write bit at all is refused for everybody (as chmod a-w means).
    path = tmp_path / "m.json"
    path.write_text("old")
    os.chmod(path, 0o444)
    with pytest.raises(PermissionError, match=r"save: '.*m\.json' is read-only \(mode -r--r--r--\)") as info:
        write_atomic(path, "new", who="save")
    assert path.read_text() == "old"
    assert _only(tmp_path) == ["m.json"]


@posix_only
@pytest.mark.skipif(IS_ROOT, reason="root bypasses permission bits, so a file only others may write is writable to root")
def test_file_the_user_may_not_write_is_refused(tmp_path):
    path = tmp_path / "m.json"
    path.write_text("old")
    os.chmod(path, 0o466)  # others may write, the owner may not: os.access says no
    with pytest.raises(PermissionError, match="is read-only"):
        write_atomic(path, "new")
    assert path.read_text() == "old"


def test_failure_names_the_path_not_the_temporary_and_keeps_old_file(tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    path.write_text("old")

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError) as info:
        write_atomic(path, "new", who="save")
    message = str(info.value)
    assert message.startswith(f"save: cannot write {str(path)!r}: no space left on device")
    assert ".tmp" not in message
    assert info.value.errno == errno.ENOSPC
    assert path.read_text() == "old"
    assert _only(tmp_path) == ["m.json"]


def test_unwritable_folder_error_names_the_path(tmp_path, monkeypatch):
    real_open = os.open

    def refuse(p, flags, mode=0o777):
        if str(p).endswith(".tmp"):
            raise PermissionError(errno.EACCES, "Permission denied", str(p))
        return real_open(p, flags, mode)

    monkeypatch.setattr(os, "open", refuse)
    path = tmp_path / "m.json"
    with pytest.raises(PermissionError) as info:
        write_atomic(path, "new", who="save")
    assert str(info.value) == f"save: cannot write {str(path)!r}: permission denied; the folder is not writable — choose another place"


def test_empty_path_is_refused_by_name():
    with pytest.raises(FileNotFoundError, match="save: the file name is empty"):
        write_atomic("", "x", who="save")


def test_folder_is_refused(tmp_path):
    with pytest.raises(IsADirectoryError, match=r"is a folder; give a file name inside it"):
        write_atomic(tmp_path, "x")
    assert tmp_path.is_dir()


def test_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"render: the folder '.*nope' does not exist"):
        write_atomic(tmp_path / "nope" / "g.svg", "x", who="render")


# ---------------------------------------------------------------------------
# Devices, FIFOs, sockets
# ---------------------------------------------------------------------------
@posix_only
@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="needs /dev/null")
def test_character_device_is_written_into_not_replaced(tmp_path):
    before = os.stat("/dev/null")
    write_atomic("/dev/null", "to nowhere")
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev and after.st_ino == before.st_ino
    link = tmp_path / "null"
    link.symlink_to("/dev/null")  # through a link too
    write_atomic(link, "to nowhere")
    assert link.is_symlink() and stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert _only(tmp_path) == ["null"]


@posix_only
@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
def test_full_device_error_names_it():
    with pytest.raises(OSError) as info:
        write_atomic("/dev/full", "x" * 10, who="Stepper.to_html")
    assert info.value.errno == errno.ENOSPC
    assert str(info.value).startswith("Stepper.to_html: cannot write '/dev/full': no space left on device")
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


@posix_only
def test_fifo_is_written_into(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    ready = threading.Event()

    def reader():
        fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # opens at once, without a writer
        ready.set()
        chunks = []
        while True:  # until the writer has written something and closed its end
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:  # a writer is there, nothing to read yet
                chunk = None
            if chunk == b"" and chunks:
                break
            if chunk:
                chunks.append(chunk)
            else:
                time.sleep(0.001)  # no writer yet (b"") or nothing yet (None)
        os.close(fd)
        received.append(b"".join(chunks))

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    ready.wait(5)
    data = "x" * 200_000  # more than a pipe's buffer
    write_atomic(fifo, data)
    t.join(10)
    assert received == [data.encode()]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert _only(tmp_path) == ["pipe"]


@posix_only
def test_fifo_without_reader_is_refused_not_waited_on(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match=r"render: '.*pipe' is a named pipe \(FIFO\) that no program is reading"):
        write_atomic(fifo, "x", who="render")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


@posix_only
def test_socket_is_refused_and_kept(tmp_path):
    path = tmp_path / "s.sock"
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(path))
        with pytest.raises(OSError, match=r"save: '.*s\.sock' is a socket; refusing to write to it"):
            write_atomic(path, "x", who="save")
        assert stat.S_ISSOCK(os.stat(path).st_mode)
    finally:
        sock.close()


# ---------------------------------------------------------------------------
# The callers share it
# ---------------------------------------------------------------------------
@posix_only
def test_model_save_through_symlink_keeps_link_and_mode(tmp_path):
    real = tmp_path / "real.json"
    real.write_text("{}")
    os.chmod(real, 0o600)
    link = tmp_path / "m.json"
    link.symlink_to(real)
    model = nn.MLP(2, [3, 1])
    model.save(link)
    assert link.is_symlink() and stat.S_IMODE(os.stat(real).st_mode) == 0o600
    assert nn.predict(nn.load(real), [[1.0, 2.0]]) == nn.predict(model, [[1.0, 2.0]])


def test_model_save_to_empty_path_names_it():
    with pytest.raises(FileNotFoundError, match="save: the file name is empty"):
        nn.MLP(2, [1]).save("")


@posix_only
def test_read_only_folder_is_refused_and_left_empty(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    os.chmod(folder, 0o555)  # refused for root too: no write bit means read-only on purpose
    try:
        with pytest.raises(PermissionError) as info:
            write_atomic(folder / "m.json", "x", who="save")
        assert os.listdir(folder) == []
    finally:
        os.chmod(folder, 0o755)
    assert str(info.value) == (f"save: cannot write {str(folder / 'm.json')!r}: the folder {str(folder)!r} "
                               "is read-only; choose another place")


@posix_only
def test_symlink_loop_is_named(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.symlink_to(b)
    b.symlink_to(a)
    with pytest.raises(OSError) as info:
        write_atomic(a, "x", who="render")
    assert info.value.errno == errno.ELOOP
    assert str(info.value) == f"render: cannot write {str(a)!r}: too many levels of symbolic links"
    assert a.is_symlink() and b.is_symlink()


# -- a file name given by the caller stays in its folder ------------------------------
@pytest.mark.parametrize("stem, problem", [
    ("../escaped", "contains a folder separator"), ("/etc/passwd", "contains a folder separator"),
    ("a/b", "contains a folder separator"), ("a\\b", "contains a folder separator"), ("..", "is not a file name"),
    (".", "is not a file name"), ("", "is empty"), ("  ", "is empty"), ("x\0y", "contains a NUL byte"),
    ("C:evil", "names a drive"),
])
def test_a_stem_that_would_leave_its_folder_is_refused(tmp_path, stem, problem):
    from autograd.files import in_folder

    with pytest.raises(ValueError, match=rf"write_handout: the file name .* {problem}"):
        in_folder(tmp_path, stem, ".html", who="write_handout")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("stem", ["exercise", "ex 7", "jane_doe", "δ-quiz", "..hidden", "a.b"])
def test_a_plain_stem_names_a_file_in_the_folder(tmp_path, stem):
    from autograd.files import in_folder

    path = in_folder(tmp_path, stem, ".tex")
    assert path.parent == tmp_path and path.name == stem + ".tex"


# ---------------------------------------------------------------------------
# The one bounded reader, read_bounded: at most limit + 1 bytes, whatever the file claims
# ---------------------------------------------------------------------------
def test_read_bounded_reads_a_file_up_to_its_limit(tmp_path):
    from autograd.files import read_bounded

    path = tmp_path / "f"
    path.write_bytes(b"x" * 1000)
    assert read_bounded(path, 1000) == b"x" * 1000  # the limit itself is allowed
    with pytest.raises(ValueError, match=r"who: '.*f' is 1,000 bytes; the limit for notes is 999 bytes"):
        read_bounded(path, 999, who="who", what="notes")


@posix_only
def test_read_bounded_stops_one_byte_past_the_limit_of_an_endless_file():
    """/dev/zero claims no size and never ends: the reader takes limit + 1 bytes and refuses."""
    from autograd.files import read_bounded

    seen = []
    with pytest.raises(ValueError, match=r"'/dev/zero' holds more than 5,000 bytes"):
        read_bounded("/dev/zero", 5000, chunk=1024, check=lambda chunk: seen.append(len(chunk)))
    assert sum(seen) == 5001


@posix_only
def test_read_bounded_from_a_fifo_whose_writer_never_stops(tmp_path):
    from autograd.files import read_bounded

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    stop = threading.Event()

    def flood():
        with open(fifo, "wb") as f:
            try:
                while not stop.is_set():
                    f.write(b"[" * 65536)
            except BrokenPipeError:
                pass  # the reader had enough

    writer = threading.Thread(target=flood, daemon=True)
    writer.start()
    try:
        with pytest.raises(ValueError, match="holds more than 100,000 bytes"):
            read_bounded(fifo, 100_000, who="load")
    finally:
        stop.set()
        writer.join(10)


def test_read_bounded_names_a_folder_and_a_missing_file(tmp_path):
    from autograd.files import read_bounded

    with pytest.raises(IsADirectoryError, match=r"read_quiz: cannot read '.*': it is a folder"):
        read_bounded(tmp_path, 10, who="read_quiz")
    with pytest.raises(FileNotFoundError, match=r"read_quiz: cannot read '.*typo.xml'"):
        read_bounded(tmp_path / "typo.xml", 10, who="read_quiz")


@posix_only
@pytest.mark.parametrize("reader", ["nn.load", "read_answers", "read_quiz moodle", "read_quiz gift", "read_quiz qti"])
def test_every_reader_of_a_users_file_is_bounded_by_the_bytes_it_reads(reader, monkeypatch):
    """Each reader of a user's file, given an endless file (its bound made small here), refuses
    it after at most bound + 1 bytes with an error naming the file: nothing allocates without bound."""
    import autograd.files as files
    import autograd.teaching.exports as exports
    import autograd.teaching.grade as grading
    import nn.io as model_io

    read = []
    real = files.read_bounded

    def counting(path, limit, **options):
        check = options.pop("check", None)
        return real(path, limit, check=lambda c: (read.append(len(c)), check and check(c)), **options)

    for module in (model_io, grading, exports):
        monkeypatch.setattr(module, "read_bounded", counting)
    monkeypatch.setattr(model_io, "MAX_FILE_BYTES", 4096)
    monkeypatch.setattr(grading, "MAX_FILE", 4096)
    monkeypatch.setattr(exports, "MAX_QUIZ_FILE", 4096)
    name, _, fmt = reader.partition(" ")
    call = {"nn.load": lambda: nn.load("/dev/zero"), "read_answers": lambda: grading.read_answers("/dev/zero"),
            "read_quiz": lambda: exports.read_quiz("/dev/zero", fmt)}[name]
    with pytest.raises(ValueError, match="/dev/zero.*more than 4,096 bytes"):
        call()
    assert sum(read) == 4097


# ---------------------------------------------------------------------------
# A drawing's own graphviz methods (save, render, view) write through write_atomic too
# ---------------------------------------------------------------------------
def _drawn(cls, **options):
    g = cls(**options)
    g.node("a", "A")
    g.edge("a", "b")
    return g


def _calls(cls, folder):
    """graphviz's ways of naming the files of `render` and `save`, run in `folder`."""
    here = os.getcwd()
    os.chdir(folder)
    try:
        out = [_drawn(cls, name="spam").render(outfile="out/x.svg"), _drawn(cls).render("f", format="svg"),
               _drawn(cls).render("f2", directory="d", format="svg"), _drawn(cls, directory="dd").render(outfile="y.svg"),
               _drawn(cls).render(outfile="z.svg", directory="e"), _drawn(cls, name="c").render(format="svg", cleanup=True),
               _drawn(cls, name="s").save()]
    finally:
        os.chdir(here)
    files = sorted(os.path.relpath(os.path.join(r, f), folder) for r, _, fs in os.walk(folder) for f in fs)
    return [os.fspath(p) for p in out], files


def test_a_drawings_render_and_save_name_their_files_as_graphviz_does(tmp_path):
    graphviz = pytest.importorskip("graphviz")
    from autograd.drawing.draw import Drawing

    if not __import__("shutil").which("dot"):
        pytest.skip("Graphviz's dot is not installed: graphviz's own render needs it to compare with")
    (tmp_path / "graphviz").mkdir()
    (tmp_path / "ours").mkdir()
    assert _calls(Drawing, tmp_path / "ours") == _calls(graphviz.Digraph, tmp_path / "graphviz")


@posix_only
def test_a_drawings_render_and_save_follow_a_symlink_and_refuse_a_folder(tmp_path, monkeypatch):
    pytest.importorskip("graphviz")
    import autograd.drawing.draw as drawing

    monkeypatch.setattr(drawing, "pipe", lambda graph, fmt, timeout=None: b"<svg/>")  # no dot needed
    real = tmp_path / "real.svg"
    real.write_text("old")
    os.symlink(real, tmp_path / "link.svg")
    assert _drawn(drawing.Drawing).render(outfile=tmp_path / "link.svg") == os.fspath(tmp_path / "link.svg")
    assert os.path.islink(tmp_path / "link.svg") and real.read_bytes() == b"<svg/>"
    source = tmp_path / "real.gv"
    source.write_text("old")
    os.symlink(source, tmp_path / "g.gv")
    _drawn(drawing.Drawing).save(tmp_path / "g.gv")
    assert os.path.islink(tmp_path / "g.gv") and "->" in source.read_text()
    (tmp_path / "folder.svg").mkdir()
    with pytest.raises(IsADirectoryError, match="render: .*folder.svg' is a folder"):
        _drawn(drawing.Drawing).render(outfile=tmp_path / "folder.svg")


def test_a_failed_layout_leaves_the_old_picture(tmp_path, monkeypatch):
    pytest.importorskip("graphviz")
    import autograd.drawing.draw as drawing

    def too_slow(graph, fmt, timeout=None):
        raise drawing.LayoutTimeout("the layout took too long")

    monkeypatch.setattr(drawing, "pipe", too_slow)
    picture = tmp_path / "net.svg"
    picture.write_text("<svg>old</svg>")
    with pytest.raises(drawing.LayoutTimeout):
        _drawn(drawing.Drawing).render(outfile=picture)
    assert picture.read_text() == "<svg>old</svg>"


@pytest.mark.parametrize("fmt", ["moodle", "gift", "qti"])
@pytest.mark.parametrize("data", [b"", b"\xff\xfe\x00garbage", b"<quiz><question type='numerical'></question>",
                                  b"PK\x03\x04 not a zip", b"::a::[html]b{#x:y}"])
def test_a_damaged_quiz_file_is_named_not_a_traceback(tmp_path, fmt, data):
    """read_quiz reads a damaged file to its questions (none, here) or a ValueError naming
    the file; never an XML parser's, zipfile's or a KeyError's traceback."""
    from autograd.teaching.exports import read_quiz

    path = tmp_path / f"quiz.{fmt}"
    path.write_bytes(data)
    try:
        assert read_quiz(path, fmt) == []
    except ValueError as err:
        assert f"read_quiz: {str(path)!r} is not a {fmt} quiz file" in str(err)
