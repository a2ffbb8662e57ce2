"""Commerce reads, one module per concern:

volume         PV/PSV/CV per member and the orders the plan engine pays on   subscriptions  the fee's payment history
orders         orders a user may see                                        parties        parties a user may see
autoship       autoships a user may see                                     buyers         who buys (buyer_for)
catalogue      what is for sale, public pictures                            stock          low stock
billing        what the provider bills a company for                        periods        commission periods
history        the historic orders export (CSV rows)

What plans and demotion read is re-exported by core.commerce.public. Import from the modules; this package only
re-exports what frontend/ imported from the old selectors.py.
"""

# re-exports for frontend/ until it imports the modules directly
from core.commerce.selectors.catalogue import product_first_images, product_images_for_sale, products_for_sale
from core.commerce.selectors.orders import orders_visible_to
from core.commerce.selectors.parties import parties_visible_to
from core.commerce.selectors.stock import low_stock
from core.commerce.selectors.volume import member_volumes

__all__ = [
    "low_stock",
    "member_volumes",
    "orders_visible_to",
    "parties_visible_to",
    "product_first_images",
    "product_images_for_sale",
    "products_for_sale",
]
