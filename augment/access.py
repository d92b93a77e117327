"""Who may do what: roles from settings, signed per-labeler round links, the server's address.

No Streamlit here (the app's side is ``views/_access.py``); plain pytest covers it.

- **Roles.** With sign-in, a user's role comes from two lists in the settings: ``engineers``
  (every page) and ``labelers`` (their review rounds and their own progress). An entry is an
  e-mail address (``ana@example.org``), a whole domain (``@example.org``), a group from the
  provider's ``groups`` claim (``group:ml-team``) or ``*`` (everyone signed in). Engineer wins
  when both lists match; no match is no role.
- **Signed links.** Without sign-in, a round link names its labeler and carries an HMAC-SHA256
  of (round token, labeler) under a server secret, so editing ``labeler=`` makes the link
  invalid instead of opening another person's session.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from augment.errors import ParameterError

ENGINEER = "engineer"
LABELER = "labeler"
ROLES = (ENGINEER, LABELER)
#: Addresses that only this machine can reach. Streamlit's own default (no address) listens on
#: every interface, so an empty address is not local.
LOCAL_ADDRESSES = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
SECRET_FILE = "link_secret"
SIGNATURE_PARAM = "sig"
LABELER_PARAM = "labeler"
MAX_LABELER_CHARS = 100
_SIGNATURE_BYTES = 16  # 128 bits of HMAC-SHA256, base64url: 22 characters in the link


def _entries(value: object, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Iterable) or not all(isinstance(v, str) for v in value):
        raise ParameterError(f"roles: {what} must be a list of strings, not {value!r}")
    return tuple(v.strip().lower() for v in value if v.strip())


@dataclass(frozen=True)
class Roles:
    engineers: tuple[str, ...] = ()
    labelers: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: Mapping | None) -> Roles:
        """From a mapping with ``engineers`` and ``labelers`` lists (``[augcheck.roles]``)."""
        settings = settings or {}
        return cls(
            _entries(settings.get("engineers"), "engineers"),
            _entries(settings.get("labelers"), "labelers"),
        )

    def role_of(self, email: str | None, groups: Iterable[str] = ()) -> str | None:
        """``"engineer"``, ``"labeler"`` or ``None`` for a signed-in user."""
        email = (email or "").strip().lower()
        group_set = {f"group:{g.strip().lower()}" for g in groups or () if isinstance(g, str)}

        def matches(entry: str) -> bool:
            if entry == "*":
                return True
            if entry.startswith("group:"):
                return entry in group_set
            if entry.startswith("@"):
                return bool(email) and email.endswith(entry)
            return bool(email) and email == entry

        if any(matches(e) for e in self.engineers):
            return ENGINEER
        if any(matches(e) for e in self.labelers):
            return LABELER
        return None


def is_local_address(address: str | None) -> bool:
    """Whether the server listens on this machine only (``server.address``)."""
    return (address or "").strip().lower() in LOCAL_ADDRESSES


def check_labeler_name(name: str) -> str:
    """A labeler name fit for a link: stripped, 1-100 characters, no control characters."""
    name = (name or "").strip()
    if not name:
        raise ParameterError("a labeler name is empty")
    if len(name) > MAX_LABELER_CHARS:
        raise ParameterError(
            f"a labeler name is at most {MAX_LABELER_CHARS} characters (got {len(name)})"
        )
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise ParameterError(f"a labeler name has a control character: {name!r}")
    return name


def _mac(secret: bytes, round_token: str, labeler: str) -> str:
    message = f"augcheck-round-link\x00{round_token}\x00{labeler}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()[:_SIGNATURE_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign(secret: bytes, round_token: str, labeler: str) -> str:
    """The signature a round link for ``labeler`` carries (``sig=``)."""
    return _mac(secret, round_token, check_labeler_name(labeler))


def verify(secret: bytes, round_token: str, labeler: str, signature: str) -> bool:
    """Whether ``signature`` was made for exactly this round and labeler (constant time)."""
    try:
        expected = sign(secret, round_token, labeler)
    except ParameterError:
        return False
    return hmac.compare_digest(expected.encode(), (signature or "").encode())


def labeler_link(base_url: str, secret: bytes, round_token: str, labeler: str) -> str:
    """``base_url`` + ``?round=...&labeler=...&sig=...``: the personal link of one labeler."""
    name = check_labeler_name(labeler)
    query = urlencode(
        {
            "round": round_token,
            LABELER_PARAM: name,
            SIGNATURE_PARAM: sign(secret, round_token, name),
        }
    )
    return f"{base_url}{'&' if '?' in base_url else '?'}{query}"


def link_secret(data_dir: str | os.PathLike, configured: str | None = None) -> bytes:
    """The server secret for link signatures.

    ``configured`` (from the settings; needed when several servers share one database) wins;
    otherwise a random 32-byte secret is made once in ``data_dir/link_secret`` (owner-only) and
    read from there on later starts.
    """
    if configured:
        if len(configured) < 16:
            raise ParameterError("link_secret must be at least 16 characters")
        return configured.encode()
    path = Path(data_dir) / SECRET_FILE
    try:
        return bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        pass
    except ValueError as exc:
        raise ParameterError(f"{path} is not a hex secret; delete it to make a new one") from exc
    path.parent.mkdir(parents=True, exist_ok=True)
    # written to a private temporary file, then linked into place: a second process starting at
    # the same moment either wins the link or reads the complete secret of the first
    tmp = path.with_name(f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_hex(32))
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return bytes.fromhex(path.read_text().strip())


__all__ = [
    "ENGINEER",
    "LABELER",
    "LABELER_PARAM",
    "LOCAL_ADDRESSES",
    "ROLES",
    "SIGNATURE_PARAM",
    "Roles",
    "check_labeler_name",
    "is_local_address",
    "labeler_link",
    "link_secret",
    "sign",
    "verify",
]
