"""Write the Morph-KGC config that materialises ``mapping.yml`` to N-Triples (benchmark only).

    python benchmarks/morph/config.py OUT.ini --output OUT.nt [--processes 1]
    cd FOLDER_HOLDING_DATA && python -m morph_kgc OUT.ini

The mapping reads ``data/*.csv`` relative to the working directory, so Morph-KGC runs in the folder that
holds the generated ``data/`` (``benchmarks/generate.py --format csv``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

MAPPING = Path(__file__).resolve().parent / "mapping.yml"


def _value(path: Path) -> str:
    # Morph-KGC reads its config with ExtendedInterpolation: a literal "$" is written "$$".
    return str(path.resolve()).replace("$", "$$")


def config_text(output: Path, processes: int = 1, mapping: Path = MAPPING) -> str:
    """The config: N-Triples into ``output``, ``processes`` worker processes (1: no multiprocessing)."""
    return (
        "[CONFIGURATION]\n"
        f"output_file = {_value(output)}\n"
        "output_format = N-TRIPLES\n"
        f"number_of_processes = {processes}\n"
        "logging_level = WARNING\n"
        "\n"
        "[SyntheticRecords]\n"
        f"mappings = {_value(mapping)}\n"
    )


def write_config(path: Path, output: Path, processes: int = 1) -> Path:
    """Write the config to ``path``; return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(config_text(output, processes), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", type=Path, help="the .ini file to write")
    parser.add_argument("--output", type=Path, required=True, help="the N-Triples file Morph-KGC writes")
    parser.add_argument("--processes", type=int, default=1, help="Morph-KGC worker processes (default 1)")
    args = parser.parse_args()
    print(write_config(args.config, args.output, args.processes))


if __name__ == "__main__":
    main()
