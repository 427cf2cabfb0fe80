"""Every write of outreach's pairings: atomic, checked against the actor's posts, audited."""
