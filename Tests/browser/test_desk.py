"""The desk staff's journey in a real browser: sign in, find a resident, book a visit, see who
comes, confirm, open the print slip; register a resident who needs a phone call, book for them
and work the call list. Each main page is screenshotted and checked with axe-core."""

import datetime
import zoneinfo

from pages import press
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def wait_for(browser, by, value, seconds=60):
    return WebDriverWait(browser, seconds).until(expected_conditions.presence_of_element_located((by, value)))


def book_companionship(browser, screenshot=None, axe_check=None):
    """On a resident's page: a companionship visit tomorrow or the day after, morning or
    afternoon; takes the nearest other time when nothing fits. Leaves the browser on the
    proposal and returns (when, who)."""
    Select(browser.find_element(By.ID, "service")).select_by_visible_text("陪聊（精神慰藉）（60 分钟）")
    boxes = browser.find_elements(By.CSS_SELECTOR, ".choices input[type=checkbox]")
    labels = [box.find_element(By.XPATH, "..").text for box in boxes]
    chosen = [box for box, label in zip(boxes, labels) if label.startswith(("明天", "后天"))]
    assert len(chosen) == 4, labels
    for box in chosen:
        box.click()
    browser.find_element(By.ID, "propose").click()
    WebDriverWait(browser, 90).until(
        lambda b: b.find_elements(By.ID, "confirm") or b.find_elements(By.CSS_SELECTOR, "form.alternative button"))
    if not browser.find_elements(By.ID, "confirm"):
        # Nothing fitted: the reasons are shown with the nearest times; take the first one.
        if screenshot:
            screenshot(browser, "desk-nothing-fits")
            axe_check(browser)
        browser.find_element(By.CSS_SELECTOR, "form.alternative button").click()
        wait_for(browser, By.ID, "confirm", 90)
    return browser.find_element(By.ID, "proposal-when").text, browser.find_element(By.ID, "proposal-who").text


def test_desk_books_a_visit_and_prints_the_slip(browser, base_url, sign_in, screenshot, axe_check):
    sign_in(browser, "desk")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN"
    screenshot(browser, "app-home-desk")
    axe_check(browser)

    # The start page links to the desk; the desk finds a resident by the last digits of the phone.
    browser.find_element(By.CSS_SELECTOR, "ul.pages a[href^='/app/desk?']").click()
    wait_for(browser, By.ID, "q").send_keys("0002")
    browser.find_element(By.CSS_SELECTOR, "form[role=search] button[type=submit]").click()
    results = WebDriverWait(browser, 30).until(
        lambda b: b.find_elements(By.CSS_SELECTOR, "table.residents a.resident"))
    assert len(results) == 1
    name = results[0].text
    screenshot(browser, "desk-search")
    axe_check(browser)

    results[0].click()
    wait_for(browser, By.ID, "propose")
    assert browser.find_element(By.TAG_NAME, "h1").text == name
    screenshot(browser, "desk-resident")
    axe_check(browser)

    # Who would come and when, before anything is booked.
    when, who = book_companionship(browser, screenshot, axe_check)
    assert when and who
    screenshot(browser, "desk-proposal")
    axe_check(browser)

    browser.find_element(By.ID, "confirm").click()
    wait_for(browser, By.ID, "print-slip")
    assert "/app/desk/bookings/" in browser.current_url
    assert browser.find_element(By.ID, "booking-who").text == who
    assert "预约成功" in browser.find_element(By.TAG_NAME, "h1").text
    screenshot(browser, "desk-booked")
    axe_check(browser)

    browser.find_element(By.ID, "print-slip").click()
    wait_for(browser, By.CSS_SELECTOR, "article.slip")
    slip = browser.find_element(By.CSS_SELECTOR, "article.slip").text
    assert name in slip and who in slip and "陪聊" in slip
    # Large type: the slip's values are at least 24 px on screen.
    size = browser.execute_script(
        "return parseFloat(getComputedStyle(document.querySelector('.slip dd')).fontSize)")
    assert size >= 24
    screenshot(browser, "desk-slip")
    axe_check(browser)

    # The resident's page now lists the visit with who comes.
    browser.back()
    browser.find_element(By.PARTIAL_LINK_TEXT, name).click()
    visits = wait_for(browser, By.CSS_SELECTOR, "ul.visits").text
    assert "陪聊" in visits and who in visits


def test_register_a_resident_who_needs_a_call_and_work_the_call_list(
        browser, base_url, sign_in, screenshot, axe_check):
    sign_in(browser, "desk")

    # A form error keeps what was typed and says what to fix next to the field.
    browser.find_element(By.CSS_SELECTOR, "ul.pages a[href^='/app/desk?']").click()
    browser.find_element(By.LINK_TEXT, "登记新居民").click()
    browser.find_element(By.ID, "name").send_keys("测试居民")
    browser.find_element(By.ID, "phone").send_keys("12345")
    browser.find_element(By.CSS_SELECTOR, "input[name=sex][value=female]").click()
    browser.find_element(By.CSS_SELECTOR, "input[name=needs_call]").click()
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    error = wait_for(browser, By.ID, "phone-error")
    assert error.text
    assert browser.find_element(By.ID, "name").get_attribute("value") == "测试居民"
    screenshot(browser, "desk-new-resident-error")
    axe_check(browser)
    phone = browser.find_element(By.ID, "phone")
    phone.clear()
    phone.send_keys("01064019876")
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait_for(browser, By.ID, "propose")
    assert browser.find_element(By.TAG_NAME, "h1").text == "测试居民"

    # Pinyin initials find the new resident.
    browser.get(f"{base_url}/app/desk?q=csjm")
    names = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "table.residents a.resident")]
    assert "测试居民" in names

    # Booked for a visit, the resident is on the call list of that day with the number to call.
    browser.find_element(By.LINK_TEXT, "测试居民").click()
    wait_for(browser, By.ID, "propose")
    book_companionship(browser)
    browser.find_element(By.ID, "confirm").click()
    wait_for(browser, By.ID, "print-slip")
    today = datetime.datetime.now(SHANGHAI).date()
    entry = None
    for offset in range(0, 8):
        browser.get(f"{base_url}/app/desk/calls?date={today + datetime.timedelta(days=offset)}")
        entries = [e for e in browser.find_elements(By.CSS_SELECTOR, "section.call") if "测试居民" in e.text]
        if entries:
            entry = entries[0]
            break
    assert entry is not None, "the visit is on no call list of the coming week"
    assert "01064019876" in entry.text and "还没有打" in entry.text
    screenshot(browser, "desk-calls")
    axe_check(browser)
    # The mark reloads the page: wait for the new one, or the old rows go stale mid-check.
    press(browser, entry.find_element(By.CSS_SELECTOR, "button[value=confirmed]"))
    WebDriverWait(browser, 30).until(
        lambda b: any("测试居民" in e.text and "居民已确认" in e.text
                      for e in b.find_elements(By.CSS_SELECTOR, "section.call")))
