"""A real browser walks the main path: log in, create an incident, drop evidence on it.

Runs Debian's headless Chromium through its own chromedriver, never a downloaded browser. Without
them the test is skipped on a workstation but fails under CI (CI=true), where it must run.
"""

import base64
import contextlib
import hashlib
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from selenium import webdriver
from selenium.common.exceptions import (
    NoSuchElementException,
    StaleElementReferenceException,
    WebDriverException,
)
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.selenium_manager import SeleniumManager
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from core.models import Role
from incidents.models import Evidence, Incident

from .conftest import PASSWORD, make_user

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROME_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--window-size=1400,1100",
]
WAIT = 60  # seconds; the test machines are slow and shared

# Bytes a browser could mangle if the upload were not byte-exact: CRLF, NUL, every byte value.
EVIDENCE_NAME = "auth.log"
EVIDENCE_BYTES = (
    b"Nov 24 10:00:01 gw sshd[811]: Failed password for root from 203.0.113.7 port 50122\r\n"
    + bytes(range(256))
    + "Jörg's box — ünïcödé\n".encode()
)

# Builds a File from base64 bytes inside the page and drops it on #dropzone the way a desktop
# drag would: dragenter, dragover, drop, each carrying the same DataTransfer. Messages and the
# progress bar are mirrored into sessionStorage so they can be read after upload.js reloads.
DROP_SCRIPT = """
const [name, b64] = arguments;
const raw = atob(b64);
const bytes = new Uint8Array(raw.length);
for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
const file = new File([bytes], name, {type: "application/octet-stream"});
const dt = new DataTransfer();
dt.items.add(file);

sessionStorage.removeItem("test-messages");
const box = document.getElementById("upload-messages");
new MutationObserver(function () {
  const texts = Array.from(box.children, function (el) {
    return {kind: el.className, text: el.textContent};
  });
  sessionStorage.setItem("test-messages", JSON.stringify(texts));
}).observe(box, {childList: true, subtree: true, characterData: true});
window.__beforeReload = true;

const zone = document.getElementById("dropzone");
const notCancelled = {};
for (const type of ["dragenter", "dragover", "drop"]) {
  const event = new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: dt});
  notCancelled[type] = zone.dispatchEvent(event);
}
const bar = document.getElementById("upload-progress");
return {
  notCancelled: notCancelled,
  fileSize: file.size,
  barVisible: getComputedStyle(bar).display !== "none" && bar.offsetHeight > 0,
};
"""


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _no_browser_reason() -> str:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    if not missing:
        return ""
    return (f"needs Debian's chromium and chromium-driver (apt-get install chromium "
            f"chromium-driver); missing: {', '.join(missing)}")


# Skipped without a browser on a workstation (decided here, before any database is set up);
# under CI the fixture below fails instead.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(bool(_no_browser_reason()) and not _in_ci(), reason=_no_browser_reason()),
]


@pytest.fixture
def browser(tmp_path, monkeypatch):
    reason = _no_browser_reason()
    if reason:
        pytest.fail(f"browser test {reason}. CI is set, so this fails instead of skipping.",
                    pytrace=False)

    def no_selenium_manager(*args, **kwargs):
        raise AssertionError("Selenium Manager was invoked; it would download a browser")

    monkeypatch.setattr(SeleniumManager, "binary_paths", no_selenium_manager)

    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chrome-profile'}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=str(CHROMEDRIVER),
                      log_output=str(tmp_path / "chromedriver.log"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(90)
    driver.set_script_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()


def assert_assets_are_ours(driver, live_server):
    """Every script and stylesheet comes from this server; Bootstrap from /static/, and it ran."""
    origin = urlsplit(live_server.url)[:2]
    urls = driver.execute_script(
        "return Array.from(document.querySelectorAll('script[src], link[href]'),"
        " el => el.src || el.href);"
    )
    assert urls, "the page loads no scripts or stylesheets at all"
    foreign = [u for u in urls if urlsplit(u)[:2] != origin]
    assert not foreign, f"assets from other origins: {foreign}"
    paths = [urlsplit(u).path for u in urls]
    assert "/static/bootstrap/css/bootstrap.min.css" in paths, paths
    assert "/static/bootstrap/js/bootstrap.bundle.min.js" in paths, paths
    # Loaded, not just linked: the bundle defines window.bootstrap, the CSS its custom properties.
    assert driver.execute_script("return typeof window.bootstrap === 'object';")
    assert driver.execute_script(
        "return getComputedStyle(document.documentElement)"
        ".getPropertyValue('--bs-primary').trim();"
    )


@contextlib.contextmanager
def evidence_on_failure(driver, tmp_path):
    """On failure, keep a screenshot, the page source, the URL and the console for the log."""
    try:
        yield
    except BaseException:
        shot = tmp_path / "failure.png"
        try:
            driver.save_screenshot(str(shot))
            (tmp_path / "failure.html").write_text(driver.page_source)
            print(f"screenshot: {shot}\npage source: {tmp_path / 'failure.html'}")
            print(f"url: {driver.current_url}\nconsole: {console_errors(driver)}")
        except WebDriverException as exc:
            print(f"could not save a screenshot: {exc}")
        raise


def waiting(driver) -> WebDriverWait:
    """A wait that tries again when the page it reads was replaced meanwhile (a form posted, a
    page that reloads itself): an element found a moment before may be gone when it is read."""
    return WebDriverWait(driver, WAIT, ignored_exceptions=(NoSuchElementException,
                                                           StaleElementReferenceException))


def click(driver, element):
    """Click like a user, the element scrolled to the middle of the window first (at once:
    Bootstrap makes scrolling smooth, and a click during the scroll lands elsewhere)."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element)
    element.click()


def console_errors(driver):
    try:
        entries = driver.get_log("browser")
    except WebDriverException:
        return []
    return [e["message"] for e in entries
            if e["level"] == "SEVERE" and "favicon.ico" not in e["message"]]


def test_responder_creates_an_incident_and_drops_evidence_on_it(browser, live_server, tmp_path):
    driver = browser
    wait = waiting(driver)
    make_user("rico", Role.RESPONDER)
    expected_sha = hashlib.sha256(EVIDENCE_BYTES).hexdigest()
    with evidence_on_failure(driver, tmp_path):
        # Log in through the form.
        driver.get(live_server.url + "/accounts/login/")
        assert_assets_are_ours(driver, live_server)
        driver.find_element(By.NAME, "username").send_keys("rico")
        driver.find_element(By.NAME, "password").send_keys(PASSWORD)
        driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()

        # The navigation offers "New incident" to a responder.
        wait.until(EC.element_to_be_clickable((By.LINK_TEXT, "New incident"))).click()
        wait.until(EC.url_to_be(live_server.url + "/incidents/new/"))
        title = wait.until(EC.visibility_of_element_located((By.NAME, "title")))
        title.send_keys("SSH brute force against the bastion")
        detected = driver.find_element(By.NAME, "detected_at")
        if not detected.get_attribute("value"):
            # datetime-local typing depends on the browser's locale; set the value directly.
            driver.execute_script("arguments[0].value = '2026-03-01T09:15';", detected)
        driver.find_element(By.NAME, "save").click()

        # The detail page of the new incident, with its reference.
        wait.until(EC.url_matches(r"/incidents/ABD-\d{4}-\d{4}/$"))
        incident = Incident.objects.get()
        assert re.fullmatch(r"ABD-\d{4}-\d{4}", incident.reference)
        assert driver.current_url == f"{live_server.url}/incidents/{incident.reference}/"
        heading = driver.find_element(By.TAG_NAME, "h1").text
        assert incident.reference in heading and "SSH brute force" in heading
        wait.until(EC.presence_of_element_located((By.ID, "dropzone")))

        # Drop a file on the zone.
        result = driver.execute_script(
            DROP_SCRIPT, EVIDENCE_NAME, base64.b64encode(EVIDENCE_BYTES).decode()
        )
        assert result["fileSize"] == len(EVIDENCE_BYTES)
        # upload.js cancels dragover and drop, or the browser would open the file instead.
        assert result["notCancelled"] == {"dragenter": False, "dragover": False, "drop": False}
        assert result["barVisible"], "the progress bar did not appear when the upload started"

        # upload.js reports the stored file, then reloads the page.
        wait.until(lambda d: d.execute_script("return window.__beforeReload === undefined;"))
        wait.until(EC.presence_of_element_located((By.ID, "evidence-table")))
        messages = driver.execute_script(
            "return JSON.parse(sessionStorage.getItem('test-messages') || '[]');"
        )
        assert [m["text"] for m in messages] == [
            f"Stored {EVIDENCE_NAME} — SHA-256 {expected_sha}"
        ], messages
        assert "alert-success" in messages[0]["kind"]

        # After the reload the evidence table lists the file with our hash.
        cells = wait.until(EC.presence_of_all_elements_located(
            (By.CSS_SELECTOR, "#evidence-table td.sha256")))
        assert [c.text.strip() for c in cells] == [expected_sha]
        row_text = cells[0].find_element(By.XPATH, "..").text
        assert EVIDENCE_NAME in row_text
        assert_assets_are_ours(driver, live_server)
        driver.save_screenshot(str(tmp_path / "incident.png"))

        # And the store holds exactly the bytes we dropped.
        evidence = Evidence.objects.get()
        assert evidence.incident == incident and evidence.sha256 == expected_sha
        with evidence.file.storage.open(evidence.file.name, "rb") as stored:
            assert stored.read() == EVIDENCE_BYTES

        assert console_errors(driver) == []


def test_responder_prepares_reports_previews_one_with_its_redactions_and_sends_it(
        browser, live_server, tmp_path, monkeypatch, settings):
    """Prepare on the incident page, the composed draft's preview, Send: the report is queued."""
    from reports import composing, sending
    from reports.models import Report

    from .composing_support import a_world

    settings.REPORT_FROM = "abuse@desk.example.org"
    monkeypatch.setattr(composing, "_enqueue", composing.reports_compose)  # the worker, in-line
    monkeypatch.setattr(sending, "_enqueue", lambda pk, countdown=None: None)  # no broker here
    driver = browser
    wait = waiting(driver)
    owner = make_user("rico", Role.RESPONDER)
    world = a_world(owner, beta_fields={"do_not_contact": True, "do_not_contact_reason": "reseller"})
    with evidence_on_failure(driver, tmp_path):
        driver.get(live_server.url + "/accounts/login/")
        driver.find_element(By.NAME, "username").send_keys("rico")
        driver.find_element(By.NAME, "password").send_keys(PASSWORD)
        driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        wait.until(EC.presence_of_element_located((By.LINK_TEXT, "Incidents")))
        driver.get(f"{live_server.url}/incidents/{world.incident.reference}/")

        action = wait.until(EC.visibility_of_element_located((By.ID, "id_action_taken")))
        action.clear()
        action.send_keys("Blocked at the firewall since 10:00.")
        click(driver, driver.find_element(By.ID, "prepare-reports"))
        alerts = wait.until(EC.presence_of_all_elements_located((By.CSS_SELECTOR, ".alert")))
        texts = " ".join(a.text for a in alerts)
        assert "1 draft report(s) prepared" in texts
        assert "No report to Beta Hosting (89.160.20.9): do not contact: reseller." in texts

        report = Report.objects.get(incident=world.incident)
        click(driver, driver.find_element(By.CSS_SELECTOR, "#report-table a"))
        headers = wait.until(EC.presence_of_element_located((By.ID, "preview-headers"))).text
        assert f"[{world.incident.reference}] Abuse from your network" in headers
        assert "Alpha Net <abuse@alpha.example>" in headers and report.message_id in headers
        redactions = driver.find_element(By.ID, "redactions").text
        assert "10.0.0.5" in redactions and "gw1" in redactions
        body = driver.find_element(By.ID, "report-body").text
        assert "Blocked at the firewall since 10:00." in body and "10.0.0.5" not in body
        attachments = driver.find_element(By.ID, "attachments").text
        assert f"{world.incident.reference}-evidence.zip" in attachments

        click(driver, driver.find_element(By.ID, "send-report"))
        wait.until(lambda d: d.find_element(By.ID, "report-status").get_attribute("data-status")
                   == "queued")
        assert Report.objects.get(pk=report.pk).status == "queued"
        assert console_errors(driver) == []
