"""The known projects and clients, indexed for matching names spoken in a note.

A classification may only ever name a slug that exists here. `CatalogIndex` maps what a model
or a speaker said ("IMX8MP vision", "acmé") to a slug, accent- and case-insensitively, and finds
which projects and clients a text mentions before any model is called (the privacy guard relies
on it). It is loaded from Postgres for each request: a project added a second ago counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from solo_brain.catalog import Client, Project
from solo_brain.db.pool import DictPool
from solo_brain.text import contains_words, fold

# Shorter names match inside too many unrelated words to be trusted.
MIN_TERM_LENGTH = 2

_T = TypeVar("_T")


def _terms(*names: str) -> list[str]:
    folded = {fold(name) for name in names}
    return sorted((t for t in folded if len(t) >= MIN_TERM_LENGTH), key=len, reverse=True)


@dataclass(frozen=True)
class CatalogIndex:
    """Projects and clients with their folded names, ready for lookups."""

    projects: tuple[Project, ...] = ()
    clients: tuple[Client, ...] = ()
    _project_terms: dict[str, list[str]] = field(init=False, repr=False, compare=False)
    _client_terms: dict[str, list[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        project_terms = {p.slug: _terms(p.slug, p.name, *p.aliases) for p in self.projects}
        client_terms = {c.id: _terms(c.id, c.name, *c.aliases) for c in self.clients}
        object.__setattr__(self, "_project_terms", project_terms)
        object.__setattr__(self, "_client_terms", client_terms)

    def project(self, slug: str | None) -> Project | None:
        """The project with exactly this slug, or None."""
        return next((p for p in self.projects if p.slug == slug), None)

    def client(self, client_id: str | None) -> Client | None:
        """The client with exactly this id, or None."""
        return next((c for c in self.clients if c.id == client_id), None)

    def resolve_project(self, said: str | None) -> Project | None:
        """The one project `said` names (slug, name or alias, any case or accents), or None."""
        return self._resolve(said, {p.slug: p for p in self.projects}, self._project_terms)

    def resolve_client(self, said: str | None) -> Client | None:
        """The one client `said` names (id, name or alias, any case or accents), or None."""
        return self._resolve(said, {c.id: c for c in self.clients}, self._client_terms)

    def mentioned_projects(self, *texts: str | None) -> list[Project]:
        """Projects whose slug, name or alias appears as whole words, first mentioned first."""
        by_slug = {p.slug: p for p in self.projects}
        return [by_slug[s] for s in _mentions(self._project_terms, texts)]

    def mentioned_clients(self, *texts: str | None) -> list[Client]:
        """Clients whose id, name or alias appears as whole words, first mentioned first."""
        by_id = {c.id: c for c in self.clients}
        return [by_id[i] for i in _mentions(self._client_terms, texts)]

    def detected_client_ids(self, *texts: str | None) -> list[str]:
        """Clients a text is about: named directly, or through one of their projects."""
        found = [c.id for c in self.mentioned_clients(*texts)]
        found += [p.client_id for p in self.mentioned_projects(*texts) if p.client_id]
        return list(dict.fromkeys(found))

    def without_clients(self) -> CatalogIndex:
        """Only the projects that belong to no client: what an external model may be told."""
        return CatalogIndex(projects=tuple(p for p in self.projects if not p.client_id))

    @staticmethod
    def _resolve(said: str | None, exact: dict[str, _T], terms: dict[str, list[str]]) -> _T | None:
        if not said or not said.strip():
            return None
        if said in exact:
            return exact[said]
        folded = fold(said)
        equal = [key for key, names in terms.items() if folded in names]
        if len(equal) == 1:
            return exact[equal[0]]
        # "le projet IMX8MP vision": the answer contains exactly one known name.
        inside = list(_mentions(terms, [said]))
        return exact[inside[0]] if len(inside) == 1 else None


def _mentions(terms: dict[str, list[str]], texts: Iterable[str | None]) -> list[str]:
    folded = " ".join(fold(t) for t in texts if t)
    hits: list[tuple[int, int, str]] = []
    for key, names in terms.items():
        positions = [(contains_words(folded, n), -len(n)) for n in names]
        found = [p for p in positions if p[0] >= 0]
        if found:
            position, length = min(found)
            hits.append((position, length, key))
    return [key for _, _, key in sorted(hits)]


_CATALOG_SQL = """
SELECT 'project' AS kind, slug AS key, name, client_id, aliases FROM assistant.projects
UNION ALL
SELECT 'client', id, name, NULL, aliases FROM assistant.clients
ORDER BY 1, 2
"""


# A capture waiting longer than this for a database connection is better answered 503 (n8n
# keeps it pending and retries) than left hanging past the phone's patience.
CONNECTION_TIMEOUT_S = 5.0


async def load_catalog(pool: DictPool) -> CatalogIndex:
    """Read every project and client in one round trip."""
    async with pool.connection(timeout=CONNECTION_TIMEOUT_S) as conn:
        rows = await (await conn.execute(_CATALOG_SQL)).fetchall()
    projects = [
        Project(slug=r["key"], name=r["name"], client_id=r["client_id"], aliases=r["aliases"])
        for r in rows
        if r["kind"] == "project"
    ]
    clients = [
        Client(id=r["key"], name=r["name"], aliases=r["aliases"])
        for r in rows
        if r["kind"] == "client"
    ]
    return CatalogIndex(projects=tuple(projects), clients=tuple(clients))
