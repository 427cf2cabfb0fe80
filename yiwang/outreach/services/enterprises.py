"""Every write of outreach's enterprises: atomic, checked against the actor's posts, audited."""
