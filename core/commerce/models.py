"""Commerce models: products, price tiers, orders, volume, payments (work in progress)."""
