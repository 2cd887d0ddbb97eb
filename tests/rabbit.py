"""A RabbitMQ virtual host per test run, so runs sharing one server never see each other's queues."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote, urlsplit, urlunsplit


@contextmanager
def private_vhost(server_url: str, name: str) -> Iterator[str]:
    ctl = shutil.which("rabbitmqctl")
    if ctl is None:
        raise RuntimeError("RabbitMQ tests need rabbitmqctl on this machine to create a private vhost")
    parts = urlsplit(server_url)
    user = parts.username or "guest"
    subprocess.run([ctl, "add_vhost", name], check=True, capture_output=True)
    subprocess.run([ctl, "set_permissions", "-p", name, user, ".*", ".*", ".*"], check=True, capture_output=True)
    try:
        yield urlunsplit(parts._replace(path="/" + quote(name, safe="")))
    finally:
        subprocess.run([ctl, "delete_vhost", name], check=False, capture_output=True)
