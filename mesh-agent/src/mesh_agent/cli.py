"""mesh-agent command line (filled in by the mesh work)."""

import sys


def main() -> None:
    """Entry point of the `mesh-agent` console script."""
    sys.exit("mesh-agent: not built yet")
