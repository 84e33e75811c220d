"""Without a mail server, e-mails are not kept: they are counted in the log and dropped.

Kamavor's e-mails carry volunteers' addresses and private links. Written to disk as files
(Django's file backend, the old default) they were a copy of that personal data outside the
sealed fields, readable by anyone who could read the folder, kept forever and read by nobody:
an e-mail that never left the computer reached no one. Sealing them would only keep a pile that
nobody needs: the private link is shown on the page right after a sign-up, and a coordinator
who wants e-mails to go out configures a mail server (KAMAVOR_EMAIL_HOST).
"""

from __future__ import annotations

import logging

from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger(__name__)


class UnsentEmailBackend(BaseEmailBackend):
    """Sends nothing and keeps nothing; logs how many e-mails were dropped, never to whom."""

    def send_messages(self, email_messages) -> int:
        messages = list(email_messages or [])
        if messages:
            logger.warning(
                "%d e-mail(s) not sent: no mail server is configured (KAMAVOR_EMAIL_HOST).",
                len(messages),
            )
        return 0
