"""The filtersets of volunteering, shared by pages and API."""
