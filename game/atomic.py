"""Writing a file so that a crash at any instant leaves the old content or
the new, never a mix: a temporary file in the same folder, flushed, then
renamed over the target. Used by saves (with fsync and a backup) and the
story cache (without: a lost cache is only a slower start)."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path

STALE_TEMP_SECONDS = 3600
ORPHAN_SECONDS = 60  # a temporary of a process that is gone, this old, is left over from a crash
_swept: set[str] = set()  # folders already cleaned of stale temporaries by this process


def write(path: Path, data: bytes, *, durable: bool = True, backup: Path | None = None) -> None:
    """Replace `path` with `data` atomically. `durable` fsyncs the file and
    the folder; `backup`, if given, is made to hold the previous content
    (hard-linked, so `path` itself never disappears)."""
    _clean_stale_temps(path.parent)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.pid{os.getpid()}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        if backup is not None and path.exists():
            _keep_backup(path, backup)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
    if durable:
        fsync_dir(path.parent)


def _keep_backup(path: Path, backup: Path) -> None:
    """Make `backup` hold what `path` holds now. A `path` that is a link is
    not backed up: what it points at is not a file this folder keeps (and a
    hard link to it would be a second way to reach it)."""
    if path.is_symlink():
        return
    link = path.with_name(f".{path.name}.pid{os.getpid()}.{secrets.token_hex(6)}.bak.tmp")  # one per call
    try:
        try:
            os.link(path, link, follow_symlinks=False)
        except OSError:  # no hard links here: copy instead
            shutil.copyfile(path, link, follow_symlinks=False)
        os.replace(link, backup)
    except OSError:
        pass
    finally:
        try:
            os.unlink(link)
        except OSError:
            pass


def fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _clean_stale_temps(folder: Path) -> None:
    """Temporary files left by a process killed mid-write (never a real file):
    after a minute if the process named in it is gone, else after an hour
    (a process id says nothing about a writer in another container or on
    another machine sharing the folder, hence the minute).
    Once per folder per process: a crash leaves them before we start."""
    if str(folder) in _swept:
        return
    _swept.add(str(folder))
    now = time.time()
    for temp in folder.glob(".*.tmp"):
        try:
            age = now - temp.stat().st_mtime
            if age > STALE_TEMP_SECONDS or (age > ORPHAN_SECONDS and not _owner_alive(temp.name)):
                temp.unlink()
        except OSError:
            pass


_PID = re.compile(r"\.pid(\d+)\.")


def _owner_alive(name: str) -> bool:
    """Whether the process named in a temporary file's name (`.pidNNN.`) is
    still running; True when the name carries no process id."""
    found = _PID.search(name)
    if found is None:
        return True
    pid = int(found.group(1))
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's process: alive
    return True
