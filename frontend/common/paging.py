from django.core.paginator import Paginator

PAGE_SIZE = 50


def paginate(request, items, per_page: int = PAGE_SIZE) -> dict:
    """A page of ``items`` and the query string (without ``page``) that keeps the list's filters across pages."""
    page_obj = Paginator(items, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    encoded = query.urlencode()
    return {"page_obj": page_obj, "query_string": f"{encoded}&" if encoded else ""}


def paginate_by(request, items, param: str, per_page: int = PAGE_SIZE) -> dict:
    """For a page with several lists: one list, paged by its own query parameter so each pager keeps the others'
    place."""
    page_obj = Paginator(items, per_page).get_page(request.GET.get(param))
    query = request.GET.copy()
    query.pop(param, None)
    encoded = query.urlencode()
    return {"page_obj": page_obj, "param": param, "query_string": f"{encoded}&" if encoded else ""}
