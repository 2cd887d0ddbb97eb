"""`onecard doctor`'s TLS check against real TLS servers: a certificate from a CA the check trusts
(as phones trust the public ones), one about to expire, an expired one and a self-signed one.

Each server is a thread answering TLS handshakes on 127.0.0.1 with a certificate made here.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from onecard.checks import Status
from onecard.doctor.tls import check_tls

Key = ec.EllipticCurvePrivateKey


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def certificate(subject: str, key: Key, issuer: tuple[str, Key] | None, *, days: int, ca: bool = False,
                start_days_ago: int = 1) -> x509.Certificate:
    """A certificate for `subject` (also its DNS/IP name), signed by `issuer` or by itself."""
    now = datetime.now(UTC)
    issuer_name, issuer_key = issuer or (subject, key)
    builder = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer_name))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - timedelta(days=start_days_ago)).not_valid_after(now + timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if not ca:
        import ipaddress

        builder = builder.add_extension(x509.SubjectAlternativeName(
            [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def pem(tmp: Path, name: str, cert: x509.Certificate, key: Key | None = None) -> Path:
    path = tmp / name
    data = cert.public_bytes(serialization.Encoding.PEM)
    if key is not None:
        data += key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
    path.write_bytes(data)
    return path


@contextmanager
def tls_server(chain: Path) -> Iterator[int]:
    """A TLS listener on 127.0.0.1 presenting `chain` (certificate and key); its port."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)  # so that the thread sees `stop` (closing does not wake an accept)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            with suppress(OSError):
                conn, _ = listener.accept()
                conn.settimeout(5)
                with suppress(OSError, ssl.SSLError), context.wrap_socket(conn, server_side=True):
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        listener.close()
        thread.join(timeout=5)


class Authority:
    """A CA of our own and a client context that trusts it (and nothing else)."""

    def __init__(self, tmp: Path) -> None:
        self.tmp, self.key = tmp, ec.generate_private_key(ec.SECP256R1())
        self.cert = certificate("onecard test CA", self.key, None, days=3650, ca=True)
        self.context = ssl.create_default_context(cafile=str(pem(tmp, "ca.pem", self.cert)))

    def chain(self, name: str, *, days: int, start_days_ago: int = 1) -> Path:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = certificate("localhost", key, ("onecard test CA", self.key), days=days, start_days_ago=start_days_ago)
        return pem(self.tmp, name, cert, key)


def test_a_trusted_certificate_far_from_expiry_passes(tmp_path: Path) -> None:
    ca = Authority(tmp_path)
    with tls_server(ca.chain("good.pem", days=365)) as port:
        [check] = check_tls(f"https://localhost:{port}", production=True, context=ca.context)
    assert check.status is Status.OK and "证书有效" in check.finding and "还有 364 天" in check.finding


def test_a_certificate_expiring_within_30_days_is_a_warning_to_renew(tmp_path: Path) -> None:
    ca = Authority(tmp_path)
    with tls_server(ca.chain("soon.pem", days=10)) as port:
        [check] = check_tls(f"https://localhost:{port}", production=True, context=ca.context)
    assert check.status is Status.WARN and "不足 30 天" in check.finding and "续期" in check.remedy


def test_an_expired_certificate_is_a_blocker(tmp_path: Path) -> None:
    ca = Authority(tmp_path)
    with tls_server(ca.chain("expired.pem", days=-1, start_days_ago=90)) as port:
        [check] = check_tls(f"https://localhost:{port}", production=True, context=ca.context)
    assert check.blocker and "expired" in check.finding


def test_a_self_signed_certificate_is_a_blocker(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    chain = pem(tmp_path, "self.pem", certificate("localhost", key, None, days=365), key)
    with tls_server(chain) as port:
        [check] = check_tls(f"https://localhost:{port}", production=True)  # the system's roots, as a phone
    assert check.blocker and "self-signed" in check.finding and "自签名" in check.remedy


def test_plain_http_blocks_production_and_warns_on_the_embedded_default() -> None:
    [production] = check_tls("http://card.example.edu.cn", production=True)
    [embedded] = check_tls("http://127.0.0.1:8080", production=False)
    assert production.blocker and "明文 http" in production.finding
    assert embedded.status is Status.WARN and "上线前必须改" in embedded.finding


def test_nothing_listening_on_the_public_port_is_a_blocker() -> None:
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]
    [check] = check_tls(f"https://localhost:{port}", production=True, timeout=2)
    assert check.blocker and "TLS 连接失败" in check.finding
