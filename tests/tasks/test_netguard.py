"""The webhook address guard refuses internal addresses by what the name resolves to."""

from __future__ import annotations

import re

import pytest

from tasks.netguard import AddressRefused, check_url, parse_allowlist


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


@pytest.mark.parametrize(
    "url",
    [
        "http://100.64.0.1/hook",  # carrier-grade NAT, shared address space
        "http://[2002:7f00:1::1]/hook",  # 6to4 wrapping 127.0.0.1
        "http://[2002:808:808::1]/hook",  # 6to4 even around a public address: a relay decides where it goes
        "http://[64:ff9b::a9fe:a9fe]/hook",  # NAT64 of 169.254.169.254
        "http://[64:ff9b:1::1]/hook",  # NAT64 for local use
        "http://[::127.0.0.1]/hook",  # IPv4-compatible
        "http://[fc00::1]/hook",
        "http://[fe80::1]/hook",
        "http://100.100.100.200/hook",
        "http://224.0.0.1/hook",
        "http://255.255.255.255/hook",
        "http://192.0.2.1/hook",  # documentation range
    ],
)
def test_every_address_that_is_not_global_is_refused(url: str) -> None:
    # Which name a range gets varies between Python versions; that it is refused does not.
    with pytest.raises(AddressRefused, match=r"\([a-z -]+ address\), which schedulebot does not call"):
        check_url(url)


def test_an_embedded_ipv4_address_is_judged_as_itself() -> None:
    with pytest.raises(AddressRefused, match=r"\(cloud metadata address\)"):
        check_url("http://[64:ff9b::a9fe:a9fe]/hook")
    assert check_url("http://[64:ff9b::5db8:d70e]/hook").address == "64:ff9b::5db8:d70e"


@pytest.mark.parametrize("port", [22, 6379, 8080, 8443])
def test_a_public_host_is_called_on_the_web_ports_only(port: int) -> None:
    with pytest.raises(AddressRefused, match=f"on port {port}; .*SCHEDULEBOT_WEBHOOK_ALLOWLIST=93.184.215.14:{port}"):
        check_url(f"http://93.184.215.14:{port}/hook")
    assert check_url(f"http://93.184.215.14:{port}/hook", allowed=[f"93.184.215.14:{port}"]).port == port


def test_an_allow_list_entry_with_a_port_admits_no_other_port() -> None:
    assert check_url("http://127.0.0.1:8080/hook", allowed=["127.0.0.1:8080"]).address == "127.0.0.1"
    assert check_url("http://[::1]:8080/hook", allowed=["[::1]:8080"]).address == "::1"
    for url in ("http://127.0.0.1:8081/hook", "http://127.0.0.1/hook"):
        with pytest.raises(AddressRefused, match="loopback"):
            check_url(url, allowed=["127.0.0.1:8080"])


@pytest.mark.parametrize(
    ("entry", "host", "network", "port"),
    [
        ("hooks.internal", "hooks.internal", None, None),
        ("Hooks.Internal:8080", "hooks.internal", None, 8080),
        ("10.0.0.0/8", None, "10.0.0.0/8", None),
        ("10.0.0.0/8:9000", None, "10.0.0.0/8", 9000),
        ("fd00::/8", None, "fd00::/8", None),
        ("[::1]:8080", None, "::1/128", 8080),
    ],
)
def test_allow_list_entries(entry: str, host: str | None, network: str | None, port: int | None) -> None:
    [parsed] = parse_allowlist([entry])
    assert (parsed.host, str(parsed.network) if parsed.network else None, parsed.port) == (host, network, port)


@pytest.mark.parametrize("entry", ["hooks.internal:0", "hooks.internal:http", "[::1]:99999", "not a host", "a/b"])
def test_a_bad_allow_list_entry_is_named(entry: str) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(entry))):
        parse_allowlist([entry])


@pytest.mark.parametrize(
    "url", ["http://[::1/hook", "http://93.184.215.14:99999/", "http://exa mple.com/", "http://93.184.215.14/\r\nX: y"]
)
def test_malformed_urls_are_refused_not_raised(url: str) -> None:
    with pytest.raises(AddressRefused, match="not an http"):
        check_url(url)


def test_the_url_shown_keeps_scheme_host_port_and_path_only() -> None:
    destination = check_url("https://ops:hunter2@93.184.215.14:443/deploy/now?token=abc#top")
    assert destination.shown == "https://93.184.215.14/deploy/now"
    assert destination.path == "/deploy/now?token=abc" and destination.userinfo == "ops:hunter2"
    assert "hunter2" not in repr(destination)
    v6 = check_url("http://[::1]:8080/x?q=1", allowed=["::1"])
    assert (v6.shown, v6.netloc) == ("http://[::1]:8080/x", "[::1]:8080")


@pytest.mark.parametrize(
    "url",
    [
        "http://ops:hunter2@127.0.0.1:8080/x?token=abc",
        "http://ops:hunter2@93.184.215.14:8080/x?token=abc",
        "gopher://ops:hunter2@93.184.215.14/x?token=abc",
    ],
)
def test_a_refusal_never_repeats_the_password_or_the_query(url: str) -> None:
    with pytest.raises(AddressRefused) as refused:
        check_url(url)
    assert "hunter2" not in str(refused.value) and "token" not in str(refused.value)
