"""The `kamavor` console script: Django's manage commands plus Kamavor's own, from any folder."""

from __future__ import annotations

import ipaddress
import os
import sys

LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


def _is_loopback(host: str) -> bool:
    host = host.strip("[]")
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _serve_host(argv: list[str]) -> str:
    for i, arg in enumerate(argv):
        if arg == "--host" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--host="):
            return arg.split("=", 1)[1]
    return "127.0.0.1"


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kamavor.settings")
    # A point served only to this computer needs no HTTPS (a browser trusts loopback); behind
    # a TLS proxy on the same machine the visitors do, so it stays on.
    behind_proxy = os.environ.get("KAMAVOR_PROXY_HOPS", "0").strip() not in {"", "0"}
    serving = len(argv) > 1 and argv[1] == "serve"
    if serving and not behind_proxy and _is_loopback(_serve_host(argv)):
        os.environ.setdefault("KAMAVOR_HTTPS", "0")
    from kamavor.core.translations import compile_if_stale

    compile_if_stale()
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
