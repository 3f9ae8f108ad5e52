"""The static site (kg site, kg.site): exact pages on the small world (tests/small_world, made-up records), what
stays true when sources are added on the curated data, escaping of hostile labels, the folder written whole and
only where it may be, and the pages themselves in real headless Chromium (Debian's chromium, driven by
Playwright): search finds a profile from any name, no request leaves file://, no script of the data runs.
Screenshots go to $KG_TEST_ARTIFACTS, else tests/artefacts/ (git-ignored).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from conftest import ONTOLOGY, ROOT, SMALL_WORLD, record_json, run_kg

from kg.errors import UsageError
from kg.site import site_from_build
from kg.site.html import safe_url
from kg.site.writer import MANIFEST

ARTEFACTS = Path(os.environ.get("KG_TEST_ARTIFACTS") or ROOT / "tests" / "artefacts")
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
END = "</script><script>alert(2)</script>"
SOURCE_IDS = {"news-2024", "release-2024", "report-2022", "premiere-report", "film-notes"}
_REF = re.compile(r'(?:href|src)="([^"]*)"')
_ID = re.compile(r'\sid="([^"]*)"')


def _site(project: Path, out: Path) -> Path:
    result = site_from_build(project / "build", out, data=project / "data", ontology=project / "ontology")
    assert result.folder == out
    return out


@pytest.fixture(scope="module")
def small_site(small_built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site of the small world, written by the real command."""
    out = tmp_path_factory.mktemp("small-site") / "site"
    result = run_kg("site", "-o", str(out), cwd=small_built)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().startswith(f"Wrote {out}/")
    return out


@pytest.fixture(scope="module")
def hostile_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small world plus a person and a film whose names try to run script, and a name in Chinese."""
    root = tmp_path_factory.mktemp("hostile-site")
    shutil.copytree(SMALL_WORLD, root / "data", ignore=shutil.ignore_patterns("*.md"))
    shutil.copytree(ONTOLOGY, root / "ontology")
    extra = [
        {"id": "hostile-person", "type": "Person", "label": {"en": SCRIPT, "zh": IMG}, "alt_labels": [END],
         "sources": ["film-notes"]},
        {"id": "hostile-film", "type": "DocumentaryFilm", "label": IMG, "sources": ["film-notes"],
         "participants": [{"who": "hostile-person", "role": "director", "sources": ["film-notes"]},
                          {"who": "zhang-san", "role": "director", "sources": ["film-notes"]}]},
        {"id": "zhang-san", "type": "Person", "label": {"en": "Zhang San", "zh": "张三"}, "sources": ["film-notes"]},
    ]
    (root / "data" / "hostile.yaml").write_text(record_json(extra, indent=1), encoding="utf-8")
    result = run_kg("build", cwd=root)
    assert result.returncode == 0, result.stderr.decode()
    _site(root, root / "site")
    return root


def _pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def _small_entity_ids() -> set[str]:
    records = yaml.safe_load((SMALL_WORLD / "records.yaml").read_text(encoding="utf-8"))
    return {r["id"] for r in records} - SOURCE_IDS


# --- the pages, exactly, on the small world ------------------------------------------------------------


def test_every_entity_of_the_small_world_has_a_profile_and_nothing_else_does(small_site) -> None:
    assert {p.stem for p in (small_site / "entity").iterdir()} == _small_entity_ids()
    for name in ("index.html", "timeline.html", "charts.html", "networks.html", "list-person.html",
                 "networks/person.html", "assets/search-index.js", MANIFEST):
        assert (small_site / name).is_file(), name


def test_every_link_between_pages_resolves(small_site) -> None:
    _check_links(small_site)


def _check_links(small_site: Path) -> None:
    """Every relative link of every page (the kg viz pages aside) names a file of the site, and its anchor
    an id of that file; every outside link is a safe http(s) address."""
    ids: dict[Path, set[str]] = {}
    for page in _pages(small_site):
        text = page.read_text(encoding="utf-8")
        if page.parent.name == "networks":
            continue  # kg viz pages: checked by tests/test_viz.py
        for ref in _REF.findall(text):
            ref = ref.replace("&amp;", "&")
            if ref.startswith(("http://", "https://")):
                assert safe_url(ref) == ref
                continue
            assert urlsplit(ref).scheme == "", f"{page.name}: {ref}"
            path, _, anchor = ref.partition("#")
            target = (page.parent / path).resolve() if path else page
            assert target.is_file(), f"{page.relative_to(small_site)} links to {ref}"
            assert small_site.resolve() in target.parents
            if anchor:
                if target not in ids:
                    ids[target] = set(_ID.findall(target.read_text(encoding="utf-8")))
                assert anchor in ids[target], f"{page.name}: {ref}"


def test_a_profile_says_names_roles_over_time_collaborators_quotes_claims_and_sources(small_site) -> None:
    page = (small_site / "entity" / "ada-moss.html").read_text(encoding="utf-8")
    assert "<h1>Ada Moss</h1>" in page
    for role, where in (("mentor", "edition-1"), ("juror", "edition-1"), ("director", "the-long-road"),
                        ("speaker", "launch-2024"), ("co-director", "two-shores")):
        assert re.search(rf"<td>{role}</td><td><a href=\"../entity/{where}.html\">", page), (role, where)
    # Participations are in time order: the 1988 film before the 2024 launch.
    assert page.index("first-light.html") < page.index("launch-2024.html")
    collaborators = page.split('id="collaborators"')[1].split("</section>")[0]
    assert re.findall(r'<tr><td><a href="../entity/([a-z-]+).html"', collaborators) == \
        ["ben-rao", "dong-wei", "cai-jones", "fei-song", "ivo-tan"]
    assert "(co-director / co-director)" in collaborators
    assert "<blockquote>Every road is long when you walk it alone</blockquote>" in page
    claims = page.split('id="facts"')[1].split("</section>")[0]
    assert "1950 <span class=\"kg-uncertain\">uncertain</span>" in claims
    assert 'href="https://example.org/film-notes"' in claims
    assert '<svg class="kg-hood"' in page
    # An uncertain participation is marked where it is listed.
    edition = (small_site / "entity" / "edition-1.html").read_text(encoding="utf-8")
    assert re.search(r'participant <span class="kg-uncertain">uncertain</span></td><td><a href="../entity/gus-hill',
                     edition)


def test_question_pages_answer_with_names_or_show_how_to_ask(small_site) -> None:
    mentors = (small_site / "question" / "mentors.html").read_text(encoding="utf-8")
    assert '<a href="../entity/ada-moss.html">Ada Moss</a>' in mentors
    assert '<a href="../entity/ben-rao.html">Ben Rao</a>' in mentors
    assert '<pre id="kg-sparql">' in mentors and 'data-copy="kg-sparql"' in mentors
    collaborators = (small_site / "question" / "collaborators.html").read_text(encoding="utf-8")
    assert "kg query collaborators --param person=..." in collaborators
    assert "$person" in collaborators
    index = (small_site / "index.html").read_text(encoding="utf-8")
    assert index.count('href="question/') == len(list((small_site / "question").iterdir()))


def test_timeline_and_charts(small_site) -> None:
    timeline = (small_site / "timeline.html").read_text(encoding="utf-8")
    assert timeline.index("first-light.html") < timeline.index("launch-2022.html") < timeline.index("launch-2026")
    charts = (small_site / "charts.html").read_text(encoding="utf-8")
    people = charts.split("People taking part, per edition", 1)[1].split("</svg>")[0]
    assert re.findall(r"<title>([^<]*)</title>", people) == [
        "First Lab (2022-2023): 5", "Second Lab (2024-2025): 6", "Third Lab (2026): 1"]
    assert "Ties between countries" in charts and "<script" not in charts.split("<main>")[1].split("</main>")[0]


def test_the_search_index_holds_every_name_in_every_language_and_every_id(hostile_project) -> None:
    text = (hostile_project / "site" / "assets" / "search-index.js").read_text(encoding="utf-8")
    assert text.startswith("window.KG_SEARCH = ") and text.endswith(";\n")
    assert "<" not in text and ">" not in text
    entries = {e["i"]: e for e in json.loads(text[len("window.KG_SEARCH = "):-2])}
    assert set(entries) == _small_entity_ids() | {"hostile-person", "hostile-film", "zhang-san"}
    assert entries["zhang-san"]["l"] == "Zhang San" and entries["zhang-san"]["n"] == ["张三"]
    assert entries["zhang-san"]["h"] == "entity/zhang-san.html"
    assert entries["lab"]["n"] == ["Lab"]  # an alternative name
    assert entries["hostile-person"]["l"] == SCRIPT and set(entries["hostile-person"]["n"]) == {IMG, END}


def test_hostile_labels_appear_only_escaped(hostile_project) -> None:
    site = hostile_project / "site"
    for page in [*_pages(site), site / "assets" / "search-index.js"]:
        if page.parent.name == "networks":
            continue
        text = page.read_text(encoding="utf-8")
        for bad in ("alert(1)</script>", "<img", "onerror=alert(1)>", "alert(2)</script>"):
            assert bad not in text, (page.name, bad)
    person = (site / "entity" / "hostile-person.html").read_text(encoding="utf-8")
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in person
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in person
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>" in person


def test_the_same_build_gives_the_same_site_byte_for_byte(small_built, tmp_path) -> None:
    a, b = _site(small_built, tmp_path / "a"), _site(small_built, tmp_path / "b")
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)


def test_the_folder_is_replaced_only_when_it_is_a_site(small_built, tmp_path) -> None:
    out = _site(small_built, tmp_path / "site")
    (out / "stale.html").write_text("old", encoding="utf-8")
    _site(small_built, out)  # a previous site is replaced whole
    assert not (out / "stale.html").exists() and (out / "index.html").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["site"]  # no temporary folder left
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(UsageError, match="not empty"):
        _site(small_built, other)
    assert [p.name for p in other.iterdir()] == ["notes.txt"]
    with pytest.raises(UsageError, match="build folder"):
        _site(small_built, small_built / "build" / "site")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert (_site(small_built, empty) / "index.html").is_file()
    result = run_kg("site", "-o", str(other), cwd=small_built)
    assert result.returncode == 2 and "not empty" in result.stderr.decode()


def test_the_model_page_lists_classes_properties_roles_and_measures_with_counts_and_examples(small_site) -> None:
    page = (small_site / "model.html").read_text(encoding="utf-8")
    index = (small_site / "index.html").read_text(encoding="utf-8")
    assert '<a href="model.html">The model</a>' in index

    def row(anchor: str) -> str:
        start = page.index(f'<span id="{anchor}">')
        return page[start:page.index("</tr>", start)]

    person = row("t-kgo-Person")
    assert "<td>Person</td>" in person and "A human being" in person
    assert "<code>foaf:Person</code>" in person  # a superclass from another vocabulary, as text
    assert re.search(r'<td class="kg-num">10</td><td><a href="entity/[a-z-]+\.html">', person)
    event = row("t-kgo-Event")
    assert '<td class="kg-num">1 (8 with subclasses)</td>' in event
    launch = row("t-kgo-LaunchCeremony")  # its superclass links to its row
    assert '<a href="#t-kgo-Event"><code>kgo:Event</code></a>' in launch
    role = row("t-kgo-role")
    assert '<a href="#t-prov-hadRole">' not in role and "<code>prov:hadRole</code>" in role
    assert "object<br>" in role and '<a href="#t-kgo-Participation"><code>kgo:Participation</code></a>' in role
    mentor = row("t-role-mentor")
    assert '<a href="#t-role-participant"><code>role:participant</code></a>' in mentor
    assert '<td class="kg-num">3</td><td><a href="entity/ada-moss.html">Ada Moss</a></td>' in mentor
    assert '<td class="kg-num">0</td><td><span class="kg-muted">none</span></td>' in row("t-role-narrator")
    assert '<td class="kg-num">1</td><td><a href="entity/' in row("t-measure-attendees")
    assert 'id="t-prov-wasDerivedFrom"' in page  # another vocabulary's property the data uses
    assert 'id="t-skos-closeMatch"' not in page  # said of the ontology's terms only, not of the data
    assert '<pre id="kg-prefixes">PREFIX kg: &lt;https://w3id.org/coprod-kg/id/&gt;' in page
    assert 'data-copy="kg-prefixes"' in page and page.count("PREFIX ") == 17
    profile = (small_site / "entity" / "ada-moss.html").read_text(encoding="utf-8")
    assert '<a href="../model.html#t-kgo-Person">Person</a>' in profile


def test_a_text_of_a_term_is_the_english_one(small_built) -> None:
    from kg.build_dir.reading import open_build
    from kg.model.index import LABEL, index_of
    from kg.namespaces import KG, KGO

    graph = open_build(small_built / "build", small_built / "data", small_built / "ontology").graph
    index = index_of(graph)
    assert index.text(KGO + "Person", LABEL) == "Person"
    assert index.text(KG + "zhang-san", LABEL) == ""  # no such node
    assert index.text(KG + "ada-moss", KGO + "role") == ""  # no literal


def test_profile_tables_are_capped_and_say_how_many_more(small_built, monkeypatch) -> None:
    from kg.build_dir.reading import open_build
    from kg.site import profiles, render_site

    graph = open_build(small_built / "build", small_built / "data", small_built / "ontology").graph
    monkeypatch.setattr(profiles, "MAX_ROWS", 2)
    monkeypatch.setattr(profiles, "MAX_SHARED", 1)
    page = render_site(graph)["entity/ada-moss.html"].decode("utf-8")
    took_part = page.split('id="took-part"')[1].split("</section>")[0]
    assert took_part.count("<tr><td>") == 2
    assert re.search(r"The first 2 of (\d+) are shown: (\d+) more\. Every one is in <code>kg query neighbourhood "
                     r"--param entity=ada-moss</code>", took_part)
    collaborators = page.split('id="collaborators"')[1].split("</section>")[0]
    assert collaborators.count("<tr><td>") == 2 and "The first 2 of 5 are shown: 3 more." in collaborators
    assert "kg query collaborators --param person=ada-moss" in collaborators
    assert '<span class="kg-muted">and 1 more</span>' in collaborators


def test_a_long_list_is_split_into_pages_that_link_to_each_other(small_built, monkeypatch) -> None:
    from kg.build_dir.reading import open_build
    from kg.site import overview, render_site

    graph = open_build(small_built / "build", small_built / "data", small_built / "ontology").graph
    monkeypatch.setattr(overview, "LIST_PAGE", 4)
    files = render_site(graph)
    pages = sorted(p for p in files if p.startswith("list-person"))
    assert pages == ["list-person-2.html", "list-person-3.html", "list-person.html"]
    first, last = files["list-person.html"].decode("utf-8"), files["list-person-3.html"].decode("utf-8")
    assert "<title>People (1 of 3)</title>" in first and "10 in the graph, by name. These are 1-4." in first
    assert '<p>Pages: <strong>1</strong> <a href="list-person-2.html">2</a> <a href="list-person-3.html">3</a></p>' \
        in first
    assert "These are 9-10." in last and '<a href="list-person.html">1</a>' in last
    assert sum(page.count('<tr><td><a href="entity/') for page in (files[p].decode("utf-8") for p in pages)) == 10
    assert 'href="list-person.html"' in files["index.html"].decode("utf-8")


def test_work_aside_gives_its_value_or_raises_its_error_here() -> None:
    import time

    from kg.isolated import Aside

    assert Aside(lambda: {"networks/person.html": b"<p>x</p>"}).result() == {"networks/person.html": b"<p>x</p>"}
    parent = os.getpid()

    def fail() -> None:
        raise UsageError(f"failed in {'the child' if os.getpid() != parent else 'the parent'}")

    with pytest.raises(UsageError, match="failed in the parent"):  # done again here, raising as it is
        Aside(fail).result()
    started = time.monotonic()
    slow = Aside(lambda: time.sleep(30))
    slow.stop()  # a child no longer wanted is ended at once
    assert time.monotonic() - started < 10


# --- the site inside the build ---------------------------------------------------------------------------


def test_the_build_writes_the_site_beside_the_overview_listed_in_its_manifest(small_built) -> None:
    build = small_built / "build"
    site = build / "site"
    assert (site / "index.html").is_file() and (site / "model.html").is_file()
    assert not (site / MANIFEST).exists()  # the build's manifest covers it
    files = {p.relative_to(build).as_posix() for p in site.rglob("*") if p.is_file()}
    listed = json.loads((build / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert files == {name for name in listed if name.startswith("site/")}
    assert {p.stem for p in (site / "entity").iterdir()} == _small_entity_ids()
    _check_links(site)
    # The same pages as kg site writes (the site's own manifest aside).
    other = _site(small_built, small_built.parent / "site-of-small-built")
    assert sorted(p.relative_to(other).as_posix() for p in other.rglob("*") if p.is_file()) == \
        sorted([*(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()), MANIFEST])
    assert all((other / f).read_bytes() == (site / f).read_bytes()
               for f in (p.relative_to(site) for p in site.rglob("*") if p.is_file()))


def test_a_build_without_extras_removes_the_site_of_the_previous_one(tmp_path) -> None:
    from kg.pipeline import build

    shutil.copytree(SMALL_WORLD, tmp_path / "data", ignore=shutil.ignore_patterns("*.md"))
    out = tmp_path / "build"
    build(tmp_path / "data", ONTOLOGY, out, extras="always")
    assert (out / "site" / "index.html").is_file()
    (out / "site" / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(UsageError, match=r"site/notes\.txt"):  # a file no build wrote is never removed
        build(tmp_path / "data", ONTOLOGY, out, extras="never")
    (out / "site" / "notes.txt").unlink()
    result = build(tmp_path / "data", ONTOLOGY, out, extras="never")
    assert not (out / "site").exists() and out / "site" not in result.files
    listed = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert not [name for name in listed if name.startswith("site/")]


# --- the curated data: only what stays true when sources are added --------------------------------------


def test_on_the_curated_data_malcolm_clarke_has_a_profile_naming_the_ip_plan(built, tmp_path) -> None:
    site = _site(built, tmp_path / "site")
    page = (site / "entity" / "malcolm-clarke.html").read_text(encoding="utf-8")
    assert "<h1>Malcolm Clarke</h1>" in page
    assert '<span lang="zh">柯文思</span>' in page
    assert "IP Plan" in page
    assert 'href="https://' in page


# --- in the browser -------------------------------------------------------------------------------------


class Opened:
    """A page of the site open in the browser, with every request, script error, CSP violation and dialog."""

    def __init__(self, browser, path: Path) -> None:
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type in ("error", "warning") else None)
        self.page.on("dialog", lambda d: (self.errors.append("dialog: " + d.message), d.dismiss()))
        self.page.add_init_script("""
            window.__ran = [];
            window.alert = window.confirm = window.prompt = function (m) { window.__ran.push(String(m)); };
            window.__csp = [];
            document.addEventListener('securitypolicyviolation',
                                      function (e) { window.__csp.push(e.violatedDirective); });
        """)
        self.goto(path)

    def goto(self, path: Path) -> None:
        self.page.goto(path.as_uri())
        self.page.wait_for_function("() => window.kgSite && window.kgSite.ready === true", timeout=30_000)

    def search(self, text: str) -> list[str]:
        self.page.fill("#kg-search", text)
        return self.page.eval_on_selector_all("#kg-search-results a", "links => links.map(a => a.href)")

    def check_clean(self) -> None:
        assert [u for u in self.requests if not u.startswith("file://")] == []
        assert self.errors == []
        assert self.page.evaluate("() => [window.__csp, window.__ran]") == [[], []]

    def screenshot(self, name: str, full: bool = False) -> None:
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTEFACTS / name), full_page=full)


def test_search_finds_a_profile_from_disk_and_nothing_leaves_the_machine(browser, small_site) -> None:
    opened = Opened(browser, small_site / "index.html")
    profile = (small_site / "entity" / "ada-moss.html").as_uri()
    assert opened.search("ada mo") == [profile]
    assert opened.search("ADA-MOSS") == [profile]  # the id, in any case
    assert (small_site / "entity" / "lab.html").as_uri() in opened.search("Lab")
    assert opened.page.text_content("#kg-search-status") == "13 matches."
    opened.search("ada moss")
    with opened.page.expect_navigation():
        opened.page.press("#kg-search", "Enter")  # goes to the first match
    assert opened.page.url == profile
    opened.page.wait_for_function("() => window.kgSite && window.kgSite.ready === true")
    assert opened.page.text_content("h1") == "Ada Moss"
    opened.screenshot("site-profile.png", full=True)
    for name in ("charts.html", "timeline.html", "question/mentors.html", "networks.html", "model.html"):
        opened.goto(small_site / name)
    opened.page.click('button[data-copy="kg-prefixes"]')  # copies, or selects the prefixes for Ctrl-C
    opened.screenshot("site-model.png")
    opened.goto(small_site / "charts.html")
    opened.screenshot("site-charts.png", full=True)
    opened.goto(small_site / "timeline.html")
    opened.screenshot("site-timeline.png")
    assert len(opened.requests) > 10 and all(u.startswith("file://") for u in opened.requests)
    opened.check_clean()
    opened.page.close()


def test_hostile_names_stay_text_in_the_browser(browser, hostile_project) -> None:
    site = hostile_project / "site"
    opened = Opened(browser, site / "index.html")
    person = (site / "entity" / "hostile-person.html").as_uri()
    assert opened.search("onerror") == [(site / "entity" / "hostile-film.html").as_uri(), person]
    assert opened.search("张三") == [(site / "entity" / "zhang-san.html").as_uri()]
    assert opened.page.eval_on_selector_all("#kg-search-results a", "links => links.map(a => a.textContent)") == \
        ["Zhang San"]
    opened.search("<script>")
    opened.goto(site / "entity" / "hostile-person.html")
    assert opened.page.text_content("h1") == SCRIPT
    assert opened.page.evaluate("() => document.querySelectorAll('img, iframe, object, embed').length") == 0
    assert opened.page.evaluate("() => document.scripts.length") == 1
    opened.check_clean()
    opened.page.close()


def test_on_the_curated_data_search_finds_names_in_chinese_and_english_and_ids(browser, built, tmp_path) -> None:
    site = _site(built, tmp_path / "site")
    opened = Opened(browser, site / "index.html")
    clarke = (site / "entity" / "malcolm-clarke.html").as_uri()
    for text in ("柯文思", "Malcolm Clarke", "malcolm-clarke"):
        assert clarke in opened.search(text), text
    assert opened.search("CICG"), "CICG"
    opened.screenshot("site-search.png")
    opened.check_clean()
    opened.page.close()
