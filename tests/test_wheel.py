"""The built wheel carries the grammar (and templates) and works outside the
checkout: build it, install it into a fresh virtual environment, run
`slalang check` on an example from another folder."""

import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile

import pytest
from conftest import CONTRACTS, ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    src = tmp_path_factory.mktemp("src") / "slalang"
    # build from a copy so that the checkout's own build/ state cannot leak in
    shutil.copytree(
        ROOT,
        src,
        ignore=shutil.ignore_patterns(
            ".git", "out", "*.egg-info", "__pycache__", ".venv", ".pytest_cache", ".hypothesis"
        ),
    )
    p = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(out), str(src)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 0, p.stdout + p.stderr
    (whl,) = out.glob("slalang-*.whl")
    return whl


def test_wheel_contains_grammar_and_templates(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "slalang/_data/grammar/slalang.lark" in names
    assert any(n.startswith("slalang/_data/templates/") for n in names)
    assert "slalang/py.typed" in names  # PEP 561: type checkers read slalang's annotations
    assert any(n.endswith(".dist-info/licenses/LICENSE") or n.endswith(".dist-info/LICENSE") for n in names)


def test_installed_wheel_checks_an_example(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    purelib = subprocess.run(
        [str(env_dir / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # dependencies come from the environment running the tests (a .pth line
    # adds its site-packages after the venv's own); slalang itself only from the wheel
    with zipfile.ZipFile(wheel) as z:
        z.extractall(purelib)
    deps = sysconfig.get_paths()["purelib"]
    (tmp_path / "venv").joinpath(purelib, "deps.pth").write_text(deps + "\n")
    work = tmp_path / "elsewhere"
    work.mkdir()
    shutil.copy(CONTRACTS[0], work / "contract.sla")
    py = str(env_dir / "bin" / "python")
    where = subprocess.run(
        [py, "-c", "import slalang.resources as r; print(r.grammar_path())"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert where.returncode == 0, where.stderr
    assert where.stdout.strip().startswith(purelib) and "_data" in where.stdout
    p = subprocess.run(
        [py, "-m", "slalang", "check", "contract.sla"], cwd=work, capture_output=True, text=True, timeout=120
    )
    assert p.returncode == 0, p.stdout + p.stderr
    assert "checked 1 file: 0 errors, 0 warnings" in p.stderr
