"""A coordinator on the roster board: solves next week (the worker runs the solve while the
page refreshes itself), reads why a slot is short, assigns a suggested replacement and
publishes the version, reading what changes first.

Uses the fixtures of Tests/browser/conftest.py: base_url, browser, sign_in, screenshot, axe_check.
"""

import datetime
from zoneinfo import ZoneInfo

from selenium.webdriver.common.by import By
from pages import press
from selenium.webdriver.support.ui import WebDriverWait


def next_week() -> str:
    today = datetime.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    monday = today - datetime.timedelta(days=today.weekday()) + datetime.timedelta(days=7)
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def notice(browser) -> str:
    """The notice the page shows after a form, waiting for the page after the form to load."""
    WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=notice]"))
    return browser.find_element(By.CSS_SELECTOR, "[data-testid=notice]").text


def test_coordinator_solves_explains_assigns_and_publishes(base_url, browser, sign_in, screenshot, axe_check):
    sign_in(browser, "coordinator")
    week = next_week()
    # The demo's first draft of next week leaves slots short.
    browser.get(f"{base_url}/app/roster?week={week}&version=1&lang=zh-CN")
    assert browser.find_element(By.ID, "roster-board")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN"
    # Short slots are marked by a symbol and words, not by colour alone.
    short = browser.find_elements(By.CSS_SELECTOR, "[data-testid=slot][data-state=unfilled]")
    assert short and all("⚠" in s.text for s in short)
    screenshot(browser, "roster-board")
    axe_check(browser)

    # Solve: the worker takes the roster.solve job; the page refreshes itself until it is done.
    seconds = browser.find_element(By.ID, "seconds")
    seconds.clear()
    seconds.send_keys("3")
    press(browser, browser.find_element(By.ID, "solve-button"))
    assert "已开始求解" in notice(browser)
    WebDriverWait(browser, 180, poll_frequency=1).until(
        lambda d: d.find_element(By.ID, "run-status").get_attribute("data-state") in ("succeeded", "failed", "cancelled")
    )
    assert browser.find_element(By.ID, "run-status").get_attribute("data-state") == "succeeded"
    screenshot(browser, "roster-board-solved")
    press(browser, browser.find_element(By.ID, "run-result"))

    # Read an explanation. The solved draft may fill every slot (then nothing needs explaining):
    # take people off a slot of it until the slot is short, as a coordinator would after a call.
    reasons = browser.find_elements(By.CSS_SELECTOR, "[data-testid=unfilled-reason]")
    if not reasons:
        slot_links = [
            s.find_element(By.TAG_NAME, "a").get_attribute("href")
            for s in browser.find_elements(By.CSS_SELECTOR, "[data-testid=slot][data-state=full]")
        ]
        for href in slot_links[:10]:
            browser.get(href)
            while not browser.find_elements(By.CSS_SELECTOR, "[data-testid=slot-why]"):
                take_off = browser.find_elements(By.CSS_SELECTOR, "[data-testid=unassign]")
                if not take_off:
                    break
                press(browser, take_off[0])
                assert "已撤下" in notice(browser)
            if browser.find_elements(By.CSS_SELECTOR, "[data-testid=slot-why]"):
                break
        reasons = browser.find_elements(By.CSS_SELECTOR, "[data-testid=unfilled-reason]")
    assert reasons, "no slot of the week is short"
    explanation = reasons[0].text
    assert "缺" in explanation and len(explanation) > 20
    links = [r.find_element(By.TAG_NAME, "a").get_attribute("href") for r in reasons]

    # Pick a short slot, read why it is short, and assign the best allowed replacement.
    assigned = False
    for href in links:
        browser.get(href)
        panel = browser.find_element(By.CSS_SELECTOR, "[data-testid=slot-panel]")
        assert panel.find_element(By.CSS_SELECTOR, "[data-testid=slot-why]").text
        buttons = panel.find_elements(By.CSS_SELECTOR, "[data-testid=assign]")
        if buttons:
            screenshot(browser, "roster-board-suggestions")
            axe_check(browser)
            press(browser, buttons[0])
            assert "已安排" in notice(browser)
            assigned = True
            break
    assert assigned, "no short slot had an allowed replacement"

    # Publish, after reading what the publication will change.
    panel = browser.find_element(By.CSS_SELECTOR, "[data-testid=publish-panel]")
    assert "发布" in panel.text
    screenshot(browser, "roster-board-publish")
    press(browser, browser.find_element(By.ID, "publish-button"))
    assert "已发布" in notice(browser)
    assert "已发布" in browser.find_element(By.ID, "showing").text
