"""The coordinator's journey through the volunteer pages and the import page in a real
browser: open a volunteer, record an absence, change the weekly availability grid; then import
a small CSV whose one bad row the dry run shows with its column, fix it and import. Each main
page is screenshotted and checked with axe-core."""

import datetime
import pathlib
import tempfile
import zoneinfo

from pages import press
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def wait_for(browser, by, value, seconds=60):
    return WebDriverWait(browser, seconds).until(expected_conditions.presence_of_element_located((by, value)))


def set_date(browser, element_id, day):
    """A date field's value, as the browser's date picker would set it (typing into a date
    field depends on the browser's locale)."""
    field = browser.find_element(By.ID, element_id)
    browser.execute_script("arguments[0].value = arguments[1]", field, day.isoformat())


def csv_file(folder, name, rows):
    path = pathlib.Path(folder) / name
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def test_coordinator_edits_a_volunteer_and_imports_a_list(browser, base_url, sign_in, screenshot, axe_check):
    sign_in(browser, "coordinator")
    press(browser, browser.find_element(By.CSS_SELECTOR, "ul.pages a[href^='/app/volunteers?']"))
    first = wait_for(browser, By.CSS_SELECTOR, "table.volunteers a.volunteer")
    name = first.text
    press(browser, first)
    wait_for(browser, By.ID, "availability-form")
    assert name in browser.find_element(By.TAG_NAME, "h1").text

    # An absence of three days starting next week.
    start = datetime.datetime.now(SHANGHAI).date() + datetime.timedelta(days=7)
    end = start + datetime.timedelta(days=2)
    set_date(browser, "absence-from", start)
    set_date(browser, "absence-to", end)
    Select(browser.find_element(By.ID, "absence-reason")).select_by_value("ill")
    browser.find_element(By.ID, "absence-note").send_keys("感冒，医生建议休息")
    press(browser, browser.find_element(By.ID, "add-absence"))
    assert "请假已登记" in wait_for(browser, By.ID, "notice").text
    rows = [row.text for row in browser.find_elements(By.CSS_SELECTOR, "table.absences tr.absence")]
    assert any(start.isoformat() in row and end.isoformat() in row and "感冒" in row for row in rows), rows

    # The availability grid: Saturday evening on, Sunday morning on, Monday morning off.
    def cell(field):
        return browser.find_element(By.ID, field)

    for field in ("a_6_eve", "a_7_am"):
        if cell(field).tag_name == "select":
            Select(cell(field)).select_by_value("full")
        elif not cell(field).is_selected():
            cell(field).click()
    if cell("a_1_am").tag_name == "select":
        Select(cell("a_1_am")).select_by_value("none")
    elif cell("a_1_am").is_selected():
        cell("a_1_am").click()
    press(browser, browser.find_element(By.ID, "save-availability"))
    assert "每周可服务时间已保存" in wait_for(browser, By.ID, "notice").text
    assert cell("a_6_eve").is_selected() and cell("a_7_am").is_selected()
    assert cell("a_1_am").tag_name == "input" and not cell("a_1_am").is_selected()
    screenshot(browser, "people-volunteer")
    axe_check(browser)

    # Import: a list with one bad phone number is refused row by row, with the column.
    press(browser, browser.find_element(By.CSS_SELECTOR, "nav.desk a[href^='/app/import?']"))
    folder = tempfile.mkdtemp(prefix="linli-import-")
    header = "姓名,手机号,性别,网格"
    bad = csv_file(folder, "志愿者名单.csv", [header, "浏览器甲,13855550001,女,第一网格", "浏览器乙,1385555,男,第二网格"])
    browser.find_element(By.CSS_SELECTOR, "input[name=kind][value=volunteers]").click()
    browser.find_element(By.ID, "file").send_keys(bad)
    press(browser, browser.find_element(By.ID, "check-file"))
    problems = wait_for(browser, By.ID, "problems").text
    assert "3" in problems and "手机号" in problems and "1385555" in problems
    assert "bad" in browser.find_element(By.ID, "row-3").get_attribute("class")
    assert "ok" in browser.find_element(By.ID, "row-2").get_attribute("class")
    assert not browser.find_elements(By.ID, "apply")
    screenshot(browser, "people-import-dry-run")
    axe_check(browser)

    # Fixed, the same list passes the dry run and imports.
    fixed = csv_file(folder, "志愿者名单.csv", [header, "浏览器甲,13855550001,女,第一网格", "浏览器乙,13855550002,男,第二网格"])
    browser.find_element(By.CSS_SELECTOR, "input[name=kind][value=volunteers]").click()
    browser.find_element(By.ID, "file").send_keys(fixed)
    press(browser, browser.find_element(By.ID, "check-file"))
    assert "将新增 2 人" in wait_for(browser, By.ID, "report-would").text
    press(browser, browser.find_element(By.ID, "apply"))
    assert "导入完成：新增 2 人" in wait_for(browser, By.ID, "notice").text
    axe_check(browser)

    # The imported volunteers are on the list.
    browser.get(f"{base_url}/app/volunteers?q=13855550002")
    names = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "table.volunteers a.volunteer")]
    assert names == ["浏览器乙"]


def test_coordinator_reads_a_residents_care_notes(browser, base_url, sign_in, screenshot, axe_check):
    """The demo's fifth resident (phone ending 20005) has a care note: the coordinator finds them by
    the phone's ending and reads the note on their page."""
    sign_in(browser, "coordinator")
    browser.get(f"{base_url}/app/residents?q=20005")
    press(browser, wait_for(browser, By.CSS_SELECTOR, "table a.resident"))
    notes = wait_for(browser, By.ID, "care-notes-text").text
    assert "青霉素" in notes, notes
    assert "仅协调员和管理员可见" in browser.find_element(By.ID, "care-notes").text
    screenshot(browser, "people-resident")
    axe_check(browser)
