"""Every write of the cooperatives (coops, alliances, members, distributions)."""
