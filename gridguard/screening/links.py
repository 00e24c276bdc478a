"""The personal link (个人核酸码链接) a resident opens on their phone to show their code.

The link carries a token: the person's id and code version (5 bytes) and a 16-byte HMAC of both under
the server's secret, with its own salt (a person's code cannot be turned into a link, nor a link
into a code by anyone without the secret). It needs no row: it is checked by its HMAC, and it stops
working when the code is reissued (the version in the token is no longer the person's)."""

from __future__ import annotations

import base64
import binascii
import struct

from django.utils.crypto import constant_time_compare, salted_hmac

_SALT = "gridguard.screening.person-link"
_MAC_BYTES = 16


def _mac(body: bytes) -> bytes:
    return salted_hmac(_SALT, body, algorithm="sha256").digest()[:_MAC_BYTES]


def make_link_token(person_id: int, version: int) -> str:
    body = struct.pack(">IB", person_id, version % 256)
    return base64.urlsafe_b64encode(body + _mac(body)).decode().rstrip("=")


def read_link_token(token: str) -> tuple[int, int] | None:
    """``(person_id, version % 256)`` of a genuine token, else None."""
    if not 20 <= len(token) <= 40:
        return None
    try:
        data = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(data) != 5 + _MAC_BYTES:
        return None
    body, mac = data[:5], data[5:]
    if not constant_time_compare(mac, _mac(body)):
        return None
    person_id, version = struct.unpack(">IB", body)
    return person_id, version
