"""Every write of outreach's routines: atomic, checked against the actor's posts, audited."""
