"""The demo company's storefront data (infra.demo_data): every product described and pictured with small drawn
pictures, four featured, and the home page's hero text."""

import pytest
from django_tenants.utils import schema_context

from core.commerce.models import Product, ProductImage
from core.company.services import company_settings_get
from infra.demo_data import _catalogue

pytestmark = pytest.mark.django_db


def test_the_demo_catalogue_has_descriptions_pictures_and_featured_products(alpha):
    with schema_context(alpha.schema):
        _catalogue()
        products = list(Product.objects.order_by("sku"))
        assert [p.sku for p in products if p.featured] == ["GREENS", "OMEGA", "SHAKE", "SLEEP"]
        assert all(p.description and p.category_id for p in products)
        images = list(ProductImage.objects.all())
        assert len(images) == 12
        assert max(image.image.size for image in images) < 8 * 1024  # a few KB each, drawn at setup
        assert company_settings_get().hero_title == "Everyday wellness, shared by people you know"
