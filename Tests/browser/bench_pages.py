"""Page weight and speed of the staff pages (issue #7: each page under 100 KB of HTML+CSS+JS, first
render under 300 ms on loopback for a 300-volunteer community). A benchmark, not a test: it is not
collected by `Tests/browser/run.sh` alone (its name does not start with test_); run it with

  Benchmarks/page-speed.sh [--volunteers N] [--loads K] [--release]

which seeds a generated community of N volunteers (`linli bench seed`, its week four weeks ahead
solved and published) and gives the demo coordinator and desk accounts roles there. Each page is
loaded once to warm up, then K times in headless Chromium; the table shows the medians of the
browser's own Navigation and Paint Timing: the server's answer (request start to the last byte),
first contentful paint and the load event, all from navigation start, and the bytes of the page
and everything it loaded (decoded, so compression does not hide weight). With
LINLI_PAGESPEED_JSON=FILE the numbers are also written as JSON.
"""

import datetime
import json
import os
import statistics

import pytest
from selenium.webdriver.common.by import By

TIMING = """
const done = arguments[arguments.length - 1];
const collect = () => {
  const nav = performance.getEntriesByType('navigation')[0];
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  const resources = performance.getEntriesByType('resource');
  return {
    status: nav.responseStatus || 0,
    server: nav.responseEnd - nav.requestStart,
    fcp: paint ? paint.startTime : null,
    load: nav.loadEventEnd,
    html: nav.decodedBodySize,
    other: resources.reduce((sum, r) => sum + (r.decodedBodySize || 0), 0),
    resources: resources.length,
  };
};
// The paint entry can come after the load event: wait for it (at most 3 s).
if (performance.getEntriesByName('first-contentful-paint').length) { done(collect()); } else {
  new PerformanceObserver(() => done(collect())).observe({type: 'paint', buffered: true});
  setTimeout(() => done(collect()), 3000);
}
"""


def _week() -> datetime.date:
    """The seeded week: `linli bench seed` stores the week four weeks after this one (Asia/Shanghai)."""
    today = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=8)).date()
    return today - datetime.timedelta(days=today.weekday()) + datetime.timedelta(days=28)


def _measure(browser, url: str, loads: int) -> dict:
    browser.get(url)  # warm-up: the server's caches, the browser's CSS
    samples = []
    for _ in range(loads):
        browser.get(url)
        samples.append(browser.execute_async_script(TIMING))
    first = samples[0]
    assert first["status"] == 200, f"{url} answered {first['status']}"

    def median(key):
        values = [s[key] for s in samples if s[key] is not None]
        return statistics.median(values) if values else None

    return {
        "url": url,
        "status": first["status"],
        "server_ms": median("server"),
        "fcp_ms": median("fcp"),
        "load_ms": median("load"),
        "html_bytes": first["html"],
        "other_bytes": first["other"],
        "total_kib": (first["html"] + first["other"]) / 1024,
    }


def test_page_speed(browser, sign_in, base_url):
    code = os.environ.get("LINLI_BROWSER_SEED_CODE")
    if not code:
        pytest.skip("no seeded community: run Benchmarks/page-speed.sh")
    loads = int(os.environ.get("LINLI_PAGESPEED_LOADS", "5"))
    week = _week()
    query = f"community={code}&lang=zh-CN"
    sign_in(browser, "coordinator")
    pages = {
        "home": f"/app?{query}",
        "roster board (week)": f"/app/roster?{query}&week={week}",
        "desk search": f"/app/desk?{query}&q=a",
        "call list": f"/app/desk/calls?{query}&date={week + datetime.timedelta(days=1)}",
    }
    # A resident's page: the first one the desk lists for a common surname.
    browser.get(f"{base_url}/app/desk?{query}&q=wang")
    links = browser.find_elements(By.CSS_SELECTOR, "a[href^='/app/desk/residents/']")
    if links:
        pages["resident (desk)"] = links[0].get_attribute("href").removeprefix(base_url)
    for name, path in (("volunteers", "/app/volunteers"), ("residents", "/app/residents"),
                       ("import", "/app/import"), ("messages", "/app/messages"), ("reports", "/app/reports")):
        pages[name] = f"{path}?{query}"
    results = {}
    for name, path in pages.items():
        # Pages this build does not have yet (404) are left out of the table, not failed.
        browser.get(f"{base_url}{path}")
        status = browser.execute_script("return performance.getEntriesByType('navigation')[0].responseStatus || 0")
        if status == 404:
            continue
        results[name] = _measure(browser, f"{base_url}{path}", loads)
    print()
    print(f"pages of a {code} community, coordinator, median of {loads} loads (ms from navigation start)")
    print(f"{'page':<22} {'server':>8} {'first paint':>12} {'load':>8} {'HTML KiB':>9} {'all KiB':>8}")
    for name, r in results.items():
        fcp = f"{r['fcp_ms']:.0f}" if r["fcp_ms"] is not None else "-"
        print(f"{name:<22} {r['server_ms']:>8.0f} {fcp:>12} {r['load_ms']:>8.0f} "
              f"{r['html_bytes'] / 1024:>9.1f} {r['total_kib']:>8.1f}")
    if os.environ.get("LINLI_PAGESPEED_JSON"):
        with open(os.environ["LINLI_PAGESPEED_JSON"], "w", encoding="utf-8") as out:
            json.dump({"community": code, "loads": loads, "pages": results}, out, ensure_ascii=False, indent=2)
    assert results, "no page was measured"
