"""The replicated sites' shop (/<username>/shop/...) and the product pictures on the company's domain."""

from django.urls import path

import config.converters  # noqa: F401 - the <id:…> path converter
from frontend.shop.views import cards, cart, catalogue, checkout

urlpatterns = [
    path("shop/images/<id:image_id>/", catalogue.product_image, name="shop-product-image"),
    path("shop/card-setup/", cards.card_setup, name="card-setup"),
]

replicated_urlpatterns = [
    path("<slug:username>/shop/", catalogue.catalogue, name="shop"),
    path("<slug:username>/shop/<id:product_id>/", catalogue.product_detail, name="shop-product"),
    path("<slug:username>/shop/cart/", cart.cart, name="shop-cart"),
    path("<slug:username>/shop/market/", catalogue.market_choose, name="shop-market"),
    path("<slug:username>/shop/checkout/", checkout.checkout, name="shop-checkout"),
    path("<slug:username>/shop/checkout/shipping/", checkout.checkout_shipping, name="shop-checkout-shipping"),
    path("<slug:username>/shop/checkout/pay/", checkout.checkout_pay, name="shop-checkout-pay"),
    path("<slug:username>/shop/orders/<id:number>/", checkout.order_confirmation, name="shop-order"),
]
