"""Members, customers and genealogy over the company API. Staff see everyone; a distributor sees themself and their own
downline (either tree) and nothing else; moves and status changes are for company admins."""
