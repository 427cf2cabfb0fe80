"""Every write of the cooperatives (coops, members, distributions)."""
