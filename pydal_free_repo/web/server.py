"""Running the app: ``pfr serve`` (dashboard only) and ``pfr run`` (migrations, the
maintenance scheduler and the dashboard in one process).

One process rather than two: under systemd or Kubernetes there is one unit to start, one
PID to signal and one log; uvicorn owns SIGINT/SIGTERM, and its shutdown stops the
scheduler after its running jobs finish (``scheduler.shutdown(wait=True)``), then closes
the pools. The scheduler runs in a background thread (APScheduler's
``BackgroundScheduler``), the same jobs and settings as ``pfr scheduler``.
"""

from __future__ import annotations

import logging
import sys

import uvicorn

from pydal_free_repo.config import JobsConfig
from pydal_free_repo.database import Database
from pydal_free_repo.web.app import create_app
from pydal_free_repo.web.settings import ServeSettings

log = logging.getLogger("pydal_free_repo.web")


def _announce(settings: ServeSettings) -> None:
    suffix = "?token=<PFR_SERVE_TOKEN>" if settings.token else ""
    print(f"pfr dashboard: {settings.url}{suffix}  (Ctrl-C stops it)", flush=True)


def serve(settings: ServeSettings) -> int:
    app = create_app(settings, on_startup=lambda: _announce(settings))
    _run(app, settings)
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
        _announce(settings)

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
    server = uvicorn.Server(config)
    server.run()
    if not server.started:
        print("pfr: error: the dashboard could not start (see above)", file=sys.stderr)
        raise SystemExit(1)
