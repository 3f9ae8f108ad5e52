"""A seeded generator of synthetic curated records, in the project's own YAML (or CSV) record format.

Every record is marked synthetic (``note: synthetic benchmark record``) and every id starts with
``syn-``, so generated data can never be mistaken for curated facts. The shape follows the real
data: people with nationalities, organisations based in cities of countries, works with 1-4
directors and 1-3 producing organisations, events of programme editions with speakers, attendees,
hosts and shown works, and sources behind everything.

    python benchmarks/generate.py --triples 100000 --out /tmp/syn-100k --seed 1

writes ``/tmp/syn-100k/data/*.yaml`` (the ontology is the project's own). With ``--format csv`` the
same records (the same seed gives the same graph) are written as CSV: ``<name>.csv`` records files and,
for the participants, ``<name>-participants.csv`` entries files.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
from pathlib import Path

# Triples per unit of the mix below, measured on generated data (see test_benchmarks.py); used
# only to size the output, so it need not be exact.
TRIPLES_PER_WORK = 52
NOTE = "synthetic benchmark record"
FORMATS = ("yaml", "csv")


def _label(rng: random.Random, words: list[str], n: int) -> str:
    return " ".join(rng.choice(words).capitalize() for _ in range(n))


WORDS = ("river mountain silk road light dream harbour city voice archive memory bridge garden "
         "journey winter delta island lantern border market train festival school").split()
GIVEN = "Ana Li Wei Omar Sara Kenji Ama Ivan Lucia Tariq Mei Jonas Priya Yusuf Elena Chen".split()
FAMILY = "Zhang Smith Garcia Okafor Ivanova Tanaka Haddad Rossi Kumar Silva Novak Wang".split()
ORG_KINDS = ["Films", "Media", "Pictures", "Broadcasting", "Documentary Centre", "Studio"]


def generate(triples: int, seed: int = 1) -> dict[str, list[dict]]:
    """Records (as plain dicts) adding up to about ``triples`` triples, by file name."""
    rng = random.Random(seed)
    n_works = max(4, triples // TRIPLES_PER_WORK)
    n_people = max(6, int(n_works * 1.2))
    n_orgs = max(4, n_works // 4)
    n_sources = max(2, n_works // 10)
    n_countries = min(60, max(3, n_works // 200 + 3))
    n_cities = max(n_countries, min(2000, n_works // 20))
    n_editions = max(1, n_works // 500)
    n_events = max(2, n_works // 8)

    def src() -> list[str]:
        return sorted({f"syn-source-{rng.randrange(n_sources)}" for _ in range(rng.randint(1, 2))})

    out: dict[str, list[dict]] = {k: [] for k in ("sources", "places", "organisations", "people", "programme",
                                                  "works", "events")}
    for i in range(n_sources):
        out["sources"].append({"id": f"syn-source-{i}", "type": "NewsArticle", "label": f"Synthetic article {i}",
                               "url": f"https://example.org/synthetic/{i}", "published": f"{2000 + i % 25}",
                               "note": NOTE})
    for i in range(n_countries):
        out["places"].append({"id": f"syn-country-{i}", "type": "Country", "label": f"Country {i}",
                              "sources": src(), "note": NOTE})
    for i in range(n_cities):
        out["places"].append({"id": f"syn-city-{i}", "type": "City", "label": f"City {i}",
                              "located_in": f"syn-country-{i % n_countries}", "sources": src(), "note": NOTE})
    for i in range(n_orgs):
        city = rng.randrange(n_cities)
        out["organisations"].append({
            "id": f"syn-org-{i}", "type": rng.choice(["Organisation", "Company", "TelevisionChannel"]),
            "label": f"{_label(rng, WORDS, 2)} {rng.choice(ORG_KINDS)} {i}",
            "based_in": [f"syn-city-{city}"], "country": f"syn-country-{city % n_countries}",
            "sources": src(), "note": NOTE})
    for i in range(n_people):
        out["people"].append({
            "id": f"syn-person-{i}", "type": "Person",
            "label": f"{rng.choice(GIVEN)} {rng.choice(FAMILY)} {i}",
            "nationality": [f"syn-country-{rng.randrange(n_countries)}"], "sources": src(), "note": NOTE})
    out["programme"].append({"id": "syn-programme", "type": "Programme", "label": "Synthetic co-production plan",
                             "sources": src(), "note": NOTE,
                             "participants": [{"who": f"syn-org-{rng.randrange(n_orgs)}", "role": "organiser",
                                               "sources": src()}]})
    for e in range(n_editions):
        out["programme"].append({
            "id": f"syn-edition-{e}", "type": "ProgrammeEdition", "label": f"Synthetic edition {e + 1}",
            "edition_of": "syn-programme", "number": e + 1, "start": 2000 + e % 25, "sources": src(), "note": NOTE,
            "participants": [
                {"who": f"syn-org-{o}", "role": rng.choice(["organiser", "co-organiser"]), "sources": src()}
                for o in sorted(rng.sample(range(n_orgs), min(n_orgs, 3)))]
            + [{"who": f"syn-person-{p}", "role": "mentor", "sources": src()}
               for p in sorted(rng.sample(range(n_people), min(n_people, 2)))]})
    for i in range(n_works):
        directors = sorted(rng.sample(range(n_people), rng.randint(1, 4)))
        producers = sorted(rng.sample(range(n_orgs), min(n_orgs, rng.randint(1, 3))))
        out["works"].append({
            "id": f"syn-work-{i}", "type": rng.choice(["DocumentaryFilm", "DocumentarySeries", "ShortVideo"]),
            "label": f"{_label(rng, WORDS, 3)} {i}", "released": f"{2000 + rng.randrange(26)}",
            "countries": sorted({f"syn-country-{rng.randrange(n_countries)}" for _ in range(rng.randint(1, 2))}),
            "sources": src(), "note": NOTE,
            "participants": [{"who": f"syn-person-{p}", "role": "director", "sources": src()} for p in directors]
            + [{"who": f"syn-org-{o}", "role": "producer", "sources": src()} for o in producers]})
    for i in range(n_events):
        year = 2000 + rng.randrange(26)
        people = sorted(rng.sample(range(n_people), min(n_people, rng.randint(2, 6))))
        works = sorted(rng.sample(range(n_works), min(n_works, rng.randint(0, 3))))
        out["events"].append({
            "id": f"syn-event-{i}", "type": rng.choice(["LaunchCeremony", "Exhibition", "Screening", "Workshop"]),
            "label": f"Synthetic event {i}", "date": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "place": [f"syn-city-{rng.randrange(n_cities)}"], "part_of": [f"syn-edition-{rng.randrange(n_editions)}"],
            "sources": src(), "note": NOTE,
            "participants": [{"who": f"syn-person-{p}", "role": rng.choice(["speaker", "attendee"]), "sources": src()}
                             for p in people]
            + [{"who": f"syn-org-{rng.randrange(n_orgs)}", "role": "host", "sources": src()}]
            + [{"who": f"syn-work-{w}", "role": rng.choice(["exhibited-work", "screened-work"]), "sources": src()}
               for w in works]})
    return out


def _scalar(value: object) -> str:
    if isinstance(value, int):
        return str(value)
    text = str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _yaml(records: list[dict]) -> str:
    """Records as YAML in the project's style (every scalar quoted, so no YAML trap can arise)."""
    lines: list[str] = []
    for record in records:
        first = True
        for key, value in record.items():
            lead = "- " if first else "  "
            first = False
            if isinstance(value, list) and value and isinstance(value[0], dict):
                lines.append(f"{lead}{key}:")
                for entry in value:
                    inner = "    - "
                    for k, v in entry.items():
                        shown = "[" + ", ".join(_scalar(x) for x in v) + "]" if isinstance(v, list) else _scalar(v)
                        lines.append(f"{inner}{k}: {shown}")
                        inner = "      "
            elif isinstance(value, list):
                lines.append(f"{lead}{key}: [" + ", ".join(_scalar(x) for x in value) + "]")
            else:
                lines.append(f"{lead}{key}: {_scalar(value)}")
    return "\n".join(lines) + "\n"


def _csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def _cell(value: object) -> str:
    return "|".join(str(v) for v in value) if isinstance(value, list) else str(value)


def _csv_files(name: str, records: list[dict]) -> dict[str, str]:
    """Records as a CSV records file, and their lists of entries as one entries file per list."""
    columns: dict[str, None] = {}
    lists: dict[str, dict[str, None]] = {}
    for record in records:
        for key, value in record.items():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                lists.setdefault(key, {}).update(dict.fromkeys(k for entry in value for k in entry))
            else:
                columns[key] = None
    files = {f"{name}.csv": _csv([list(columns)] + [[_cell(r.get(k, "")) for k in columns] for r in records])}
    for key, fields in lists.items():
        rows = [["of", *(f"{key}.{f}" for f in fields)]]
        rows += [[r["id"], *(_cell(entry.get(f, "")) for f in fields)] for r in records for entry in r.get(key, [])]
        files[f"{name}-{key}.csv"] = _csv(rows)
    return files


def write(triples: int, out: Path, seed: int = 1, fmt: str = "yaml") -> Path:
    """Write the generated records under ``out/data``, as YAML (``fmt="yaml"``) or CSV records and entries
    files (``fmt="csv"``); return that folder."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")
    data = out / "data"
    data.mkdir(parents=True, exist_ok=True)
    for name, records in generate(triples, seed).items():
        if fmt == "csv":
            for file_name, text in _csv_files(name, records).items():
                (data / file_name).write_text(text, encoding="utf-8")
        else:
            (data / f"{name}.yaml").write_text(_yaml(records), encoding="utf-8")
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=10_000, help="about how many triples (default 10000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="folder to write data/ into")
    parser.add_argument("--format", choices=FORMATS, default="yaml", help="record format (default yaml)")
    args = parser.parse_args()
    print(write(args.triples, args.out, args.seed, args.format))


if __name__ == "__main__":
    main()
