from drf_spectacular.openapi import AutoSchema


class CanopyAutoSchema(AutoSchema):
    """Prefixes components of nested Input/OutputSerializer classes with their view's name: they share short names."""

    def _get_serializer_name(self, serializer, direction, bypass_extensions=False):
        name = super()._get_serializer_name(serializer, direction, bypass_extensions)
        qualname = serializer.__class__.__qualname__
        if "." in qualname:
            return qualname.rsplit(".", 1)[0].replace(".", "") + name
        return name
