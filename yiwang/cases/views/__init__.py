"""Pages of cases, a module a part: cases (the inbox, the list, a case and its actions, the
staff intake form), config (the county admin's categories and departments), notices,
rates (the rates and the overdue list), and public (the pages for residents with no
account, mounted under /public/ by public_urls)."""
