from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "apps.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge")

    def ready(self) -> None:
        # Registers our Chroma embedding function in every process (web, worker, commands):
        # without it a collection query fails with "Embedding function … not found".
        import datachat.providers.embeddings  # noqa: F401
        from apps.knowledge import signals  # noqa: F401
