"""The coordinator's reports and outbox pages in a real browser: open the reports from the start
page, see the hours of last week's attendance as bars and in tables, switch the month; open the
outbox and see a message the SMS gateway refused, with the reason in words. Each page is
screenshotted and checked with axe-core."""

import datetime
import os
import subprocess
import zoneinfo

from pages import press
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def sql(statement: str) -> str:
    """Runs one statement on the tests' database (run.sh exports PGDATABASE and the connection)."""
    result = subprocess.run(
        ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-At", "-c", statement],
        env=os.environ, capture_output=True, text=True, check=True)
    return result.stdout.strip()


def test_coordinator_reads_the_reports_and_switches_the_month(browser, base_url, sign_in, screenshot, axe_check):
    sign_in(browser, "coordinator")
    # The demo's attendance is last week's: open the month it is in.
    today = datetime.datetime.now(SHANGHAI).date()
    last_monday = today - datetime.timedelta(days=today.weekday() + 7)
    month = last_monday.strftime("%Y-%m")
    link = browser.find_element(By.CSS_SELECTOR, "ul.pages a[href^='/app/reports?']")
    press(browser, link)
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("统计报表")
    browser.get(f"{base_url}/app/reports?community=demo&month={month}")

    chart = browser.find_element(By.CSS_SELECTOR, "svg#chart-months")
    assert chart.get_attribute("role") == "img"
    assert browser.find_element(By.ID, "chart-months-title").get_attribute("textContent") == "各月服务时长"
    assert len(chart.find_elements(By.CSS_SELECTOR, "rect.bar")) == 6
    # A bar per grid, and the same grids in the table beside it.
    grids = browser.find_element(By.CSS_SELECTOR, "svg#chart-grid")
    rows = browser.find_elements(By.CSS_SELECTOR, "table.by-grid tbody tr")
    assert rows and len(grids.find_elements(By.CSS_SELECTOR, "rect.bar")) == len(rows)
    widths = [float(r.get_attribute("width")) for r in grids.find_elements(By.CSS_SELECTOR, "rect.bar")]
    assert widths[0] > 0 and widths == sorted(widths, reverse=True)
    assert browser.find_elements(By.CSS_SELECTOR, "table.participation tbody tr")
    assert browser.find_element(By.CSS_SELECTOR, "a[href*='exports/hours'][href*='format=csv']")
    screenshot(browser, "reports")
    axe_check(browser)

    # The next month: the period changes and the month chart still shows the month with hours.
    period = browser.find_element(By.ID, "period").text
    press(browser, browser.find_element(By.ID, "next-month"))
    assert browser.find_element(By.ID, "period").text != period
    assert browser.find_element(By.ID, "month").get_attribute("value") != month
    months = [row.find_element(By.TAG_NAME, "th").text
              for row in browser.find_elements(By.CSS_SELECTOR, "table.by-month tbody tr")]
    assert month in months
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg#chart-months rect.bar")) == 6

    # In English, the same figures.
    browser.get(f"{base_url}/app/reports?community=demo&month={month}&lang=en")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert browser.find_element(By.ID, "chart-months-title").get_attribute("textContent") == "Service hours per month"
    axe_check(browser)


def test_coordinator_sees_a_failed_message_with_its_reason(browser, base_url, sign_in, screenshot, axe_check):
    # A reminder the SMS gateway refused (the demo's worker has no gateway, so it is written here).
    message_id = sql(
        """
        INSERT INTO messages (community_id, idempotency_key, kind, audience, volunteer_id, slot_id, slot_version,
                              channel, address, body, state, attempts, last_error)
        SELECT a.community_id, 'browser-failed-' || gen_random_uuid(), 'reminder', 'volunteer', a.volunteer_id,
               a.slot_id, 1, 'sms', '13800138000', '【幸福里社区】提醒：明天 09:00 便民服务站值班', 'failed', 1,
               'sms delivery failed, permanent (HTTP 400): invalid phone number'
        FROM assignments a JOIN slots s ON s.id = a.slot_id
        WHERE s.starts_at > now() ORDER BY s.starts_at LIMIT 1
        RETURNING id
        """).splitlines()[0]
    sign_in(browser, "coordinator")
    press(browser, browser.find_element(By.CSS_SELECTOR, "ul.pages a[href^='/app/messages?']"))
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("消息发件箱")
    # Only the failed ones.
    Select(browser.find_element(By.ID, "status")).select_by_value("failed")
    press(browser, browser.find_element(By.ID, "filter"))
    assert "status=failed" in browser.current_url
    row = browser.find_element(By.ID, f"message-{message_id}")
    assert row.get_attribute("data-state") == "failed"
    words = row.find_element(By.CSS_SELECTOR, "[data-testid=error-words]").text
    assert "网关拒收了这条消息" in words
    assert "138****8000" in row.text and "13800138000" not in row.text
    assert row.find_elements(By.CSS_SELECTOR, "button[data-testid=retry]")
    assert all(r.get_attribute("data-state") == "failed"
               for r in browser.find_elements(By.CSS_SELECTOR, "tr[data-testid=message]"))
    screenshot(browser, "messages-failed")
    axe_check(browser)

    # Send it again: the page says it is queued and keeps the filter.
    press(browser, row.find_element(By.CSS_SELECTOR, "button[data-testid=retry]"))
    notice = browser.find_elements(By.ID, "notice") or browser.find_elements(By.ID, "page-error")
    assert notice and notice[0].text
    assert "status=failed" in browser.current_url
    WebDriverWait(browser, 5).until(lambda b: b.find_element(By.TAG_NAME, "h1"))
