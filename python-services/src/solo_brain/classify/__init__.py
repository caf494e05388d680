"""Classification service: Ollama-backed structured classification with deterministic dates."""
