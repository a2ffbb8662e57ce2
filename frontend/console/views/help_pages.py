"""The console's help pages (/console/help/<page>/): the plan reference and any other document in
frontend.common.help.PAGES."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from frontend.common.access import console_page
from frontend.common.help import help_page


@console_page()
def help_view(request, page: str):
    found = help_page(page)
    if found is None:
        raise Http404(_("No such help page."))
    return render(request, "console/help.html", {"page": found})
