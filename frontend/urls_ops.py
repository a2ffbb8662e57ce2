"""Console tax rates, coupons, categories, product pictures, parties and webhooks; back-office autoships and
parties."""

from django.urls import path

from frontend import console_ops as c
from frontend import office_ops as o

urlpatterns = [
    path("console/tax-rates/new/", c.tax_rate_new, name="console-tax-rate-new"),
    path("console/tax-rates/<int:pk>/", c.tax_rate_edit, name="console-tax-rate"),
    path("console/coupons/new/", c.coupon_new, name="console-coupon-new"),
    path("console/coupons/<int:pk>/", c.coupon_edit, name="console-coupon"),
    path("console/categories/", c.categories, name="console-categories"),
    path("console/categories/<int:pk>/", c.category_edit, name="console-category"),
    path("console/products/<int:pk>/images/", c.product_image_upload, name="console-product-image-upload"),
    path("console/products/<int:pk>/images/<int:image_id>/", c.product_image_file, name="console-product-image"),
    path(
        "console/products/<int:pk>/images/<int:image_id>/remove/",
        c.product_image_delete,
        name="console-product-image-remove",
    ),
    path("console/parties/", c.parties, name="console-parties"),
    path("console/parties/new/", c.party_new, name="console-party-new"),
    path("console/parties/<int:pk>/", c.party_detail, name="console-party"),
    path("console/webhooks/", c.webhooks, name="console-webhooks"),
    path("console/webhooks/new/", c.webhook_new, name="console-webhook-new"),
    path("console/webhooks/<int:pk>/", c.webhook_edit, name="console-webhook"),
    path("console/webhooks/deliveries/", c.webhook_deliveries, name="console-webhook-deliveries"),
    path("console/webhooks/deliveries/<int:pk>/", c.webhook_delivery, name="console-webhook-delivery"),
    path(
        "console/webhooks/deliveries/<int:pk>/redeliver/",
        c.webhook_delivery_redeliver,
        name="console-webhook-delivery-redeliver",
    ),
    path("office/autoships/", o.autoships, name="office-autoships"),
    path("office/autoships/new/", o.autoship_new, name="office-autoship-new"),
    path("office/autoships/<int:pk>/", o.autoship_detail, name="office-autoship"),
    path("office/parties/", o.parties, name="office-parties"),
    path("office/parties/new/", o.party_new, name="office-party-new"),
    path("office/parties/<int:pk>/", o.party_detail, name="office-party"),
]
