"""The company's site, and the replicated sites' /<username>/ pages (included last by config.urls_tenant, so every
fixed address wins over a username: see core.members.services.RESERVED_USERNAMES)."""

from django.urls import path

from frontend.site.views import accounts, pages, signup, storefront

urlpatterns = [
    path("", pages.company_home, name="company-home"),
    path("start/", accounts.after_login, name="after-login"),
    path("accounts/orders/", accounts.customer_orders, name="customer-orders"),
    path("newsletter/", pages.newsletter_signup, name="newsletter"),
    path("pages/<slug:slug>/", pages.company_page, name="company-page"),
    path("shop/", storefront.company_shop, name="company-shop"),
    path("shop/branding/<slug:kind>/", storefront.branding_image, name="site-branding-image"),
    path("distributors/", storefront.distributors, name="find-distributor"),
    path("distributors/pick/", storefront.pick, name="pick-distributor"),
]

replicated_urlpatterns = [
    path("<slug:username>/", pages.replicated_home, name="replicated-home"),
    path("<slug:username>/join/", signup.replicated_join, name="replicated-join"),
    path("<slug:username>/customer/", signup.replicated_customer_signup, name="replicated-customer"),
    path("<slug:username>/newsletter/", pages.newsletter_signup, name="replicated-newsletter"),
    path("<slug:username>/photo/", pages.replicated_avatar, name="replicated-photo"),
]
