"""Import benchmark of the workers service."""
