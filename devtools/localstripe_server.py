"""Run localstripe (a fake Stripe API) for development and tests, safely.

    python -m devtools.localstripe_server --port 8420 [--host 127.0.0.1] [--access-log]

Why not localstripe's own CLI: it binds every interface (`::`), so anyone on the network could create
"payments" against a developer's machine, and it pickles its whole store to the fixed path
/tmp/localstripe.pickle after every write, where parallel test runs and other users collide (and
unpickling a file in /tmp that someone else may have written runs their code). Here the store lives
only in memory, the server listens on loopback by default, and `--port 0` picks a free port.

A single line `localstripe ready on http://HOST:PORT` on stdout tells a parent process (see
tests/support/stripe.py) that it answers and on which port. SIGTERM or SIGINT stop it cleanly.

localstripe is GPL-3.0: this is a development/test tool only. The app never imports localstripe.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import logging
import signal
import sys
from typing import Any

from aiohttp import web

READY_PREFIX = "localstripe ready on "


def _keep_store_in_memory() -> None:
    """Turn localstripe's pickling off: `Store.dump_to_disk` is called from `Store.__setitem__`,
    `Store.__delitem__` and the server's save-store middleware, so replacing it on the class covers all
    three. We never call `try_load_from_disk`, so nothing is read from /tmp either."""
    from localstripe import resources

    def dump_nowhere(self: Any) -> None:
        return None

    resources.Store.dump_to_disk = dump_nowhere


def _speak_the_current_api() -> None:
    """Stripe's API since 2026-09-30 (the stripe SDK pins a later version) refuses `payment_method_types` on a
    new PaymentIntent with `payment_method_types_no_longer_supported` and takes `allowed_payment_method_types`
    instead; localstripe knows only the old name. Take the new one, so the app sends what real Stripe accepts."""
    from localstripe import resources

    create = resources.PaymentIntent._api_create.__func__

    def _api_create(cls: Any, confirm: Any = None, off_session: Any = None, **data: Any) -> Any:
        if "allowed_payment_method_types" in data:
            data["payment_method_types"] = data.pop("allowed_payment_method_types")
        return create(cls, confirm=confirm, off_session=off_session, **data)

    resources.PaymentIntent._api_create = classmethod(_api_create)


async def serve(host: str, port: int, access_log: bool = False) -> None:
    _keep_store_in_memory()
    _speak_the_current_api()
    # Imported after patching so no write can reach the disk, even one made at import time.
    from localstripe.server import app

    logger = logging.getLogger("aiohttp.access")
    if access_log:
        logger.setLevel(logging.INFO)
        logger.addHandler(logging.StreamHandler(sys.stderr))
    runner = web.AppRunner(app, access_log=logger if access_log else None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port, reuse_address=True)
    await site.start()

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)

    # With --port 0 the kernel chose the port: report the one actually bound.
    bound_port = runner.addresses[0][1]
    url_host = f"[{host}]" if ":" in host else host
    print(f"{READY_PREFIX}http://{url_host}:{bound_port}", flush=True)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8420, help="0 picks a free port (printed when ready)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--access-log", action="store_true", help="log each request to stderr")
    args = parser.parse_args(argv)
    try:
        loopback = ipaddress.ip_address(args.host).is_loopback
    except ValueError:
        loopback = args.host == "localhost"
    if not loopback:
        print(f"warning: localstripe listens on {args.host}, reachable beyond this machine", file=sys.stderr)
    asyncio.run(serve(args.host, args.port, args.access_log))


if __name__ == "__main__":
    main()
