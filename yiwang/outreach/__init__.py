"""Outreach (结对与走访): pairings, visit rules, visits, must-attend events, routines."""
