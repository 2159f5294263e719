"""Read queries, one module per area; each returns what its page needs in a
fixed number of queries."""
