"""Database access: the embedded or configured Postgres, migrations, connection pools."""

from solo_brain.db.embedded import database_url, resolve_database_url
from solo_brain.db.migrate import MigrationError, SchemaNotReady, apply_migrations, ensure_schema
from solo_brain.db.pool import DictPool, open_pool

__all__ = [
    "DictPool",
    "MigrationError",
    "SchemaNotReady",
    "apply_migrations",
    "database_url",
    "ensure_schema",
    "open_pool",
    "resolve_database_url",
]
