"""Time ``kg site`` on a build and measure what it wrote: wall time, peak memory, files, total size, the
largest page and the largest profile.

    python benchmarks/generate.py --triples 1000000 --out /tmp/syn1m
    (cd /tmp/syn1m && kg build --extras never)
    python benchmarks/site_bench.py /tmp/syn1m --out /tmp/syn1m-site [--json site.json]

``kg site`` runs in a process of its own (as a user runs it), so its peak memory is its own.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path


def measure(project: Path, out: Path) -> dict[str, object]:
    """Run ``kg site`` in ``project`` (its ``build/``, ``data/``, ``ontology/``) into ``out``; the figures."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "kg", "site", "--build", "build", "-o", str(out)], cwd=project,
                          capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"kg site failed ({done.returncode}):\n{done.stderr}")
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    files = [p for p in out.rglob("*") if p.is_file()]
    sizes = {p.relative_to(out).as_posix(): p.stat().st_size for p in files}
    largest = max(sizes, key=lambda p: (sizes[p], p))
    pages = {p: n for p, n in sizes.items() if p.endswith(".html")}
    largest_html = max(pages, key=lambda p: (pages[p], p))
    profiles = {p: n for p, n in sizes.items() if p.startswith("entity/")}
    biggest_profile = max(profiles, key=lambda p: (profiles[p], p)) if profiles else ""
    return {"seconds": round(seconds, 1), "peak_rss_mb": round(peak_kb / 1024), "files": len(files),
            "profiles": len(profiles), "total_mb": round(sum(sizes.values()) / 1e6, 1),
            "largest_file": largest, "largest_file_mb": round(sizes[largest] / 1e6, 2),
            "largest_page": largest_html, "largest_page_mb": round(pages[largest_html] / 1e6, 2),
            "largest_profile": biggest_profile, "largest_profile_kb": round(profiles.get(biggest_profile, 0) / 1e3, 1),
            "summary": done.stdout.strip()}


def open_times(out: Path, paths: list[str], chromium: str = "/usr/bin/chromium") -> dict[str, float]:
    """Seconds until each page is ready (the site's script has run) in headless Chromium, from disk;
    empty without Playwright or Chromium."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {}
    if not Path(chromium).is_file():
        return {}
    found = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium)
        for path in paths:
            page = browser.new_page()
            started = time.perf_counter()
            page.goto((out / path).resolve().as_uri())
            page.wait_for_function("() => window.kgSite && window.kgSite.ready === true", timeout=60_000)
            found[path] = round(time.perf_counter() - started, 2)
            page.close()
        browser.close()
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("project", type=Path, help="a folder with build/ (and data/, ontology/)")
    parser.add_argument("--out", type=Path, required=True, help="the site folder to write (new, or a previous site)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    figures = measure(args.project, args.out)
    figures["open_seconds"] = open_times(args.out, ["index.html", str(figures["largest_profile"]),
                                                    str(figures["largest_page"])])
    for key, value in figures.items():
        print(f"{key:20} {value}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
