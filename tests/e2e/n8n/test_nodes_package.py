"""The node package is installed into an n8n user folder the way a user installs one."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from solo_brain.n8n.config import NODES_DIR
from solo_brain.n8n.nodes_package import (
    PACKAGE_NAME,
    build_package,
    install_package,
    nodes_folder,
)

pytestmark = pytest.mark.n8n


@pytest.fixture(scope="module")
def package_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the built package (package.json and dist/) that a test may change."""
    build_package(os.environ)
    copy = tmp_path_factory.mktemp("package") / "nodes"
    copy.mkdir()
    shutil.copy(NODES_DIR / "package.json", copy)
    shutil.copytree(NODES_DIR / "dist", copy / "dist")
    return copy


def test_install_puts_the_package_where_n8n_loads_community_nodes(
    package_copy: Path, tmp_path: Path
) -> None:
    """The package lands in `.n8n/nodes/node_modules`, listed in that folder's package.json,
    without its peer n8n-workflow (n8n's own copy must be used)."""
    digest = install_package(package_copy, tmp_path, os.environ, None)

    folder = nodes_folder(tmp_path)
    installed = folder / "node_modules" / PACKAGE_NAME
    manifest = json.loads((installed / "package.json").read_text())
    assert digest and manifest["n8n"]["nodes"] == [
        "dist/nodes/CcMesh/CcMesh.node.js",
        "dist/nodes/CcMeshTrigger/CcMeshTrigger.node.js",
        "dist/nodes/SoloBrain/SoloBrain.node.js",
    ]
    assert (installed / "dist" / "nodes" / "SoloBrain" / "SoloBrain.node.js").is_file()
    assert (installed / "dist" / "icons" / "solo-brain.dark.svg").is_file()
    assert PACKAGE_NAME in json.loads((folder / "package.json").read_text())["dependencies"]
    assert not (folder / "node_modules" / "n8n-workflow").exists()


def test_install_is_skipped_when_unchanged_and_redone_when_changed(
    package_copy: Path, tmp_path: Path
) -> None:
    """Installing the same build again does nothing; a changed build replaces the old one."""
    first = install_package(package_copy, tmp_path, os.environ, None)
    assert install_package(package_copy, tmp_path, os.environ, first) is None

    codex = package_copy / "dist" / "nodes" / "CcMesh" / "CcMesh.node.json"
    original = codex.read_text()
    codex.write_text(original.replace('"Developer Tools"', '"Developer Tools", "Utility"'))
    try:
        second = install_package(package_copy, tmp_path, os.environ, first)
    finally:
        codex.write_text(original)

    assert second not in (None, first)
    installed = (
        nodes_folder(tmp_path) / "node_modules" / PACKAGE_NAME / codex.relative_to(package_copy)
    )
    assert "Utility" in installed.read_text()
    assert len(list(nodes_folder(tmp_path).glob(f"{PACKAGE_NAME}-*.tgz"))) == 1
