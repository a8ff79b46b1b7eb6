"""Shared fixtures of Linli's browser tests (issue #7's Proof section).

Tests/browser/run.sh prepares everything and runs pytest here; run directly, these fixtures
read the same environment:

  LINLI_BROWSER_BASE_URL     the running linli-server, e.g. http://127.0.0.1:8123 (no trailing /)
  LINLI_BROWSER_PASSWORDS    a file of "login password" lines (linli demo load --passwords-file)
  LINLI_BROWSER_SCREENSHOTS  where screenshot() writes <name>.png (default .build/browser-screenshots)
  LINLI_BROWSER_DOWNLOADS    the folder Chrome saves downloads to (default: a temporary folder)
  LINLI_CHROMIUM, LINLI_CHROMEDRIVER   the browser and driver (default Debian's /usr/bin/chromium
                             and /usr/bin/chromedriver: given explicitly, so selenium never
                             looks for or downloads a browser)

Fixtures: base_url, browser, sign_in(browser, role), screenshot(browser, name), axe_check(browser).
"""

import os
import pathlib
import tempfile

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

ROOT = pathlib.Path(__file__).resolve().parents[2]

# The demo accounts (linli demo load) for each role the tests sign in as.
LOGINS = {"coordinator": "coordinator", "desk": "desk", "leader": "patrol", "admin": "admin"}

# axe-core's impacts that fail a test.
FAILING_IMPACTS = {"serious", "critical"}


def _downloads() -> pathlib.Path:
    folder = os.environ.get("LINLI_BROWSER_DOWNLOADS")
    if not folder:
        folder = tempfile.mkdtemp(prefix="linli-downloads-")
        os.environ["LINLI_BROWSER_DOWNLOADS"] = folder
    path = pathlib.Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _passwords() -> dict:
    path = os.environ.get("LINLI_BROWSER_PASSWORDS")
    if not path:
        raise RuntimeError("LINLI_BROWSER_PASSWORDS is not set: run the tests with Tests/browser/run.sh")
    result = {}
    for line in pathlib.Path(path).read_text(encoding="utf-8").splitlines():
        parts = line.split(maxsplit=1)
        if len(parts) == 2:
            result[parts[0]] = parts[1]
    return result


@pytest.fixture(scope="session")
def base_url() -> str:
    url = os.environ.get("LINLI_BROWSER_BASE_URL")
    if not url:
        raise RuntimeError("LINLI_BROWSER_BASE_URL is not set: run the tests with Tests/browser/run.sh")
    return url.rstrip("/")


@pytest.fixture(scope="session")
def passwords() -> dict:
    return _passwords()


@pytest.fixture
def browser():
    """A fresh headless Chromium (Debian's, through Debian's chromedriver), 1280x1000, zh-CN."""
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("LINLI_CHROMIUM", "/usr/bin/chromium")
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,1000",
        "--lang=zh-CN",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--metrics-recording-only",
        "--force-device-scale-factor=1",
    ):
        options.add_argument(argument)
    options.add_experimental_option(
        "prefs",
        {
            "intl.accept_languages": "zh-CN,zh",
            "download.default_directory": str(_downloads()),
            "download.prompt_for_download": False,
            "download.directory_upgrade": True,
            "safebrowsing.enabled": False,
        },
    )
    service = Service(executable_path=os.environ.get("LINLI_CHROMEDRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_window_size(1280, 1000)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    # Headless Chromium asks before downloading unless told where to put files.
    try:
        driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(_downloads())})
    except Exception:  # noqa: BLE001 - an older driver without the command still downloads by the prefs
        pass
    yield driver
    driver.quit()


@pytest.fixture
def sign_in(base_url, passwords):
    """sign_in(browser, role): signs in through the /signin form and waits for /app."""

    def sign_in(browser, role: str):
        if role not in LOGINS:
            raise ValueError(f"role must be one of {sorted(LOGINS)}, not {role!r}")
        login = LOGINS[role]
        browser.get(f"{base_url}/signin")
        browser.find_element(By.ID, "login").send_keys(login)
        browser.find_element(By.ID, "password").send_keys(passwords[login])
        browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        WebDriverWait(browser, 30).until(expected_conditions.url_matches(r"/app(\?|$)"))
        return browser

    return sign_in


@pytest.fixture(scope="session")
def screenshot_dir() -> pathlib.Path:
    folder = pathlib.Path(os.environ.get("LINLI_BROWSER_SCREENSHOTS", ROOT / ".build" / "browser-screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def screenshot(screenshot_dir):
    """screenshot(browser, name): saves the whole page as <dir>/<name>.png and returns the path."""

    def screenshot(browser, name: str) -> pathlib.Path:
        path = screenshot_dir / f"{name}.png"
        # The whole page, not only the window: as tall as the document.
        width = browser.execute_script("return document.documentElement.scrollWidth")
        height = browser.execute_script("return document.documentElement.scrollHeight")
        original = browser.get_window_size()
        browser.set_window_size(max(1280, width), max(original["height"], min(height + 120, 6000)))
        try:
            browser.save_screenshot(str(path))
        finally:
            browser.set_window_size(original["width"], original["height"])
        return path

    return screenshot


@pytest.fixture
def axe_check():
    """axe_check(browser): runs axe-core (bundled by axe-core-python, offline) on the page and
    fails the test on any serious or critical violation; returns axe's result."""
    from axe_core_python.selenium import Axe

    axe = Axe()

    def axe_check(browser) -> dict:
        result = axe.run(browser)
        bad = [v for v in result.get("violations", []) if v.get("impact") in FAILING_IMPACTS]
        if bad:
            lines = []
            for violation in bad:
                targets = [", ".join(node.get("target", [])) for node in violation.get("nodes", [])][:5]
                lines.append(f"{violation['impact']}: {violation['id']} — {violation['help']} at {targets}")
            pytest.fail(f"accessibility violations on {browser.current_url}:\n" + "\n".join(lines))
        return result

    return axe_check
