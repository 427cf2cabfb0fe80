"""Forms of the services' pages, one module a topic."""
