"""The scheduler daemon: deliberate job defaults, two daemons never run one job at once, a
failing job does not stop the daemon, SIGTERM/SIGINT stop `pfr scheduler` cleanly."""

import os
import signal
import subprocess
import sys
import time

import psycopg
import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from pydal_free_repo import Database
from pydal_free_repo.config import JobsConfig
from pydal_free_repo.jobs import scheduler

EVERY_SECOND = "* * * * * *"


def runs(dsn, job_name):
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT status, started_at, finished_at FROM job_runs WHERE job_name = %s ORDER BY id",
            (job_name,),
        ).fetchall()


def wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.1)


def test_job_defaults_are_deliberate_and_off_disables_a_job(db):
    config = JobsConfig()
    daemon = scheduler.build(
        db, config, scheduler_class=BackgroundScheduler, schedules={"vacuum": "off"}
    )
    jobs = {job.id: job for job in daemon.get_jobs()}
    assert set(jobs) == {
        "partitions",
        "retention",
        "backup",
        "physical_backup",
        "reaper",
        "rollups",
    }
    assert all(job.misfire_grace_time == 3600 and job.coalesce for job in jobs.values())
    assert all(job.max_instances == 1 for job in jobs.values())
    assert (
        str(jobs["reaper"].trigger)
        == "cron[month='*', day='*', day_of_week='*', hour='*', minute='*/5']"
    )


def sleepy(ctx):
    ctx.conn.execute("SELECT pg_sleep(1.2)")
    return {"slept": 1.2}


def test_two_schedulers_never_run_one_job_at_once(dsn):
    dbs = [Database.connect(dsn, min_size=0, max_size=2) for _ in range(2)]
    daemons = [
        scheduler.build(
            db,
            JobsConfig(),
            scheduler_class=BackgroundScheduler,
            jobs={"sleepy": sleepy},
            schedules={"sleepy": EVERY_SECOND},
        )
        for db in dbs
    ]
    try:
        for daemon in daemons:
            daemon.start()
        wait_for(
            lambda: (
                sum(r[0] == "succeeded" for r in runs(dsn, "sleepy")) >= 2
                and any(r[0] == "skipped" for r in runs(dsn, "sleepy"))
            )
        )
    finally:
        for daemon in daemons:
            daemon.shutdown(wait=True)
        for db in dbs:
            db.close()
    done = sorted(
        (start, end) for status, start, end in runs(dsn, "sleepy") if status == "succeeded"
    )
    for (_, first_end), (second_start, _) in zip(done, done[1:], strict=False):
        assert first_end <= second_start, "two runs of one job overlapped"


def test_a_job_that_raises_is_recorded_and_the_daemon_keeps_running(db, dsn):
    def boom(ctx):
        raise RuntimeError("boom")

    daemon = scheduler.build(
        db,
        JobsConfig(),
        scheduler_class=BackgroundScheduler,
        jobs={"boom": boom, "reaper": scheduler_job("reaper")},
        schedules={"boom": EVERY_SECOND, "reaper": EVERY_SECOND},
    )
    daemon.start()
    try:
        wait_for(lambda: len(runs(dsn, "boom")) >= 2 and len(runs(dsn, "reaper")) >= 2)
        assert daemon.running
    finally:
        daemon.shutdown(wait=True)
    assert {r[0] for r in runs(dsn, "boom")} == {"failed"}
    assert {r[0] for r in runs(dsn, "reaper")} == {"succeeded"}


def scheduler_job(name):
    from pydal_free_repo.jobs.registry import job_functions

    return job_functions()[name]


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_pfr_scheduler_runs_jobs_and_stops_cleanly_on_a_signal(dsn, tmp_path, stop_signal):
    config = tmp_path / "pfr.toml"
    config.write_text(
        '[schedules]\nreaper = "* * * * * *"\npartitions = "off"\nvacuum = "off"\n'
        'retention = "off"\nbackup = "off"\n'
    )
    env = {**os.environ, "PFR_CONFIG": str(config)}
    daemon = subprocess.Popen(
        [sys.executable, "-m", "pydal_free_repo.cli", "--dsn", dsn, "scheduler"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: daemon.poll() is not None or len(runs(dsn, "reaper")) >= 1)
        assert daemon.poll() is None, daemon.communicate()[1]
        daemon.send_signal(stop_signal)
        _, err = daemon.communicate(timeout=30)
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.communicate()
    assert daemon.returncode == 0, err
    assert "scheduler stopped" in err
    assert {r[0] for r in runs(dsn, "reaper")} == {"succeeded"}
    assert all(r[2] is not None for r in runs(dsn, "reaper"))
