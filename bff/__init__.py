"""Backend-for-frontend: the only API the advisor webapp calls."""
