from django.contrib import admin

from apps.chat.models import Conversation, Message
from apps.governance.admin_scoping import OrgScopedAdmin


@admin.register(Conversation)
class ConversationAdmin(OrgScopedAdmin):
    list_display = ("title", "user", "organization", "updated_at")


@admin.register(Message)
class MessageAdmin(OrgScopedAdmin):
    # 👎 comments and tags are visible to the org's admins and stewards (staff) here too.
    list_display = (
        "question",
        "answer_type",
        "row_count",
        "feedback_rating",
        "feedback_comment",
        "feedback_tags",
        "created_at",
    )
    list_filter = ("answer_type", "feedback_rating")
    search_fields = ("question", "feedback_comment")
