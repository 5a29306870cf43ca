"""Raw files stored as received, in pieces: written while the file is read, read back as a
stream, so that storing or serving a file of any size never holds it whole.

A file given as a path (:class:`RawFile`) is hashed in one pass of :data:`CHUNK`-sized pieces
and stored as ``raw_file_chunk`` rows, with an empty ``content`` in its ``raw_file`` row. A
file given as bytes (a small upload) is stored whole, as before migration 0009. Reading
handles both (:func:`read_pieces`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from migstat.i18n import N_
from migstat.store import schema as S
from migstat.store.engine import StoreError

CHUNK = 1 << 20
"""Bytes per stored piece (1 MiB): small enough to hold, large enough to keep rows few."""


class RawFile:
    """A file on disk to be stored as received, read in pieces of :data:`CHUNK` bytes."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._digest: tuple[str, int] | None = None

    def digest(self) -> tuple[str, int]:
        """``(sha256, size)`` of the file, read once in pieces."""
        if self._digest is None:
            sha = hashlib.sha256()
            size = 0
            for piece in self._pieces():
                sha.update(piece)
                size += len(piece)
            self._digest = (sha.hexdigest(), size)
        return self._digest

    def _pieces(self) -> Iterator[bytes]:
        with self.path.open("rb") as handle:
            while piece := handle.read(CHUNK):
                yield piece

    def pieces(self) -> Iterator[bytes]:
        """The file's pieces; raises :class:`StoreError` at the end when the file changed
        since :meth:`digest` (the transaction storing them then rolls back)."""
        expected, _ = self.digest()
        sha = hashlib.sha256()
        for piece in self._pieces():
            sha.update(piece)
            yield piece
        if sha.hexdigest() != expected:
            raise StoreError(
                N_("{file} changed while it was being stored; nothing was stored. Try again."),
                file=self.path.name,
            )


def write_pieces(conn: Connection, raw: RawFile, digest: str) -> None:
    """Store ``raw``'s pieces under ``digest`` (its ``raw_file`` row was just inserted)."""
    for seq, piece in enumerate(raw.pieces()):
        conn.execute(sa.insert(S.raw_file_chunk), {"sha256": digest, "seq": seq, "data": piece})


def read_pieces(conn: Connection, digest: str) -> Iterator[bytes]:
    """The stored bytes of the raw file ``digest``, a piece at a time: its whole content when
    the row holds it (files stored before pieces existed), else its pieces in order, each
    fetched on its own so that no more than one is held."""
    content = conn.execute(
        sa.select(S.raw_file.c.content).where(S.raw_file.c.sha256 == digest)
    ).scalar_one()
    if content:
        yield bytes(content)
        return
    chunk = S.raw_file_chunk
    seq = 0
    while True:
        piece = conn.execute(
            sa.select(chunk.c.data).where(chunk.c.sha256 == digest, chunk.c.seq == seq)
        ).scalar()
        if piece is None:
            return
        yield bytes(piece)
        seq += 1
