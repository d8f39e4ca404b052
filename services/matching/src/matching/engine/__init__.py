"""The ranking engine: pure code over numpy arrays, no database, network or clock of its own."""
