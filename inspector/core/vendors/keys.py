"""Key-pair signatures for the providers that use them: Ed25519 (Discord) and ECDSA P-256
with SHA-256 (SendGrid), through the ``cryptography`` package.

Imported on first use only: most runs never see such a webhook, and loading the library
costs start-up time. The sample keys are made from a fixed seed so that ``simulate``
signs with a private key whose public key a user can put on an endpoint to see a valid
sample; they are not secrets.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any


def sample_seed(label: str) -> bytes:
    """32 fixed bytes for a sample key (not a secret: anyone can make the same)."""
    return hashlib.sha256(f"webhook-inspector sample key: {label}".encode()).digest()


# -- Ed25519 ------------------------------------------------------------------------------


def ed25519_public_bytes(hex_key: str) -> bytes:
    """The 32 bytes of a hex Ed25519 public key; ValueError with a sentence otherwise."""
    try:
        raw = bytes.fromhex(hex_key.strip())
    except ValueError:
        raise ValueError("an Ed25519 public key is 64 hex digits; this one is not hex") from None
    if len(raw) != 32:
        raise ValueError(
            f"an Ed25519 public key is 32 bytes (64 hex digits); this one has {len(raw)}"
        )
    return raw


def ed25519_verify(hex_key: str, signature: bytes, data: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    key = Ed25519PublicKey.from_public_bytes(ed25519_public_bytes(hex_key))
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True


def ed25519_sign(seed_hex: str, data: bytes) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed_hex)).sign(data)


def ed25519_public_of(seed_hex: str) -> str:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed_hex)).public_key()
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


# -- ECDSA P-256 --------------------------------------------------------------------------


def p256_public_key(b64_key: str) -> Any:
    """The key from base64 DER (SubjectPublicKeyInfo), as SendGrid shows it; a PEM text is
    taken too. ValueError with a sentence when it is not a P-256 public key."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    text = b64_key.strip()
    if text.startswith("-----BEGIN"):
        text = "".join(line for line in text.splitlines() if not line.startswith("-----"))
    try:
        der = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the public key is not base64 (SendGrid shows it as base64)") from None
    try:
        key = load_der_public_key(der)
    except (ValueError, TypeError):
        raise ValueError("the public key's bytes are not a public key (DER)") from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise ValueError("the public key is not an ECDSA P-256 key")
    return key


def p256_verify(b64_key: str, signature: bytes, data: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    key = p256_public_key(b64_key)
    try:
        key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def _p256_private(seed_hex: str) -> Any:
    from cryptography.hazmat.primitives.asymmetric import ec

    # A seed below the curve's order (the top bit cleared) is a valid private value.
    value = int.from_bytes(bytes.fromhex(seed_hex), "big") >> 1
    return ec.derive_private_key(value or 1, ec.SECP256R1())


def p256_sign(seed_hex: str, data: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    return bytes(_p256_private(seed_hex).sign(data, ec.ECDSA(hashes.SHA256())))


def p256_public_of(seed_hex: str) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    der = (
        _p256_private(seed_hex)
        .public_key()
        .public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    )
    return base64.b64encode(der).decode("ascii")
