"""``kg site``: the whole graph as a folder of static pages that open from disk and on any static host.

::

    from kg.site import site_from_build, write_site
    site_from_build("build", "site")          # -> SiteResult: the folder, its files and size
    write_site(graph, "site")                 # ... or from a graph in memory

The pages (all relative links, so the folder can move):

- ``index.html``: counts, one search box over every name in every language and every id, the lists, the
  questions and the other pages;
- ``entity/<id>.html``: a profile per person, organisation, work, event, programme, edition, place and
  award (:mod:`kg.site.profiles`);
- ``question/<name>.html``: a page per catalogue question (:mod:`kg.site.questions`);
- ``list-<family>.html`` (and ``list-<family>-2.html`` ... for a long list), ``timeline.html``,
  ``charts.html`` (:mod:`kg.site.overview`) and
  ``networks.html`` with a ``kg viz`` page per projection in ``networks/`` (:mod:`kg.site.networks`);
- ``model.html``: the classes, properties, roles and measures, and the prefixes (:mod:`kg.site.vocabulary`);
- ``assets/``: the style, the script and the search index; ``kg-site.json``: the manifest.

Everything comes from the one read model (:mod:`kg.model`) and the network built on it; nothing here
reads triples. Every page carries a Content-Security-Policy that allows only the site's own files, so
no page can make a request elsewhere; every string from the data is escaped; file names come from ids.
The same build gives the same site, byte for byte. The folder is written whole or not at all
(:mod:`kg.site.writer`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kg.graph import KnowledgeGraph
from kg.isolated import Aside
from kg.questions.catalogue import load_catalogue
from kg.site.data import SiteData, site_data
from kg.site.front import SEARCH_INDEX, index_page, search_script
from kg.site.html import Template, asset_files
from kg.site.networks import network_pages, networks_page
from kg.site.overview import FAMILY_NAMES, charts_page, family_pages, timeline_page
from kg.site.profiles import Profiles
from kg.site.questions import question_page
from kg.site.vocabulary import MODEL_PAGE, model_page
from kg.site.writer import MANIFEST, check_target, write_files, write_site_folder

DEFAULT_OUTPUT = Path("site")


@dataclass
class SiteResult:
    """What ``kg site`` wrote: the folder, how many files and bytes, and what the user should know."""

    folder: Path
    files: int
    size: int
    profiles: int
    questions: int
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the terminal."""
        return (f"Wrote {self.folder}/ ({self.files:,} files, {self.size / 1e6:.1f} MB): {self.profiles:,} profiles, "
                f"{self.questions:,} questions; open {self.folder / 'index.html'}")


def render_site(graph: KnowledgeGraph, *, queries: str | Path | None = None, timeout: float | None = 60.0
                ) -> dict[str, bytes]:
    """Every file of the site of ``graph``, by its path in the site (the manifest aside). ``queries`` is
    the catalogue folder (default: the toolkit's); ``timeout`` bounds each question."""
    data = site_data(graph)
    drawings = Aside(lambda: network_pages(data))  # beside the rest, in a forked process (kg.isolated.Aside)
    try:
        files = _pages(data, queries, timeout or 60.0)
        files.update(drawings.result())
    finally:
        drawings.stop()
    return files


def _pages(data: SiteData, queries: str | Path | None, timeout: float) -> dict[str, bytes]:
    """Every file of the site but the network drawings."""
    template = Template.load()
    files = asset_files()
    files[SEARCH_INDEX] = search_script(data)
    profiles = Profiles.of(data)
    for iri, path in sorted(data.paths.items(), key=lambda kv: kv[1]):
        files[path] = template.render(path, data.label(iri), profiles.body(iri, path))
    asked = []
    for question in load_catalogue(queries):
        done, body = question_page(data, question, timeout)
        asked.append(done)
        files[done.path] = template.render(done.path, question.title, body)
    families = {e.family for e in data.model.entities.values()}
    for family in FAMILY_NAMES:
        if family in families:
            for path, (title, body) in family_pages(data, family).items():
                files[path] = template.render(path, title, body)
    files["timeline.html"] = template.render("timeline.html", "Timeline", timeline_page(data))
    files["charts.html"] = template.render("charts.html", "Charts", charts_page(data))
    files["networks.html"] = template.render("networks.html", "Collaboration networks", networks_page(data))
    files[MODEL_PAGE] = template.render(MODEL_PAGE, "The model", model_page(data))
    files["index.html"] = template.render("index.html", "The co-production graph", index_page(data, asked),
                                          scripts=[SEARCH_INDEX])
    return files


def write_site(graph: KnowledgeGraph, folder: str | Path = DEFAULT_OUTPUT, *, queries: str | Path | None = None,
               timeout: float | None = 60.0) -> SiteResult:
    """Write the site of ``graph`` as the folder ``folder`` (see :func:`kg.site.writer.write_site_folder`:
    a new or empty folder, or a previous site, which is replaced)."""
    folder = Path(folder)
    check_target(folder)  # before the work: a wrong folder is refused at once
    files = render_site(graph, queries=queries, timeout=timeout)
    size = write_site_folder(folder, files)
    profiles = sum(1 for p in files if p.startswith("entity/"))
    questions = sum(1 for p in files if p.startswith("question/"))
    return SiteResult(folder, len(files) + 1, size, profiles, questions)


def write_site_into(graph: KnowledgeGraph, folder: str | Path, *, queries: str | Path | None = None,
                    timeout: float | None = 60.0) -> list[Path]:
    """Write the site of ``graph`` into ``folder``, new or empty, with no manifest of its own and none of
    the checks of ``-o``: for ``kg build``, which writes it as ``site/`` in its staging folder, lists
    every file in the build's manifest and commits them with the build. Returns the files written."""
    return write_files(folder, render_site(graph, queries=queries, timeout=timeout))


def site_from_build(build: str | Path = "build", output: str | Path = DEFAULT_OUTPUT, *, data: str | Path = "data",
                    ontology: str | Path = "ontology", queries: str | Path | None = None,
                    timeout: float | None = 60.0) -> SiteResult:
    """Write the site of the build in ``build`` (checked against its manifest, as every reader of a build
    does) as the folder ``output``; the result's warnings say when the records changed since the build."""
    from kg.build_dir.reading import open_build

    opened = open_build(build, data, ontology, memory=True)  # every question over the whole graph
    result = write_site(opened.graph, output, queries=queries, timeout=timeout)
    result.warnings = list(opened.warnings)
    return result


__all__ = ["DEFAULT_OUTPUT", "MANIFEST", "SiteResult", "render_site", "site_from_build", "write_site",
           "write_site_into"]
