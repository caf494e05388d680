"""HTTP routes of the classify service, one module per resource."""
