"""Forms of the cooperatives' pages."""
