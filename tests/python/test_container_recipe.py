"""tools/check_container, the linter of the Dockerfile: the repository's recipe passes, and each
kind of mistake it exists to catch is reported as FILE:LINE:COLUMN: error: with exit code 1."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECK = ROOT / "tools" / "check_container"

GOOD = """\
# a comment
FROM debian:bookworm
ENV DEBIAN_FRONTEND=noninteractive
COPY . /opt/magsim
WORKDIR /opt/magsim
RUN tools/setup && \\
    rm -rf /var/lib/apt/lists/*
ENTRYPOINT ["/opt/magsim/build/bin/magsim"]
"""
IGNORE = "build*/\n.git\n"


def lint(tmp_path, dockerfile, dockerignore=IGNORE):
    context = tmp_path / "context"
    (context / "tools").mkdir(parents=True)
    setup = context / "tools" / "setup"
    setup.write_text("#!/bin/sh\n")
    setup.chmod(0o755)
    (context / ".dockerignore").write_text(dockerignore)
    f = tmp_path / "Dockerfile"
    f.write_text(dockerfile)
    done = subprocess.run([sys.executable, str(CHECK), "--lint-only", "--dockerfile", str(f),
                           "--context", str(context)], capture_output=True, text=True)
    return done.returncode, done.stderr, str(f)


def test_the_repository_recipe_lints_clean():
    done = subprocess.run([sys.executable, str(CHECK), "--lint-only"], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    assert "lints clean" in done.stderr


def test_a_good_recipe_lints_clean(tmp_path):
    rc, err, _ = lint(tmp_path, GOOD)
    assert rc == 0, err


@pytest.mark.parametrize("change, where, message", [
    (("FROM debian:bookworm", "FROM debian:bullseye"), "2:6", "base image 'debian:bullseye'"),
    (("FROM debian:bookworm", "FROM ubuntu:22.04"), "2:6", "base image 'ubuntu:22.04'"),
    (("COPY . /opt/magsim", "COPY . /opt/magsim\nCOPY notes.txt /opt/"), "5:6",
     "COPY source 'notes.txt' does not exist"),
    (("RUN tools/setup", "RUN tools/install"), "6:5", "RUN names 'tools/install'"),
    (('["/opt/magsim/build/bin/magsim"]', '["/usr/local/bin/magsim"]'), "8:12",
     "ENTRYPOINT runs '/usr/local/bin/magsim', but tools/setup builds /opt/magsim/build/bin/magsim"),
    (('["/opt/magsim/build/bin/magsim"]', "/opt/magsim/build/bin/magsim"), "8:12",
     "ENTRYPOINT must be the exec form"),
    (("RUN tools/setup", "RUNN tools/setup"), "6:1", "unknown instruction 'RUNN'"),
])
def test_each_mistake_is_reported_at_its_line(tmp_path, change, where, message):
    old, new = change
    assert old in GOOD
    rc, err, f = lint(tmp_path, GOOD.replace(old, new))
    assert rc == 1
    assert f"{f}:{where}: error: {message}" in err, err


def test_a_dockerignore_that_keeps_the_build_directories_is_reported(tmp_path):
    rc, err, _ = lint(tmp_path, GOOD, dockerignore=".git\n")
    assert rc == 1
    assert "does not leave out 'build'" in err
    assert "does not leave out 'build-asan'" in err


def test_a_script_that_is_not_executable_is_reported(tmp_path):
    context = tmp_path / "context"
    rc, err, _ = lint(tmp_path, GOOD)
    assert rc == 0, err
    (context / "tools" / "setup").chmod(0o644)
    f = tmp_path / "Dockerfile"
    done = subprocess.run([sys.executable, str(CHECK), "--lint-only", "--dockerfile", str(f),
                           "--context", str(context)], capture_output=True, text=True)
    assert done.returncode == 1
    assert f"{f}:6:5: error: RUN names 'tools/setup', which is not executable" in done.stderr
