"""The booking desk with the keyboard only: sign in, find a resident, book a visit, confirm and
open the print slip using nothing but Tab, Shift+Tab, Enter, Space, the arrow keys and typing
(no clicks). Every control the journey stops at must show where the focus is (an outline of at
least 2 px), and Tab must reach the controls in the order a person reads them."""

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

# What document.activeElement is, in words the assertions can read.
DESCRIBE = """
const e = document.activeElement;
if (!e || e === document.body) return null;
const style = getComputedStyle(e);
const label = e.labels && e.labels.length ? e.labels[0].textContent : (e.closest('label') || {}).textContent;
return {tag: e.tagName.toLowerCase(), id: e.id || '', name: e.getAttribute('name') || '',
        type: e.getAttribute('type') || '', href: e.getAttribute('href') || '',
        cls: e.getAttribute('class') || '', text: (e.textContent || '').trim(), label: (label || '').trim(),
        outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth) || 0,
        boxShadow: style.boxShadow};
"""


def focused(browser):
    return browser.execute_script(DESCRIBE)


def press_keys(browser, *keys):
    ActionChains(browser).send_keys(*keys).perform()


def assert_focus_visible(element):
    """The focused control is outlined (or ringed) clearly enough to see where the focus is."""
    assert element is not None
    visible = (element["outlineStyle"] != "none" and element["outlineWidth"] >= 2) or element["boxShadow"] != "none"
    assert visible, f"no visible focus on {element}"


def tab_to(browser, matches, limit=80, back=False, visited=None):
    """Presses Tab (Shift+Tab when `back`) until the focused element satisfies `matches`; checks
    that each element on the way shows its focus; returns the element. `visited` collects the
    descriptions in the order Tab reached them."""
    for _ in range(limit):
        if back:
            ActionChains(browser).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()
        else:
            press_keys(browser, Keys.TAB)
        element = focused(browser)
        if element is None:
            continue
        assert_focus_visible(element)
        if visited is not None:
            visited.append(element)
        if matches(element):
            return element
    raise AssertionError(f"Tab never reached the control (last: {focused(browser)})")


def wait_for_page(browser, old_html, seconds=90):
    """Waits until the page that Enter or Space asked for has replaced `old_html`."""

    def replaced(driver):
        try:
            return (driver.find_element(By.TAG_NAME, "html").id != old_html
                    and driver.execute_script("return document.readyState") == "complete")
        except Exception:  # noqa: BLE001 - the old document went away mid-check
            return False

    WebDriverWait(browser, seconds).until(replaced)


def activate(browser, key=Keys.ENTER, seconds=90):
    """Presses Enter (or Space) on the focused control and waits for the next page."""
    old = browser.find_element(By.TAG_NAME, "html").id
    press_keys(browser, key)
    wait_for_page(browser, old, seconds)


def test_the_desk_books_a_visit_with_the_keyboard_only(browser, base_url, passwords, screenshot):
    # Sign in: Tab to the login field, type, Tab to the password, type, Enter.
    browser.get(f"{base_url}/signin")
    tab_to(browser, lambda e: e["id"] == "login")
    press_keys(browser, "desk")
    password = tab_to(browser, lambda e: e["tag"] == "input" and e["id"] != "login")
    assert password["id"] == "password", "Tab from the login goes to the password"
    press_keys(browser, passwords["desk"])
    button = tab_to(browser, lambda e: e["tag"] == "button")
    assert button["type"] == "submit"
    # Shift+Tab goes back to the password, and Tab forward again to the button.
    assert tab_to(browser, lambda e: True, back=True)["id"] == "password"
    press_keys(browser, Keys.ENTER)
    WebDriverWait(browser, 30).until(expected_conditions.url_matches(r"/app(\?|$)"))

    # The start page: Tab to the desk's link, Enter.
    tab_to(browser, lambda e: e["tag"] == "a" and e["href"].startswith("/app/desk?"))
    activate(browser)
    assert "/app/desk" in browser.current_url

    # The search field has the focus at once (autofocus); type and Enter.
    start = focused(browser)
    if start is None or start["id"] != "q":
        start = tab_to(browser, lambda e: e["id"] == "q")
    assert_focus_visible(start)
    press_keys(browser, "0008")
    activate(browser)
    WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.CSS_SELECTOR, "table.residents a.resident"))
    name = browser.find_element(By.CSS_SELECTOR, "table.residents a.resident").text
    resident = tab_to(browser, lambda e: "resident" in e["cls"].split())
    assert resident["text"] == name
    activate(browser)
    WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.ID, "propose"))
    assert browser.find_element(By.TAG_NAME, "h1").text == name

    # The booking form in reading order: the service, the time choices, the exact time, notes, then the button.
    order = []
    tab_to(browser, lambda e: e["id"] == "service", visited=order)
    for _ in range(40):
        label = browser.execute_script("return document.activeElement.selectedOptions[0].textContent")
        if label.startswith("陪聊"):
            break
        press_keys(browser, Keys.ARROW_DOWN)
    assert label.startswith("陪聊"), label
    ticked = 0
    seen = []
    while True:
        element = tab_to(browser, lambda e: e["tag"] in ("input", "button", "select"), visited=order)
        if element["type"] != "checkbox":
            break
        seen.append(element["label"])
        if element["label"].startswith(("明天", "后天")):
            press_keys(browser, Keys.SPACE)
            ticked += 1
    assert ticked == 4, seen
    ticked_boxes = browser.find_elements(By.CSS_SELECTOR, ".choices input[type=checkbox]:checked")
    assert len(ticked_boxes) == 4
    propose = tab_to(browser, lambda e: e["id"] == "propose", visited=order)
    ids = [e["id"] or e["name"] for e in order]
    for earlier, later in (("service", "date"), ("date", "from"), ("from", "to"), ("to", "notes"), ("notes", "propose")):
        assert ids.index(earlier) < ids.index(later), ids
    assert propose["text"]
    activate(browser)
    WebDriverWait(browser, 90).until(
        lambda b: b.find_elements(By.ID, "confirm") or b.find_elements(By.CSS_SELECTOR, "form.alternative button"))
    if not browser.find_elements(By.ID, "confirm"):
        # Nothing fitted: Tab to the first of the nearest other times and take it.
        tab_to(browser, lambda e: e["tag"] == "button")
        activate(browser)
        WebDriverWait(browser, 90).until(lambda b: b.find_elements(By.ID, "confirm"))
    who = browser.find_element(By.ID, "proposal-who").text
    screenshot(browser, "keyboard-proposal")

    # Confirm with Enter, then the slip with Enter on its link.
    tab_to(browser, lambda e: e["id"] == "confirm")
    activate(browser)
    WebDriverWait(browser, 60).until(lambda b: b.find_elements(By.ID, "print-slip"))
    assert browser.find_element(By.ID, "booking-who").text == who
    tab_to(browser, lambda e: e["id"] == "print-slip")
    screenshot(browser, "keyboard-booked")
    activate(browser)
    slip = WebDriverWait(browser, 60).until(lambda b: b.find_elements(By.CSS_SELECTOR, "article.slip"))[0].text
    assert name in slip and who in slip and "陪聊" in slip


def test_focus_is_visible_in_the_stylesheet(browser, base_url):
    """The one stylesheet outlines focused controls: a :focus-visible rule and the controls' :focus."""
    browser.get(f"{base_url}/signin")
    rules = browser.execute_script(
        """return Array.from(document.styleSheets).flatMap(s => Array.from(s.cssRules))
             .filter(r => r.selectorText && r.selectorText.includes(':focus'))
             .map(r => [r.selectorText, r.style.outlineStyle, r.style.outlineWidth]);""")
    outlined = {selector for text, style, width in rules if style == "solid" and width == "3px"
                for selector in (part.strip() for part in text.split(","))}
    for selector in (":focus-visible", "input:focus", "button:focus", "a:focus", "select:focus", "input:focus-within"):
        assert selector in outlined, (selector, rules)
