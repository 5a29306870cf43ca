"""Where the real published data live: ``MIGSTAT_SHARED_DATA``, else ``shared/data`` beside the
repository (the layout of every checkout and of CI)."""

from __future__ import annotations

import os
from pathlib import Path

SHARED_DATA = Path(
    os.environ.get("MIGSTAT_SHARED_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data"
)
