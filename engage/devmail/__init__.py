"""Development mail: a local SMTP catcher and /dev/mail to read what it caught.

Registered only when ENGAGE_ENV is development; nothing here runs in production.
"""
