"""Pages of outreach, a module a part: enterprises, pairings, visits, routines."""
