"""Every write of outreach's visits: atomic, checked against the actor's posts, audited."""
