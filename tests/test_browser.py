"""The real app in headless Chromium: type a question, press Enter, see the cited answer.

Needs the Debian packages `chromium` and `chromium-driver`; skipped without them. The screenshot
is kept at tests/artifacts/answer.png for a person to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ARTIFACT = REPO / "tests" / "artifacts" / "answer.png"
APPROVED_ARTIFACT = REPO / "tests" / "artifacts" / "approved_answer.png"
QUESTION = "Do K-1 fiancés have to have met in person?"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)),
        reason=f"headless browser test needs {CHROMIUM} and {CHROMEDRIVER} "
        "(apt-get install -y chromium chromium-driver)",
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"streamlit not healthy at {url} after {timeout} s")


@contextmanager
def _serve(data_dir: Path, log_path: Path):
    port = _free_port()
    env = os.environ | {"POLICYDESK_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1"}
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(REPO / "app.py"),
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    log = log_path.open("wb")
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_healthy(f"http://127.0.0.1:{port}/_stcore/health", proc)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture
def server(small_index, tmp_path):
    with _serve(small_index.data_dir, tmp_path / "streamlit.log") as url:
        yield url


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium'}",
        "--window-size=1280,1800",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def test_question_typed_in_the_browser_shows_the_cited_answer(server, browser, assistant, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(server)
    wait = WebDriverWait(browser, 120)  # the first question loads the embedding model
    box = wait.until(
        ec.element_to_be_clickable((By.CSS_SELECTOR, 'input[aria-label^="Caller\'s question"]'))
    )
    box.send_keys(QUESTION, Keys.ENTER)
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "mark")))
    wait.until(lambda d: "Copy answer with citations" in d.find_element(By.TAG_NAME, "body").text)
    time.sleep(1)  # let the last elements paint before the screenshot

    shot = tmp_path / "answer.png"
    assert browser.save_screenshot(str(shot))
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, ARTIFACT)

    page = " ".join(browser.find_element(By.TAG_NAME, "body").text.split())
    answer = assistant.ask(QUESTION)  # the same index and question, answered outside the browser
    assert not answer.abstained
    for sentence in re.split(r" \[\d+\]\s*", answer.text):
        if sentence:
            assert " ".join(sentence.split()) in page
    assert answer.citations[0].cite in page and "Not covered" not in page


def test_an_approved_answer_shows_as_a_card_above_the_live_results(small_index, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    from assistant.service import Assistant
    from tests.conftest import make_settings

    data_dir = tmp_path / "data"  # its own approvals database, beside a copy of the small index
    shutil.copytree(small_index.index_dir, data_dir / "index")
    staff = Assistant(make_settings(data_dir))
    try:
        approval = staff.approvals.approve(staff.ask(QUESTION), "Dana Policy",
                                           phrasings=["Must K-1 fiancés have met in person?"])
    finally:
        staff.close()

    with _serve(data_dir, tmp_path / "streamlit.log") as url:
        browser.get(url)
        wait = WebDriverWait(browser, 120)
        box = wait.until(
            ec.element_to_be_clickable((By.CSS_SELECTOR, 'input[aria-label^="Caller\'s question"]'))
        )
        box.send_keys("Must K-1 fiancés have met in person?", Keys.ENTER)
        first_sentence = " ".join(re.split(r" \[\d+\]", approval.answer)[0].split())

        def body(d) -> str:
            return " ".join(d.find_element(By.TAG_NAME, "body").text.split())

        wait.until(lambda d: "Live search results" in body(d) and body(d).count(first_sentence) >= 1)
        wait.until(lambda d: body(d).count("Copy answer with citations") == 2)  # approved card and live answer
        card = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".st-key-approved_card")))
        time.sleep(1)
        shot = tmp_path / "approved.png"
        assert browser.save_screenshot(str(shot))
        APPROVED_ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, APPROVED_ARTIFACT)

        text = " ".join(card.text.split())
        assert "Approved answer" in text and "Approved by Dana Policy on" in text
        page = body(browser)
        # The approved sentences lead, above the live search results.
        assert page.index("Approved answer") < page.index(first_sentence) < page.index("Live search results")
