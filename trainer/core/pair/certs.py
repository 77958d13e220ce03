"""An ephemeral self-signed certificate per session and TLS 1.3-only contexts for both sides.

There is no CA: the guest pins the certificate's SHA-256 fingerprint carried in the join code,
and checks it on the peer certificate after the handshake, before it sends anything secret.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import ssl
import tempfile
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class Certificate:
    """A certificate and its private key in PEM, kept in memory only."""

    cert_pem: bytes
    key_pem: bytes
    fingerprint: bytes  # SHA-256 of the DER certificate, 32 bytes


def fingerprint_of(der: bytes) -> bytes:
    return hashlib.sha256(der).digest()


def make_certificate(valid_for: dt.timedelta = dt.timedelta(days=1)) -> Certificate:
    """A fresh P-256 key and certificate: nothing persists between sessions."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "trainer pair session")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + valid_for)
        .sign(key, hashes.SHA256())
    )
    der = cert.public_bytes(serialization.Encoding.DER)
    return Certificate(
        cert.public_bytes(serialization.Encoding.PEM),
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        fingerprint_of(der),
    )


def server_context(cert: Certificate) -> ssl.SSLContext:
    """TLS 1.3 only. `ssl` loads keys from files only, so they live in a private temp dir
    (0700, removed at once)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    with tempfile.TemporaryDirectory(prefix="trainer-pair-") as tmp:
        path = os.path.join(tmp, "cert.pem")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(cert.key_pem + cert.cert_pem)
        ctx.load_cert_chain(path)
    return ctx


def client_context() -> ssl.SSLContext:
    """TLS 1.3 only, no CA check: trust comes from the pinned fingerprint (`check_pin`)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def check_pin(ssl_object: ssl.SSLObject | None, expected: bytes) -> bool:
    """The peer's DER certificate hashes to the pinned fingerprint (constant-time compare)."""
    if ssl_object is None:
        return False
    der = ssl_object.getpeercert(binary_form=True)
    return der is not None and hmac.compare_digest(fingerprint_of(der), expected)
