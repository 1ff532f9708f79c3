from __future__ import annotations

import json
import re

from app.privacy.services import PolicyUpdate, apply_updates, policy_history, purposes_of
from app.profiles.services import add_value, values_of
from permissions import Audience, Field, Purpose, ValueLabel
from permissions.explain import every_explanation
from tests.conftest import post_form
from tests.factories import make_member

A = Audience


def _member_with_phone(session):
    member = make_member(
        session, "Ada", email="ada@example.com", values={Field.HEADLINE: "Analyst"}
    )
    add_value(session, member.id, Field.PHONE, "+44 20 7946 0958", label=ValueLabel.WORK)
    return member


def _value(session, member, field):
    """The member's (first) value of ``field``."""
    return next(v for v in values_of(session, member.id) if v.field is field)


def _matrix(session, member, **overrides):
    """The settings form as the page would submit it, with some cells changed."""
    data = {}
    for v in values_of(session, member.id):
        for action in ("view", "download", "sync"):
            data[f"policy-{v.id}-{action}"] = getattr(v, action).value
    data.update(overrides)
    return data


def test_settings_page_lists_each_value_with_a_cell_per_action(client, session, auth):
    member = _member_with_phone(session)
    auth.login("ada@example.com")
    page = client.get("/privacy").get_data(as_text=True)
    for v in values_of(session, member.id):
        for action in ("view", "download", "sync"):
            assert f'name="policy-{v.id}-{action}"' in page
    assert (
        "Your connections can see this e-mail, but it is never put into anyone&#39;s downloads"
        in page
    )


def test_saving_the_matrix_changes_the_policy_and_records_it(client, session, auth):
    member = _member_with_phone(session)
    phone = next(v for v in values_of(session, member.id) if v.field is Field.PHONE)
    auth.login("ada@example.com")
    data = _matrix(session, member, **{f"policy-{phone.id}-download": "connections"})
    response = post_form(client, "/privacy/policies", data)
    assert response.status_code == 302
    assert (
        next(v for v in values_of(session, member.id) if v.field is Field.PHONE).download
        is A.CONNECTIONS
    )
    assert [c.value_name for c in policy_history(session, member.id)] == ["Phone (work)"]
    assert "Phone (work)" in client.get("/privacy/history").get_data(as_text=True)


def test_saving_the_matrix_unchanged_says_nothing_changed(client, session, auth):
    """Found by a new-user walk: it said "Saved. 0 values changed." (purposes say this)."""
    member = _member_with_phone(session)
    auth.login("ada@example.com")
    response = post_form(client, "/privacy/policies", _matrix(session, member))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nothing changed." in page and "0 values changed" not in page
    assert policy_history(session, member.id) == []


def _page_form(page):
    """Every named input and selected option of the settings matrix, as a browser submits it."""
    form = page.split('id="policy-form"', 1)[1].split("</form>", 1)[0]
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    for name, options in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        data[name] = re.search(r'<option value="([^"]+)" selected>', options).group(1)
    return data


def test_saving_a_page_opened_before_a_narrowing_does_not_undo_it(client, session, auth):
    # Found by review: the matrix posts every cell, so a page opened before the member
    # narrowed their e-mail elsewhere (another window, the API, a preset) put the old,
    # wider audience back when they saved a change to their phone.
    member = _member_with_phone(session)
    phone, email = _value(session, member, Field.PHONE), _value(session, member, Field.EMAIL)
    auth.login("ada@example.com")
    data = _page_form(client.get("/privacy").get_data(as_text=True))
    assert data[f"policy-{email.id}-view"] == "connections"
    narrowed = _matrix(session, member, **{f"policy-{email.id}-view": "nobody"})
    assert post_form(client, "/privacy/policies", narrowed).status_code == 302

    data[f"policy-{phone.id}-view"] = "network"
    response = post_form(client, "/privacy/policies", data)

    assert response.status_code == 302
    assert _value(session, member, Field.EMAIL).view is A.NOBODY
    assert _value(session, member, Field.PHONE).view is A.NETWORK
    assert [(c.value_name, c.new_view) for c in policy_history(session, member.id)] == [
        ("Phone (work)", A.NETWORK),
        ("E-mail (personal)", A.NOBODY),
    ]


def test_invalid_combination_is_explained_inline_and_nothing_is_saved(client, session, auth):
    member = _member_with_phone(session)
    phone = next(v for v in values_of(session, member.id) if v.field is Field.PHONE)
    email = next(v for v in values_of(session, member.id) if v.field is Field.EMAIL)
    auth.login("ada@example.com")
    data = _matrix(
        session,
        member,
        **{f"policy-{email.id}-view": "members", f"policy-{phone.id}-download": "public"},
    )
    response = post_form(client, "/privacy/policies", data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert (
        "Phone (work): who may download it (Public) cannot be wider than who may see it"
        " (Connections)" in page
    )
    assert 'class="value-row invalid"' in page
    assert all(
        v.view is not A.MEMBERS for v in values_of(session, member.id) if v.field is Field.EMAIL
    )
    assert policy_history(session, member.id) == []


def test_unknown_audience_in_the_form_is_a_400(client, session, auth):
    member = _member_with_phone(session)
    email = next(v for v in values_of(session, member.id) if v.field is Field.EMAIL)
    auth.login("ada@example.com")
    response = post_form(
        client,
        "/privacy/policies",
        _matrix(session, member, **{f"policy-{email.id}-view": "everyone"}),
    )
    assert response.status_code == 400
    assert "Nothing was saved" in response.get_data(as_text=True)


def test_a_value_posted_twice_in_the_form_is_a_400_and_nothing_is_saved(client, session, auth):
    # "policy-7-view" and "policy-07-view" name one value: found by review, the
    # wider of the two was saved.
    member = _member_with_phone(session)
    email = _value(session, member, Field.EMAIL)
    auth.login("ada@example.com")
    data = _matrix(session, member)
    data.update({f"policy-0{email.id}-{a}": "nobody" for a in ("download", "sync")})
    data[f"policy-0{email.id}-view"] = "public"
    response = post_form(client, "/privacy/policies", data)
    assert response.status_code == 400
    assert "E-mail (personal) is named more than once" in response.get_data(as_text=True)
    assert _value(session, member, Field.EMAIL).view is A.CONNECTIONS
    assert policy_history(session, member.id) == []


def test_preset_needs_confirmation_then_applies(client, session, auth):
    member = _member_with_phone(session)
    auth.login("ada@example.com")
    confirm = client.get("/privacy/presets/private").get_data(as_text=True)
    assert "Apply these changes" in confirm and "Phone (work)" not in {
        c.value_name for c in policy_history(session, member.id)
    }
    assert policy_history(session, member.id) == [], "showing the preset must not apply it"
    assert post_form(client, "/privacy/presets/private").status_code == 302
    changed = len(policy_history(session, member.id))
    page = client.get("/privacy").get_data(as_text=True)
    assert f"Applied “Most private”: {changed} values changed." in page
    headline = next(v for v in values_of(session, member.id) if v.field is Field.HEADLINE)
    assert headline.view is A.MEMBERS
    assert client.get("/privacy/presets/nope").status_code == 404
    history = client.get("/privacy/history").get_data(as_text=True)
    assert "Preset “Most private”" in history and "preset:private" not in history


def test_preview_uses_the_members_real_policies(client, session, auth):
    make_member(session, "Ada", email="ada@example.com")
    auth.login("ada@example.com")
    as_connection = client.get("/privacy?viewpoint=connection").get_data(as_text=True)
    as_public = client.get("/privacy?viewpoint=public").get_data(as_text=True)
    as_download = client.get("/privacy?viewpoint=download&purpose=recruiting").get_data(
        as_text=True
    )
    shown = '<span class="chip ok">shown</span> <strong>E-mail (personal)</strong>'
    assert shown in as_connection
    assert shown not in as_public
    assert shown not in as_download
    assert client.get("/privacy?viewpoint=spy").status_code == 400


def test_purposes_form_records_objections_and_opt_in(client, session, auth):
    member = make_member(session, "Ada", email="ada@example.com")
    auth.login("ada@example.com")
    form = {"purpose-personal": "on", "purpose-recruiting": "on", "purpose-marketing": "on"}
    assert post_form(client, "/privacy/purposes", form).status_code == 302
    assert purposes_of(session, member.id) == {
        Purpose.PERSONAL: True,
        Purpose.RECRUITING: True,
        Purpose.SALES: False,
        Purpose.MARKETING: True,
    }


def test_the_page_carries_the_explanations_as_data_for_its_script(client, session, auth):
    member = _member_with_phone(session)
    auth.login("ada@example.com")
    page = client.get("/privacy").get_data(as_text=True)

    block = re.search(
        r'<script type="application/json" id="explanations">(.*?)</script>', page, re.S
    )
    assert block, "no explanation data on the page"
    assert json.loads(block.group(1)) == every_explanation()  # script text is not HTML-decoded
    phone = next(v for v in values_of(session, member.id) if v.field is Field.PHONE)
    saved = f"{phone.view.value}/{phone.download.value}/{phone.sync.value}"
    assert f'data-value-id="{phone.id}" data-saved="{saved}"' in page
    assert 'data-noun="this phone"' in page


def test_the_narrowest_audience_reads_only_me_on_the_page_and_in_the_history(client, session, auth):
    member = _member_with_phone(session)
    phone = next(v for v in values_of(session, member.id) if v.field is Field.PHONE)
    auth.login("ada@example.com")
    page = client.get("/privacy").get_data(as_text=True)
    assert '<option value="nobody" selected>Only me</option>' in page
    assert "Only you" not in page

    post_form(
        client,
        "/privacy/policies",
        _matrix(
            session,
            member,
            **{
                f"policy-{phone.id}-view": "nobody",
                f"policy-{phone.id}-download": "nobody",
            },
        ),
    )
    history = client.get("/privacy/history").get_data(as_text=True)
    assert "Only me</strong>" in history and "Only you" not in history
    assert "Nobody but you can see this phone." in client.get("/profile").get_data(as_text=True)


def test_a_query_with_url_for_names_is_carried_without_them(client, session, auth):
    # ?_method=DELETE reached url_for: the redirect was a 500 after the change was saved;
    # so did ?endpoint=x, url_for's own first argument (found by review).
    member = make_member(session, email="ada@example.com")
    auth.login("ada@example.com")
    value = values_of(session, member.id)[0]
    data = {
        f"policy-{value.id}-view": "members",
        f"policy-{value.id}-download": "nobody",
        f"policy-{value.id}-sync": "nobody",
    }
    query = "viewpoint=public&_method=DELETE&_anchor=x&endpoint=x&junk=1"
    saved = post_form(client, f"/privacy/policies?{query}", data)
    assert saved.status_code == 302
    assert saved.headers["Location"] == "/privacy?viewpoint=public"
    assert values_of(session, member.id)[0].view is A.MEMBERS
    moved = client.get("/exports/?contacts=people&_method=DELETE&_external=1&endpoint=x&junk=1")
    assert moved.status_code == 302 and moved.headers["Location"] == "/exports?contacts=people"


def test_the_preview_words_each_withheld_reason_for_the_member(client, session, auth):
    # Found by review: chips read "audience" and "purpose", and the note spoke of "the
    # member" to the member herself.
    make_member(session, "Ada", email="ada@example.com")
    auth.login("ada@example.com")
    as_public = client.get("/privacy?viewpoint=public").get_data(as_text=True)
    withheld = as_public.split(">Withheld</h3>", 1)[1].split("</ul>", 1)[0]
    assert ">audience<" not in withheld
    assert "<strong>E-mail (personal)</strong>" in withheld
    assert "your privacy settings" in withheld

    marketing = client.get("/privacy?viewpoint=download&purpose=marketing").get_data(as_text=True)
    withheld = marketing.split(">Withheld</h3>", 1)[1].split("</div>", 1)[0]
    assert ">purpose<" not in withheld and "The member" not in withheld
    assert "your choice about the purpose" in withheld
    assert "Nothing is shared: your choice about the purpose." in withheld


def test_a_refused_policy_and_the_history_use_the_menus_audience_names(client, session, auth):
    # Found by review: "First name: sync (public) cannot be wider than download
    # (connections)" while the menus read "Public", "Connections"; the history said "Members"
    # where the menus say "All members".
    member = _member_with_phone(session)
    first, phone = _value(session, member, Field.FIRST_NAME), _value(session, member, Field.PHONE)
    auth.login("ada@example.com")
    wider_sync = {f"policy-{first.id}-sync": "public"}
    refused = post_form(client, "/privacy/policies", _matrix(session, member, **wider_sync))
    refused = refused.get_data(as_text=True)
    assert (
        "First name: who may sync it (Public) cannot be wider than who may download it"
        " (Connections)." in refused
    )
    assert "sync (public)" not in refused

    post_form(
        client,
        "/privacy/policies",
        _matrix(session, member, **{f"policy-{phone.id}-view": "members"}),
    )
    history = client.get("/privacy/history").get_data(as_text=True)
    assert "Connections → <strong>All members</strong>" in history
    assert "<strong>Members</strong>" not in history
    page = client.get("/privacy").get_data(as_text=True)
    assert '<option value="members" selected>All members</option>' in page


def test_the_recruiters_preset_says_it_widens_who_sees_contact_details(client, session, auth):
    # Found by review: the summary spoke only of downloads while the preset also lets your
    # whole network see your e-mail and phone; the confirm page showed nine Now/After pairs
    # of full sentences, most of them alike.
    make_member(session, "Ada", email="ada@example.com")
    auth.login("ada@example.com")
    page = client.get("/privacy/presets/recruiters").get_data(as_text=True)
    assert "Your network can also see your e-mail, phone and website" in page
    email = page.split("<td>E-mail (personal)", 1)[1].split("</tr>", 1)[0]
    assert "See: Connections → <strong>Network (2nd degree)</strong>" in email
    assert "Download: Only me → <strong>Connections</strong>" in email
    assert "Sync:" not in email, "an action the preset leaves alone is not listed"
    assert "<th>Now</th>" not in page


def test_the_history_page_says_when_it_shows_only_the_latest_changes(client, session, auth):
    # Found by review: it showed the newest 200 under "Every change you made", older ones
    # silently left out (a member who applied presets a few times lost the first ones).
    member = make_member(session, "Ada", email="ada@example.com")
    email = _value(session, member, Field.EMAIL)
    for n in range(201):
        view = A.NETWORK if n % 2 == 0 else A.CONNECTIONS
        apply_updates(
            session, member.id, [PolicyUpdate(email.id, view, A.NOBODY, A.NOBODY)], source="api"
        )
    session.commit()
    auth.login("ada@example.com")
    page = client.get("/privacy/history").get_data(as_text=True)
    assert page.count('data-label="See"') == 200
    assert "your latest 200 changes" in page
    assert 'href="/exports/mine"' in page
