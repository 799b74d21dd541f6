"""The Dagster UI in a real browser: Debian's Chromium, headless, driven by Playwright (never a downloaded
browser) opens an asset graph page of the running webserver and finds the asset names rendered.

The screenshot goes to the test's temporary folder; with UPDATE_DOCS_IMAGES=1 (`make docs-images`) it
replaces docs/img/asset-graph.png, the picture the README shows."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.ui.conftest import DagsterUI

pytestmark = pytest.mark.xdist_group("dagster_ui")

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
GRAPH = "/assets/raw/cost_allocation?view=lineage&lineageScope=downstream&lineageDepth=3"
"""The lineage graph from raw cost to the reports (the global page shows ~20 groups collapsed)."""
DOCS_IMAGE = Path(__file__).parents[2] / "docs" / "img" / "asset-graph.png"


def test_the_asset_graph_renders_the_asset_names(dagster_ui: DagsterUI, tmp_path: Path) -> None:
    assert Path(CHROMIUM).exists(), "Debian's chromium package is missing: .ci/system-packages installs it"
    screenshot = tmp_path / "asset-graph.png"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.goto(f"{dagster_ui.url}{GRAPH}", wait_until="domcontentloaded", timeout=120_000)
            for name in ("cost_allocation", "cost_daily", "staging", "reporting"):
                page.get_by_text(name, exact=True).first.wait_for(state="visible", timeout=120_000)
            page.wait_for_function("!document.body.innerText.includes('Loading')", timeout=120_000)
            page.wait_for_timeout(1000)  # let the graph settle its layout before the picture
            page.screenshot(path=str(screenshot))
            text = page.inner_text("body")
        finally:
            browser.close()
    assert "Join the Dagster community" not in text, "nux is off in dagster.yaml"
    assert screenshot.stat().st_size > 20_000
    if os.environ.get("UPDATE_DOCS_IMAGES") == "1":
        DOCS_IMAGE.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(screenshot, DOCS_IMAGE)
