"""Every write of volunteering: atomic, checked against the actor's posts, audited."""
