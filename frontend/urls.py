"""Pages on a company's domain: the site, the back office (/office/) and the console (/console/). The replicated
sites' /<username>/ routes come last, so every fixed address wins over a username (reserved in
core.members.services.RESERVED_USERNAMES)."""

from django.urls import include, path

from frontend import console, console_commerce, console_demotion, console_emails, office, reports, shop, site, views
from frontend.console_billing import billing as console_billing

office_urls = [
    path("office/", office.dashboard, name="office-home"),
    path("office/genealogy/", office.genealogy_tree, name="office-genealogy"),
    path("office/genealogy/<int:number>/children/", office.genealogy_children, name="office-genealogy-children"),
    path("office/genealogy/levels/", office.genealogy_levels, name="office-levels"),
    path("office/genealogy/binary/", office.genealogy_binary, name="office-binary"),
    path("office/members/<int:number>/", office.member_detail, name="office-member"),
    path("office/customers/", office.customers, name="office-customers"),
    path("office/subscribers/", office.subscribers, name="office-subscribers"),
    path("office/announcements/", office.announcements, name="office-announcements"),
    path("office/training/", office.training, name="office-training"),
    path("office/profile/", office.profile, name="office-profile"),
    path("office/orders/", office.orders, name="office-orders"),
    path("office/orders/<int:number>/", office.order_detail, name="office-order"),
    path("office/subscription/", office.subscription, name="office-subscription"),
    path("office/standing/", office.standing, name="office-standing"),
]

console_urls = [
    path("", include("frontend.urls_plans")),  # plans, commissions, reports; /office/earnings/ too
    path("", include("frontend.urls_ops")),  # tax rates, coupons, parties, webhooks; /office/autoships/ too
    path("console/", console.home, name="console-home"),
    path("console/members/", console.members, name="console-members"),
    path("console/members/export.csv", console.members_export, name="console-members-export"),
    path("console/members/<int:number>/", console.member_detail, name="console-member"),
    path("console/members/<int:number>/edit/", console.member_edit, name="console-member-edit"),
    path(
        "console/members/<int:number>/<slug:action>/",
        console.member_action,
        name="console-member-action",
    ),
    path("console/members/<int:number>/moves/<int:move_id>/undo/", console.move_undo, name="console-move-undo"),
    path("console/genealogy/", console.genealogy_settings, name="console-genealogy"),
    path("console/branding/", console.branding, name="console-branding"),
    path("console/pages/", console.pages, name="console-pages"),
    path("console/pages/<slug:slug>/", console.page_edit, name="console-page"),
    path("console/announcements/", console.announcements, name="console-announcements"),
    path("console/announcements/new/", console.announcement_edit, name="console-announcement-new"),
    path("console/announcements/<int:pk>/", console.announcement_edit, name="console-announcement"),
    path("console/training/", console.training, name="console-training"),
    path("console/training/new/", console.training_edit, name="console-training-new"),
    path("console/training/<int:pk>/", console.training_edit, name="console-training-edit"),
    path("console/products/", console_commerce.products, name="console-products"),
    path("console/products/new/", console_commerce.product_new, name="console-product-new"),
    path("console/products/<int:pk>/", console_commerce.product_detail, name="console-product"),
    path("console/products/<int:pk>/edit/", console_commerce.product_edit, name="console-product-edit"),
    path("console/inventory/", console_commerce.inventory, name="console-inventory"),
    path("console/inventory/low/", console_commerce.inventory_low, name="console-inventory-low"),
    path("console/orders/", console_commerce.orders, name="console-orders"),
    path("console/orders/<int:number>/", console_commerce.order_detail, name="console-order"),
    path("console/orders/<int:number>/<slug:action>/", console_commerce.order_action, name="console-order-action"),
    path("console/tax-rates/", console_commerce.tax_rates, name="console-tax-rates"),
    path("console/coupons/", console_commerce.coupons, name="console-coupons"),
    path("console/subscriptions/", console_commerce.subscriptions, name="console-subscriptions"),
    path("console/demotion/", console_demotion.policy_edit, name="console-demotion"),
    path("console/demotion/preview/", console_demotion.policy_preview_page, name="console-demotion-preview"),
    path("console/demotion/report/", console_demotion.report, name="console-demotion-report"),
    path("console/reports/", reports.reports, name="console-reports"),
    path("console/emails/", console_emails.emails, name="console-emails"),
    path("console/emails/<slug:key>/", console_emails.email_edit, name="console-email"),
    path("console/billing/", console_billing, name="console-billing"),
]

site_urls = [
    path("", site.company_home, name="company-home"),
    path("start/", views.after_login, name="after-login"),
    path("newsletter/", site.newsletter_signup, name="newsletter"),
    path("pages/<slug:slug>/", site.company_page, name="company-page"),
    path("shop/images/<int:image_id>/", shop.product_image, name="shop-product-image"),
]

replicated_urls = [
    path("<slug:username>/", site.replicated_home, name="replicated-home"),
    path("<slug:username>/join/", site.replicated_join, name="replicated-join"),
    path("<slug:username>/customer/", site.replicated_customer_signup, name="replicated-customer"),
    path("<slug:username>/newsletter/", site.newsletter_signup, name="replicated-newsletter"),
    path("<slug:username>/photo/", site.replicated_avatar, name="replicated-photo"),
    path("<slug:username>/shop/", shop.catalogue, name="shop"),
    path("<slug:username>/shop/cart/", shop.cart, name="shop-cart"),
    path("<slug:username>/shop/checkout/", shop.checkout, name="shop-checkout"),
    path("<slug:username>/shop/orders/<int:number>/", shop.order_confirmation, name="shop-order"),
]
