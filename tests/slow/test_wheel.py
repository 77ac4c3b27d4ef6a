"""The wheel works outside the repository: built, installed into a fresh virtual
environment, and run from a directory far from the checkout.

No network: the new environment sees the test interpreter's installed dependencies
through a ``.pth`` file listing their directories. A plain directory line in a ``.pth``
file does not execute the ``.pth`` files of that directory, so the development
environment's *editable* simcrm finder stays inert and cannot shadow the wheel (checked
below: simcrm and its shipped scenarios are imported from the new environment).

The wheel is built from a clean copy of the source tree, not the checkout itself: pip
builds a local directory in place, which would leave ``build/`` and ``*.egg-info`` in the
shared checkout and could package stale modules from an old ``build/lib``.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT

BUILD_TIMEOUT = 300
INSTALL_TIMEOUT = 300
RUN_TIMEOUT = 300
COMMAND_TIMEOUT = 120

DEPENDENCIES = (
    "numpy",
    "pandas",
    "scipy",
    "pyarrow",
    "pydantic",
    "pydantic_core",
    "rich",
    "matplotlib",
    "simpy",
    "tomlkit",
)
"""simcrm's dependencies (their own dependencies sit in the same directories)."""

NOT_COPIED = {".git", ".venv", "build", "dist", "results", ".ci", ".hypothesis"}
CACHES = shutil.ignore_patterns(
    "__pycache__", "*.pyc", "*.egg-info", ".mypy_cache", ".ruff_cache", ".pytest_cache"
)


@dataclass(frozen=True)
class Installed:
    """A fresh virtual environment holding the wheel, and a working directory."""

    venv: Path
    site_packages: Path
    work: Path
    env: dict[str, str]
    timings: dict[str, float]

    def bin(self, name: str) -> Path:
        return self.venv / ("Scripts" if os.name == "nt" else "bin") / name

    def simcrm(
        self, *args: str, timeout: float = COMMAND_TIMEOUT
    ) -> subprocess.CompletedProcess[str]:
        return _run([str(self.bin("simcrm")), *args], self.work, self.env, timeout)


def _run(
    argv: list[str], cwd: Path, env: dict[str, str], timeout: float
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, (
        f"{result.args} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
    )
    return result.stdout


def _copy_source(target: Path) -> None:
    def ignore(folder: str, names: list[str]) -> set[str]:
        ignored = set(CACHES(folder, names))
        if Path(folder) == ROOT:
            ignored |= NOT_COPIED & set(names)
        return ignored

    shutil.copytree(ROOT, target, ignore=ignore, symlinks=True)


def _clean_env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP"}
    }
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1", MPLBACKEND="Agg")
    return env


def _dependency_dirs() -> list[str]:
    dirs: list[str] = []
    for name in DEPENDENCIES:
        spec = importlib.util.find_spec(name)
        assert spec is not None, f"{name} is not installed"
        assert spec.origin is not None, f"{name} is not installed"
        folder = str(Path(spec.origin).resolve().parent.parent)
        if folder not in dirs:
            dirs.append(folder)
    return dirs


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("wheel")
    assert ROOT not in base.resolve().parents, "the test must run outside the repository"
    env = _clean_env()
    timings: dict[str, float] = {}

    start = time.perf_counter()
    source, wheels = base / "source", base / "wheels"
    _copy_source(source)
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    _ok(_run([*pip_wheel, "-q", "-w", str(wheels), str(source)], base, env, BUILD_TIMEOUT))
    (wheel,) = wheels.glob("simcrm-*.whl")
    timings["build"] = time.perf_counter() - start

    start = time.perf_counter()
    venv = base / "venv"
    _ok(_run([sys.executable, "-m", "venv", "--without-pip", str(venv)], base, env, 120))
    python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    site = _run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        base,
        env,
        60,
    )
    site_packages = Path(_ok(site).strip())
    (site_packages / "simcrm_test_dependencies.pth").write_text(
        "".join(f"{d}\n" for d in _dependency_dirs()), encoding="utf-8"
    )
    pip_install = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q"]
    _ok(_run([*pip_install, "--no-deps", "--no-index", str(wheel)], base, env, INSTALL_TIMEOUT))
    timings["install"] = time.perf_counter() - start

    work = base / "work"
    work.mkdir()
    return Installed(venv, site_packages, work, env, timings)


def test_the_wheel_imports_itself_not_the_checkout(installed: Installed) -> None:
    code = (
        "import simcrm, simcrm.scenario.shipped as s; "
        "print(simcrm.__file__); print(s.examples_dir())"
    )
    python = installed.bin("python")
    out = _ok(_run([str(python), "-c", code], installed.work, installed.env, COMMAND_TIMEOUT))
    module, examples = (Path(line) for line in out.splitlines())
    assert module.is_relative_to(installed.site_packages), "the editable simcrm shadows the wheel"
    assert examples == installed.site_packages / "simcrm" / "examples"
    shipped = {p.name for p in examples.glob("*.toml")}
    assert shipped == {p.name for p in (ROOT / "scenarios").glob("*.toml")}
    targets = {p.name for p in (examples / "targets").glob("*.toml")}
    assert targets == {p.name for p in (ROOT / "scenarios" / "targets").glob("*.toml")}
    for name in shipped:  # with their comments: byte for byte the repository's files
        assert (examples / name).read_bytes() == (ROOT / "scenarios" / name).read_bytes()


def test_run_a_shipped_scenario_by_name(installed: Installed) -> None:
    start = time.perf_counter()
    result = installed.simcrm(
        "run", "baseline", "--trials", "20000", "--out", "out", timeout=RUN_TIMEOUT
    )
    installed.timings["run"] = time.perf_counter() - start
    _ok(result)
    assert (installed.work / "out" / "summary.json").is_file()
    print(f"wheel test timings (s): {installed.timings}")


def test_scenarios_lists_the_shipped_files(installed: Installed) -> None:
    out = _ok(installed.simcrm("scenarios"))
    for path in (ROOT / "scenarios").glob("*.toml"):
        assert path.stem in out
    assert "it_reference_class" in out
    assert "simcrm init" in out


def test_init_then_validate(installed: Installed) -> None:
    out = _ok(installed.simcrm("init", "my_project", "--from", "high_complexity"))
    assert "simcrm run my_project.toml" in out
    copy = (installed.work / "my_project.toml").read_text(encoding="utf-8")
    source = (ROOT / "scenarios" / "high_complexity.toml").read_text(encoding="utf-8")
    assert copy == source.replace('name = "high_complexity"', 'name = "my_project"', 1)
    assert "'my_project'" in _ok(installed.simcrm("validate", "my_project.toml"))
    refused = installed.simcrm("init", "my_project")
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1


def test_the_installed_package_points_nowhere_outside_itself(installed: Installed) -> None:
    package = installed.site_packages / "simcrm"
    offending = [
        f"{path.relative_to(installed.site_packages)}:{number}: {line.strip()}"
        for path in sorted(package.rglob("*"))
        if path.is_file() and path.suffix != ".pyc"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "../shared" in line
    ]
    assert offending == [], "the product refers outside itself:\n" + "\n".join(offending)
