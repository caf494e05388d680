"""Unit tests of the agent's pure core and its permission round trip: no socket, no file."""
