"""The client's address behind reverse proxies: X-Forwarded-For is believed only through the
proxies named in KIZUNA_TRUSTED_PROXIES, hop by hop from the right."""

from __future__ import annotations

import os
from unittest import mock

from django.test import RequestFactory, SimpleTestCase, override_settings

from kizuna.lib.env import ConfigError, envnetworks
from kizuna.throttles.client import client_address


def request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


class WithoutTrustedProxiesTests(SimpleTestCase):
    @override_settings(KIZUNA_TRUSTED_PROXIES=[])
    def test_the_header_is_ignored_whoever_sends_it(self):
        self.assertEqual(client_address(request("198.51.100.7", "203.0.113.9")), "198.51.100.7")
        self.assertEqual(client_address(request("127.0.0.1", "203.0.113.9")), "127.0.0.1")


@override_settings(KIZUNA_TRUSTED_PROXIES=["10.0.0.0/8", "192.0.2.10", "2001:db8::/32"])
class TrustedProxyTests(SimpleTestCase):
    def test_through_a_trusted_proxy_the_client_it_names_counts(self):
        self.assertEqual(client_address(request("10.1.2.3", "203.0.113.9")), "203.0.113.9")

    def test_a_client_talking_to_us_directly_cannot_pretend_to_be_another(self):
        self.assertEqual(client_address(request("198.51.100.7", "203.0.113.9")), "198.51.100.7")

    def test_addresses_a_client_put_in_the_header_itself_are_skipped(self):
        # The client sent "X-Forwarded-For: 1.1.1.1"; the proxy appended the real address.
        forwarded = "1.1.1.1, 203.0.113.9"
        self.assertEqual(client_address(request("10.1.2.3", forwarded)), "203.0.113.9")

    def test_a_chain_of_trusted_proxies_is_followed_to_the_client(self):
        forwarded = "203.0.113.9, 192.0.2.10"
        self.assertEqual(client_address(request("10.1.2.3", forwarded)), "203.0.113.9")

    def test_garbage_in_the_header_stops_the_walk_at_the_last_proxy(self):
        for forwarded in ("not-an-address", "203.0.113.9, unknown", "\x00", "1" * 10000, ""):
            with self.subTest(forwarded=forwarded[:20]):
                self.assertEqual(client_address(request("10.1.2.3", forwarded)), "10.1.2.3")

    def test_ports_brackets_and_ipv4_in_ipv6_are_understood(self):
        self.assertEqual(client_address(request("10.1.2.3", "203.0.113.9:5123")), "203.0.113.9")
        self.assertEqual(client_address(request("10.1.2.3", "[2001:db9::1]:443")), "2001:db9::1")
        self.assertEqual(client_address(request("::ffff:10.1.2.3", "203.0.113.9")), "203.0.113.9")
        self.assertEqual(client_address(request("2001:db8::5", "198.51.100.1")), "198.51.100.1")

    def test_a_huge_header_of_trusted_hops_is_cut_short(self):
        forwarded = ", ".join(["10.0.0.1"] * 100_000)
        self.assertEqual(client_address(request("10.1.2.3", forwarded)), "10.0.0.1")


class SettingTests(SimpleTestCase):
    def test_addresses_and_networks_are_accepted(self):
        with mock.patch.dict(os.environ, {"KIZUNA_TRUSTED_PROXIES": " 10.0.0.0/8, ::1 ,"}):
            self.assertEqual(envnetworks("KIZUNA_TRUSTED_PROXIES"), ["10.0.0.0/8", "::1"])

    def test_a_wrong_entry_stops_kizuna_naming_it(self):
        with mock.patch.dict(os.environ, {"KIZUNA_TRUSTED_PROXIES": "10.0.0.0/8, proxy.local"}):
            with self.assertRaisesMessage(ConfigError, "'proxy.local' is not an IP address"):
                envnetworks("KIZUNA_TRUSTED_PROXIES")
