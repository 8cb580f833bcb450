"""Security headers on every response Django makes (docs/configuration.md, "HTTP headers").

- Pages get a Content-Security-Policy that lets only Kizuna's own static scripts and styles
  run: no inline scripts or styles, no eval, no plugins, no framing by other sites, forms post
  only back to Kizuna.
- Everything that is not a page of ours — attachments, the original of a mail, exports, JSON —
  gets a sandbox policy that allows nothing: a customer's HTML or SVG file opened straight in
  the browser cannot run a script or reach our origin, whatever type it was stored with.
- Nothing Django answers is kept by the browser or a proxy (`Cache-Control: no-store`): desk and
  portal pages show customers' data, login pages carry CSRF tokens, downloads are private.

Static files never reach this middleware: WhiteNoise, earlier in the chain, serves them with
its own long-lived caching.
"""

from __future__ import annotations

from django.http import FileResponse
from django.utils.cache import patch_cache_control

PAGE_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # data: for images embedded in a customer's HTML mail (shown in a sandboxed frame).
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

DOWNLOAD_POLICY = "; ".join(
    [
        "sandbox",
        "default-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)


def is_page(response) -> bool:
    """A page of ours: HTML that is not handed over as a file."""
    if response.has_header("Content-Disposition"):
        return False
    if isinstance(response, FileResponse):
        return False  # a file, even without a disposition
    content_type = response.get("Content-Type", "").split(";", 1)[0].strip().lower()
    return content_type == "text/html"


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if is_page(response):
            if not response.has_header("Content-Security-Policy"):
                response["Content-Security-Policy"] = PAGE_POLICY
        else:
            # Whatever a view set, a file never runs anything in our origin.
            response["Content-Security-Policy"] = DOWNLOAD_POLICY
        patch_cache_control(response, no_store=True)
        return response
