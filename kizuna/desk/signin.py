"""Desk sign-in with throttles beyond django-axes' per-account-and-address lockout.

Axes pauses one account from one client address after KIZUNA_LOGIN_FAILURE_LIMIT wrong
passwords. That alone lets one address try a few passwords on every account, and many
addresses try many passwords on one account, so failures are also counted per client address
(over all accounts) and per account (over all addresses), in the database for all web
processes; past either limit in 15 minutes, sign-in answers 429 without checking the password.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.shortcuts import render

from kizuna.throttles.client import client_address
from kizuna.throttles.services import throttle_count, throttle_hit

WINDOW = timedelta(minutes=15)
BY_ADDRESS, BY_ACCOUNT = "desk-signin-address", "desk-signin-account"


def _account(username) -> str:
    return str(username or "").strip().casefold()[:150]


def signin_paused(*, address: str, username: str) -> bool:
    """Whether failures from this address, or against this account, are past their limit."""
    account = _account(username)
    if (
        throttle_count(BY_ADDRESS, address, window=WINDOW)
        >= settings.KIZUNA_LOGIN_FAILURES_PER_ADDRESS
    ):
        return True
    return bool(account) and (
        throttle_count(BY_ACCOUNT, account, window=WINDOW)
        >= settings.KIZUNA_LOGIN_FAILURES_PER_ACCOUNT
    )


def signin_failed(*, address: str, username: str) -> None:
    throttle_hit(BY_ADDRESS, address, window=WINDOW)
    account = _account(username)
    if account:
        throttle_hit(BY_ACCOUNT, account, window=WINDOW)


class DeskLoginView(auth_views.LoginView):
    template_name = "desk/login.html"

    def post(self, request, *args, **kwargs):
        if signin_paused(address=client_address(request), username=request.POST.get("username")):
            return render(request, "desk/locked_out.html", status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        # Wrong credentials (or an empty form): one more failure for the address and account.
        signin_failed(
            address=client_address(self.request), username=self.request.POST.get("username")
        )
        return super().form_invalid(form)
