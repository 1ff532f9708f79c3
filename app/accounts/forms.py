"""Sign-up, sign-in and account forms (CSRF-protected through Flask-WTF)."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from app.accounts.services import MAX_NAME_LENGTH, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from app.web.forms import PageForm


class SignUpForm(PageForm):
    """Create an account.

    Each check says what to do, as the account page's forms do: WTForms' own
    texts ("This field is required.", "Field must be between 12 and 128
    characters long.") were a newcomer's first errors (found by a new-user walk).
    """

    first_name = StringField(
        "First name",
        validators=[
            DataRequired("Enter your first name."),
            Length(max=MAX_NAME_LENGTH, message=f"Use at most {MAX_NAME_LENGTH} characters."),
        ],
    )
    last_name = StringField(
        "Last name",
        validators=[
            DataRequired("Enter your last name."),
            Length(max=MAX_NAME_LENGTH, message=f"Use at most {MAX_NAME_LENGTH} characters."),
        ],
    )
    email = EmailField(
        "E-mail",
        validators=[
            DataRequired("Enter your e-mail address."),
            Length(max=254, message="Use at most 254 characters."),
        ],
    )
    password = PasswordField(
        "Password",
        validators=[
            DataRequired("Choose a password."),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=f"Use {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters.",
            ),
        ],
        description=f"At least {MIN_PASSWORD_LENGTH} characters. A passphrase works well.",
    )
    confirm = PasswordField(
        "Repeat password",
        validators=[
            DataRequired("Repeat the password."),
            EqualTo("password", message="The passwords differ."),
        ],
    )


class SignInForm(PageForm):
    """Sign in with e-mail and password."""

    email = EmailField(
        "E-mail",
        validators=[
            DataRequired("Enter your e-mail address."),
            Length(max=254, message="Use at most 254 characters."),
        ],
    )
    password = PasswordField(
        "Password",
        validators=[
            DataRequired("Enter your password."),
            Length(
                max=MAX_PASSWORD_LENGTH, message=f"Use at most {MAX_PASSWORD_LENGTH} characters."
            ),
        ],
    )


class EmptyForm(PageForm):
    """A form with only the CSRF token, for buttons that POST."""


class PasswordChangeForm(PageForm):
    """Change the password: the current one first, then the new one twice."""

    current_password = PasswordField(
        "Current password",
        validators=[
            DataRequired("Enter your current password."),
            Length(max=MAX_PASSWORD_LENGTH),
        ],
    )
    new_password = PasswordField(
        "New password",
        validators=[
            DataRequired("Enter a new password."),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=f"Use {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters.",
            ),
        ],
        description=f"At least {MIN_PASSWORD_LENGTH} characters. A passphrase works well.",
    )
    confirm = PasswordField(
        "Repeat new password",
        validators=[
            DataRequired("Repeat the new password."),
            EqualTo("new_password", message="The passwords differ."),
        ],
    )


class EmailChangeForm(PageForm):
    """Change the sign-in e-mail; the password confirms it is really the member."""

    new_email = EmailField(
        "New sign-in e-mail",
        validators=[DataRequired("Enter the new address."), Length(max=254)],
        description="We send a link to this address. The change happens when you open it.",
    )
    current_password = PasswordField(
        "Current password",
        validators=[
            DataRequired("Enter your current password."),
            Length(max=MAX_PASSWORD_LENGTH),
        ],
    )


class DeleteAccountForm(PageForm):
    """Delete the account: the password, and a tick that the member understands."""

    current_password = PasswordField(
        "Your password",
        validators=[DataRequired("Enter your password."), Length(max=MAX_PASSWORD_LENGTH)],
    )
    understood = BooleanField(
        "I understand that my profile, connections and settings are erased and cannot be"
        " brought back.",
        validators=[DataRequired("Tick the box to confirm.")],
    )
