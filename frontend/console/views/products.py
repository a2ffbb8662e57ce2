"""The console's catalogue: products (prices, PV/CV, retiring), their pictures and the product categories. Each
action posts to one core.commerce service."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.commerce.models import Product, ProductStatus
from core.commerce.selectors.catalogue import (
    categories_list,
    product_image_get,
    product_images,
    product_list,
    products_all,
    products_in_category,
)
from core.commerce.selectors.stock import product_stock_levels, product_stock_movements
from core.commerce.services.catalogue import (
    product_category_create,
    product_category_rename,
    product_create,
    product_image_add,
    product_image_remove,
    product_retire,
    product_update,
)
from frontend.common.access import console_page
from frontend.common.forms import form_status, submit
from frontend.common.paging import paginate
from frontend.console.forms import CategoryForm, CategoryRenameForm, ProductForm, ProductImageForm


@console_page()
def products(request):
    query = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    status = status if status in ProductStatus.values else ""
    found = product_list(query=query, status=status)
    return render(
        request,
        "console/products.html",
        {"q": query, "status": status, "statuses": ProductStatus.choices, **paginate(request, found)},
    )


@console_page("catalogue.write")
def product_new(request):
    form = ProductForm(request.POST or None)
    if request.method == "POST" and (created := submit(form, lambda data: product_create(**data))):
        product = created.result
        messages.success(request, _("%(sku)s is created.") % {"sku": product.sku})
        return redirect("console-product", pk=product.pk)
    return render(request, "console/product_new.html", {"form": form}, status=form_status(form))


@console_page("catalogue.write")
def product_detail(request, pk: int):
    product = get_object_or_404(products_all(), pk=pk)
    if request.method == "POST" and request.POST.get("action") == "retire":
        product_retire(product=product)
        messages.success(
            request,
            _("%(sku)s is retired: it stays on past orders and can no longer be ordered.") % {"sku": product.sku},
        )
        return redirect("console-product", pk=product.pk)
    return render(
        request,
        "console/product_detail.html",
        {
            "product": product,
            "levels": product_stock_levels(product=product),
            **paginate(request, product_stock_movements(product=product), 25),
        },
    )


@console_page("catalogue.write")
def product_edit(request, pk: int):
    """Prices, PV/CV and catalogue data; orders already placed keep their lines' prices and volumes."""
    product = get_object_or_404(products_all(), pk=pk)
    return product_edit_page(request, product)


def product_edit_page(request, product: Product, image_form=None):
    """The edit form and, below it, the product's pictures (an upload that failed shows its errors there)."""
    data = request.POST if request.method == "POST" and image_form is None else None
    initial = {name: getattr(product, name) for name in ProductForm.base_fields}
    form = ProductForm(data, initial={**initial, "translations": product.translations})
    form.fields["sku"].disabled = True
    form.fields["sku"].help_text = _("The SKU never changes.")

    def call(data):
        return product_update(product=product, **{k: v for k, v in data.items() if k != "sku"})

    if data is not None and submit(form, call):
        messages.success(
            request, _("%(sku)s is saved. Orders already placed keep their prices and volumes.") % {"sku": product.sku}
        )
        return redirect("console-product", pk=product.pk)
    return render(
        request,
        "console/product_new.html",
        {"form": form, "product": product, **_product_media(product, image_form)},
        status=400 if form.errors or (image_form is not None and image_form.errors) else 200,
    )


def _product_media(product: Product, image_form: ProductImageForm | None = None) -> dict:
    """The images section of the product edit page."""
    return {"images": product_images(product=product), "image_form": image_form or ProductImageForm()}


def _image_or_404(product_id: int, image_id: int):
    image = product_image_get(product_id=product_id, image_id=image_id)
    if image is None:
        raise Http404(_("No such picture."))
    return image


@console_page("catalogue.write")
@require_POST
def product_image_upload(request, pk: int):
    product = get_object_or_404(products_all(), pk=pk)
    form = ProductImageForm(request.POST, request.FILES)
    if submit(form, lambda data: product_image_add(product=product, **data)):
        messages.success(request, _("The picture is added."))
        return redirect("console-product-edit", pk=product.pk)
    return product_edit_page(request, product, image_form=form)


@console_page("catalogue.write")
@require_POST
def product_image_delete(request, pk: int, image_id: int):
    image = _image_or_404(pk, image_id)
    product_image_remove(image=image)
    messages.success(request, _("The picture is removed."))
    return redirect("console-product-edit", pk=pk)


@console_page()
def product_image_file(request, pk: int, image_id: int):
    image = _image_or_404(pk, image_id)
    if not image.image:
        raise Http404(_("No picture."))
    return FileResponse(image.image.open("rb"))


@console_page("catalogue.write")
def categories(request):
    form = CategoryForm(request.POST or None)
    if request.method == "POST" and submit(form, lambda data: product_category_create(**data)):
        messages.success(request, _("The category %(name)s is added.") % {"name": form.cleaned_data["name"]})
        return redirect("console-categories")
    return render(
        request,
        "console/categories.html",
        {"form": form, **paginate(request, categories_list())},
        status=form_status(form),
    )


@console_page("catalogue.write")
def category_edit(request, pk: int):
    """Rename only: products point at their category, so categories are kept."""
    category = get_object_or_404(categories_list(), pk=pk)
    form = CategoryRenameForm(request.POST or None, initial={"name": category.name})
    if request.method == "POST" and submit(form, lambda data: product_category_rename(category=category, **data)):
        messages.success(request, _("The category is renamed %(name)s.") % {"name": category.name})
        return redirect("console-categories")
    return render(
        request,
        "console/category_edit.html",
        {"form": form, "category": category, **paginate(request, products_in_category(category=category))},
        status=form_status(form),
    )
