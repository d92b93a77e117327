"""The app's side of access control: who is using it, in which role, and round links.

Two modes:

- **Sign-in** (an ``[auth]`` section in ``.streamlit/secrets.toml``): Streamlit's ``st.login``
  with an OpenID Connect provider. The user is ``st.user``; the role comes from
  ``[augcheck.roles]`` (see :mod:`augment.access`). The reviewer is the signed-in user's e-mail.
- **Local** (no ``[auth]``): one person on their own machine, as before; the reviewer's name is
  typed in the sidebar. Round links carry the labeler's name and a signature.

``app.py`` calls :func:`current_user` on every run, before any page, and offers a page only to
the roles that may use it; views never run without ``app.py`` (they are not in ``pages/``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import streamlit as st

from augment import access
from augment.errors import AugcheckError
from augment.store.store import data_dir

log = logging.getLogger("augcheck")


@dataclass(frozen=True)
class User:
    id: str  # stored as reviewer / labeler: the e-mail with sign-in, the typed name without
    name: str  # for display (plain text only)
    role: str | None  # "engineer", "labeler", or None (signed in without a role)
    signed_in: bool


def _secrets_section(name: str) -> dict:
    try:
        value = st.secrets.get(name)
    except (FileNotFoundError, KeyError, AttributeError, st.errors.StreamlitSecretNotFoundError):
        return {}
    return dict(value) if value else {}


def sign_in_configured() -> bool:
    """Whether an OpenID Connect provider is set up (an ``[auth]`` section in the secrets)."""
    return bool(_secrets_section("auth"))


def roles() -> access.Roles:
    return access.Roles.from_settings(_secrets_section("augcheck").get("roles"))


def current_user() -> User | None:
    """The user of this session; ``None`` when sign-in is configured and nobody signed in."""
    if not sign_in_configured():
        name = (st.session_state.get("reviewer") or "").strip()
        return User(id=name, name=name, role=access.ENGINEER, signed_in=False)
    if not st.user.is_logged_in:
        return None
    email = str(st.user.get("email") or st.user.get("sub") or "")
    groups = st.user.get("groups") or ()
    if isinstance(groups, str):
        groups = [groups]
    name = str(st.user.get("name") or email)
    return User(id=email, name=name, role=roles().role_of(email, groups), signed_in=True)


def login() -> None:
    """Start the provider's sign-in (a named provider if ``[auth]`` has exactly one)."""
    auth = _secrets_section("auth")
    providers = [k for k, v in auth.items() if isinstance(v, dict)]
    if "client_id" not in auth and len(providers) == 1:
        st.login(providers[0])
    else:
        st.login()


@st.cache_resource(show_spinner=False)
def link_secret() -> bytes:
    """The server's secret for signed round links (settings, else ``data/link_secret``)."""
    return access.link_secret(data_dir(), _secrets_section("augcheck").get("link_secret"))


@st.cache_resource(show_spinner=False)
def _logged_exposure(message: str) -> bool:
    log.warning(message)  # once per server process, in the app's log
    return True


def exposure_warning() -> str | None:
    """A warning when the server listens beyond this machine without sign-in (also logged)."""
    if sign_in_configured():
        return None
    address = st.get_option("server.address")
    if access.is_local_address(address):
        return None
    where = address or "every network address"
    message = (
        f"augcheck is listening on {where} without sign-in: anyone who can reach it can open "
        "every page, read every review and save labels under any name. Bind it to 127.0.0.1, or "
        "set up sign-in (README: Deploying for a team)."
    )
    _logged_exposure(message)
    return message


def round_labeler(token: str) -> str:
    """The labeler answering round ``token`` in this session, or a one-line error and stop.

    With sign-in: the signed-in user; a link naming someone else is refused. Without: the
    ``labeler=`` of a personal link whose ``sig=`` matches it.
    """
    qp = st.query_params
    given = (qp.get(access.LABELER_PARAM) or "").strip()
    user = current_user()
    if user is not None and user.signed_in:
        if given and given.lower() != user.id.lower():
            st.error(
                "This link is for another labeler. Open your own link, signed in as yourself.",
                icon=":material/block:",
            )
            st.stop()
        return user.id
    if not given:
        st.error(
            "This round link names no labeler: ask the engineer for your personal link.",
            icon=":material/link_off:",
        )
        st.stop()
    signature = qp.get(access.SIGNATURE_PARAM) or ""
    if not access.verify(link_secret(), token, given, signature):
        st.error(
            "This link is not valid (changed, or made for another round or labeler): "
            "ask the engineer for your personal link.",
            icon=":material/link_off:",
        )
        st.stop()
    return given


def labeler_links(base_url: str, token: str, names: list[str]) -> list[dict]:
    """Rows ``{"labeler", "link"}`` (or ``"error"``) of personal signed links for a round."""
    rows = []
    for raw in names:
        if not raw.strip():
            continue
        try:
            name = access.check_labeler_name(raw)
        except AugcheckError as exc:
            rows.append({"labeler": raw.strip()[:40], "link": "", "error": str(exc)})
            continue
        link = access.labeler_link(base_url, link_secret(), token, name)
        rows.append({"labeler": name, "link": link, "error": ""})
    return rows
