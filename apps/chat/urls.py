"""Chat page routes (mounted at /chat/)."""

from django.urls import path

from apps.chat import review, views

app_name = "chat"

urlpatterns = [
    path("", views.chat_page, name="new"),
    path("last/", views.chat_last, name="last"),
    path("c/<int:conversation_id>/", views.chat_page, name="conversation"),
    path("c/<int:conversation_id>/rename/", views.conversation_rename, name="rename"),
    path("c/<int:conversation_id>/archive/", views.conversation_archive, name="archive"),
    path("c/<int:conversation_id>/delete/", views.conversation_delete, name="delete"),
    path("conversations/", views.sidebar_search, name="search"),
    path("sql/", views.sql_run, name="run-sql"),
    path("jobs/<uuid:job_id>/", views.job_card, name="job"),
    path("jobs/<uuid:job_id>/stop/", views.job_stop, name="job-stop"),
    path("upload/", views.spreadsheet_upload, name="upload"),
    path("m/<int:message_id>/table/", views.message_table, name="message-table"),
    path("m/<int:message_id>/chart/", views.message_chart, name="message-chart"),
    path("m/<int:message_id>/feedback/", views.message_feedback, name="message-feedback"),
    path("m/<int:message_id>/access/", views.message_access_request, name="access-request"),
    path("review/", review.review_queue, name="review"),
    path("review/examples/<int:example_id>/form/", review.review_example_form, name="review-form"),
    path(
        "review/examples/<int:example_id>/<str:action>/",
        review.review_example,
        name="review-example",
    ),
    path(
        "review/feedback/<int:message_id>/done/",
        review.review_feedback_done,
        name="review-feedback-done",
    ),
]
