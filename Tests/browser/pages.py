"""What the page journeys share, besides conftest.py's fixtures."""

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait


def press(browser, element) -> None:
    """Clicks a button or link and waits until the next page has replaced this one."""
    old = browser.find_element(By.TAG_NAME, "html").id
    element.click()

    def next_page(driver) -> bool:
        try:
            new = driver.find_element(By.TAG_NAME, "html").id
            return new != old and driver.execute_script("return document.readyState") == "complete"
        except WebDriverException:
            return False

    WebDriverWait(browser, 60).until(next_page)
