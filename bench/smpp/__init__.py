"""SMPP benchmark: submits per second from one process through the provider's binds and windows."""
