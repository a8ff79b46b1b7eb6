"""A patrol leader on the team page: swaps two members' shifts (a refused swap shows its reasons
next to the form), then downloads the week's patrols as XLSX.

Uses the fixtures of Tests/browser/conftest.py: base_url, browser, sign_in, screenshot,
axe_check; LINLI_BROWSER_DOWNLOADS is the folder Chrome downloads into.
"""

import os
import time
import zipfile
from pathlib import Path

from selenium.webdriver.common.by import By
from pages import press
from selenium.webdriver.support.ui import Select


def options(browser):
    select = Select(browser.find_element(By.ID, "swap-first"))
    return [(o.get_attribute("value"), o.text) for o in select.options if o.get_attribute("value")]


def member(label: str) -> str:
    return label.rsplit("—", 1)[-1].strip()


def week_of(label: str) -> str:
    # "2026-11-23 周一 08:00–10:00 早间巡逻 — 张三": the date is the first word.
    import datetime

    day = datetime.date.fromisoformat(label.split()[0])
    return f"{day.isocalendar()[0]}-W{day.isocalendar()[1]:02d}"


def test_patrol_leader_swaps_two_members_and_downloads_xlsx(base_url, browser, sign_in, screenshot, axe_check):
    sign_in(browser, "leader")
    browser.get(f"{base_url}/app/team?lang=zh-CN")
    assert browser.find_element(By.ID, "team-page")
    assert browser.find_elements(By.CSS_SELECTOR, "[data-testid=team-week]")
    screenshot(browser, "patrol-leader")
    axe_check(browser)

    # Swap: try pairs of two members' shifts of one week until the scheduler accepts one;
    # a refused pair shows its reasons next to the form.
    shifts = options(browser)
    assert len(shifts) >= 2
    swapped = False
    refused_seen = False
    tries = 0
    for i, (first, first_label) in enumerate(shifts):
        for second, second_label in shifts[i + 1 :]:
            if member(first_label) == member(second_label) or week_of(first_label) != week_of(second_label):
                continue
            if first_label.rsplit("—", 1)[0] == second_label.rsplit("—", 1)[0]:
                continue
            tries += 1
            Select(browser.find_element(By.ID, "swap-first")).select_by_value(first)
            Select(browser.find_element(By.ID, "swap-second")).select_by_value(second)
            # The next page: the notice (swapped) or the reasons beside the form (refused).
            press(browser, browser.find_element(By.ID, "swap-button"))
            if browser.find_elements(By.CSS_SELECTOR, "[data-testid=notice]"):
                swapped = True
                break
            error = browser.find_element(By.CSS_SELECTOR, "[data-testid=swap-error]")
            assert error.text.strip()
            if not refused_seen:
                refused_seen = True
                browser.execute_script("arguments[0].scrollIntoView()", error)
                screenshot(browser, "patrol-leader-swap-refused")
            if tries > 30:
                break
        if swapped or tries > 30:
            break
    assert swapped, "no pair of members' shifts could be swapped"
    assert "已调换" in browser.find_element(By.CSS_SELECTOR, "[data-testid=notice]").text
    screenshot(browser, "patrol-leader-swapped")

    # Download the XLSX of the first week shown.
    downloads = Path(os.environ["LINLI_BROWSER_DOWNLOADS"])
    before = set(downloads.glob("*.xlsx"))
    browser.find_element(By.CSS_SELECTOR, "[data-testid=xlsx-link]").click()
    deadline = time.time() + 30
    new = []
    while time.time() < deadline:
        new = [p for p in downloads.glob("*.xlsx") if p not in before]
        if new and not list(downloads.glob("*.crdownload")):
            break
        time.sleep(0.5)
    assert new, "the XLSX was not downloaded"
    with zipfile.ZipFile(new[0]) as workbook:
        assert "xl/workbook.xml" in workbook.namelist()
