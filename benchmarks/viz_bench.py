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


def measure(size: int) -> dict:
    """One page of ``size`` synthetic entities: nodes and edges drawn, seconds for the spec (with its
    layout) and the HTML, the HTML's bytes, and the browser's seconds to ready and to the first
    drawing (``ready`` None, and ``browser`` saying why, where there is no browser)."""
    import kg.viz

    graph = synthetic.synthetic_graph(size)
    start = time.perf_counter()
    page = kg.viz.visualise(graph)
    spec_s = time.perf_counter() - start
    start = time.perf_counter()
    html = page.html
    html_s = time.perf_counter() - start
    out = {"entities": size, "nodes": len(page.spec.nodes), "edges": len(page.spec.edges), "spec_s": spec_s,
           "html_s": html_s, "bytes": len(html.encode("utf-8")), "ready": None, "drawn": None, "browser": "ok"}
    with tempfile.TemporaryDirectory() as tmp:
        path = page.save(Path(tmp) / "page.html")
        try:
            out["ready"], out["drawn"] = browser_load(path)
        except Exception as exc:  # no browser here: the generation times alone
            out["browser"] = f"{exc.__class__.__name__}: {str(exc)[:80]}"
    return out


def line(m: dict) -> str:
    """One result of :func:`measure` as text."""
    load = (f"browser ready {m['ready']:.2f} s (drawn in {m['drawn']:.2f} s)" if m["ready"] is not None
            else f"browser: {m['browser']}")
    return (f"{m['entities']:>6} entities: {m['nodes']:,} nodes, {m['edges']:,} edges; spec {m['spec_s']:.2f} s, "
            f"HTML {m['html_s']:.2f} s ({m['bytes'] / 1e6:.1f} MB); {load}")


def main(sizes: list[int]) -> None:
    for size in sizes:
        print(line(measure(size)))


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [500, 5000])
