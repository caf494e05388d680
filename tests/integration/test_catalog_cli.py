"""The catalog commands: clients and projects from the shell and from YAML."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from solo_brain import catalog
from tests.support.processes import run_cli

ROOT = Path(__file__).resolve().parents[2]


def test_example_catalog_loads(db: psycopg.Connection, pg_dsn: str) -> None:
    """The example YAML of the docs loads, projects linked to their clients."""
    result = run_cli(pg_dsn, "catalog", "load", str(ROOT / "docs/catalog.example.yaml"))
    assert result.returncode == 0, result.stderr
    assert "loaded 2 clients and 3 projects" in result.stdout
    projects = {p.slug: p for p in catalog.list_projects(db)}
    assert projects["imx8mp-vision"].client_id == "acme"
    assert "la caméra NPU" in projects["imx8mp-vision"].aliases


def test_loading_twice_updates_in_place(db: psycopg.Connection, tmp_path: Path) -> None:
    """Loading the same file twice leaves one row per slug, updated."""
    path = tmp_path / "c.yaml"
    path.write_text("clients: [{id: acme, name: ACME}]\nprojects: [{slug: p1, name: One}]\n")
    catalog.load_yaml(db, path)
    path.write_text("clients: [{id: acme, name: ACME 2}]\nprojects: [{slug: p1, name: Uno}]\n")
    assert catalog.load_yaml(db, path) == (1, 1)
    assert [c.name for c in catalog.list_clients(db)] == ["ACME 2"]
    assert [p.name for p in catalog.list_projects(db)] == ["Uno"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("clients: [{id: a, name: A}]\nprojects: [{slug: 'Bad Slug', name: x}]", "slug"),
        ("clients: [{id: a, name: A}]\nprojects: [{slug: ok, client: ghost, name: x}]", "ghost"),
        ("clients: [{id: a, name: A}, {id: b, name: ''}]", "name"),
        ("clients: [{id: a, name: A}]\n: : :", "not valid YAML"),
        ("- just\n- a list", "expected a mapping"),
    ],
)
def test_bad_catalog_is_refused_whole(
    db: psycopg.Connection, tmp_path: Path, content: str, message: str
) -> None:
    """An invalid catalog file says what is wrong and writes nothing."""
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    with pytest.raises(catalog.CatalogError, match=message):
        catalog.load_yaml(db, path)
    assert catalog.list_clients(db) == []


def test_cli_add_and_list(db: psycopg.Connection, pg_dsn: str) -> None:
    """Clients and projects added from the shell are listed back."""
    assert run_cli(pg_dsn, "client", "add", "acme", "--name", "ACME").returncode == 0
    added = run_cli(
        pg_dsn, "project", "add", "imx8", "--name", "IMX8", "--client", "acme", "--alias", "npu"
    )
    assert added.returncode == 0, added.stderr
    listed = run_cli(pg_dsn, "project", "list")
    assert "imx8" in listed.stdout and "acme" in listed.stdout and "npu" in listed.stdout


def test_cli_reports_unknown_client_clearly(db: psycopg.Connection, pg_dsn: str) -> None:
    """Adding a project for a client that does not exist fails with a readable message."""
    result = run_cli(pg_dsn, "project", "add", "x", "--name", "X", "--client", "nobody")
    assert result.returncode == 2
    assert "unknown client 'nobody'" in result.stderr
    assert "Traceback" not in result.stderr
