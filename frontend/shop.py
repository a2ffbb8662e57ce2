"""The replicated site's shop: catalogue at the right price for whoever looks, a session cart, checkout credited to
the site's distributor, card payment through Stripe (core.commerce) or an offline payment where the company allows
it, and the order confirmation."""
