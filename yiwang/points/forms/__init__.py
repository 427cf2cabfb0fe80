"""The pages' forms of points, a module a topic."""
