"""The shoppers' chat page, driven in headless Chromium through a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time

import pytest
import uvicorn

from server.app import create_app

from .conftest import free_port

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")


@pytest.fixture(scope="module")
def live_server(sample_settings, serving, tmp_path_factory):
    data = tmp_path_factory.mktemp("web")
    settings = sample_settings.model_copy(update={"data_dir": data})
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, serving), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", data
    server.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield chromium
        chromium.close()


def ask(page, question: str):
    before = page.locator('.msg.bot[data-done="true"]').count()
    page.fill("#question", question)
    page.press("#question", "Enter")
    done = page.locator('.msg.bot[data-done="true"]').nth(before)
    done.wait_for()
    return done


def test_ask_read_open_a_citation_and_send_feedback(live_server, browser, tmp_path):
    url, data = live_server
    page = browser.new_page()
    page.goto(url)
    answer = ask(page, "How long do I have to return an item?")
    assert "30 days" in answer.inner_text()
    citation = answer.locator("details.citation").first
    citation.locator("summary").click()
    assert citation.get_attribute("open") is not None and citation.locator("p").is_visible()
    answer.locator('[data-rating="up"]').click()
    page.wait_for_selector("text=Thanks for the feedback.")
    page.screenshot(path=str(tmp_path / "chat.png"))
    rows = sqlite3.connect(data / "sessions.sqlite").execute("SELECT rating, question FROM feedback").fetchall()
    assert rows == [("up", "How long do I have to return an item?")]


def test_chinese_on_a_phone_with_a_handoff(live_server, browser):
    url, _ = live_server
    page = browser.new_page(viewport={"width": 375, "height": 740}, is_mobile=True)
    page.goto(url)
    answer = ask(page, "可以寄到中国吗？")
    assert "中国" in answer.inner_text() and answer.locator("details.citation").count() >= 1
    handoff = ask(page, "我的订单到哪了？")
    handoff.locator("button.talk").click()
    assert "人工客服" in handoff.inner_text()
    assert page.locator("main").bounding_box()["width"] <= 375
