"""Installation: the tests use the built, installed module, which imports from any directory.

tools/test runs pytest from a temporary directory with MAGSIM_EXPECT_INSTALLED=1, so `import
magsim` must come through the .pth file tools/setup installs, not from the source tree."""

import os
import subprocess
from pathlib import Path

import pytest

import magsim

ROOT = Path(__file__).resolve().parents[2]


def test_the_module_under_test_is_the_built_one_not_the_sources():
    package = Path(magsim.__file__).resolve().parent
    assert package != (ROOT / "bindings" / "magsim").resolve()
    assert any(p.name.startswith("_core.") and p.suffix == ".so" for p in package.iterdir())


def test_import_works_from_any_directory(tmp_path):
    env = dict(os.environ)
    if os.environ.get("MAGSIM_EXPECT_INSTALLED") == "1":
        env.pop("PYTHONPATH", None)  # only the .pth in dist-packages may point at the build
    done = subprocess.run(["/usr/bin/python3", "-c", "import magsim; print(magsim.__file__)"],
                          cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).resolve() == Path(magsim.__file__).resolve()


def test_the_installed_module_and_the_cli_under_test_are_one_build():
    cli = os.environ.get("MAGSIM_CLI")
    if os.environ.get("MAGSIM_EXPECT_INSTALLED") != "1" or not cli:
        pytest.skip("only under tools/test: developer runs may pair any build via PYTHONPATH")
    build = Path(cli).resolve().parents[1]
    assert Path(magsim.__file__).resolve().parent == build / "python" / "magsim"
