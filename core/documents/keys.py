"""The keys that sign issued documents, and the roots their signatures chain to.

Production reads one PKCS#12 file (``SIGNING_PKCS12_PATH`` and
``SIGNING_PKCS12_PASSPHRASE``; its chain, if any, inside the file) and signs for
every organizer with it. A mapping from each organizer to its own PKCS#12 file is
future work.

Without that setting, a demo certificate authority ("Cụm thi đua — CA thử
nghiệm", 10 years) and one certificate per organizer (subject CN = the
organizer's name, key usage digitalSignature + nonRepudiation) are made in
``SIGNING_KEYS_DIR`` on first use, each as a PKCS#12 file with a random
passphrase next to it (both mode 0600), plus the CA certificate as PEM. A file
lock serializes creation between processes and every file is renamed into
place, so the web process and a worker never see half a key. Demo keys are
refused unless SIGNING_DEMO_KEYS is on (its default follows DEBUG).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1
from pyhanko.sign.signers import SimpleSigner

DEMO_REFUSED = (
    "Signing documents needs SIGNING_PKCS12_PATH and SIGNING_PKCS12_PASSPHRASE: the "
    "demo certificate authority in SIGNING_KEYS_DIR is for development only "
    "(SIGNING_DEMO_KEYS is off)."
)
CA_COMMON_NAME = "Cụm thi đua — CA thử nghiệm"
CA_ORGANIZATION = "Cụm thi đua"
CA_YEARS = 10
ORGANIZER_CERT_YEARS = 3


def _keys_dir() -> Path:
    return Path(settings.SIGNING_KEYS_DIR)


@contextlib.contextmanager
def _keys_lock() -> Iterator[Path]:
    """Serialize key creation between processes (web, worker) with a file lock."""
    directory = _keys_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(directory / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield directory
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_private(path: Path, data: bytes) -> None:
    """Write a file readable by its owner only, atomically (rename into place)."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "wb") as output:
            output.write(data)
            output.flush()
            os.fsync(output.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _store_pkcs12(
    stem: Path, name: str, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate, chain: list
) -> None:
    passphrase = secrets.token_urlsafe(32).encode()
    data = pkcs12.serialize_key_and_certificates(
        name.encode(), key, cert, chain or None, serialization.BestAvailableEncryption(passphrase)
    )
    # The passphrase first: whoever sees the .p12 can also read its passphrase.
    _write_private(stem.with_suffix(".pass"), passphrase)
    _write_private(stem.with_suffix(".p12"), data)


def _load_pkcs12(stem: Path) -> tuple[Any, x509.Certificate, list[x509.Certificate]]:
    passphrase = stem.with_suffix(".pass").read_bytes().strip()
    key, cert, chain = pkcs12.load_key_and_certificates(
        stem.with_suffix(".p12").read_bytes(), passphrase
    )
    return key, cert, list(chain)


def _name(common_name: str, organization: str) -> x509.Name:
    # X.509 caps a common name at 64 characters; the organization keeps the full text.
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        ]
    )


def _issue(
    *,
    subject: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name,
    issuer_key: ec.EllipticCurvePrivateKey,
    years: int,
    ca: bool,
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=not ca,  # nonRepudiation
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    )
    return builder.sign(issuer_key, hashes.SHA256())


def _require_demo_allowed() -> None:
    if not settings.SIGNING_DEMO_KEYS:
        raise ImproperlyConfigured(DEMO_REFUSED)


def _demo_ca(directory: Path) -> tuple[Any, x509.Certificate]:
    """The demo CA's key and certificate, made on first use (caller holds the lock)."""
    stem = directory / "demo-ca"
    if not stem.with_suffix(".p12").exists():
        key = ec.generate_private_key(ec.SECP256R1())
        name = _name(CA_COMMON_NAME, CA_ORGANIZATION)
        cert = _issue(subject=name, key=key, issuer=name, issuer_key=key, years=CA_YEARS, ca=True)
        _store_pkcs12(stem, CA_COMMON_NAME, key, cert, [])
    key, cert, _chain = _load_pkcs12(stem)
    if not stem.with_suffix(".pem").exists():
        _write_private(stem.with_suffix(".pem"), cert.public_bytes(serialization.Encoding.PEM))
    return key, cert


def organizer_name(organizer_id: int) -> str:
    # Through the app registry, so core/ stays free of domain imports.
    organizer_model = apps.get_model("clusters", "Organizer")
    return organizer_model.objects.values_list("name", flat=True).get(pk=organizer_id)


def _demo_signer(organizer_id: int) -> SimpleSigner:
    _require_demo_allowed()
    name = organizer_name(organizer_id)
    with _keys_lock() as directory:
        ca_key, ca_cert = _demo_ca(directory)
        stem = directory / f"organizer-{int(organizer_id)}"
        current = None
        if stem.with_suffix(".p12").exists():
            current = _load_pkcs12(stem)
            common_name = current[1].subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
            if common_name != name[:64]:
                current = None  # the organizer was renamed: issue a certificate in its name
        if current is None:
            key = ec.generate_private_key(ec.SECP256R1())
            cert = _issue(
                subject=_name(name, name),
                key=key,
                issuer=ca_cert.subject,
                issuer_key=ca_key,
                years=ORGANIZER_CERT_YEARS,
                ca=False,
            )
            _store_pkcs12(stem, name, key, cert, [ca_cert])
        data = stem.with_suffix(".p12").read_bytes()
        passphrase = stem.with_suffix(".pass").read_bytes().strip()
    return SimpleSigner.load_pkcs12_data(data, other_certs=[], passphrase=passphrase)


def _configured_pkcs12() -> tuple[bytes, bytes]:
    path = Path(settings.SIGNING_PKCS12_PATH)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImproperlyConfigured(f"SIGNING_PKCS12_PATH cannot be read: {exc}") from exc
    return data, settings.SIGNING_PKCS12_PASSPHRASE.encode()


def organizer_signer(organizer_id: int) -> SimpleSigner:
    """The pyHanko signer for an organizer's documents."""
    if not settings.SIGNING_PKCS12_PATH:
        return _demo_signer(organizer_id)
    data, passphrase = _configured_pkcs12()
    try:
        return SimpleSigner.load_pkcs12_data(data, other_certs=[], passphrase=passphrase or None)
    except ValueError as exc:
        raise ImproperlyConfigured(
            "SIGNING_PKCS12_PATH cannot be opened with SIGNING_PKCS12_PASSPHRASE."
        ) from exc


def trust_roots() -> list[asn1_x509.Certificate]:
    """The certificates our signatures chain to: the demo CA, or the top of the
    configured PKCS#12's chain (the signing certificate itself when it has none)."""
    if settings.SIGNING_PKCS12_PATH:
        data, passphrase = _configured_pkcs12()
        try:
            _key, cert, chain = pkcs12.load_key_and_certificates(data, passphrase or None)
        except ValueError as exc:
            raise ImproperlyConfigured("SIGNING_PKCS12_PATH cannot be opened.") from exc
        roots = [c for c in chain if c.issuer == c.subject] or chain[-1:] or [cert]
        return [translate_pyca_cryptography_cert_to_asn1(c) for c in roots if c is not None]
    if not settings.SIGNING_DEMO_KEYS:
        return []  # no demo CA in production: nothing is trusted until a PKCS#12 is set
    with _keys_lock() as directory:
        pem = directory / "demo-ca.pem"
        if not pem.exists():
            _demo_ca(directory)
        ca_cert = x509.load_pem_x509_certificate(pem.read_bytes())
    return [translate_pyca_cryptography_cert_to_asn1(ca_cert)]
