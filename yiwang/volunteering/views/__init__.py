"""Pages of volunteering, a module a topic."""
