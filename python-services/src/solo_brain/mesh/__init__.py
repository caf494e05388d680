"""CC Mesh hub: agents' WebSocket, Claude Code sessions over REST + SSE, tokens, push events."""
