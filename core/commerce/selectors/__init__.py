"""Commerce reads, one module per concern:

volume         PV/PSV/CV per member and the orders the plan engine pays on   subscriptions  the fee's payment history
orders         orders a user may see                                        parties        parties a user may see
autoship       autoships a user may see                                     buyers         who buys (buyer_for)
catalogue      what is for sale, public pictures                            stock          low stock, levels, movements
billing        what the provider bills a company for                        periods        commission periods
history        the historic orders export (CSV rows)              reports        sales by day and product, volumes
pricing_rules  tax rates and coupons as listed                               partner_imports  partner sales imports

What plans and demotion read is re-exported by core.commerce.public. Import from the modules.
"""
