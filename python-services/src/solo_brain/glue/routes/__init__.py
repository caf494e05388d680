"""HTTP routes of the glue service, one module per resource."""
