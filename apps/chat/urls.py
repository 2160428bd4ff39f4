from django.urls import path

from apps.chat import views

app_name = "chat"

urlpatterns = [
    path("", views.chat_page, name="new"),
    path("c/<int:conversation_id>/", views.chat_page, name="conversation"),
]
