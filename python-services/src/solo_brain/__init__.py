"""Solo Brain services: glue, classify, mesh hub and the solo-brain CLI."""
