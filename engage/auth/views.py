"""Registration, sign-in and the account pages. Views parse, call an operation, commit, redirect."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required

from engage.audit.operations import record
from engage.auth import operations, two_step
from engage.auth.devices import device_in_words
from engage.auth.forms import (
    NOT_IN_LONDON,
    AcceptInvitationForm,
    ChangeEmailForm,
    ChangeNameForm,
    ChangePasswordForm,
    ConfirmForm,
    DeleteAccountForm,
    ForgottenPasswordForm,
    HomeBoroughForm,
    NewRecoveryCodesForm,
    RegisterForm,
    ResetPasswordForm,
    SignInForm,
    TurnOffTwoStepForm,
    TwoStepCodeForm,
    TwoStepSetUpForm,
)
from engage.auth.passwords import verify_password
from engage.auth.sessions import (
    current_session_id,
    end_all_sessions,
    end_other_sessions,
    end_session,
    end_session_of,
    idle_limit,
    keep_alive,
    live_sessions,
    start_session,
)
from engage.clock import utcnow
from engage.extensions import db, limiter
from engage.forms import no_email_given, normalise_email
from engage.once import already_sent, commit_once
from engage.outbox.operations import queue_email, queued_lately
from engage.templating import duration_in_words, london_time

auth = Blueprint("auth", __name__)


def _failed(response) -> bool:
    """Only failures count towards the sign-in limits: success redirects."""
    return response.status_code != 302


def _submitted_email() -> str:
    return "account:" + normalise_email(request.form.get("email"))


def _limit(name: str):
    return lambda: current_app.config[name]


def _signed_in_account() -> str:
    """The account's own sign-in allowance, for the pages that ask for its password again: a
    session left open on a shared computer must not become a way to guess the password."""
    email = current_user.email if current_user.is_authenticated else ""
    return "account:" + normalise_email(email)


def _tell_owner(template: str, user, limit) -> None:
    """A sign-in allowance of `user`'s account has run out: tell its owner by email (once in
    the limit's window, however many more tries are turned away), and, for staff, the audit
    log. Someone else may be guessing their password, or, at the code page, knows it already."""
    if user is None:
        return
    window = timedelta(seconds=limit.limit.get_expiry())
    if queued_lately(user.email, template, within=window):
        return
    queue_email(user.email, template, name=user.name, at=london_time(utcnow()),
                wait=duration_in_words(window.total_seconds()),
                reset_url=operations.external_url("auth.forgotten_password"),
                two_step_url=operations.external_url("auth.two_step"),
                has_two_step=user.has_two_step)
    if user.is_staff:
        record("account.sign_in_blocked", target=f"user:{user.id}",
               stage="password" if template == "sign_in_blocked" else "two-step code")
    db.session.commit()


def _passwords_ran_out(limit) -> None:
    """on_breach of the per-account sign-in limit: the 429 page follows as usual."""
    _tell_owner("sign_in_blocked", operations.find_user(request.form.get("email") or ""), limit)


def _codes_ran_out(limit) -> None:
    """on_breach of the per-account two-step code limit: whoever it is knew the password."""
    _tell_owner("two_step_blocked", two_step.pending_user(), limit)


def _pending_account() -> str:
    """The account whose password this browser gave, for the code page's allowance: wrong codes
    for one account are limited however many browsers send them."""
    note = session.get(two_step.PENDING_KEY)
    return f"two-step:{note.get('uid') if isinstance(note, dict) else ''}"


def _password_rechecked(view):
    """Wrong passwords on the account pages, all together, have the allowance per account of
    signing in."""
    return limiter.shared_limit(_limit("ENGAGE_SIGNIN_LIMIT_PER_ACCOUNT"), "account-password",
                                methods=["POST"], deduct_when=_failed,
                                key_func=_signed_in_account)(view)



def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site ("/boroughs/..."), else None: never another site's
    address, "//host" or "/\\host" (which browsers read as another host), or anything with
    spaces or control characters in it."""
    target = target or ""
    parts = urlsplit(target)
    if (target.startswith("/") and not target.startswith("//") and "\\" not in target
            and not parts.scheme and not parts.netloc
            and not any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in target)):
        return target
    return None


def _safe_next(default: str) -> str:
    return safe_next(request.args.get("next")) or default


@auth.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
# A taken address is emailed ("you already have an account") each time a minute has passed:
# limited per address too, as a password reset is, so nobody's inbox fills with them.
@limiter.limit("3 per hour", methods=["POST"], key_func=_submitted_email,
               exempt_when=no_email_given)
def register():
    if current_user.is_authenticated:
        return redirect(_safe_next(url_for("auth.account")))
    # The page they came from (a group's "create an account"), kept in the address of the
    # form, which posts back to it.
    next_url = safe_next(request.args.get("next"))
    form = RegisterForm()
    form.home_borough.load_choices()
    if form.validate_on_submit():
        borough = None if form.home_borough.data == NOT_IN_LONDON else form.home_borough.data
        operations.register(form.name.data, form.email.data, form.password.data, borough,
                            next_url=next_url)
        db.session.commit()
        session[CHECK_EMAIL_KEY] = form.email.data
        return redirect(url_for("auth.check_email"))
    return render_template("auth/register.html", form=form, next_url=next_url)


# The address just given, for the next page to show: kept in the session, not in the page's
# address, where it would be written to server logs and browser history.
CHECK_EMAIL_KEY = "check_email_to"


@auth.route("/register/check-your-email")
def check_email():
    # Also where changing the address leads (`changing`), in that case's words.
    return render_template("auth/check_email.html", email=session.get(CHECK_EMAIL_KEY, ""),
                           changing=request.args.get("changing") == "yes")


@auth.route("/confirm-email/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    form = ConfirmForm()
    if form.validate_on_submit():
        user = operations.confirm_email(token)
        if user is None:
            db.session.rollback()
            return render_template("auth/link_expired.html", what="confirm your email address"), 400
        db.session.commit()
        flash("Your email address is confirmed.", "success")
        # Back to the page they registered from (the link carries it, so any browser will do),
        # through sign-in if they need it.
        next_url = safe_next(request.args.get("next"))
        if current_user.is_authenticated:
            return redirect(next_url or url_for("auth.account"))
        return redirect(url_for("auth.sign_in", next=next_url) if next_url
                        else url_for("auth.sign_in"))
    # A GET only shows a button: mail scanners that open links change nothing.
    return render_template("auth/confirm_email.html", form=form)


@auth.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_limit("ENGAGE_SIGNIN_LIMIT_PER_ADDRESS"), methods=["POST"], deduct_when=_failed)
@limiter.limit(_limit("ENGAGE_SIGNIN_LIMIT_PER_ACCOUNT"), methods=["POST"], deduct_when=_failed,
               key_func=_submitted_email, exempt_when=no_email_given,
               on_breach=_passwords_ran_out)
def sign_in():
    if current_user.is_authenticated:
        return redirect(_safe_next(url_for("auth.account")))
    form = SignInForm()
    if form.validate_on_submit():
        user = operations.authenticate(form.email.data, form.password.data)
        if user is not None and user.is_confirmed and user.has_two_step:
            # Not signed in yet: the code page comes first.
            two_step.begin(user)
            db.session.commit()  # a rehashed password
            next_url = safe_next(request.args.get("next"))
            return redirect(url_for("auth.two_step_sign_in", next=next_url) if next_url
                            else url_for("auth.two_step_sign_in"))
        if user is not None and user.is_confirmed:
            start_session(user, method="password")
            db.session.commit()
            return redirect(_safe_next(_landing(user)))
        if user is not None:
            # The right password for an unconfirmed address: only its owner can see this.
            operations.send_confirmation(user, next_url=safe_next(request.args.get("next")))
            db.session.commit()
            return render_template("auth/unconfirmed.html", email=user.email), 200
        form.email.errors.append("Enter the email address and password of your account. "
                                 "Both must be correct")
    return render_template("auth/sign_in.html", form=form,
                           next_url=safe_next(request.args.get("next")))


def _landing(user) -> str:
    return url_for("staff.dashboard") if user.is_staff else url_for("auth.account")


@auth.route("/sign-in/two-step", methods=["GET", "POST"])
@limiter.limit(_limit("ENGAGE_SIGNIN_LIMIT_PER_ADDRESS"), methods=["POST"], deduct_when=_failed)
@limiter.limit(_limit("ENGAGE_SIGNIN_LIMIT_PER_ACCOUNT"), methods=["POST"], deduct_when=_failed,
               key_func=_pending_account, on_breach=_codes_ran_out)
def two_step_sign_in():
    """The second page of signing in: a code from the app, or a recovery code."""
    if current_user.is_authenticated:
        return redirect(_safe_next(url_for("auth.account")))
    next_url = safe_next(request.args.get("next"))
    user = two_step.pending_user()
    if user is None:
        if two_step.PENDING_KEY in session:
            two_step.end_pending()
            flash("More than 10 minutes passed after you entered your password. Sign in again.",
                  "info")
        return redirect(url_for("auth.sign_in", next=next_url) if next_url
                        else url_for("auth.sign_in"))
    form = TwoStepCodeForm()
    if form.validate_on_submit():
        typed = form.code.data
        if two_step.looks_like_recovery_code(typed):
            if two_step.use_recovery_code(user, typed):
                left = two_step.recovery_codes_left(user)
                if user.is_staff:
                    record("account.recovery_code_used", target=f"user:{user.id}", actor=user,
                           recovery_codes_left=left)
                return _finish_signing_in(user, next_url, recovery_codes_left=left,
                                          method="password and two-step recovery code")
            form.code.errors.append("That recovery code is not correct, or has been used "
                                    "already. Check it, or enter the code your app shows")
        else:
            checked = two_step.check_code(user, typed)
            if checked is two_step.Checked.ACCEPTED:
                return _finish_signing_in(user, next_url, method="password and two-step code")
            form.code.errors.append(
                "That code has been used already. Wait for your app to show a new code, then "
                "enter it" if checked is two_step.Checked.USED
                else "The code is not correct. Enter the 6-digit code your app shows now")
    return render_template("auth/two_step_code.html", form=form)


def _finish_signing_in(user, next_url: str | None, *, method: str,
                       recovery_codes_left: int | None = None):
    # A fresh session: the note of the password goes with the old one.
    start_session(user, method=method)
    db.session.commit()
    if recovery_codes_left is not None and recovery_codes_left <= two_step.FEW_LEFT:
        flash(_recovery_codes_left_in_words(recovery_codes_left), "info")
    return redirect(next_url or _landing(user))


def _recovery_codes_left_in_words(left: int) -> str:
    make_new = "Make new recovery codes from the two-step verification page of your account."
    if left == 0:
        return f"You have used your last recovery code. {make_new}"
    return (f"You have {left} recovery {'code' if left == 1 else 'codes'} left. "
            f"{make_new}")


@auth.route("/sign-out", methods=["POST"])
def sign_out():
    form = ConfirmForm()
    if form.validate_on_submit():
        end_session()
        db.session.commit()
        flash("You have signed out.", "success")
    return redirect(url_for("public.home"))


@auth.route("/account/keep-alive", methods=["POST"])
def keep_session_alive():
    """The timeout warning's "Stay signed in" (engage/assets/session-timeout.js): a POST with
    the page's CSRF token, as it changes something (how long the session lasts). Not
    @login_required, whose redirect to the sign-in page a script would follow and read as a
    success."""
    if not current_user.is_authenticated:
        return ("You have been signed out. Sign in again.", 401,
                {"Content-Type": "text/plain; charset=utf-8"})
    keep_alive()
    db.session.commit()
    return "", 204


@auth.route("/signed-out")
def signed_out():
    """Where the timeout warning sends the browser when the time runs out. `next` is the page
    they were on, for signing in again."""
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        # The session is still going: used in another tab or window after this page's timer
        # started. Back to the page (whose warning starts again from the true time left).
        return redirect(next_url or _landing(current_user))
    return render_template("auth/signed_out.html", next_url=next_url,
                           idle=idle_limit().total_seconds(),
                           lifetime=current_app.config["PERMANENT_SESSION_LIFETIME"].total_seconds())


@auth.route("/forgotten-password", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@limiter.limit("3 per hour", methods=["POST"], key_func=_submitted_email,
               exempt_when=no_email_given)
def forgotten_password():
    form = ForgottenPasswordForm()
    if form.validate_on_submit():
        operations.send_password_reset(form.email.data)
        db.session.commit()
        return render_template("auth/reset_sent.html", email=form.email.data)
    return render_template("auth/forgotten_password.html", form=form)


@auth.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    return _choose_password(operations.user_for_reset(token), "reset your password",
                            "auth/reset_password.html")


@auth.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    return _choose_password(operations.user_for_set_password(token), "choose a password",
                            "auth/set_password.html")


def _choose_password(user, what: str, template: str):
    if user is None:
        return render_template("auth/link_expired.html", what=what, help="password"), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        operations.set_password(user, form.password.data)
        end_session()  # whoever was signed in on this browser
        end_all_sessions(user)  # and everywhere this account was signed in
        db.session.commit()
        flash("Your password is set. Sign in with it now.", "success")
        return redirect(url_for("auth.sign_in"))
    return render_template(template, form=form, user=user)


@auth.route("/account")
@login_required
def account():
    return render_template("auth/account.html", user=current_user,
                           signed_in_elsewhere=len(live_sessions(current_user)) - 1)


@auth.route("/account/signed-in")
@login_required
def signed_in_devices():
    """Where this account is signed in: each browser, when it signed in and was last used, so
    that someone can spot one that is not theirs (or a library computer they forgot) and sign
    it out from here."""
    here = current_session_id()
    devices = [{"id": row.id, "device": device_in_words(row.user_agent),
                "signed_in_at": row.created_at, "last_seen_at": row.last_seen_at,
                "here": row.id == here}
               for row in live_sessions(current_user)]
    return render_template("auth/signed_in_devices.html", devices=devices, form=ConfirmForm(),
                           idle=idle_limit().total_seconds(),
                           lifetime=current_app.config["PERMANENT_SESSION_LIFETIME"]
                           .total_seconds())


@auth.route("/account/signed-in/<int:session_id>/sign-out", methods=["POST"])
@login_required
def sign_out_device(session_id: int):
    if ConfirmForm().validate_on_submit():
        if session_id == current_session_id():
            flash("To sign out of this device, use Sign out at the top of the page.", "info")
        elif end_session_of(current_user, session_id):
            db.session.commit()
            flash("That device has been signed out. Anyone using it will have to sign in "
                  "again.", "success")
        else:
            # A second press, or the session had timed out: either way it is signed out.
            flash("That device was signed out already.", "info")
    return redirect(url_for("auth.signed_in_devices"))


@auth.route("/account/signed-in/sign-out-others", methods=["POST"])
@login_required
def sign_out_other_devices():
    if ConfirmForm().validate_on_submit():
        ended = end_other_sessions(current_user)
        db.session.commit()
        flash("Every other device has been signed out. This one is still signed in." if ended
              else "You were not signed in anywhere else.", "success" if ended else "info")
    return redirect(url_for("auth.signed_in_devices"))


@auth.route("/account/name", methods=["GET", "POST"])
@login_required
def change_name():
    """Putting a name right (UK GDPR article 16): one typed wrongly at registration, or by an
    officer importing a group's members, or one that has changed. Group pages, registers and
    emails read it from the account, so they all follow."""
    form = ChangeNameForm(data={"name": current_user.name})
    if form.validate_on_submit():
        current_user.name = form.name.data
        db.session.commit()
        flash(f"Your name is now {current_user.name}.", "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/change_name.html", form=form)


@auth.route("/account/home-borough", methods=["GET", "POST"])
@login_required
def change_home_borough():
    """Someone who moves: their borough, and so which CPEG the site offers them, changes.
    Their groups stay theirs; they leave one from its page."""
    current = current_user.home_borough
    form = HomeBoroughForm(data={"home_borough": current.slug if current else NOT_IN_LONDON})
    form.home_borough.load_choices()
    if form.validate_on_submit():
        slug = None if form.home_borough.data == NOT_IN_LONDON else form.home_borough.data
        current_user.home_borough = operations.borough_by_slug(slug)
        db.session.commit()
        where = current_user.home_borough.name if current_user.home_borough else None
        flash(f"Your home borough is now {where}." if where
              else "Your account now says you do not live in a London borough.", "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/home_borough.html", form=form)


@auth.route("/account/password", methods=["GET", "POST"])
@login_required
@_password_rechecked
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current_password.data):
            form.current_password.errors.append("Your current password is not correct")
        else:
            operations.set_password(current_user, form.password.data)
            end_other_sessions(current_user)
            db.session.commit()
            flash("Your password has been changed. Other devices have been signed out.",
                  "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/change_password.html", form=form)


@auth.route("/account/email", methods=["GET", "POST"])
@login_required
@_password_rechecked
# The link goes to whatever address is typed, and anyone can make an account: limited per
# address (as a password reset is), so nobody's inbox can be filled with links in the
# service's name, and per account, so one account cannot spray them over many addresses.
@limiter.limit("3 per hour", methods=["POST"], key_func=_submitted_email,
               exempt_when=no_email_given)
@limiter.limit("10 per hour", methods=["POST"], key_func=_signed_in_account)
def change_email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        if (earlier := already_sent(form)) is not None:
            return earlier  # the first sending's page; no second email
        if not verify_password(current_user.password_hash, form.current_password.data):
            form.current_password.errors.append("Your current password is not correct")
        elif form.email.data == current_user.email:
            form.email.errors.append("Enter an email address different from your current one")
        else:
            # Whether or not the address is taken, the person sees the same page; a taken
            # address simply never receives a link that can work.
            if operations.find_user(form.email.data) is None:
                operations.send_confirmation(current_user, email=form.email.data)
            session[CHECK_EMAIL_KEY] = form.email.data
            return commit_once(form, url_for("auth.check_email", changing="yes"),
                               saved="Nearly done: confirm your new email address.")
    return render_template("auth/change_email.html", form=form)


@auth.route("/account/two-step", methods=["GET", "POST"], endpoint="two_step")
@login_required
def set_up_two_step():
    """Two-step verification: set it up (the QR code, the secret, a code to confirm), or, once
    it is on, what there is to do about it."""
    user = current_user._get_current_object()
    next_url = safe_next(request.args.get("next"))
    required = two_step.required_for(user)
    if user.has_two_step:
        return render_template("auth/two_step_on.html", user=user, required=required,
                               left=two_step.recovery_codes_left(user))
    secret = two_step.secret_for_set_up(user)
    db.session.commit()  # a new secret, the first time the page is shown
    form = TwoStepSetUpForm()
    if form.validate_on_submit():
        checked = two_step.check_code(user, form.code.data)
        if checked is two_step.Checked.ACCEPTED:
            codes = two_step.turn_on(user)
            if user.is_staff:
                record("account.two_step_on", target=f"user:{user.id}")
            db.session.commit()
            # Shown in the answer to the POST, never kept: the codes exist unhashed only here.
            return render_template("auth/two_step_recovery_codes.html", codes=codes,
                                   turned_on=True, next_url=next_url or _landing(user))
        form.code.errors.append(
            "That code has been used already. Wait for your app to show a new code, then "
            "enter it" if checked is two_step.Checked.USED
            else "The code is not correct. Check that your phone shows the right time, then "
                 "enter the code your app shows now")
    return render_template("auth/two_step_set_up.html", form=form, required=required,
                           qr_code=two_step.qr_code(user, secret),
                           secret=two_step.in_groups(secret))


@auth.route("/account/two-step/recovery-codes", methods=["GET", "POST"])
@login_required
@_password_rechecked
def new_recovery_codes():
    user = current_user._get_current_object()
    if not user.has_two_step:
        return redirect(url_for("auth.two_step"))
    form = NewRecoveryCodesForm()
    if form.validate_on_submit():
        if not verify_password(user.password_hash, form.current_password.data):
            form.current_password.errors.append("Your password is not correct")
        else:
            codes = two_step.new_recovery_codes(user)
            db.session.commit()
            return render_template("auth/two_step_recovery_codes.html", codes=codes,
                                   turned_on=False, next_url=url_for("auth.two_step"))
    return render_template("auth/two_step_new_codes.html", form=form)


@auth.route("/account/two-step/turn-off", methods=["GET", "POST"])
@login_required
@_password_rechecked
def turn_off_two_step():
    user = current_user._get_current_object()
    if not user.has_two_step:
        return redirect(url_for("auth.two_step"))
    if two_step.required_for(user):
        flash("Staff accounts must have two-step verification, so you cannot turn it off. If "
              "you have lost your phone and your recovery codes, ask an administrator to "
              "reset it.", "info")
        return redirect(url_for("auth.two_step"))
    form = TurnOffTwoStepForm()
    if form.validate_on_submit():
        if not verify_password(user.password_hash, form.current_password.data):
            form.current_password.errors.append("Your password is not correct")
        else:
            two_step.turn_off(user)
            if user.is_staff:
                record("account.two_step_off", target=f"user:{user.id}")
            queue_email(user.email, "two_step_off", name=user.name,
                        reset_url=operations.external_url("auth.forgotten_password"))
            db.session.commit()
            flash("Two-step verification is off. You sign in with your password alone.",
                  "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/two_step_turn_off.html", form=form)


@auth.route("/account/delete", methods=["GET", "POST"])
@login_required
@_password_rechecked
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current_password.data):
            form.current_password.errors.append("Your password is not correct")
        else:
            user = current_user._get_current_object()
            if user.is_staff:
                record("account.deleted", target=f"user:{user.id}")
            for invitation in operations.revoke_invitations_from(user):
                record("staff.invitation_revoked", target=f"invitation:{invitation.id}",
                       email=invitation.email, because="its sender deleted their account")
            end_session()
            operations.delete_account(user)
            db.session.commit()
            flash("Your account has been deleted.", "success")
            return redirect(url_for("public.home"))
    return render_template("auth/delete_account.html", form=form)


@auth.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    invitation = operations.open_invitation(token)
    if invitation is None:
        return render_template("auth/link_expired.html", what="accept this invitation",
                               help="staff"), 400
    existing = operations.find_user(invitation.email)
    grants = operations.describe_grants(invitation)

    if existing is not None:
        # The account exists: its owner must be signed in to accept.
        if not current_user.is_authenticated or current_user.id != existing.id:
            return render_template("auth/invitation_sign_in.html", invitation=invitation,
                                   grants=grants, next_url=request.path)
        form = ConfirmForm()
        if form.validate_on_submit():
            operations.accept_invitation(invitation, existing)
            record("staff.invitation_accepted", target=f"user:{existing.id}", grants=grants)
            db.session.commit()
            flash("You have accepted the invitation.", "success")
            return redirect(url_for("staff.dashboard"))
        return render_template("auth/invitation_accept.html", invitation=invitation,
                               grants=grants, form=form)

    form = AcceptInvitationForm(name=invitation.name)
    form.home_borough.load_choices()
    if form.validate_on_submit():
        borough = None if form.home_borough.data == NOT_IN_LONDON else form.home_borough.data
        user = operations.create_invited_account(invitation, form.name.data,
                                                 form.password.data, borough)
        record("staff.invitation_accepted", target=f"user:{user.id}", actor=user, grants=grants)
        start_session(user, method="password (new account)")
        db.session.commit()
        flash("Your account is ready.", "success")
        return redirect(url_for("staff.dashboard"))
    return render_template("auth/invitation_register.html", invitation=invitation,
                           grants=grants, form=form)
