"""The web pages, by audience; each audience's package mirrors its folder of templates/.

- ``site/``: the company's public site and the distributors' replicated sites (templates/site/);
- ``shop/``: a replicated site's shop, cart and checkout (templates/shop/);
- ``office/``: the distributor's back office, /office/ (templates/office/);
- ``console/``: the company console, /console/ (templates/console/);
- ``provider/``: the provider console on the platform domain (templates/provider/).

Each has ``urls.py``, ``forms.py`` and ``views/<domain>.py``; a view parses the request, calls one service or
selector of the domain (core/, plans/, billing/, tenants/) and renders. No view module imports another: what
several audiences share is in ``common/`` (access by role, paging, form submission, CSV streaming, health checks,
the party pages of console and back office, the replicated site's context) or is a service or selector. The
sidebars are declared once in ``common/navigation.py``. ``urls.py`` gathers the audiences' URL lists for
config.urls_tenant; config.urls_public includes ``provider.urls``."""
