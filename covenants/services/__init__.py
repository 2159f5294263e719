"""services of the covenants app, one module per area."""
