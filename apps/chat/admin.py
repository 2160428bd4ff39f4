from django.contrib import admin

from apps.chat.models import Conversation, Message
from apps.governance.admin_scoping import OrgScopedAdmin


@admin.register(Conversation)
class ConversationAdmin(OrgScopedAdmin):
    list_display = ("title", "user", "organization", "updated_at")


@admin.register(Message)
class MessageAdmin(OrgScopedAdmin):
    list_display = ("question", "answer_type", "row_count", "feedback_rating", "created_at")
    list_filter = ("answer_type", "feedback_rating")
