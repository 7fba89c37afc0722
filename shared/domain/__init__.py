"""Pure business rules: no I/O, tested without a database or network."""
