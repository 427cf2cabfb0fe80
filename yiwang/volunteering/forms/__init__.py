"""The forms of volunteering's pages."""
