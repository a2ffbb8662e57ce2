"""Compensation plans in the console (/console/plans/, /console/commissions/, /console/reports/commissions/...) and
earnings in the back office (/office/earnings/). Views are thin: plans.services writes, plans.selectors reads."""
