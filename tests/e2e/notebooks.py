"""Execute every notebook in notebooks/ top to bottom in a real Jupyter kernel (nbclient), against the read
copy of a load; any error in any cell fails. Each chart is checked to render, and one is exported as a PNG
(with UPDATE_DOCS_IMAGES=1 it replaces docs/img/spend-by-organization.png, the README's chart)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
VEGA_LITE = "application/vnd.vegalite.v"
DOCS_CHART = ROOT / "docs" / "img" / "spend-by-organization.png"


def is_chart(output: dict) -> bool:
    """An Altair chart: Vega-Lite JSON, or the HTML that embeds it (Altair's default renderer)."""
    data = output.get("data", {})
    return any(k.startswith(VEGA_LITE) for k in data) or "vegaEmbed" in data.get("text/html", "")


def execute(notebook: Path, extra_code: str = "") -> nbformat.NotebookNode:
    """Run `notebook` (plus `extra_code` as a last cell) in a fresh kernel started in notebooks/."""
    nb = nbformat.read(notebook, as_version=4)
    if extra_code:
        nb.cells.append(nbformat.v4.new_code_cell(extra_code))
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(notebook.parent)}}
    ).execute()
    return nb


def assert_notebooks_run(duckdb_path: Path, secrets: list[str], tmp_path: Path) -> None:
    """Every notebook runs without error on the read copy of `duckdb_path`, shows charts, leaks nothing."""
    assert {n.name for n in NOTEBOOKS} >= {"cost_overview.ipynb", "audit_review.ipynb"}
    os.environ["DOMINO_DUCKDB_PATH"] = str(duckdb_path)  # the kernel inherits it (callers monkeypatch it)
    chart = tmp_path / "spend-by-organization.png"
    for notebook in NOTEBOOKS:
        extra = (
            f'CHARTS["spend_by_organization"].save({str(chart)!r}, scale_factor=1.5)'
            if notebook.name == "cost_overview.ipynb"
            else ""
        )
        executed = execute(notebook, extra)
        outputs = [o for cell in executed.cells if cell.cell_type == "code" for o in cell.outputs]
        assert not [o for o in outputs if o.output_type == "error"]
        charts = [o for o in outputs if is_chart(o)]
        assert len(charts) >= 2, f"{notebook.name} shows its charts"
        text = json.dumps(executed)
        assert str(duckdb_path.with_name(duckdb_path.stem + ".read.duckdb")) in text, "it read the read copy"
        for secret in secrets:
            assert secret not in text, f"a credential appears in {notebook.name}"
    assert chart.stat().st_size > 10_000
    if os.environ.get("UPDATE_DOCS_IMAGES") == "1":
        DOCS_CHART.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(chart, DOCS_CHART)
