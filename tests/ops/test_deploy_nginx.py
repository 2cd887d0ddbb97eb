"""`onecard deploy nginx`: the TLS site it writes passes nginx's own check, and proxies what it should.

`nginx -t` reads the site inside an `http {}` block written here (as /etc/nginx/nginx.conf would
include it), with the pid, logs and temporary folders in the test's folder, and loads the TLS
certificate and key: a self-signed pair made here. Nothing needs root.
"""

from __future__ import annotations

import datetime
import subprocess
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from onecard.settings import Settings
from tests.ops.deploy import onecard
from tests.ops.tools import tool

SERVER = "card.example.edu.cn"


def _self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, SERVER)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(SERVER)]), critical=False)
            .sign(key, hashes.SHA256()))
    chain, private = folder / "fullchain.pem", folder / "privkey.pem"
    chain.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return chain, private


def _nginx_check(folder: Path, site: Path) -> subprocess.CompletedProcess[str]:
    temp = {name: folder / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir(exist_ok=True)
    conf = folder / "nginx.conf"
    conf.write_text(f"""pid {folder / 'nginx.pid'};
error_log {folder / 'error.log'};
events {{}}
http {{
    access_log {folder / 'access.log'};
{''.join(f'    {name}_temp_path {path};{chr(10)}' for name, path in temp.items())}    include {site};
}}
""")
    return subprocess.run([tool("nginx"), "-t", "-p", str(folder), "-e", str(folder / "error.log"), "-c", str(conf)],
                          capture_output=True, text=True, timeout=60)


def _site(tmp_path: Path, *options: str) -> tuple[Path, str]:
    chain, key = _self_signed(tmp_path)
    assert onecard("deploy", "nginx", "--server-name", SERVER, "--output", str(tmp_path / "site"),
                   "--certificate", str(chain), "--certificate-key", str(key), *options) == 0
    site = tmp_path / "site" / "onecard.conf"
    return site, site.read_text()


def test_the_site_passes_nginx_t_with_a_real_certificate(tmp_path: Path) -> None:
    site, _ = _site(tmp_path, "--admin-from", "10.0.0.0/8", "--admin-from", "192.168.1.0/24")
    result = _nginx_check(tmp_path, site)
    assert result.returncode == 0 and "test is successful" in result.stderr, result.stderr

    # The check is a check: a site nginx cannot read fails it.
    site.write_text(site.read_text().replace("proxy_read_timeout", "proxy_read_timeut", 1))
    refused = _nginx_check(tmp_path, site)
    assert refused.returncode != 0 and "proxy_read_timeut" in refused.stderr


def test_the_site_redirects_to_https_proxies_the_public_port_and_never_the_operations_port(tmp_path: Path) -> None:
    settings = Settings()
    _, text = _site(tmp_path)
    assert f"server 127.0.0.1:{settings.http_port};" in text and str(settings.ops_port) not in text
    assert "return 301 https://$host$request_uri;" in text
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in text and "X-Forwarded-For $remote_addr;" in text
    for callback in ("/wechat", "/wechatpay/notify", "/cardsystem/events"):
        block = text.split(f"location = {callback} {{", 1)[1].split("}", 1)[0]
        assert f"client_max_body_size {settings.max_body_bytes};" in block
    assert "allow" not in text and "deny" not in text  # /admin open unless --admin-from names networks


def test_a_server_name_that_is_not_a_host_name_is_refused(tmp_path: Path) -> None:
    assert onecard("deploy", "nginx", "--server-name", "x; include /etc/passwd", "--output", str(tmp_path)) == 2
    assert not (tmp_path / "onecard.conf").exists()
