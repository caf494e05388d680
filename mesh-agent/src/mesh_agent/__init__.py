"""CC Mesh agent: one per machine, streams Claude Code sessions to the hub."""
