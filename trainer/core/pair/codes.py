"""Join codes: the address, the certificate pin and a 128-bit secret in one copyable word.

Layout (bytes, before base32): version, address length, address (UTF-8: `host:port` or
`unix:/path`), 32-byte SHA-256 fingerprint, 16-byte secret, 4-byte checksum (the first bytes
of SHA-256 over the rest). Lowercase base32 without padding, after a `trp1-` prefix: only
letters and digits, so a double click selects it whole and no shell quoting is needed; a
typo fails the checksum and gets a clear message instead of a confusing connection error.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

PREFIX = "trp1-"
VERSION = 1
SECRET_BYTES = 16
FINGERPRINT_BYTES = 32
CHECKSUM_BYTES = 4


class JoinCodeError(ValueError):
    """The text is not a trainer join code (typo, truncation, another version)."""


@dataclass(frozen=True)
class JoinCode:
    address: str  # "host:port", "[v6]:port" or "unix:/path"
    fingerprint: bytes
    secret: bytes

    @property
    def unix_path(self) -> str | None:
        return self.address[5:] if self.address.startswith("unix:") else None

    @property
    def host_port(self) -> tuple[str, int]:
        host, sep, port = self.address.rpartition(":")
        if not sep or not port.isdigit():
            raise JoinCodeError(f"bad address in join code: {self.address!r}")
        return host.strip("[]"), int(port)

    def encode(self) -> str:
        addr = self.address.encode()
        if len(addr) > 255:
            raise ValueError("address too long for a join code")
        body = bytes([VERSION, len(addr)]) + addr + self.fingerprint + self.secret
        raw = body + hashlib.sha256(body).digest()[:CHECKSUM_BYTES]
        return PREFIX + base64.b32encode(raw).decode().rstrip("=").lower()

    @classmethod
    def decode(cls, text: str) -> JoinCode:
        text = "".join(text.split()).lower()
        if not text.startswith(PREFIX):
            raise JoinCodeError("this is not a trainer join code (it should start with trp1-)")
        data = text[len(PREFIX) :].upper()
        try:
            raw = base64.b32decode(data + "=" * (-len(data) % 8))
        except ValueError:
            raise JoinCodeError("this is not a trainer join code (unexpected characters)") from None
        body, check = raw[:-CHECKSUM_BYTES], raw[-CHECKSUM_BYTES:]
        if len(raw) < 2 + CHECKSUM_BYTES or not hmac.compare_digest(
            hashlib.sha256(body).digest()[:CHECKSUM_BYTES], check
        ):
            raise JoinCodeError(
                "this is not a trainer join code (checksum mismatch: a typo or a cut-off copy?)"
            )
        if body[0] != VERSION:
            raise JoinCodeError(f"join code version {body[0]} is not supported by this trainer")
        n = body[1]
        if len(body) != 2 + n + FINGERPRINT_BYTES + SECRET_BYTES:
            raise JoinCodeError("this is not a trainer join code (wrong length)")
        try:
            address = body[2 : 2 + n].decode()
        except UnicodeDecodeError:
            raise JoinCodeError("this is not a trainer join code (bad address)") from None
        fp = body[2 + n : 2 + n + FINGERPRINT_BYTES]
        return cls(address, fp, body[2 + n + FINGERPRINT_BYTES :])


def new_secret() -> bytes:
    return secrets.token_bytes(SECRET_BYTES)
