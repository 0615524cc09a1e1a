"""The webhook address guard refuses internal addresses by what the name resolves to."""

from __future__ import annotations

import pytest

from tasks.netguard import AddressRefused, check_url


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/hook", "loopback"),
        ("http://[::1]:8080/hook", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
        ("http://10.0.0.1/hook", "private"),
        ("http://localhost:9000/hook", "loopback"),
        ("http://[::ffff:127.0.0.1]/hook", "loopback"),
        ("http://0.0.0.0/hook", "unspecified"),
    ],
)
def test_internal_addresses_are_refused_with_a_clear_error(url: str, reason: str) -> None:
    with pytest.raises(AddressRefused, match=f"\\({reason} address\\)") as refused:
        check_url(url)
    assert "SCHEDULEBOT_WEBHOOK_ALLOWLIST" in str(refused.value)


def test_a_resolved_name_is_judged_by_its_address_not_its_name() -> None:
    with pytest.raises(AddressRefused, match="localhost resolves to"):
        check_url("https://localhost/hook")


@pytest.mark.parametrize("allowed", [("127.0.0.1",), ("127.0.0.0/8",), ("localhost",)])
def test_the_allow_list_admits_hosts_and_networks(allowed: tuple[str, ...]) -> None:
    destination = check_url("http://localhost:8080/hook?x=1", allowed=allowed)
    assert (destination.address, destination.port, destination.path) == ("127.0.0.1", 8080, "/hook?x=1")


def test_public_addresses_pass_and_the_checked_address_is_the_one_to_call() -> None:
    destination = check_url("https://93.184.215.14/hook")
    assert (destination.scheme, destination.address, destination.port) == ("https", "93.184.215.14", 443)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x", "http:///nohost"])
def test_only_http_urls_with_a_host(url: str) -> None:
    with pytest.raises(AddressRefused, match="not an http"):
        check_url(url)
