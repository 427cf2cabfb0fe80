"""Every write of government services: the catalogue (catalogue.py) and the help requests
with their clock (help.py)."""
