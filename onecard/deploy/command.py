"""`onecard deploy systemd|nginx`: write a host's service files into a folder, for the admin to install."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path, PurePosixPath

from onecard.deploy.backup_units import backup_units
from onecard.deploy.envfile import PLACEHOLDER, env_file
from onecard.deploy.host import CARD_FEED, METRICS_PORT_BASE, Host, Scale, platform_processes
from onecard.deploy.nginx import Site, nginx_site
from onecard.deploy.systemd import systemd_units

ENV_FILE = "onecard.env"
SERVER_NAME = re.compile(r"^[A-Za-z0-9.-]+$")


def _write(folder: Path, name: str, text: str, mode: int = 0o644) -> None:
    path = folder / name
    path.write_text(text)
    path.chmod(mode)
    print(f"wrote {path}")


def _systemd(args: argparse.Namespace) -> int:
    processes = platform_processes()
    known = [p.name for p in processes]
    chosen = [n.strip() for n in args.pools.split(",") if n.strip()] if args.pools else None
    unknown = sorted(set(chosen or []) - set(known))
    if unknown or args.keep < 1:
        print(f"unknown process(es) {', '.join(unknown)}; the Procfile's: {', '.join(known)}" if unknown
              else "--keep must be at least 1", file=sys.stderr)
        return 2
    try:
        scale = Scale(web_workers=args.web_workers, metrics_port_base=args.metrics_port_base or None,
                      pool_processes={name: int(n) for name, n in (item.split("=", 1) for item in args.scale)})
    except ValueError:
        print("--scale takes POOL=N, e.g. --scale query=4", file=sys.stderr)
        return 2
    host = Host(user=args.user, venv=PurePosixPath(args.venv), data_dir=PurePosixPath(args.data_dir),
                env_file=PurePosixPath(args.env_file), backup_dir=PurePosixPath(args.backup_dir))
    # Without --pools: every process, but the card feed only as a file (it needs ONECARD_CARD_FEED_URL).
    written = set(chosen) if chosen else set(known)
    started = set(chosen) if chosen else set(known) - {CARD_FEED}
    folder = Path(args.output)
    folder.mkdir(parents=True, exist_ok=True)
    units = {**systemd_units(processes, written, started, host, scale), **backup_units(host, args.keep)}
    for name, text in units.items():
        _write(folder, name, text)
    if (folder / ENV_FILE).exists():  # it holds the school's values and this deployment's keys
        print(f"kept {folder / ENV_FILE} (exists)")
    else:
        _write(folder, ENV_FILE, env_file(host.data_dir), mode=0o600)
    print(f"next: fill every {PLACEHOLDER} in {ENV_FILE}, then install as docs/production.md says")
    return 0


def _nginx(args: argparse.Namespace) -> int:
    from onecard.settings import Settings

    if not SERVER_NAME.match(args.server_name):
        print(f"--server-name {args.server_name!r} is not a host name", file=sys.stderr)
        return 2
    settings = Settings()
    listen = "127.0.0.1" if settings.http_host in ("0.0.0.0", "::", "") else settings.http_host
    tls = f"/etc/nginx/tls/{args.server_name}"
    site = Site(server_name=args.server_name, upstream=args.upstream or f"{listen}:{settings.http_port}",
                certificate=args.certificate or f"{tls}/fullchain.pem",
                certificate_key=args.certificate_key or f"{tls}/privkey.pem",
                max_body_bytes=settings.max_body_bytes, admin_from=tuple(args.admin_from))
    folder = Path(args.output)
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder, "onecard.conf", nginx_site(site))
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    deploy = sub.add_parser("deploy", help="write a production host's systemd units or TLS proxy site")
    kinds = deploy.add_subparsers(dest="kind", required=True)

    units = kinds.add_parser("systemd", help="units for the Procfile's processes, the migration, a target, "
                             "the nightly backup, and the environment file")
    units.add_argument("--output", required=True, help="folder to write into (then copy to /etc/systemd/system)")
    units.add_argument("--user", default="onecard", help="the account the processes run as")
    units.add_argument("--venv", "--prefix", default="/opt/onecard/current/.venv",
                       help="the venv onecard is installed in (current: a link to the running release)")
    units.add_argument("--data-dir", default="/var/lib/onecard", help="ONECARD_DATA_DIR: the one writable folder")
    units.add_argument("--env-file", default="/etc/onecard/onecard.env", help="where the units read settings")
    units.add_argument("--pools", help="comma-separated Procfile names this host runs (default: all; "
                       f"`{CARD_FEED}` only when named)")
    units.add_argument("--web-workers", type=int, default=1, help="server processes of `onecard web`")
    units.add_argument("--scale", action="append", default=[], metavar="POOL=N", help="processes of a worker pool")
    units.add_argument("--metrics-port-base", type=int, default=METRICS_PORT_BASE,
                       help="the first pool's metrics port, the next pools' follow (0: no metrics)")
    units.add_argument("--backup-dir", default="/var/backups/onecard")
    units.add_argument("--keep", type=int, default=14, help="nightly dumps kept")
    units.set_defaults(func=_systemd)

    proxy = kinds.add_parser("nginx", help="an nginx site: TLS, http→https, the callbacks, /admin")
    proxy.add_argument("--server-name", required=True, help="the public host name, e.g. card.example.edu.cn")
    proxy.add_argument("--output", required=True, help="folder to write onecard.conf into")
    proxy.add_argument("--certificate", help="PEM chain (default: /etc/nginx/tls/NAME/fullchain.pem)")
    proxy.add_argument("--certificate-key", help="PEM key (default: /etc/nginx/tls/NAME/privkey.pem)")
    proxy.add_argument("--upstream", help="HOST:PORT of onecard web (default: from the settings)")
    proxy.add_argument("--admin-from", action="append", default=[], metavar="CIDR",
                       help="only these networks reach /admin (repeatable; default: anyone)")
    proxy.set_defaults(func=_nginx)
