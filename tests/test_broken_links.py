"""The pages a link from an email gives when it no longer works: each says what to do next for
what the person was trying to do (stop emails, choose a password), not for something else."""

from __future__ import annotations

from tests.helpers import page_text

CONTACT = "engagement@engage.example.org"  # the service's contact address in tests


def test_a_broken_password_link_offers_a_new_link_not_a_confirmation(client):
    for link in ("/reset-password/not-a-token", "/set-password/not-a-token"):
        response = client.get(link)
        assert response.status_code == 400
        text = page_text(response)
        assert "This link does not work" in text
        assert "Ask for a new link to choose a password" in text
        assert 'href="/forgotten-password"' in response.get_data(as_text=True)
        assert "confirmation link" not in text
