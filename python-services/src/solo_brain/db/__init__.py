"""Database access: the embedded or configured Postgres, migrations, connection pools."""

from solo_brain.db.embedded import database_url, resolve_database_url
from solo_brain.db.migrate import MigrationError, apply_migrations
from solo_brain.db.pool import DictPool, open_pool

__all__ = [
    "DictPool",
    "MigrationError",
    "apply_migrations",
    "database_url",
    "open_pool",
    "resolve_database_url",
]
