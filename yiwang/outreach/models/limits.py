"""The lengths of outreach's text fields, checked again by its forms and services."""

NAME_MAX = 100
NOTE_MAX = 2000
REASON_MAX = 200
