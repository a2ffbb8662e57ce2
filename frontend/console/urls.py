"""The company console (/console/)."""

from django.urls import path

from frontend.console.views import (
    billing,
    commissions,
    content,
    demotion,
    emails,
    inventory,
    members,
    orders,
    parties,
    plan_reports,
    plans,
    pricing,
    products,
    reports,
    settings,
    subscriptions,
    webhooks,
)

urlpatterns = [
    path("console/", members.home, name="console-home"),
    # members
    path("console/members/", members.members, name="console-members"),
    path("console/members/export.csv", members.members_export, name="console-members-export"),
    path("console/members/<int:number>/", members.member_detail, name="console-member"),
    path("console/members/<int:number>/edit/", members.member_edit, name="console-member-edit"),
    path("console/members/<int:number>/<slug:action>/", members.member_action, name="console-member-action"),
    path("console/members/<int:number>/moves/<int:move_id>/undo/", members.move_undo, name="console-move-undo"),
    # settings
    path("console/genealogy/", settings.genealogy_settings, name="console-genealogy"),
    path("console/branding/", settings.branding, name="console-branding"),
    # content
    path("console/pages/", content.pages, name="console-pages"),
    path("console/pages/<slug:slug>/", content.page_edit, name="console-page"),
    path("console/announcements/", content.announcements, name="console-announcements"),
    path("console/announcements/new/", content.announcement_edit, name="console-announcement-new"),
    path("console/announcements/<int:pk>/", content.announcement_edit, name="console-announcement"),
    path("console/training/", content.training, name="console-training"),
    path("console/training/new/", content.training_edit, name="console-training-new"),
    path("console/training/<int:pk>/", content.training_edit, name="console-training-edit"),
    path("console/emails/", emails.emails, name="console-emails"),
    path("console/emails/<slug:key>/", emails.email_edit, name="console-email"),
    # catalogue and inventory
    path("console/products/", products.products, name="console-products"),
    path("console/products/new/", products.product_new, name="console-product-new"),
    path("console/products/<int:pk>/", products.product_detail, name="console-product"),
    path("console/products/<int:pk>/edit/", products.product_edit, name="console-product-edit"),
    path("console/products/<int:pk>/images/", products.product_image_upload, name="console-product-image-upload"),
    path(
        "console/products/<int:pk>/images/<int:image_id>/", products.product_image_file, name="console-product-image"
    ),
    path(
        "console/products/<int:pk>/images/<int:image_id>/remove/",
        products.product_image_delete,
        name="console-product-image-remove",
    ),
    path("console/categories/", products.categories, name="console-categories"),
    path("console/categories/<int:pk>/", products.category_edit, name="console-category"),
    path("console/inventory/", inventory.inventory, name="console-inventory"),
    path("console/inventory/low/", inventory.inventory_low, name="console-inventory-low"),
    # orders, pricing, parties, subscriptions
    path("console/orders/", orders.orders, name="console-orders"),
    path("console/orders/<int:number>/", orders.order_detail, name="console-order"),
    path("console/orders/<int:number>/<slug:action>/", orders.order_action, name="console-order-action"),
    path("console/tax-rates/", pricing.tax_rates, name="console-tax-rates"),
    path("console/tax-rates/new/", pricing.tax_rate_new, name="console-tax-rate-new"),
    path("console/tax-rates/<int:pk>/", pricing.tax_rate_edit, name="console-tax-rate"),
    path("console/coupons/", pricing.coupons, name="console-coupons"),
    path("console/coupons/new/", pricing.coupon_new, name="console-coupon-new"),
    path("console/coupons/<int:pk>/", pricing.coupon_edit, name="console-coupon"),
    path("console/parties/", parties.parties, name="console-parties"),
    path("console/parties/new/", parties.party_new, name="console-party-new"),
    path("console/parties/<int:pk>/", parties.party_detail, name="console-party"),
    path("console/subscriptions/", subscriptions.subscriptions, name="console-subscriptions"),
    # demotion
    path("console/demotion/", demotion.policy_edit, name="console-demotion"),
    path("console/demotion/preview/", demotion.policy_preview_page, name="console-demotion-preview"),
    path("console/demotion/report/", demotion.report, name="console-demotion-report"),
    # compensation plans, commissions and their reports
    path("console/plans/", plans.plan_versions, name="console-plans"),
    path("console/plans/edit/", plans.plan_editor, name="console-plan-editor"),
    path("console/plans/<int:number>/", plans.plan_version, name="console-plan-version"),
    path("console/commissions/", commissions.periods, name="console-periods"),
    path("console/commissions/periods/<int:pk>/preview/", commissions.period_preview, name="console-period-preview"),
    path("console/commissions/runs/<int:pk>/", commissions.run_detail, name="console-run"),
    path("console/commissions/runs/<int:pk>/progress/", commissions.run_progress, name="console-run-progress"),
    path("console/commissions/runs/<int:pk>/review/", commissions.run_review, name="console-run-review"),
    path("console/commissions/runs/<int:pk>/approve/", commissions.run_approve, name="console-run-approve"),
    path("console/commissions/runs/<int:pk>/post/", commissions.run_post, name="console-run-post"),
    path("console/commissions/runs/<int:pk>/lines/", commissions.run_lines, name="console-run-lines"),
    path("console/commissions/runs/<int:pk>/compare/", commissions.run_compare, name="console-run-compare"),
    path("console/commissions/adjustments/", commissions.adjustments, name="console-adjustments"),
    path("console/commissions/payouts/", commissions.payouts, name="console-payouts"),
    path("console/commissions/payouts/<int:pk>/payout.csv", commissions.payout_csv, name="console-payout-csv"),
    path(
        "console/commissions/payouts/<int:pk>/<slug:action>/", commissions.payout_action, name="console-payout-action"
    ),
    path("console/reports/", reports.reports, name="console-reports"),
    path("console/reports/commissions/", plan_reports.report_commissions, name="console-report-commissions"),
    path("console/reports/ranks/", plan_reports.report_ranks, name="console-report-ranks"),
    path("console/reports/income-disclosure/", plan_reports.report_income_disclosure, name="console-report-income"),
    # webhooks and billing: company admins only
    path("console/webhooks/", webhooks.webhooks, name="console-webhooks"),
    path("console/webhooks/new/", webhooks.webhook_new, name="console-webhook-new"),
    path("console/webhooks/<int:pk>/", webhooks.webhook_edit, name="console-webhook"),
    path("console/webhooks/deliveries/", webhooks.webhook_deliveries, name="console-webhook-deliveries"),
    path("console/webhooks/deliveries/<int:pk>/", webhooks.webhook_delivery, name="console-webhook-delivery"),
    path(
        "console/webhooks/deliveries/<int:pk>/redeliver/",
        webhooks.webhook_delivery_redeliver,
        name="console-webhook-delivery-redeliver",
    ),
    path("console/billing/", billing.billing, name="console-billing"),
]
