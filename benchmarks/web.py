"""The dashboard's overview page, server-side, on the dashboard data set.

The app runs on uvicorn on 127.0.0.1 (as ``pfr serve``); each GET /ui/ is timed by the
server itself (its ``Server-Timing`` header: request in to answer out, the reads, the
SVG charts and the template included). Baseline, same run and rows: the repository
reads the overview makes, called directly on a pool in the same zone (no HTTP, no
rendering); the ratio is what the page costs on top of its reads. Target: p50 <= 150 ms.
"""

from __future__ import annotations

import re
import urllib.request
from dataclasses import dataclass

from benchmarks.common import Timings, log, repeat
from pydal_free_repo import Database, IssueHistory, WorkflowLogger
from pydal_free_repo.reports import Reports

TARGET_P50_SECONDS = 0.150
DAYS = 14


@dataclass
class WebReport:
    overview: Timings
    reads: Timings
    status: int

    @property
    def meets_target(self) -> bool:
        return self.overview.p50 <= TARGET_P50_SECONDS

    @property
    def ratio(self) -> float:
        return self.overview.p50 / self.reads.p50 if self.reads.p50 else float("nan")


def _overview_reads(db: Database) -> None:
    """What pages.overview reads, in the same order."""
    history, reports = IssueHistory(db), Reports(db)
    history.stats()
    WorkflowLogger(db).list_workflows(limit=1)
    history.daily_stats(DAYS)
    reports.llm_cost_daily_by_model(DAYS)
    reports.llm_tokens_daily(DAYS)
    history.duration_percentiles(DAYS)
    history.failure_reasons(DAYS, 5)


def run(dsn: str, *, reps: int, quiet: bool = False) -> WebReport:
    from psycopg.conninfo import make_conninfo

    from pydal_free_repo.web import ServeSettings
    from pydal_free_repo.web.server import in_thread

    log(f"   overview page, {reps} requests, against its reads called directly", quiet=quiet)
    with Database.connect(make_conninfo(dsn, options="-c TimeZone=UTC")) as db:
        reads = repeat(lambda: _overview_reads(db), reps)
    settings = ServeSettings(dsn=dsn, port=0, statement_timeout="60s")
    overview = Timings()
    status = 0
    with in_thread(settings) as url:
        for attempt in range(reps + 1):  # the first warms the pool up
            with urllib.request.urlopen(f"{url}/ui/?days={DAYS}&tz=UTC", timeout=120) as answer:
                status = answer.status
                answer.read()
                timing = answer.headers["server-timing"]
            if attempt:
                ms = float(re.search(r"dur=([0-9.]+)", timing).group(1))
                overview.seconds.append(ms / 1000)
    return WebReport(overview=overview, reads=reads, status=status)
