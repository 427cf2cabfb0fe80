"""Pages of points, a module a topic."""
