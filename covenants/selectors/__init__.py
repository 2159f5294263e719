"""selectors of the covenants app, one module per area."""
