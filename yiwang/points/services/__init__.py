"""Every write of points, a module a topic."""
