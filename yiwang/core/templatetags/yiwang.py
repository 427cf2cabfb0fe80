"""Template helpers of the pages: Bootstrap widgets, permissions for the menu."""

from django import forms, template

from yiwang.core import access, menus

register = template.Library()


@register.filter
def bs(field):
    """The field's widget with the Bootstrap class its type needs, marked when invalid."""
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, forms.Select | forms.NullBooleanSelect):
        css = "form-select"
    else:
        css = "form-control"
    if field.errors:
        css += " is-invalid"
    existing = widget.attrs.get("class", "")
    attrs = {"class": f"{existing} {css}".strip()}
    if field.errors:
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{field.auto_id}_errors"
    return field.as_widget(attrs=attrs)


@register.filter
def is_checkbox(field) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.filter
def can_manage_posts(user) -> bool:
    return access.can_manage_posts(user)


@register.filter
def can_manage_area(user, code: str) -> bool:
    return access.can_manage_area(user, code)


@register.filter
def can_end_post(user, post) -> bool:
    return post.role in access.grantable_roles(user, post.area_code)


@register.simple_tag(takes_context=True)
def main_menu(context):
    """The main menu of the request's user (core.menus), built once a request."""
    request = context.get("request")
    if request is None:
        return menus.Menu([], [])
    menu = getattr(request, "_yiwang_menu", None)
    if menu is None:
        menu = request._yiwang_menu = menus.for_user(request)
    return menu


@register.filter
def has_filters(query) -> int:
    """How many filters a list's query string sets (the page number is not one): the
    folded filters of a phone open by themselves when some are set."""
    return sum(1 for key, values in query.lists() if key != "page" and any(values))
