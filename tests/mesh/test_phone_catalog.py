"""The catalog API (projects and clients with aliases) against a real hub and Postgres."""

from __future__ import annotations

import json

import httpx
import psycopg

from tests.mesh.hub_harness import auth, hub_settings, issue, running_hub


async def test_projects_and_clients_are_created_renamed_and_deleted(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """Create, list, rename (captures follow), and delete only with force while in use."""
    token = issue(pg_dsn, "full")
    with running_hub(hub_settings(pg_dsn)) as url:
        async with httpx.AsyncClient(base_url=url, headers=auth(token)) as client:
            made = await client.post("/api/clients", json={"id": "acme", "name": "Acmé",
                                                           "aliases": ["ACME corp"]})  # fmt: skip
            assert made.status_code == 201
            assert made.json() == {"id": "acme", "name": "Acmé", "aliases": ["ACME corp"],
                                   "domains": [], "captures": 0, "projects": 0}  # fmt: skip
            project = {"slug": "vision", "name": "Vision", "client_id": "acme",
                       "aliases": ["la caméra"]}  # fmt: skip
            assert (await client.post("/api/projects", json=project)).status_code == 201
            taken = await client.post("/api/projects", json=project)
            assert taken.status_code == 409 and taken.json()["error"]["code"] == "conflict"
            orphan = await client.post("/api/projects", json={**project, "slug": "x",
                                                              "client_id": "ghost"})  # fmt: skip
            assert orphan.status_code == 400 and "unknown client" in orphan.text
            db.execute("SELECT assistant.record_capture(%s::jsonb)",
                       (json.dumps({"text": "n", "project": "vision"}),))  # fmt: skip
            renamed = await client.patch("/api/projects/vision",
                                         json={"slug": "vision-2", "aliases": []})  # fmt: skip
            assert renamed.status_code == 200
            assert renamed.json() == {"slug": "vision-2", "name": "Vision", "client_id": "acme",
                                      "aliases": [], "captures": 1}  # fmt: skip
            listed = (await client.get("/api/projects")).json()
            assert [p["slug"] for p in listed] == ["vision-2"]
            in_use = await client.delete("/api/projects/vision-2")
            assert in_use.status_code == 409 and in_use.json()["error"]["captures"] == 1
            assert (await client.delete("/api/projects/vision-2?force=true")).status_code == 204
            assert (await client.get("/api/projects")).json() == []
            client_patch = await client.patch("/api/clients/acme", json={"name": "ACME SA"})
            assert client_patch.json()["name"] == "ACME SA"
            assert (await client.delete("/api/clients/acme")).status_code == 204
            assert (await client.delete("/api/clients/acme")).status_code == 404
            bad = await client.post("/api/projects", json={"slug": "Pas Un Slug", "name": "x"})
            assert bad.status_code == 400
    row = db.execute("SELECT project FROM assistant.captures").fetchone()
    assert row == {"project": None}


async def test_client_domains_are_kept_normalised_and_checked(
    db: psycopg.Connection, pg_dsn: str
) -> None:
    """A client's e-mail domains are stored lower case once each; a non-domain is a 400."""
    token = issue(pg_dsn, "full")
    with running_hub(hub_settings(pg_dsn)) as url:
        async with httpx.AsyncClient(base_url=url, headers=auth(token)) as client:
            made = await client.post("/api/clients", json={"id": "initech", "name": "Initech",
                                                           "domains": ["@Initech.FR"]})  # fmt: skip
            two = {"domains": ["initech.fr", "eu.initech.fr"]}
            changed = await client.patch("/api/clients/initech", json=two)
            wrong = await client.patch("/api/clients/initech", json={"domains": ["initech"]})
            kept = await client.patch("/api/clients/initech", json={"name": "Initech SA"})
    assert made.status_code == 201 and made.json()["domains"] == ["initech.fr"]
    assert changed.json()["domains"] == ["initech.fr", "eu.initech.fr"]
    assert wrong.status_code == 400 and "not an e-mail domain" in wrong.text
    assert kept.json()["domains"] == ["initech.fr", "eu.initech.fr"]
