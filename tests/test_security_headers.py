"""Issue 12 item 17: a Content-Security-Policy with no inline-script exception on every page, API docs served from our
own static files, and production's HSTS. (The browser test tests/browser/test_csp_browser.py checks that pages and
the docs really run under the policy.)"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "frontend" / "templates"


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split("; ")}


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/api/docs/"], ids=["home", "login", "api-docs"])
def test_every_page_carries_a_policy_without_inline_script(alpha_client, provider_client, path):
    for client in (alpha_client, provider_client):
        response = client.get(path)
        assert response.status_code == 200, path
        policy = _policy(response)
        assert policy["script-src"] == ["'self'"]
        assert policy["default-src"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["object-src"] == ["'none'"]
        assert "'unsafe-inline'" not in policy["style-src"] and "'unsafe-eval'" not in policy["script-src"]


def test_the_brand_colour_style_carries_the_pages_nonce(alpha_client):
    response = alpha_client.get("/")
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    assert f'<style nonce="{nonce}">:root {{ --brand: #2f6f4e; }}</style>' in response.content.decode()


def test_api_docs_load_their_assets_and_init_script_from_this_host(alpha_client):
    page = alpha_client.get("/api/docs/").content.decode()
    sources = re.findall(r'<script src="([^"]+)"', page)
    assert sources == [
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-standalone-preset.js",
        "/api/docs/?script=",
    ]
    assert "<script>" not in page and not re.search(r"//[^\s\"']*cdn", page.lower())  # no asset from a CDN
    init = alpha_client.get("/api/docs/?script=")
    assert init["Content-Type"] == "application/javascript"
    assert "/api/schema/" in init.content.decode()


def test_no_template_has_inline_script_style_attribute_or_htmx_eval():
    patterns = (r"<script(?![^>]*\bsrc=)[^>]*>", r'\sstyle="', r"\shx-on", r'\son[a-z]+="', r"<style(?! nonce=)")
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        for pattern in patterns:
            if re.search(pattern, text):
                offenders.append(f"{template.relative_to(TEMPLATES)}: {pattern}")
    assert offenders == []


def test_production_sends_hsts_for_a_year_with_subdomains_and_preload():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "s" * 40,
        "FIELD_ENCRYPTION_KEY": "f" * 40,
    }
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, s.SECURE_SSL_REDIRECT)"
    )
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ["31536000", "True", "True", "True"]
