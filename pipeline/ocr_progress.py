"""OCR progress from the extraction worker processes back to the process that shows it.

A file is extracted in a forked worker (pipeline.run), and OCR reports each page it read
there (`ocr_pages.page_read`). Inside `relay_ocr_pages`, that report is written as one short
line into a pipe made before the workers are forked: they inherit its writing end and the
hook that writes to it, so nothing has to be handed to a job or a pool. A thread of this
process reads the lines and calls the callback. A line is shorter than PIPE_BUF, so the
writes of several workers never interleave.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import TypeVar

from pipeline.extract.ocr_pages import OcrPageRead, PageProgress, on_ocr_page

# A report's file name is cut to this, so a line stays under PIPE_BUF (4096 on Linux, 512
# the POSIX minimum): writes up to PIPE_BUF are atomic.
_NAME_CHARS = 120
_END = b"end\n"
Item = TypeVar("Item")


def encode(event: OcrPageRead) -> bytes:
    """One line of ASCII JSON (file names escaped), under 512 bytes."""
    fields = asdict(event)
    fields["file_name"] = event.file_name[:_NAME_CHARS]
    return (json.dumps(fields, ensure_ascii=True) + "\n").encode("ascii")


def decode(line: bytes) -> OcrPageRead:
    return OcrPageRead(**json.loads(line))


@contextmanager
def relay_ocr_pages(callback: PageProgress | None) -> Iterator[None]:
    """Every OCR'd page of this block, in this process or in a worker forked inside it,
    reaches `callback` (called from a thread of this process). None: nothing is relayed."""
    if callback is None:
        yield
        return
    read_end, write_end = os.pipe()

    def write(event: OcrPageRead) -> None:
        # A worker still writing after the block ended finds the pipe closed: the report is
        # dropped, the extraction goes on.
        with contextlib.suppress(OSError):
            os.write(write_end, encode(event))

    listener = threading.Thread(target=_listen, args=(read_end, callback), daemon=True,
                                name="ocr-progress")
    listener.start()
    on_ocr_page(write)
    try:
        yield
    finally:
        on_ocr_page(None)
        os.write(write_end, _END)
        listener.join(timeout=5)
        os.close(write_end)
        os.close(read_end)


def relayed(items: Iterable[Item], callback: PageProgress | None) -> Iterator[Item]:
    """`items` (a generator that forks the workers as it runs), with their OCR'd pages
    relayed to `callback` while it runs."""
    with relay_ocr_pages(callback):
        yield from items


def _listen(read_end: int, callback: PageProgress) -> None:
    pending = b""
    while True:
        chunk = os.read(read_end, 65536)
        if not chunk:
            return
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            if line + b"\n" == _END:
                return
            try:
                callback(decode(line))
            except Exception:  # noqa: BLE001 - a progress display must never stall extraction
                continue
