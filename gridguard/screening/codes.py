"""核酸码: the code that identifies a person to the sampler without their identity number or name.

A code is ``N`` and 16 base32 characters (upper-case letters and digits, so a keyboard-wedge
scanner types it as it is): the person's id (4 bytes), the code's version (1 byte) and a 5-byte
HMAC of both under the server's secret. It needs no row per person: it is checked by its HMAC,
and a reissued code (``PersonCode.version`` raised) makes every older version stop working.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import struct

from django.conf import settings

PREFIX = "N"
LENGTH = 17
_SALT = "gridguard.screening.person-code"


@functools.cache
def _key(secret: str) -> bytes:
    """The code's own key, derived from the server's secret (Django's salted_hmac does the same on
    every call; a scanner's batch checks a thousand codes)."""
    return hashlib.sha256((_SALT + secret).encode()).digest()


def _mac(body: bytes) -> bytes:
    return hmac.new(_key(settings.SECRET_KEY), body, hashlib.sha256).digest()[:5]


def make_code(person_id: int, version: int = 0) -> str:
    body = struct.pack(">IB", person_id, version % 256)
    return PREFIX + base64.b32encode(body + _mac(body)).decode()


def read_code(raw: str) -> tuple[int, int] | None:
    """``(person_id, version % 256)`` of a well-formed, genuine code, else None."""
    text = raw.strip().upper()
    if len(text) != LENGTH or not text.startswith(PREFIX):
        return None
    try:
        data = base64.b32decode(text[1:])
    except ValueError:
        return None
    body, mac = data[:5], data[5:]
    if not hmac.compare_digest(mac, _mac(body)):
        return None
    person_id, version = struct.unpack(">IB", body)
    return person_id, version


def looks_like_code(raw: str) -> bool:
    text = raw.strip().upper()
    return len(text) == LENGTH and text.startswith(PREFIX)
