"""Reading mail from files: single messages (.eml), mbox files, Maildir folders and
directories of messages (see docs/email.md).

Messages are returned oldest first (Date header, then file modification time, then name), so
that an original is processed before the replies to it whenever the files allow.
"""

from __future__ import annotations

import mailbox
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kizuna.mail.envelope import sent_date

# Above this many bytes in total, messages are read again when processed instead of kept.
_KEEP_IN_MEMORY = 256 * 1024 * 1024


class SourceError(Exception):
    """A path that cannot be read as mail at all (missing, unreadable)."""


@dataclass
class Item:
    source: str
    sort_key: tuple
    _load: Callable[[], bytes]
    _raw: bytes | None = field(default=None, repr=False)

    def read(self) -> bytes:
        raw = self._raw if self._raw is not None else self._load()
        self._raw = None
        return raw


def collect(paths: list[str]) -> list[Item]:
    """Every message under `paths`, oldest first. Raises SourceError for a missing path."""
    for p in paths:
        if not os.path.exists(p):
            raise SourceError(f"{p}: no such file or directory")
    items: list[Item] = []
    budget = [_KEEP_IN_MEMORY]
    for p in paths:
        items.extend(_walk(Path(p).absolute(), budget))
    items.sort(key=lambda item: item.sort_key)
    return items


def _walk(path: Path, budget: list[int]) -> Iterator[Item]:
    if path.is_dir():
        if (path / "cur").is_dir() or (path / "new").is_dir():
            yield from _maildir(path, budget)
            return
        for child in sorted(path.iterdir()):
            if child.name.startswith("."):
                continue
            yield from _walk(child, budget)
        return
    if not path.is_file():
        return
    with path.open("rb") as fh:
        start = fh.read(5)
    if start == b"From ":
        yield from _mbox(path, budget)
    else:
        yield _file(path, f"file:{path}", budget)


def _key(raw: bytes, mtime: float, name: str) -> tuple:
    sent_at = sent_date(raw)
    when = sent_at.timestamp() if sent_at else mtime
    return (when, mtime, name)


def _keep(raw: bytes, budget: list[int]) -> bytes | None:
    if budget[0] >= len(raw):
        budget[0] -= len(raw)
        return raw
    return None


def _file(path: Path | str, source: str, budget: list[int]) -> Item:
    # One open for the bytes and the time (a Maildir holds thousands of files).
    with open(path, "rb") as fh:
        mtime = os.fstat(fh.fileno()).st_mtime
        raw = fh.read()
    return Item(source, _key(raw, mtime, str(path)), Path(path).read_bytes, _keep(raw, budget))


def _maildir(path: Path, budget: list[int]) -> Iterator[Item]:
    """The messages of a Maildir's cur/ and new/, named by their unique name (the file name
    without its ":2,…" flags), as the standard library's Maildir names them; a name found in
    both is the one in new/. The folders are listed once, not looked up again per message."""
    files: dict[str, str] = {}
    for sub in ("cur", "new"):
        try:
            entries = list(os.scandir(path / sub))
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in entries:
            if entry.name.startswith(".") or entry.is_dir():
                continue
            files[entry.name.split(_MAILDIR_INFO)[0]] = entry.path
    for key, file in files.items():
        yield _file(file, f"maildir:{path}#{key}", budget)


# What separates a Maildir file's unique name from its flags.
_MAILDIR_INFO = mailbox.Maildir.colon


def _mbox(path: Path, budget: list[int]) -> Iterator[Item]:
    with path.open("rb") as fh:
        start = fh.read(1 << 16)
    if b"\r" in start and b"\n" not in start:
        yield from _mbox_cr(path, budget)
        return
    box = mailbox.mbox(path, factory=None, create=False)
    mtime = path.stat().st_mtime
    for index, key in enumerate(box.iterkeys()):
        raw = box.get_bytes(key)
        loader = _mbox_loader(box, key)
        yield Item(
            f"mbox:{path}#{index + 1}",
            _key(raw, mtime, f"{path}#{index:08d}"),
            loader,
            _keep(raw, budget),
        )


def _mbox_loader(box: mailbox.mbox, key) -> Callable[[], bytes]:
    return lambda: box.get_bytes(key)


# A line starting "From " in a file whose lines end in CR alone (old Mac OS mail programs),
# which the standard library's mbox reader, splitting on LF, takes for a single message.
_CR_FROM_LINE = re.compile(rb"(?:\A|\r)From [^\r]*\r")


def _mbox_cr(path: Path, budget: list[int]) -> Iterator[Item]:
    """The messages of an mbox file with CR-only line ends, split as mbox readers split LF
    files: at each "From " line; the blank line before it belongs to no message. The
    messages' bytes are kept as they are in the file."""
    data = path.read_bytes()
    mtime = path.stat().st_mtime
    lines = list(_CR_FROM_LINE.finditer(data))
    for index, match in enumerate(lines):
        begin = match.end()
        # Up to the CR ending the message's last line, without the blank line mbox writers
        # put after each message.
        stop = lines[index + 1].start() + 1 if index + 1 < len(lines) else len(data)
        if data[begin:stop].endswith(b"\r\r"):
            stop -= 1
        raw = data[begin:stop]
        yield Item(
            f"mbox:{path}#{index + 1}",
            _key(raw, mtime, f"{path}#{index:08d}"),
            _slice_loader(path, begin, stop),
            _keep(raw, budget),
        )


def _slice_loader(path: Path, begin: int, stop: int) -> Callable[[], bytes]:
    def load() -> bytes:
        with path.open("rb") as fh:
            fh.seek(begin)
            return fh.read(stop - begin)

    return load
