"""augment.access: roles from settings, signed round links, the server secret, local addresses."""

from __future__ import annotations

import os
import stat

import pytest

from augment import access
from augment.errors import ParameterError

SECRET = b"k" * 32


def test_roles_match_email_domain_group_and_everyone():
    roles = access.Roles.from_settings(
        {"engineers": ["Ana@Example.org", "group:ML-Team"], "labelers": ["@example.org", "bo@x.io"]}
    )
    assert roles.role_of("ana@example.org") == access.ENGINEER  # case-insensitive
    assert roles.role_of("cy@x.io", groups=["ml-team"]) == access.ENGINEER
    assert roles.role_of("dee@example.org") == access.LABELER
    assert roles.role_of("bo@x.io") == access.LABELER
    assert roles.role_of("eve@evil.org") is None
    assert roles.role_of("") is None
    assert roles.role_of("x@notexample.org") is None  # "@example.org" is a whole domain only
    everyone = access.Roles.from_settings({"labelers": "*"})
    assert everyone.role_of("anyone@anywhere") == access.LABELER
    assert access.Roles.from_settings(None).role_of("ana@example.org") is None
    with pytest.raises(ParameterError, match="engineers"):
        access.Roles.from_settings({"engineers": [1, 2]})


def test_signed_link_verifies_only_its_own_round_and_labeler():
    sig = access.sign(SECRET, "tok123", "ana")
    assert access.verify(SECRET, "tok123", "ana", sig)
    assert not access.verify(SECRET, "tok123", "bo", sig)  # another labeler
    assert not access.verify(SECRET, "tok124", "ana", sig)  # another round
    assert not access.verify(b"x" * 32, "tok123", "ana", sig)  # another server
    assert not access.verify(SECRET, "tok123", "ana", sig[:-1])
    assert not access.verify(SECRET, "tok123", "ana", "")
    assert not access.verify(SECRET, "tok123", "a" * 300, sig)  # refused name, no exception
    link = access.labeler_link("http://h/review", SECRET, "tok123", "ana maría")
    sig = access.sign(SECRET, "tok123", "ana maría")
    assert link == f"http://h/review?round=tok123&labeler=ana+mar%C3%ADa&sig={sig}"


@pytest.mark.parametrize("bad", ["", "   ", "a" * 101, "ana\nbo", "x\x00"])
def test_labeler_names_fit_for_a_link(bad):
    with pytest.raises(ParameterError):
        access.check_labeler_name(bad)


def test_link_secret_made_once_private_and_kept(tmp_path):
    first = access.link_secret(tmp_path)
    assert len(first) == 32
    mode = stat.S_IMODE(os.stat(tmp_path / access.SECRET_FILE).st_mode)
    assert mode == 0o600
    assert access.link_secret(tmp_path) == first  # the same after a restart
    assert list(tmp_path.iterdir()) == [tmp_path / access.SECRET_FILE]  # no temporary left
    assert (
        access.link_secret(tmp_path, "a-configured-secret-of-length")
        == b"a-configured-secret-of-length"
    )
    with pytest.raises(ParameterError, match="16"):
        access.link_secret(tmp_path, "short")


@pytest.mark.parametrize(
    ("address", "local"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("0.0.0.0", False),
        ("", False),
        (None, False),
        ("192.168.1.5", False),
    ],
)
def test_local_addresses(address, local):
    assert access.is_local_address(address) is local
