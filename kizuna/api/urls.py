"""The API's URLs: ninja's routes, then a JSON 404 for every other path under /api/v1/.

A client of the API reads every answer as JSON (docs/api.md, "Errors"): an unknown path or
an id the route cannot take ("/api/v1/contacts/abc") answers 404 with {"detail": …}, and a
method a route does not offer answers 405 the same way, never with an HTML page.
"""

from functools import wraps

from django.http import JsonResponse
from django.urls import re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from kizuna.api.api import api

app_name = "api"


def _json_not_allowed(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            allowed = response.get("Allow", "")
            answer = JsonResponse(
                {
                    "detail": _("%(method)s is not offered here; use %(allowed)s.")
                    % {"method": request.method, "allowed": allowed or _("another method")}
                },
                status=405,
            )
            answer["Allow"] = allowed
            return answer
        return response

    return wrapper


@csrf_exempt
def not_found(request, path=""):
    return JsonResponse(
        {
            "detail": _(
                "No such address in the API: %(path)s. The OpenAPI document at "
                "/api/v1/openapi.json lists every one."
            )
            % {"path": request.path}
        },
        status=404,
    )


urlpatterns = list(api.urls[0])
for pattern in urlpatterns:
    if pattern.name == "api-root":
        # ninja's root page (its address names the API's prefix) would answer an HTML 404.
        pattern.callback = not_found
    else:
        pattern.callback = _json_not_allowed(pattern.callback)
# [\s\S], not ".": a path may hold an encoded line break.
urlpatterns.append(re_path(r"^(?P<path>[\s\S]*)$", not_found, name="not_found"))
