"""The community node package of this repository (`nodes/`, n8n-nodes-solo-brain), built and
installed into an n8n the way a user installs a community package.

n8n 1.x loads every `n8n-nodes-*` package under `{N8N_USER_FOLDER}/.n8n/nodes/node_modules` when
it starts (node types `n8n-nodes-solo-brain.<node>`). The package is built by
scripts/build-nodes.sh (idempotent: `npm ci` and the build run only when something changed),
packed with `npm pack` into that folder and installed there with `npm install`. Its peer
dependency n8n-workflow is left out (`--legacy-peer-deps`): the package must use n8n's own copy,
or n8n would not recognise its errors. The digest of what was installed is remembered by the
caller, so that an unchanged package costs one hash.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import threading
from collections import deque
from collections.abc import Callable, Mapping
from pathlib import Path

from solo_brain.settings import PROJECT_ROOT

PACKAGE_NAME = "n8n-nodes-solo-brain"
BUILD_SCRIPT = PROJECT_ROOT / "scripts" / "build-nodes.sh"
NPM_FLAGS = ("--no-audit", "--no-fund", "--loglevel=error")


class NodesPackageError(RuntimeError):
    """The node package could not be built or installed; the message says why."""


def _run(args: list[str], env: Mapping[str, str], cwd: Path, timeout: float) -> str:
    result = subprocess.run(args, cwd=cwd, env=dict(env), capture_output=True, text=True,
                            timeout=timeout, check=False)  # fmt: skip
    if result.returncode != 0:
        tail = (result.stdout + result.stderr).strip().splitlines()[-15:]
        raise NodesPackageError(f"{' '.join(args[:2])} failed:\n" + "\n".join(tail))
    return result.stdout


def build_package(
    env: Mapping[str, str],
    *,
    script: Path = BUILD_SCRIPT,
    echo: Callable[[str], None] | None = None,
) -> None:
    """Build nodes/ into nodes/dist (npm ci the first time: about a minute and a half); with
    `echo`, each line the build prints (what it is doing, npm's errors) is passed on as it comes."""
    if echo is None:
        _run(["bash", str(script)], env, script.parent, timeout=900)
        return
    _run_echoing(["bash", str(script)], env, script.parent, 900, echo)


def _run_echoing(
    args: list[str], env: Mapping[str, str], cwd: Path, timeout: float, echo: Callable[[str], None]
) -> None:
    tail: deque[str] = deque(maxlen=15)
    with subprocess.Popen(args, cwd=cwd, env=dict(env), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True) as process:  # fmt: skip
        watchdog = threading.Timer(timeout, process.kill)
        watchdog.start()
        try:
            assert process.stdout is not None
            for line in process.stdout:
                if line := line.rstrip():
                    tail.append(line)
                    echo(line)
            code = process.wait()
        finally:
            watchdog.cancel()
    if code != 0:
        raise NodesPackageError(f"{' '.join(args[:2])} failed:\n" + "\n".join(tail))


def package_digest(nodes_dir: Path) -> str:
    """The digest of what would be installed: package.json and the built dist/."""
    if not (nodes_dir / "dist" / "package.json").is_file():
        raise NodesPackageError(f"{nodes_dir}/dist is not built: run scripts/build-nodes.sh")
    digest = hashlib.sha256()
    files = [nodes_dir / "package.json", *sorted((nodes_dir / "dist").rglob("*"))]
    for path in files:
        if path.is_file() and path.name != "tsconfig.tsbuildinfo":
            digest.update(str(path.relative_to(nodes_dir)).encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def nodes_folder(user_folder: Path) -> Path:
    """Where n8n 1.x looks for community packages: `{N8N_USER_FOLDER}/.n8n/nodes`."""
    return user_folder / ".n8n" / "nodes"


def install_package(
    nodes_dir: Path, user_folder: Path, env: Mapping[str, str], installed: str | None
) -> str | None:
    """Install the built package into n8n's nodes folder unless the digest `installed` is
    already there; the digest installed, or None when nothing had to be done."""
    digest = package_digest(nodes_dir)
    target = nodes_folder(user_folder)
    unpacked = target / "node_modules" / PACKAGE_NAME
    if digest == installed and (unpacked / "package.json").is_file():
        return None
    target.mkdir(parents=True, exist_ok=True)
    for old in target.glob(f"{PACKAGE_NAME}-*.tgz"):
        old.unlink()
    packed = _run(["npm", "pack", "--pack-destination", str(target), *NPM_FLAGS, str(nodes_dir)],
                  env, target, timeout=300)  # fmt: skip
    tarball = packed.strip().splitlines()[-1]
    shutil.rmtree(unpacked, ignore_errors=True)  # same version, new content: unpack it again
    _run(["npm", "install", "--ignore-scripts", "--legacy-peer-deps", *NPM_FLAGS, f"./{tarball}"],
         env, target, timeout=300)  # fmt: skip
    if not (unpacked / "dist" / "package.json").is_file():
        raise NodesPackageError(f"npm did not install {PACKAGE_NAME} into {target}")
    return digest
