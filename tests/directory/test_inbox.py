"""The in-app inbox (/directory/inbox/): each user sees and opens only their own notifications;
opening one marks it read and follows its link; "mark all as read"; the navigation counts unread.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from opennrm.directory import notifications
from opennrm.directory.models import Notification, User
from opennrm.referrals import services  # noqa: F401 (registers the referral notification texts)
from tests.cases.helpers import csp_clean, page_has
from tests.conftest import verified_client

INBOX = "/directory/inbox/"


def _notify(user: User, reference: str, link: str = "/referrals/1/") -> Notification:
    (row,) = notifications.notify(
        users=[user],
        kind="referral_received",
        reference=reference,
        organisation_name="School Utrecht",
        link=link,
    )
    return row


@pytest.fixture
def mailbox(alice: User, bob: User) -> dict[str, Notification]:
    return {
        "alice-1": _notify(alice, "R-ALICE001", "/referrals/11/"),
        "alice-2": _notify(alice, "R-ALICE002", "/referrals/12/"),
        "bob-1": _notify(bob, "R-BOBBB001", "/referrals/21/"),
    }


def _unread(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def test_a_user_sees_only_their_own_notifications(
    mailbox: dict[str, Notification], alice: User
) -> None:
    page = verified_client(alice).get(INBOX)
    assert page.status_code == 200 and csp_clean(page)
    assert page_has(page, "New referral R-ALICE001 from School Utrecht")
    assert page_has(page, "R-ALICE002")
    assert not page_has(page, "R-BOBBB001")


def test_an_empty_inbox_says_so(alice: User) -> None:
    page = verified_client(alice).get(INBOX)
    assert page.status_code == 200 and page_has(page, "You have no notifications.")


def test_anonymous_visitors_are_sent_to_sign_in(db: Any) -> None:
    response = Client().get(INBOX)
    assert response.status_code == 302 and "/account/login/" in response["Location"]


def test_opening_marks_read_and_follows_the_link(
    mailbox: dict[str, Notification], alice: User
) -> None:
    item = mailbox["alice-1"]
    response = verified_client(alice).post(f"{INBOX}{item.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/referrals/11/"
    item.refresh_from_db()
    assert item.read_at is not None
    assert _unread(alice) == 1


def test_opening_another_users_notification_is_not_found_and_changes_nothing(
    mailbox: dict[str, Notification], alice: User, bob: User
) -> None:
    client = verified_client(alice)
    for pk in (mailbox["bob-1"].pk, 987654):
        assert client.post(f"{INBOX}{pk}/open/").status_code == 404
    assert _unread(bob) == 1 and _unread(alice) == 2


def test_opening_needs_a_post(mailbox: dict[str, Notification], alice: User) -> None:
    item = mailbox["alice-1"]
    assert verified_client(alice).get(f"{INBOX}{item.pk}/open/").status_code == 405
    assert _unread(alice) == 2


@pytest.mark.parametrize(
    "link", ["https://elsewhere.example/phish", "//elsewhere.example/phish", "/\\elsewhere.example"]
)
def test_a_link_that_is_not_a_path_of_this_site_leads_home(alice: User, link: str) -> None:
    item = _notify(alice, "R-ALICE003", link)
    response = verified_client(alice).post(f"{INBOX}{item.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/"


def test_mark_all_read_touches_only_ones_own(
    mailbox: dict[str, Notification], alice: User, bob: User
) -> None:
    response = verified_client(alice).post(f"{INBOX}read/")
    assert response.status_code == 302 and response["Location"] == INBOX
    assert _unread(alice) == 0 and _unread(bob) == 1
    assert notifications.mark_read(alice) == 0  # nothing left to mark


def test_the_navigation_counts_the_unread_notifications(
    mailbox: dict[str, Notification], alice: User, bob: User
) -> None:
    client = verified_client(alice)
    assert page_has(client.get(INBOX), "Inbox (2 unread)")
    client.post(f"{INBOX}{mailbox['alice-1'].pk}/open/")
    assert page_has(client.get(INBOX), "Inbox (1 unread)")
    client.post(f"{INBOX}read/")
    page = client.get(INBOX)
    assert not page_has(page, "unread)") and page_has(page, f'href="{INBOX}"')
    assert page_has(verified_client(bob).get("/"), "Inbox (1 unread)")
