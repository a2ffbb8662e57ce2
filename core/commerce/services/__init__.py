"""Commerce writes, one module per concern (HackSoft-style services: keyword-only, typed, `<entity>_<action>`):

commerce_settings  the company's commerce settings            catalogue      products, categories, pictures, price tiers
stock              warehouses and the stock ledger            tax            tax rates
coupons            coupons and the locked look-up at order    orders         order_place (validate -> quote -> persist),
payments           offline, card and free payments                           cancel, ship, webhook payload
refunds            refunds with stock, volume and clawback    volume         member volume, period close, clawback flags
parties            parties and the guest order + payment      autoship       autoships and their daily runs
subscriptions      the back-office fee                        partner_imports  a partner's sales CSV
history            historic orders import (COPY)

Pricing itself is the pure core.commerce.pricing.order_quote. Import from the modules; this package only re-exports
what frontend/ imported from the old services.py.
"""
