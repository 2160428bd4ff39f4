"""URL map: pages, the API, health and the admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.chat import gap_views, usage
from apps.chat.views import LoginPage
from apps.governance import views as governance_views
from datachat import observability

# The admin speaks the page language (LocaleMiddleware): the project's own titles too.
admin.site.site_header = _("DataChat administration")
admin.site.site_title = _("DataChat administration")
admin.site.index_title = _("Site administration")

urlpatterns = [
    path("", RedirectView.as_view(url="/chat/", permanent=False)),
    path("accounts/login/", LoginPage.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/tokens/", governance_views.account_tokens, name="account-tokens"),
    path(
        "account/tokens/<int:pk>/revoke/",
        governance_views.account_token_revoke,
        name="account-token-revoke",
    ),
    path("chat/", include("apps.chat.urls")),
    # The steward pages read chat messages (chat sits above knowledge): mounted here.
    path("knowledge/gaps/", gap_views.gaps_page, name="gaps"),
    path("knowledge/gaps/<int:gap_id>/", gap_views.gap_page, name="gap"),
    path("knowledge/gaps/<int:gap_id>/<str:action>/", gap_views.gap_fix, name="gap-fix"),
    path("knowledge/gaps/fixes/<int:fix_id>/", gap_views.gap_fix_status, name="gap-fix-status"),
    path("knowledge/", include("apps.knowledge.urls")),
    path("usage/", usage.usage_page, name="usage"),
    path("usage/export.csv", usage.usage_export, name="usage-export"),
    path("compliance/", include("apps.governance.urls")),
    path("api/v1/", include("apps.chat.api.urls")),
    path("api/v1/", include("apps.knowledge.api.urls")),
    path("api/v1/", include("apps.governance.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: the CSP allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("health", observability.health, name="health"),
    path("ready", observability.ready, name="ready"),
    path("metrics", observability.metrics, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

handler404 = "datachat.errors.not_found"
handler500 = "datachat.errors.server_error"
