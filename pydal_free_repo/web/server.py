"""Running the app: ``pfr serve`` (dashboard only) and ``pfr run`` (migrations, the
maintenance scheduler and the dashboard in one process).

One process rather than two: under systemd or Kubernetes there is one unit to start, one
PID to signal and one log; uvicorn owns SIGINT/SIGTERM, and its shutdown stops the
scheduler after its running jobs finish (``scheduler.shutdown(wait=True)``), then closes
the pools. The scheduler runs in a background thread (APScheduler's
``BackgroundScheduler``), the same jobs and settings as ``pfr scheduler``.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
import threading
import time
from collections.abc import Iterator

import uvicorn

from pydal_free_repo.config import JobsConfig
from pydal_free_repo.database import Database
from pydal_free_repo.web.app import create_app
from pydal_free_repo.web.settings import ServeSettings

log = logging.getLogger("pydal_free_repo.web")


class _Server(uvicorn.Server):
    """uvicorn's server, saying its URL once it listens (the lifespan runs before that)."""

    async def startup(self, sockets=None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            settings = self.config.app_settings  # type: ignore[attr-defined]
            port = self.servers[0].sockets[0].getsockname()[1]
            url = settings.url.replace(f":{settings.port}/", f":{port}/")
            suffix = "?token=<PFR_SERVE_TOKEN>" if settings.token else ""
            print(f"pfr dashboard: {url}{suffix}  (Ctrl-C stops it)", flush=True)


def serve(settings: ServeSettings) -> int:
    _run(create_app(settings), settings)
    return 0


def serve_with_scheduler(settings: ServeSettings, db: Database, config: JobsConfig) -> int:
    from apscheduler.schedulers.background import BackgroundScheduler

    from pydal_free_repo.jobs import scheduler as jobs_scheduler

    scheduler = jobs_scheduler.build(db, config, scheduler_class=BackgroundScheduler)

    def start() -> None:
        scheduler.start()
        for job in scheduler.get_jobs():
            log.info("scheduled %s: %s", job.name, job.trigger)
        print(f"pfr scheduler: {len(scheduler.get_jobs())} jobs scheduled (UTC)", flush=True)

    def stop() -> None:
        if scheduler.running:
            log.warning("stopping the scheduler after running jobs finish")
            scheduler.shutdown(wait=True)

    app = create_app(settings, on_startup=start, on_shutdown=stop)
    _run(app, settings)
    return 0


def _run(app, settings: ServeSettings) -> None:
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        access_log=False,
        lifespan="on",
        server_header=False,
    )
    config.app_settings = settings  # type: ignore[attr-defined]
    server = _Server(config)
    # uvicorn stops gracefully on SIGINT/SIGTERM, then re-raises the signal to the handler
    # it found: a quiet one here, so a requested stop exits 0 like `pfr scheduler`.
    quiet = {sig: signal.signal(sig, lambda *_: None) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.run()
    finally:
        for sig, handler in quiet.items():
            signal.signal(sig, handler)
    if not server.started:
        print("pfr: error: the dashboard could not start (see above)", file=sys.stderr)
        raise SystemExit(1)


@contextlib.contextmanager
def in_thread(settings: ServeSettings, app=None) -> Iterator[str]:
    """The app on uvicorn in a background thread (tests, benchmarks); yields its base URL
    without the trailing slash. Port 0 picks a free port."""
    config = uvicorn.Config(
        app or create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="pfr-web", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the dashboard did not start")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{settings.host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
