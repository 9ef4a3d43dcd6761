"""The dashboard in a real headless Chromium (Debian's /usr/bin/chromium driven by
Playwright; no browser is downloaded): every page on demo data, the charts and the
numbers equal to the JSON endpoints, a run and a workflow followed to their detail
pages, the browser's time zone used and stated. Screenshots go to
``$PFR_SCREENSHOT_DIR`` (default: the test's tmp dir)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _web import get, scratch_database, serve

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ZONE = "Asia/Seoul"  # a whole-hour zone with no DST, not the server's UTC

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is installed by .ci/setup"
)


@pytest.fixture(scope="module")
def url(postgresql_proc):
    with scratch_database("pfr_i14_web_browser") as dsn, serve(dsn) as base:
        yield base


@pytest.fixture
def page(tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(
            viewport={"width": 1200, "height": 900}, timezone_id=ZONE, device_scale_factor=1
        )
        # Nothing may be fetched from anywhere but the dashboard itself.
        outside: list[str] = []
        context.route(
            "**/*",
            lambda route: (
                route.continue_()
                if route.request.url.startswith("http://127.0.0.1")
                else (outside.append(route.request.url), route.abort())
            ),
        )
        yield context.new_page()
        assert outside == []
        browser.close()


def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("PFR_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def follow(page, selector: str) -> None:
    """Click a link or button and wait for the page it loads."""
    with page.expect_navigation():
        page.locator(selector).first.click()


def bars(page, chart: str, series: str) -> dict[str, float]:
    return {
        el.get_attribute("data-category"): float(el.get_attribute("data-value"))
        for el in page.locator(f'svg[data-chart="{chart}"] rect.bar[data-series="{series}"]').all()
    }


def test_every_page_on_demo_data(url, page, tmp_path):
    out = shots(tmp_path)

    # Overview: the browser's zone is picked up by the inline script and stated.
    page.goto(url + "/")
    page.wait_for_selector('svg[data-chart="runs-per-day"]')
    assert page.locator(".zone-note").get_attribute("data-zone") == ZONE
    assert "browser" in page.locator(".zone-note").inner_text()
    for chart in (
        "runs-per-day",
        "cost-per-day",
        "tokens-per-day",
        "duration-percentiles",
        "failure-reasons",
    ):
        assert page.locator(f'svg[data-chart="{chart}"] rect.bar').count() > 0, chart
    stats = get(url + f"/stats?tz={ZONE}")[1]
    assert page.locator('[data-figure="total_issues"] .value').inner_text() == str(
        stats["total_issues"]
    )
    assert page.locator('[data-figure="success_rate"] .value').inner_text() == (
        f"{stats['success_rate']:.2f}%"
    )
    daily = get(url + f"/stats/daily?days=14&tz={ZONE}")[1]
    assert bars(page, "runs-per-day", "completed") == {
        d["date"]: d["completed"] for d in daily if d["completed"]
    }
    assert bars(page, "runs-per-day", "failed") == {
        d["date"]: d["failed"] for d in daily if d["failed"]
    }
    cost = get(url + f"/stats/llm-cost/models?days=14&tz={ZONE}")[1]
    for model in {row["model"] for row in cost if row["total_cost"] is not None}:
        assert bars(page, "cost-per-day", model) == pytest.approx(
            {r["date"]: r["total_cost"] for r in cost if r["model"] == model and r["total_cost"]}
        )
    tokens = get(url + f"/stats/tokens?days=14&tz={ZONE}")[1]
    assert bars(page, "tokens-per-day", "output") == {
        t["date"]: t["completion_tokens"] for t in tokens if t["completion_tokens"]
    }
    assert page.locator('[data-model="in-house-coder"]').count() == 1  # unpriced, called out
    page.screenshot(path=str(out / "overview.png"), full_page=True)

    # Runs: filter, then follow a failed run to its detail page.
    follow(page, "nav >> text=Runs")
    page.select_option('select[name="status"]', "failed")
    follow(page, "form.filters button")
    failed = get(url + f"/history?status=failed&limit=50&tz={ZONE}")[1]
    assert page.locator('table[data-table="runs"] tbody tr').count() == len(failed)
    page.screenshot(path=str(out / "runs.png"), full_page=True)
    follow(page, f'table[data-table="runs"] a >> text="{failed[0]["id"]}"')
    page.wait_for_selector('table[data-table="events"]')
    detail = get(url + f"/history/{failed[0]['id']}?tz={ZONE}")[1]
    kinds = page.locator('table[data-table="events"] tbody tr').evaluate_all(
        "rows => rows.map(r => r.dataset.kind)"
    )
    assert kinds.count("LLM call") == len(detail["llm_calls"])
    assert kinds.count("API call") == len(detail["api_calls"])
    assert kinds.count("file") == len(detail["files"])
    assert page.locator('[data-figure="llm_calls"] .value').inner_text() == str(
        len(detail["llm_calls"])
    )
    page.screenshot(path=str(out / "run.png"), full_page=True)

    # Files: the top files, then one file's history.
    follow(page, "nav >> text=Files")
    follow(page, 'table[data-table="top-files"] a')
    page.wait_for_selector('table[data-table="file-history"]')
    assert page.locator('table[data-table="file-history"] tbody tr').count() >= 1

    # Workflows: the list, then a failed workflow's timeline with its traceback.
    follow(page, "nav >> text=Workflows")
    listed = get(url + f"/workflows?limit=50&tz={ZONE}")[1]
    assert page.locator('table[data-table="workflows"] tbody tr').count() == len(listed)
    failed_wf = next(w for w in listed if w["status"] == "failed")
    follow(page, f'table[data-table="workflows"] a >> text="{failed_wf["id"]}"')
    page.wait_for_selector('svg[data-chart="workflow-waterfall"]')
    detail = get(url + f"/workflows/{failed_wf['id']}?tz={ZONE}")[1]
    lanes = page.locator('svg[data-chart="workflow-waterfall"] rect.lane')
    assert lanes.count() == len(detail["nodes"])
    assert page.locator('svg[data-chart="workflow-waterfall"] rect.mark').count() == len(
        detail["generations"]
    )
    assert page.locator('rect.lane[data-status="failed"]').count() == 1
    page.locator("details.traceback summary").click()
    assert "Traceback" in page.locator("details.traceback pre").inner_text()
    page.screenshot(path=str(out / "workflow.png"), full_page=True)

    # Models and prompts.
    follow(page, "nav >> text=Models")
    models = get(url + f"/compare/models?days=30&tz={ZONE}")[1]
    assert page.locator('table[data-table="models"] tbody tr').count() == len(models)
    unpriced = page.locator('tr[data-model="in-house-coder"] td[data-cost]')
    assert unpriced.get_attribute("data-cost") == "unpriced"
    assert "unpriced" in unpriced.inner_text() and "$0" not in unpriced.inner_text()
    prompts = get(url + f"/compare/prompts?days=30&tz={ZONE}")[1]
    assert len({p["prompt_id"] for p in prompts}) == 2  # the demo's A/B prompts
    assert page.locator('svg[data-chart="model-latency-p95"] rect.bar').count() >= 3
    page.screenshot(path=str(out / "compare.png"), full_page=True)


def test_a_chosen_time_zone_is_stated_and_kept(url, page):
    page.goto(url + "/ui/runs?tz=America/New_York")
    assert page.locator(".zone-note").get_attribute("data-zone") == "America/New_York"
    assert "America/New_York" in page.locator("footer").inner_text()
    follow(page, "nav >> text=Overview")
    assert page.locator(".zone-note").get_attribute("data-zone") == "America/New_York"
