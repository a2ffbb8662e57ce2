"""Members and customers in and out of a company as CSV: common, members, customers, export. Import from the modules."""
