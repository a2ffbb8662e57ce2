"""Pages on a company's domain, by audience: the site and its shop, the back office (/office/) and the console
(/console/). config.urls_tenant puts the replicated sites' /<username>/ routes last, so every fixed address wins over
a username (reserved in core.members.services.RESERVED_USERNAMES). The provider console is frontend.provider.urls."""

from frontend.console import urls as console
from frontend.office import urls as office
from frontend.shop import urls as shop
from frontend.site import urls as site

site_urls = [*site.urlpatterns, *shop.urlpatterns]
office_urls = office.urlpatterns
console_urls = console.urlpatterns
replicated_urls = [*site.replicated_urlpatterns, *shop.replicated_urlpatterns]
