"""Every write of emergency duty, one module a topic."""
