"""Serve the app with uvicorn the one way this project trusts client addresses.

`python -m core.serve [--host H] [--port P] [--workers N]` (what `make run` and the README's several-workers
command use). uvicorn's own proxy-header handling is switched OFF: by default it rewrites the client address from
`X-Forwarded-For` for any request from 127.0.0.1 (`--proxy-headers` with `--forwarded-allow-ips` 127.0.0.1), so a
local client could name any address it liked and dodge the per-address rate limits. The app decides instead, in
one place: `core.security.client_ip` believes `X-Forwarded-For` only from the proxies listed in
`TRUSTED_PROXIES`. Running uvicorn yourself? Pass `--no-proxy-headers`, or the two disagree.

Settings that must not be used (development defaults in production, see settings.Settings.check) stop it with one
line on stderr and exit status 1.
"""

from __future__ import annotations

import argparse

import uvicorn


def uvicorn_options(host: str, port: int, workers: int) -> dict[str, object]:
    """The uvicorn settings of every way the app is served (tests start servers with these too)."""
    return {"host": host, "port": port, "workers": workers, "factory": True, "proxy_headers": False,
            "forwarded_allow_ips": None, "server_header": False}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m core.serve", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    from settings import Settings, SettingsError

    try:
        Settings.from_env()  # refused settings are one clear line, before any worker starts (not a traceback each)
    except SettingsError as exc:
        raise SystemExit(f"Nieuw Geluid did not start: {exc}") from None
    uvicorn.run("app:create_app", **uvicorn_options(args.host, args.port, args.workers))  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
