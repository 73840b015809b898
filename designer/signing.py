"""Sinch callback request signing (``Authorization: application KEY:SIGNATURE``).

The platform signs every callback with the application secret::

    SIG = Base64(HMAC-SHA256(Base64Decode(SECRET),
                 METHOD \\n CONTENT-MD5 \\n CONTENT-TYPE \\n x-timestamp:X \\n PATH))

where CONTENT-MD5 is Base64(MD5(body)) or ``''`` for an empty body and
CONTENT-TYPE is the header verbatim (a ``; charset=`` suffix is signed too).
``../shared/sinch/signing-vectors.json`` holds the reference vectors.

Pure functions: no clock reads (``now`` is passed in) and no I/O.  A failed
check raises ``SignatureInvalid`` whose message is the reason, safe to log:
it never contains the secret or the expected signature.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable
from datetime import datetime, timedelta

from designer.errors import SignatureInvalid
from designer.isotime import parse_iso

SCHEME = "application"
DEFAULT_REPLAY_WINDOW = timedelta(minutes=10)

KeyLookup = Callable[[str], "str | None"]


def _as_bytes(body: bytes | str | None) -> bytes:
    if body is None:
        return b""
    return body.encode("utf-8") if isinstance(body, str) else body


def content_md5(body: bytes | str | None) -> str:
    """Base64 of the MD5 of the raw body; ``''`` for an empty body, as Sinch signs it."""
    raw = _as_bytes(body)
    if not raw:
        return ""
    return base64.b64encode(hashlib.md5(raw).digest()).decode("ascii")


def string_to_sign(
    method: str, content_type: str, x_timestamp: str, path: str, body: bytes | str | None
) -> str:
    return "\n".join(
        [method.upper(), content_md5(body), content_type, f"x-timestamp:{x_timestamp}", path]
    )


def _decode_secret(secret_b64: str) -> bytes:
    try:
        return base64.b64decode(secret_b64, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureInvalid("the configured application secret is not valid base64") from None


def sign(
    secret_b64: str,
    method: str,
    content_type: str,
    x_timestamp: str,
    path: str,
    body: bytes | str | None,
) -> str:
    """The Base64 signature Sinch puts after ``KEY:`` in the Authorization header."""
    mac = hmac.new(
        _decode_secret(secret_b64),
        string_to_sign(method, content_type, x_timestamp, path, body).encode("utf-8"),
        hashlib.sha256,
    )
    return base64.b64encode(mac.digest()).decode("ascii")


def authorization(
    key: str,
    secret_b64: str,
    method: str,
    content_type: str,
    x_timestamp: str,
    path: str,
    body: bytes | str | None,
) -> str:
    """The whole ``Authorization`` header value (used by the simulator and tests)."""
    return f"{SCHEME} {key}:{sign(secret_b64, method, content_type, x_timestamp, path, body)}"


def parse_authorization(header: str | None) -> tuple[str, str]:
    """``(key, signature)`` from ``application KEY:SIGNATURE``; raises with the reason."""
    if not header or not header.strip():
        raise SignatureInvalid("missing Authorization header")
    scheme, _, credentials = header.strip().partition(" ")
    if scheme.lower() != SCHEME:
        raise SignatureInvalid(f"Authorization scheme must be {SCHEME!r}, got {scheme[:20]!r}")
    key, sep, signature = credentials.strip().rpartition(":")
    if not sep or not key or not signature:
        raise SignatureInvalid("Authorization header must be 'application KEY:SIGNATURE'")
    return key, signature


def key_of(header: str | None) -> str | None:
    """The application key named by an Authorization header, or None when unreadable."""
    try:
        return parse_authorization(header)[0]
    except SignatureInvalid:
        return None


def parse_timestamp(value: str) -> datetime:
    """An ISO-8601 ``x-timestamp`` as an aware UTC datetime (``Z`` accepted)."""
    try:
        return parse_iso(value)
    except ValueError:
        raise SignatureInvalid(f"x-timestamp {value[:40]!r} is not an ISO-8601 time") from None


def verify(
    authorization_header: str | None,
    method: str,
    content_type: str | None,
    x_timestamp: str | None,
    path: str,
    body: bytes | str | None,
    key_lookup: KeyLookup,
    now: datetime | None = None,
    replay_window: timedelta | None = None,
) -> str:
    """Check a callback's signature and return the application key it was signed with.

    ``key_lookup(key)`` returns the base64 secret of a known application, or
    None.  Replay protection is on when ``now`` is given: the x-timestamp must
    then be within ``replay_window`` (default 10 minutes) of ``now``.
    """
    key, signature = parse_authorization(authorization_header)
    if x_timestamp is None or not x_timestamp.strip():
        raise SignatureInvalid("missing x-timestamp header")
    if now is not None:
        window = DEFAULT_REPLAY_WINDOW if replay_window is None else replay_window
        skew = abs(now - parse_timestamp(x_timestamp))
        if skew > window:
            raise SignatureInvalid(
                f"x-timestamp is {int(skew.total_seconds())} s away from the server clock "
                f"(allowed {int(window.total_seconds())} s)"
            )
    secret = key_lookup(key)
    if not secret:
        raise SignatureInvalid(f"unknown application key {key[:64]!r}")
    expected = sign(secret, method, content_type or "", x_timestamp, path, body)
    if not hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8", "replace")):
        raise SignatureInvalid(
            "signature does not match (method, path, content type, x-timestamp or body differ)"
        )
    return key
