"""Where the toolkit's own files are: the catalogue of questions and quality checks (``queries/``), the
page template, styles and vendored scripts (``viz/``) and the ontology (``ontology/``).

In a checkout they are the project's top-level folders; an installed wheel carries them as package data
under ``kg/_resources/`` (``pyproject.toml`` maps the folders there). Both are found the same way, from
this file, never from the working folder, so ``kg`` works the same from any folder. A missing resource
is an error, never a silent skip.
"""

from __future__ import annotations

from pathlib import Path

from kg.errors import KgError

#: The resources, each with a file it must hold (a folder without it is not the resource).
RESOURCES = {"queries": "checks", "viz": "page.html", "ontology": "kg.ttl"}

_HERE = Path(__file__).resolve().parent


class ResourceMissing(KgError):
    """A file the package ships is not where it should be: the installation is incomplete."""


def resource_dir(name: str) -> Path:
    """The folder of the resource ``name`` (``queries``, ``viz`` or ``ontology``): the packaged copy in
    an installed wheel, else the checkout's; :class:`ResourceMissing` when neither is there."""
    marker = RESOURCES[name]
    candidates = (_HERE / "_resources" / name, _HERE.parent / name)
    for folder in candidates:
        if (folder / marker).exists():
            return folder
    raise ResourceMissing(f"the toolkit's {name}/ folder is missing (looked in "
                          + " and ".join(str(c) for c in candidates) + ")",
                          hint="reinstall kg: pip install --force-reinstall kg")


def default_ontology() -> Path:
    """``ontology/`` in the working folder when there is one (a project of its own), else the ontology
    that ships with the toolkit."""
    here = Path("ontology")
    return here if here.is_dir() else resource_dir("ontology")
