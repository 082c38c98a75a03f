"""Random (version 4) UUIDs, as ``str(uuid.uuid4())`` gives them, without importing uuid.

The standard library's uuid module imports ``platform`` (and runs ``platform.system()``)
when it loads: ~2 ms of every fresh process's first ``lab.deploy``, for identifiers that
are 16 random bytes with two fields set. Revision ids, policy revisions and environment ids
come from here.
"""

from __future__ import annotations

import os


def uuid4() -> str:
    """A random UUID in its canonical form ("8-4-4-4-12" lower-case hex, RFC 4122 v4)."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # the RFC 4122 variant
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def uuid4_hex() -> str:
    """The same, as 32 hex digits without dashes (``uuid.uuid4().hex``)."""
    return uuid4().replace("-", "")
