"""Clients of the hub's upstreams, one module each (events: the events webhook)."""
