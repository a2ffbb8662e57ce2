"""The shared test builders of a company's data: ``catalogue`` (categories, products with stock, warehouses, tax
rates, coupons), ``members`` (distributors under a sponsor, customers, users per role) and ``orders`` (an order with
lines, a paid order).

Why here and not one ``factories.py`` per app: the builders cross apps. An order needs a member and a product, and the
tests that use them most (plans, demotion, the pages in frontend, the browser tests) belong to none of those apps;
``tests/`` is already the cross-app test package. Billing keeps ``billing/tests/factories.py``: it builds provider-side
data in the public schema, which no other app's tests need.

Every factory creates through the service a real caller uses (``member_enroll``, ``product_create``, ``order_place``…),
not through the model: a member needs its places in the sponsor and placement trees, an order its priced lines and its
stock taken, and a factory that skipped them would build data the application can never hold. They write into the
schema that is current, so call them inside ``schema_context("alpha")`` (the ``in_alpha`` fixtures) or a throwaway
company's context. Import them from their module (``from tests.factories.members import MemberFactory``).
"""
