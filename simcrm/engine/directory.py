"""Making a results directory ready for a run, and what a run may replace in it.

A directory holding another run is refused unless ``--force``; ``--force`` replaces only a
run's own files (:data:`~simcrm.engine.store.OWN_ENTRIES`) and refuses a directory that
holds anything else; ``--resume`` and ``--extend`` keep the chunks a previous run of the
same identity completed.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from simcrm.engine.store import DATA, MANIFEST, OWN_ENTRIES, read_json
from simcrm.errors import ResultsError


def prepare_directory(
    out: Path, identity: dict[str, Any], *, force: bool, resume: bool, extend: bool = False
) -> dict[str, str | None]:
    """Make ``out`` ready for a run and return the chunks already complete, each with the
    SHA-256 its manifest recorded (None if it recorded none).

    A directory holding another run (different scenario, seed, trials, chunking or
    versions) is refused unless ``force``, with or without ``resume``; a non-empty
    directory holding no run is refused, ``force`` or not: ``force`` replaces only a run's
    own files (:data:`OWN_ENTRIES`) and refuses a directory holding anything else. With
    ``resume`` the chunks the manifest lists as complete and whose files exist are kept
    (the caller checks their content against the recorded digest); otherwise the run starts
    from scratch. With ``extend`` the directory must hold a run that differs from this
    one in its number of trials alone, and no more than it: its chunks are kept as with
    ``resume``. Temporary files of a killed run are removed.

    Raises
    ------
    ResultsError
        The directory is refused or cannot be written.
    """
    try:
        return _prepare(out, identity, force=force, resume=resume, extend=extend)
    except OSError as err:
        reason = err.strerror or str(err)
        raise ResultsError("--out", str(out), f"cannot write there ({reason})") from err


def _prepare(
    out: Path, identity: dict[str, Any], *, force: bool, resume: bool, extend: bool
) -> dict[str, str | None]:
    if out.exists() and not out.is_dir():
        raise ResultsError("--out", str(out), "this is a file; give a directory")
    done: dict[str, str | None] = {}
    if extend and not (out / MANIFEST).is_file():
        raise ResultsError("--extend", str(out), "no simcrm run there (no manifest.json)")
    if out.exists() and any(out.iterdir()):
        old = _grown_run(out, identity) if extend else _previous_run(out, identity, force=force)
        if (resume or extend) and old is not None:
            listed = old.get("completed_chunks", [])
            digests = old.get("chunk_sha256")
            digests = digests if isinstance(digests, dict) else {}
            done = {
                n: digests.get(n)
                for n in (listed if isinstance(listed, list) else [])
                if isinstance(n, str) and (out / DATA / f"{n}.parquet").is_file()
            }
        else:
            _clear(out)
    (out / DATA).mkdir(parents=True, exist_ok=True)
    for leftover in [*out.glob(".*.tmp"), *(out / DATA).glob(".*.tmp")]:
        leftover.unlink()
    probe = out / DATA / ".write-test"
    probe.write_bytes(b"")
    probe.unlink()
    return done


def _previous_run(out: Path, identity: dict[str, Any], *, force: bool) -> dict[str, Any] | None:
    """The manifest of the same run in ``out``; None if ``force`` and it holds another."""
    manifest_path = out / MANIFEST
    if not manifest_path.exists():
        raise ResultsError(
            "--out",
            str(out),
            "the directory is not empty and holds no simcrm run (no manifest.json); simcrm "
            "replaces only its own runs: choose another --out",
        )
    if force:
        _only_own_files(out)
    try:
        old = read_json(manifest_path)
    except ResultsError:
        if force:
            return None
        raise
    old_identity = old.get("identity")
    if old_identity == identity:
        return old
    if force:
        return None
    known = old_identity if isinstance(old_identity, dict) else {}
    changed = sorted(k for k in identity if known.get(k) != identity[k])
    raise ResultsError(
        "--out",
        str(out),
        f"it holds a different run (differs in {', '.join(changed)}); "
        "choose another --out or use --force to replace it",
    )


def _grown_run(out: Path, identity: dict[str, Any]) -> dict[str, Any]:
    """The manifest of the run in ``out`` that ``identity`` extends (the same run but for
    its number of trials, which may only grow)."""
    old = read_json(out / MANIFEST)
    known = old.get("identity")
    known = known if isinstance(known, dict) else {}
    changed = sorted(
        k for k in {*identity, *known} if k != "trials" and known.get(k) != identity.get(k)
    )
    if changed:
        raise ResultsError(
            "--extend",
            str(out),
            f"it holds a run that differs in more than its trials ({', '.join(changed)}); "
            "only the trials of a run can be extended",
        )
    before = known.get("trials")
    if not isinstance(before, int) or before > identity["trials"]:
        raise ResultsError(
            "--trials",
            str(identity["trials"]),
            f"--extend grows a run: give at least its {before} trials",
        )
    return old


def _only_own_files(out: Path) -> None:
    """Refuse to replace a directory holding anything a run did not write."""
    for child in sorted(out.iterdir()):
        own = child.name in OWN_ENTRIES or (child.name.startswith(".") and child.suffix == ".tmp")
        if child.name == DATA and child.is_dir():
            own = all(
                (f.name.startswith("blocks-") and f.suffix == ".parquet")
                or (f.name.startswith(".") and f.suffix == ".tmp")
                for f in child.iterdir()
            )
        if not own or child.is_symlink():
            raise ResultsError(
                "--force",
                str(child),
                "the directory holds files no simcrm run wrote; simcrm replaces only its own "
                "runs: move them or choose another --out",
            )


def _clear(out: Path) -> None:
    """Remove a previous run's files (and only those: :data:`OWN_ENTRIES`) from ``out``."""
    _only_own_files(out)
    for child in out.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def remove_run(out: Path) -> None:
    """Remove a run that was refused before it made any result: its own files, and the
    directory if that leaves it empty (a directory holding anything else is kept)."""
    try:
        _clear(out)
        out.rmdir()
    except (OSError, ResultsError):
        pass
