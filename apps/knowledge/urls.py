"""Page routes of this app."""

app_name = "knowledge"

urlpatterns: list = []
