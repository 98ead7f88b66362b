"""The CMake half of `pip install .` (pyproject.toml has the metadata).

Configures (once) and builds the targets magsim_python (the extension magsim._core) and magsim
(the command line) in a CMake build directory, then puts _core into the package and the magsim
executable into the environment's bin/ (as a data file: on PATH in a venv, and found by
`python3 -m magsim`). The build directory persists, so a second `pip install .` only relinks what
changed:
  MAGSIM_BUILD_DIR=DIR   build there (e.g. the build/ of tools/setup, reused as it is);
                         default build/pip, configured Release without the tests.
"""

import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


def project_version() -> str:
    """The one version: project(magsim VERSION x.y.z) in CMakeLists.txt."""
    text = (ROOT / "CMakeLists.txt").read_text()
    m = re.search(r"project\(\s*magsim\s+VERSION\s+([0-9][0-9.]*)", text)
    if not m:
        sys.exit("setup.py: error: no project(magsim VERSION ...) in CMakeLists.txt")
    return m.group(1)


def cmake_build_dir() -> Path:
    given = os.environ.get("MAGSIM_BUILD_DIR")
    return Path(given).resolve() if given else ROOT / "build" / "pip"


def run(cmd):
    print("setup.py: " + " ".join(str(c) for c in cmd), file=sys.stderr, flush=True)
    subprocess.run([str(c) for c in cmd], check=True)


class BuildWithCMake(build_py):
    """build_py that first builds magsim._core and magsim with CMake."""

    def run(self):
        build = cmake_build_dir()
        if not (build / "CMakeCache.txt").is_file():
            # The interpreter itself (a venv's python links to it): pybind11 needs its headers,
            # and `magsim validate` runs its plotting script with it.
            python = os.path.realpath(sys.executable)
            run(["cmake", "-S", ROOT, "-B", build, "-DCMAKE_BUILD_TYPE=Release",
                 "-DMAGSIM_BUILD_TESTS=OFF", f"-DMAGSIM_PYTHON={python}"])
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 1))
        run(["cmake", "--build", build, "-j", jobs, "--target", "magsim_python", "magsim"])
        super().run()
        core = build / "python" / "magsim" / ("_core" + sysconfig.get_config_var("EXT_SUFFIX"))
        if not core.is_file():
            sys.exit(f"setup.py: error: {core} was not built: {build} is configured for another "
                     "Python (MAGSIM_PYTHON in its CMakeCache.txt); use another MAGSIM_BUILD_DIR")
        self.copy_file(str(core), str(Path(self.build_lib) / "magsim" / core.name))
        # magsim-mpi (built when CMake found MPI) goes next to magsim: `mpirun magsim sweep`
        # hands over to it.
        mpi = build / "bin" / "magsim-mpi"
        if mpi.is_file():
            for target, files in self.distribution.data_files:
                if target == "bin" and str(mpi) not in files:
                    files.append(str(mpi))


class BinaryDistribution(Distribution):
    """A wheel for this platform and Python (it holds a compiled extension and program)."""

    def has_ext_modules(self):
        return True


setup(
    version=project_version(),
    distclass=BinaryDistribution,
    cmdclass={"build_py": BuildWithCMake},
    # setuptools' own scratch (build/lib.*, build/bdist.*) inside the CMake build directory.
    options={"build": {"build_base": str(cmake_build_dir() / "setuptools")}},
    # The magsim executable into the environment's bin/ (a venv's bin is on PATH when active).
    data_files=[("bin", [str(cmake_build_dir() / "bin" / "magsim")])],
)
