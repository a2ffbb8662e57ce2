"""Every page renders for the role it is meant for."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/office/",
        "/office/genealogy/",
        "/office/genealogy/levels/",
        "/office/customers/",
        "/office/subscribers/",
        "/office/announcements/",
        "/office/training/",
        "/office/profile/",
    ],
)
def test_office_pages_render(ann_client, path):
    response = ann_client.get(path)
    assert response.status_code == 200, response.content[:2000]


@pytest.mark.parametrize(
    "path",
    [
        "/console/",
        "/console/members/",
        "/console/genealogy/",
        "/console/branding/",
        "/console/joining/",
        "/console/joining/documents/new/",
        "/console/pages/",
        "/console/pages/about/",
        "/console/announcements/",
        "/console/announcements/new/",
        "/console/training/",
        "/console/training/new/",
    ],
)
def test_console_pages_render(admin_client, org, path):
    response = admin_client.get(path)
    assert response.status_code == 200, response.content[:2000]


@pytest.mark.parametrize("path", ["/", "/ann/", "/ann/join/", "/ann/customer/", "/nobody-here/"])
def test_site_pages_render(alpha_client, org, path):
    response = alpha_client.get(path)
    assert response.status_code == 200, response.content[:2000]


@pytest.mark.parametrize(
    "path",
    ["/office/orders/", "/office/subscription/", "/office/standing/"],
)
def test_office_commerce_pages_render(ann_client, path):
    response = ann_client.get(path)
    assert response.status_code == 200, response.content[:2000]


@pytest.mark.parametrize(
    "path",
    [
        "/console/products/",
        "/console/products/new/",
        "/console/inventory/",
        "/console/inventory/low/",
        "/console/orders/",
        "/console/tax-rates/",
        "/console/coupons/",
        "/console/subscriptions/",
        "/console/demotion/",
        "/console/demotion/?mode=json",
        "/console/demotion/preview/",
        "/console/demotion/preview/?day=2026-03-01",
        "/console/demotion/report/",
        "/console/reports/",
        "/console/reports/?report=sales-product",
        "/console/reports/?report=volumes",
    ],
)
def test_console_commerce_and_demotion_pages_render(admin_client, org, path):
    response = admin_client.get(path)
    assert response.status_code == 200, response.content[:2000]


@pytest.mark.parametrize("path", ["/ann/shop/", "/ann/shop/cart/"])
def test_shop_pages_render(alpha_client, org, path):
    response = alpha_client.get(path)
    assert response.status_code == 200, response.content[:2000]
