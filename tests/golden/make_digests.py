"""Record (or check) the SHA-256 of what the shipped scenarios produce.

Runs every scenario in ``scenarios/`` through the command line (``python -m simcrm run``,
40,000 trials in chunks of one block: two whole blocks and a partial one) and
digests each Parquet chunk and ``summary.json``; also the JSON of ``failure-rate``,
``calibrate``, ``definitions`` and ``compare`` with their timing and path fields removed, and
the portfolio example's ``trials.parquet`` (2,000 portfolio trials). The
digests hold for one set of versions on one CPU family (numpy, pyarrow and Python are
recorded beside them).

Usage::

    python tests/golden/make_digests.py --write   # record tests/golden/digests.json
    python tests/golden/make_digests.py           # compare with the record, exit 1 if not equal
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RECORD = Path(__file__).with_name("digests.json")
TRIALS = 40_000
TIMING_KEYS = {"seconds", "out"}
"""Fields that measure time or name a temporary path."""


def versions() -> dict[str, str]:
    """The versions the digests depend on."""
    return {
        "python": platform.python_version(),
        "numpy": metadata.version("numpy"),
        "pyarrow": metadata.version("pyarrow"),
        "scipy": metadata.version("scipy"),
    }


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def simcrm(*args: str, cwd: Path) -> bytes:
    """``python -m simcrm ARGS`` with its standard output."""
    done = subprocess.run(
        [sys.executable, "-m", "simcrm", *args], cwd=cwd, capture_output=True, check=True
    )
    return done.stdout


def untimed(text: bytes) -> str:
    """JSON output without the fields that measure time."""

    def strip(value: object) -> object:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in TIMING_KEYS}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return sha(json.dumps(strip(json.loads(text)), sort_keys=True).encode())


def digests() -> dict[str, str]:
    """Every digest, by a name that says what produced it."""
    found: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for path in sorted((ROOT / "scenarios").glob("*.toml")):
            if "[[candidates]]" in path.read_text():  # a portfolio, not a scenario
                continue
            out = work / path.stem
            simcrm(
                "run",
                str(path),
                "--trials",
                str(TRIALS),
                "--chunk-size",
                "16384",
                "--out",
                str(out),
                "--quiet",
                cwd=work,
            )
            for chunk in sorted((out / "data").glob("*.parquet")):
                found[f"run/{path.stem}/{chunk.name}"] = sha(chunk.read_bytes())
            found[f"run/{path.stem}/summary.json"] = sha((out / "summary.json").read_bytes())
        scen = ROOT / "scenarios"
        found["failure-rate/survey"] = untimed(
            simcrm(
                "failure-rate",
                str(scen / "survey.toml"),
                "--cohort",
                "50",
                "--surveys",
                "40",
                "--observed",
                "30/50",
                "--criterion",
                "marketing",
                "--inner",
                "200",
                "--out",
                str(work / "fr"),
                "--json",
                cwd=work,
            )
        )
        found["definitions/baseline"] = untimed(
            simcrm(
                "definitions",
                str(scen / "baseline.toml"),
                "--trials",
                "20000",
                "--out",
                str(work / "defs"),
                "--json",
                cwd=work,
            )
        )
        found["compare/half-full"] = untimed(
            simcrm(
                "compare",
                str(scen / "half_cycle.toml"),
                str(scen / "full_cycle.toml"),
                "--trials",
                "20000",
                "--json",
                cwd=work,
            )
        )
        found["calibrate/baseline"] = untimed(
            simcrm(
                "calibrate",
                str(scen / "baseline.toml"),
                "--targets",
                str(scen / "targets" / "it_reference_class.toml"),
                "--trials",
                "20000",
                "--max-evaluations",
                "20",
                "--out",
                str(work / "cal.toml"),
                "--json",
                cwd=work,
            )
        )
        simcrm(
            "portfolio",
            str(scen / "portfolio_example.toml"),
            "--trials",
            "2000",
            "--selection-trials",
            "200",
            "--no-frontier",
            "--out",
            str(work / "pf"),
            "--quiet",
            cwd=work,
        )
        found["portfolio/example/trials.parquet"] = sha(
            (work / "pf" / "trials.parquet").read_bytes()
        )
    return found


def main() -> int:
    now = digests()
    if "--write" in sys.argv:
        RECORD.write_text(json.dumps({"versions": versions(), "digests": now}, indent=2) + "\n")
        print(f"recorded {len(now)} digests in {RECORD}")
        return 0
    record = json.loads(RECORD.read_text())
    if record["versions"] != versions():
        print(f"versions differ from the record: {record['versions']} vs {versions()}")
    changed = sorted(
        k for k in record["digests"].keys() | now.keys() if record["digests"].get(k) != now.get(k)
    )
    for key in changed:
        print(f"differs: {key}")
    print(f"{len(now) - len(changed)} of {len(now)} digests equal the record")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
