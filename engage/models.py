"""Every table, imported in one place so Alembic and `flask db check` see them all."""

from engage.audit.models import AuditEvent
from engage.auth.models import (
    KnownDevice,
    RecoveryCode,
    StaffInvitation,
    StaffRole,
    User,
    UserSession,
)
from engage.boroughs.models import Borough, PopulationFigure
from engage.datasets.models import ResponseFile  # noqa: F401
from engage.groups.models import (
    EqualityAnswers,
    Group,
    Membership,
    MembershipEvent,
)
from engage.jobs.models import ScheduledJobRun  # noqa: F401
from engage.locks import TaskLock
from engage.mailouts.keying_models import KeyedEntry  # noqa: F401
from engage.mailouts.models import PaperRequest, PaperRequestCount, PrintRun  # noqa: F401
from engage.meetings.minutes import ActionPoint, Attendance, Minutes
from engage.meetings.models import (
    AgendaItem,
    Invitation,
    Mailing,
    MailingDelivery,
    Meeting,
    Paper,
)
from engage.news.models import NewsSubscription, ResultsRequest  # noqa: F401
from engage.once import SentForm  # noqa: F401
from engage.outbox.models import OutboxMessage
from engage.reports.comments_models import CommentFlag  # noqa: F401
from engage.reports.models import ReportSnapshot  # noqa: F401
from engage.reports.public_files import PublicFile  # noqa: F401
from engage.reports.targets_models import (  # noqa: F401
    CrimeFigure,
    CrimeFigureUpload,
    PlannedPriority,
    ReportPublication,
    ReportTargets,
)
from engage.storage import FilePiece, StoredFile  # noqa: F401
from engage.surveys.invitation_models import (  # noqa: F401
    SurveyAutoReminder,
    SurveyMailing,
    SurveyMailingDelivery,
    SurveyOptOut,
)
from engage.surveys.models import (
    Answer,
    Consultation,
    Invitee,
    InviteeList,
    Option,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    Response,
    ResponseContact,
    ResponseDraft,
    Section,
)
from engage.telephone.models import Call, CallCase, TelephoneCount  # noqa: F401
from engage.translations.models import ContentTranslation, PhraseTranslation  # noqa: F401

__all__ = [
    "ActionPoint", "Attendance", "Minutes",
    "AgendaItem", "Invitation", "Mailing", "MailingDelivery", "Meeting", "Paper",
    "AuditEvent", "Borough", "EqualityAnswers", "Group", "Membership", "MembershipEvent",
    "OutboxMessage", "PopulationFigure", "StaffInvitation", "StaffRole", "TaskLock", "User",
    "KnownDevice", "RecoveryCode", "UserSession",
    "Answer", "Consultation", "Invitee", "InviteeList", "Option", "Question", "Questionnaire",
    "QuestionnaireVersion", "Response", "ResponseContact", "ResponseDraft", "Section",
]
