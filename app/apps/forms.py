"""The developer portal's registration form and the consent page's decision (CSRF-protected)."""

from __future__ import annotations

from collections.abc import Callable

from wtforms import Field as FormField
from wtforms import (
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
    widgets,
)
from wtforms.validators import DataRequired, InputRequired, ValidationError

from app.apps.registration import (
    MAX_REDIRECT_URIS,
    MAX_URI_LENGTH,
    AppDetails,
    AppError,
    check_text,
    check_url,
)
from app.apps.scopes import describe
from app.web.forms import PageForm, at_most
from permissions import Purpose, Scope

PURPOSE_TITLES = {
    Purpose.PERSONAL: "Personal use (address books, calendars)",
    Purpose.RECRUITING: "Recruiting",
    Purpose.SALES: "Sales",
    Purpose.MARKETING: "Marketing (only members who opted in)",
}
AUTH_METHOD_TITLES = {
    "client_secret_basic": "HTTP Basic authentication (client_secret_basic, recommended)",
    "client_secret_post": "Client id and secret in the form body (client_secret_post)",
}


# The registration service checks all of this again; checking here too puts
# every problem at its box in one answer, instead of one per submission.
def _rule(check: Callable[[str], object]) -> Callable[[PageForm, FormField], None]:
    """A form validator from a registration check: its AppError becomes the field's error."""

    def validate(form: PageForm, field: FormField) -> None:
        try:
            check(field.data or "")
        except AppError as exc:
            raise ValidationError(str(exc)) from exc

    return validate


def _redirect_uris_rule(form: PageForm, field: FormField) -> None:
    uris = [u.strip() for u in (field.data or "").splitlines() if u.strip()]
    if len(uris) > MAX_REDIRECT_URIS:
        raise ValidationError(f"Register at most {MAX_REDIRECT_URIS} redirect URIs.")
    problems = []
    for uri in uris:
        try:
            check_url(uri, "redirect URI")
        except AppError as exc:
            problems.append(str(exc))
    if problems:
        field.errors.extend(problems[:-1])  # WTForms keeps one error per rule; show them all
        raise ValidationError(problems[-1])


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class AppForm(PageForm):
    """Register an app: who it is, why it wants data, where members return, what it may ask."""

    name = StringField(
        "App name",
        validators=[
            DataRequired("Give the app a name."),
            at_most(80),
            _rule(lambda t: check_text(t, "name")),
        ],
    )
    description = TextAreaField(
        "What the app does",
        validators=[
            DataRequired("Say what the app does."),
            at_most(1000),
            _rule(lambda t: check_text(t, "description", multiline=True)),
        ],
        description="Shown to members on the consent page.",
    )
    homepage = URLField(
        "Homepage",
        validators=[
            DataRequired("Give the app's homepage."),
            at_most(MAX_URI_LENGTH),
            _rule(lambda u: check_url(u.strip(), "homepage")),
        ],
    )
    purpose = SelectField(
        "Purpose",
        choices=[SelectChoice(p.value, t) for p, t in PURPOSE_TITLES.items()],
        validators=[InputRequired("Choose the app's purpose.")],
        description="Why the app uses members' data. Every read through the app declares it.",
    )
    redirect_uris = TextAreaField(
        "Redirect URIs",
        validators=[
            DataRequired("Register at least one redirect URI."),
            at_most(MAX_REDIRECT_URIS * (MAX_URI_LENGTH + 2)),
            _redirect_uris_rule,
        ],
        description=(
            "One per line, in full. Matched exactly: https, or http on 127.0.0.1 for testing."
        ),
    )
    scopes = MultiCheckboxField(
        "Scopes the app may ask for",
        choices=[SelectChoice(s.value, f"{s.value}: {describe(s)}") for s in Scope],
        validators=[DataRequired("Choose at least one scope.")],
    )
    # A fresh value on every new form: the same form sent again (a reload of
    # the page that shows the secret) is recognised and registers nothing.
    once = HiddenField()
    auth_method = RadioField(
        "Token endpoint authentication",
        choices=[SelectChoice(k, t) for k, t in AUTH_METHOD_TITLES.items()],
        default="client_secret_basic",
        validators=[InputRequired("Choose how the app authenticates at the token endpoint.")],
    )

    def details(self) -> AppDetails:
        """The validated form as the registration service takes it."""
        return AppDetails(
            name=self.name.data or "",
            description=self.description.data or "",
            homepage=self.homepage.data or "",
            purpose=Purpose(self.purpose.data),
            redirect_uris=(self.redirect_uris.data or "").splitlines(),
            scopes=frozenset(Scope(s) for s in self.scopes.data or ()),
            auth_method=self.auth_method.data or "",
        )


class ConsentForm(PageForm):
    """The member's answer on the consent page.

    Only the decision (and the CSRF token) is posted: the OAuth parameters
    stay in the query string, which Authlib merges with the form
    (flask_oauth2/requests.py:18); posting them again would make every one
    "multiple" and the request invalid.
    """

    decision = RadioField(
        "Decision",
        choices=[SelectChoice("allow", "Allow"), SelectChoice("deny", "Deny")],
        validators=[InputRequired()],
    )
