"""The files an ingest is given: PDFs named or found in folders, in a stable order, each with
the path it is recorded under; why an entry cannot be read as a file; a file's digest."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import UsageError
from pipeline.names import printable, storable_name


def discover(paths: list[Path]) -> list[Path]:
    """PDF files named directly or found (recursively) in folders, in a stable order. Entries
    named *.pdf that are not files (a FIFO, a dangling or looping link) are kept, so that
    ingest can say why it skips them."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix.lower() == ".pdf"
                            and not p.is_dir())
        elif path.exists() or path.is_symlink():
            found.append(path)
        else:
            raise UsageError(f"no such file or folder: {printable(str(path))}")
    unique = list(dict.fromkeys(_absolute(p) for p in found))
    return sorted(unique, key=lambda p: (p.name, str(p)))


@dataclass(frozen=True)
class Source:
    """A file to ingest and its path relative to the folder it was found in (provenance)."""

    path: Path
    source_path: str


def discover_sources(paths: list[Path]) -> list[Source]:
    """`discover`, each file with its path relative to the folder given (its name if the
    file was given itself)."""
    relative: dict[Path, str] = {}
    for path in paths:
        if path.is_dir():
            for pdf in sorted(p for p in path.rglob("*") if p.suffix.lower() == ".pdf"
                              and not p.is_dir()):
                relative.setdefault(_absolute(pdf), pdf.relative_to(path).as_posix())
    return [Source(p, storable_name(relative.get(p, p.name))) for p in discover(paths)]


def _absolute(path: Path) -> Path:
    try:
        return path.resolve(strict=True)
    except (OSError, RuntimeError):  # a dangling or looping link: named as it was found
        return Path(os.path.abspath(path))


_FILE_KINDS = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"),
               (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


def not_a_file(path: Path) -> str | None:
    """Why `path` cannot be read as a file (without opening it: a FIFO would block), or None."""
    try:
        mode = path.stat().st_mode
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "symbolic link loop"
        if path.is_symlink():
            return "broken symbolic link (its target does not exist)"
        return f"cannot read the file ({error.strerror or type(error).__name__})"
    if stat.S_ISREG(mode):
        return None
    kind = next((name for test, name in _FILE_KINDS if test(mode)), "not a file")
    return f"not a regular file ({kind})"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
