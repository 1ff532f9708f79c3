"""The defaults of docs/privacy-model.md ("Privacy by default"), and the presets."""

from __future__ import annotations

import pytest

from permissions import DEFAULT_POLICIES, PRESETS, Audience, Field, default_policy

A = Audience


@pytest.mark.parametrize("field", [Field.EMAIL, Field.PHONE])
def test_contact_details_are_viewable_by_connections_never_downloaded_or_synced(field):
    p = default_policy(field)
    assert (p.view, p.download, p.sync) == (A.CONNECTIONS, A.NOBODY, A.NOBODY)


@pytest.mark.parametrize(
    "field", [Field.FIRST_NAME, Field.LAST_NAME, Field.HEADLINE, Field.COMPANY, Field.POSITION]
)
def test_professional_basics_are_public_and_downloadable_by_connections(field):
    p = default_policy(field)
    assert (p.view, p.download) == (A.PUBLIC, A.CONNECTIONS)


def test_nothing_is_synced_by_default():
    assert {p.sync for p in DEFAULT_POLICIES.values()} == {A.NOBODY}


def test_every_field_has_a_default_and_every_preset_covers_every_field():
    assert set(DEFAULT_POLICIES) == set(Field)
    for preset in PRESETS.values():
        assert set(preset.policies) == set(Field), preset.name
        assert all(p.is_monotone() for p in preset.policies.values())


def test_no_preset_syncs_anything():
    for preset in PRESETS.values():
        assert {p.sync for p in preset.policies.values()} == {A.NOBODY}, preset.name


# Each preset's summary names fields by their captions; what it says of a group
# must be what the table gives each field of it (found by review: the default's
# summary called location and website public).
SUMMARY_CLAIMS = {
    "default": [
        (
            (
                Field.FIRST_NAME,
                Field.LAST_NAME,
                Field.HEADLINE,
                Field.COMPANY,
                Field.POSITION,
                Field.INDUSTRY,
            ),
            "view",
            Audience.PUBLIC,
            "are public",
        ),
        ((Field.LOCATION, Field.WEBSITE), "view", Audience.MEMBERS, "visible to members"),
        (
            (Field.EMAIL, Field.PHONE, Field.BIRTHDAY, Field.ADDRESS),
            "view",
            Audience.CONNECTIONS,
            "Connections see your contact details, birthday and address",
        ),
        (
            (Field.EMAIL, Field.PHONE, Field.BIRTHDAY, Field.ADDRESS),
            "download",
            Audience.NOBODY,
            "cannot download them",
        ),
    ],
    "private": [
        (
            (Field.FIRST_NAME, Field.LAST_NAME, Field.HEADLINE),
            "view",
            Audience.MEMBERS,
            "Members see your name and headline",
        ),
        (
            (Field.BIRTHDAY, Field.ADDRESS),
            "view",
            Audience.NOBODY,
            "only you see your birthday and address",
        ),
        (tuple(Field), "download", Audience.NOBODY, "Nothing goes into anyone's downloads"),
    ],
}


@pytest.mark.parametrize("name", sorted(SUMMARY_CLAIMS))
def test_a_presets_summary_says_what_its_table_does(name):
    preset = PRESETS[name]
    for fields, action, audience, words in SUMMARY_CLAIMS[name]:
        assert words in preset.description, (name, words)
        assert {getattr(preset.policy_for(f), action) for f in fields} == {audience}, words
