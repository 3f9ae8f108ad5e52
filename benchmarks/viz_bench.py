"""Time the graph pages on synthetic graphs: spec (with layout), HTML, and loading in headless Chromium.

    python benchmarks/viz_bench.py 500 5000        # sizes in entities; needs Debian's chromium for the load

Prints one line per size: entities, edges drawn, spec seconds, HTML seconds and MB, and the browser's time
from navigation to the first drawing (the page's own measure, window.kgViz.drawnIn) and to ready.
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("viz_synthetic", ROOT / "tests" / "viz" / "synthetic.py")
synthetic = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(synthetic)  # type: ignore[union-attr]


def browser_load(path: Path) -> tuple[float, float]:
    """(seconds to ready, the page's own drawing time in seconds) in headless Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium")
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        start = time.perf_counter()
        page.goto(path.as_uri())
        page.wait_for_function("window.kgViz && window.kgViz.ready", timeout=120_000)
        ready = time.perf_counter() - start
        drawn = page.evaluate("window.kgViz.drawnIn") / 1000
        browser.close()
    return ready, drawn


def main(sizes: list[int]) -> None:
    import kg.viz

    for size in sizes:
        graph = synthetic.synthetic_graph(size)
        start = time.perf_counter()
        page = kg.viz.visualise(graph)
        spec_s = time.perf_counter() - start
        start = time.perf_counter()
        html = page.html
        html_s = time.perf_counter() - start
        with tempfile.TemporaryDirectory() as tmp:
            path = page.save(Path(tmp) / "page.html")
            try:
                ready, drawn = browser_load(path)
                load = f"browser ready {ready:.2f} s (drawn in {drawn:.2f} s)"
            except Exception as exc:  # no browser here: report the generation times alone
                load = f"browser: {exc.__class__.__name__}"
        print(f"{size:>6} entities: {len(page.spec.nodes):,} nodes, {len(page.spec.edges):,} edges; "
              f"spec {spec_s:.2f} s, HTML {html_s:.2f} s ({len(html) / 1e6:.1f} MB); {load}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [500, 5000])
