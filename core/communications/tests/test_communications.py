import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tenants.utils import schema_context

from core.communications.models import Audience, NewsletterSubscriber
from core.communications.selectors import (
    announcements_for,
    company_page_published,
    company_pages_overview,
    newsletter_subscribers,
    training_materials,
)
from core.communications.services import (
    announcement_create,
    announcement_update,
    company_page_save,
    newsletter_subscribe,
    newsletter_unsubscribe,
    training_material_create,
    training_material_update,
)
from core.members.services.enrolment import member_enroll
from core.members.services.profiles import member_status_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_alpha(alpha):
    with schema_context(alpha.schema):
        yield


@pytest.fixture
def rep(in_alpha):
    return member_enroll(sponsor=None, username="rep", email="rep@example.test", first_name="Rep", last_name="One")


def test_company_page_is_saved_once_per_slug_and_only_published_pages_show(in_alpha):
    company_page_save(slug="about", title="About", body="Draft text", published=False)
    assert company_page_published(slug="about") is None
    page = company_page_save(slug="about", title="About us", body="We sell tea.", published=True)
    assert company_page_published(slug="about").pk == page.pk
    assert [(slug, page.title if page else None) for slug, _, page in company_pages_overview()] == [
        ("about", "About us"),
        ("faq", None),
        ("policies", None),
        ("terms", None),
        ("privacy", None),
    ]


@pytest.mark.parametrize(
    ("slug", "title", "body", "published", "field"),
    [
        pytest.param("careers", "Jobs", "x", True, "slug", id="unknown-slug"),
        pytest.param("faq", " ", "x", True, "title", id="no-title"),
        pytest.param("faq", "FAQ", "", True, "body", id="published-without-text"),
    ],
)
def test_company_page_errors_name_the_field(in_alpha, slug, title, body, published, field):
    with pytest.raises(ValidationError) as excinfo:
        company_page_save(slug=slug, title=title, body=body, published=published)
    assert list(excinfo.value.message_dict) == [field]


def test_announcements_by_audience_schedule_and_draft(in_alpha):
    now = timezone.now()
    for_all = announcement_create(title="All", body="b", audience=Audience.EVERYONE, published_at=now)
    for_reps = announcement_create(
        title="Reps", body="b", audience=Audience.DISTRIBUTORS, published_at=now - datetime.timedelta(hours=1)
    )
    announcement_create(title="Customers", body="b", audience=Audience.CUSTOMERS, published_at=now)
    announcement_create(title="Draft", body="b", audience=Audience.DISTRIBUTORS)
    later = announcement_create(
        title="Later", body="b", audience=Audience.DISTRIBUTORS, published_at=now + datetime.timedelta(days=1)
    )
    assert [a.title for a in announcements_for(audience=Audience.DISTRIBUTORS)] == ["All", "Reps"]
    announcement_update(announcement=later, changes={"published_at": now - datetime.timedelta(minutes=5)})
    announcement_update(announcement=for_all, changes={"published_at": None})
    assert [a.title for a in announcements_for(audience=Audience.DISTRIBUTORS)] == ["Later", "Reps"]
    with pytest.raises(ValidationError) as excinfo:
        announcement_update(announcement=for_reps, changes={"title": "", "pinned": True})
    assert list(excinfo.value.message_dict) == ["pinned"]
    with pytest.raises(ValidationError) as excinfo:
        announcement_update(announcement=for_reps, changes={"title": ""})
    assert excinfo.value.message_dict == {"title": ["This field is required."]}


def test_training_material_needs_text_or_a_link_and_hides_when_unpublished(in_alpha):
    with pytest.raises(ValidationError) as excinfo:
        training_material_create(title="Empty", category="Start")
    assert excinfo.value.message_dict == {"body": ["Write the lesson or give a link to it."]}
    b = training_material_create(title="B", body="Second", category="Start", order=2)
    training_material_create(title="A", url="https://example.test/video", category="Start", order=1)
    training_material_create(title="C", body="Advanced", category="Advanced")
    assert [m.title for m in training_materials()] == ["C", "A", "B"]
    training_material_update(material=b, changes={"published": False})
    assert [m.title for m in training_materials()] == ["C", "A"]
    assert [m.title for m in training_materials(published_only=False)] == ["C", "A", "B"]


def test_newsletter_one_row_per_email_and_distributor(rep):
    first = newsletter_subscribe(email="Fan@Example.test", distributor=rep)
    again = newsletter_subscribe(email="fan@example.test ", distributor=rep)
    company_wide = newsletter_subscribe(email="fan@example.test", distributor=None)
    company_wide_again = newsletter_subscribe(email="FAN@example.test", distributor=None)
    assert first.pk == again.pk
    assert company_wide.pk == company_wide_again.pk != first.pk
    assert first.email == "fan@example.test"
    assert NewsletterSubscriber.objects.count() == 2


def test_newsletter_unsubscribe_keeps_the_row_and_signing_up_again_resubscribes(rep):
    subscriber = newsletter_subscribe(email="fan@example.test", distributor=rep)
    newsletter_unsubscribe(subscriber=subscriber)
    assert list(newsletter_subscribers(distributor=rep, subscribed_only=True)) == []
    assert newsletter_subscribers(distributor=rep).get().unsubscribed_at is not None
    back = newsletter_subscribe(email="fan@example.test", distributor=rep)
    assert back.pk == subscriber.pk and back.unsubscribed_at is None


def test_newsletter_refuses_bad_email_and_terminated_distributor(rep):
    with pytest.raises(ValidationError) as excinfo:
        newsletter_subscribe(email="not-an-email", distributor=rep)
    assert excinfo.value.message_dict == {"email": ["Enter a valid e-mail address."]}
    member_status_set(member=rep, status="terminated")
    with pytest.raises(ValidationError) as excinfo:
        newsletter_subscribe(email="fan@example.test", distributor=rep)
    assert list(excinfo.value.message_dict) == ["distributor"]
