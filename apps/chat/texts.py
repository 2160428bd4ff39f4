"""The pipeline's own sentences, in Spanish and English (the question's language decides)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "clarify": {
        "es": "No estoy seguro de haber entendido la pregunta. ¿Puedes concretarla?",
        "en": "I am not sure I understood the question. Could you make it more specific?",
    },
    "prompt_injection": {
        "es": "No puedo procesar esta petición: contiene instrucciones para el asistente o "
        "comandos que no están permitidos. Formula una pregunta sobre tus datos.",
        "en": "I can't process this request: it contains instructions for the assistant or "
        "commands that are not allowed. Please ask a question about your data.",
    },
    "question_too_long": {
        "es": "La pregunta es demasiado larga. Acórtala e inténtalo de nuevo.",
        "en": "The question is too long. Please shorten it and try again.",
    },
    "empty_question": {
        "es": "La pregunta está vacía. Escribe qué quieres saber de tus datos.",
        "en": "The question is empty. Write what you want to know about your data.",
    },
    "control_characters": {
        "es": "La pregunta contiene caracteres de control no permitidos.",
        "en": "The question contains control characters that are not allowed.",
    },
    "sql_not_read_only": {
        "es": "DataChat solo lee datos: no puede borrar, modificar ni crear nada. Puedo "
        "mostrarte los datos que quieras consultar.",
        "en": "DataChat only reads data: it cannot delete, change or create anything. I can show "
        "you the data you want to look at.",
    },
    "scope_note": {
        "es": "_(Solo ves los datos de {filters}.)_",
        "en": "_(You only see data for {filters}.)_",
    },
    "role_no_data": {
        "es": "Tu rol (cumplimiento) no permite hacer preguntas sobre los datos. Puedes consultar "
        "el registro de auditoría y los informes de anomalías.",
        "en": "Your role (compliance) does not allow questions about the data. You can review the "
        "audit log and the anomaly reports.",
    },
    "role_no_sql": {
        "es": "Tu rol no permite ejecutar SQL escrito a mano. Haz la pregunta en lenguaje natural.",
        "en": "Your role does not allow running hand-written SQL. Ask the question in plain words.",
    },
    "empty_query": {
        "es": "La consulta SQL está vacía.",
        "en": "The SQL query is empty.",
    },
    "source_restricted": {
        "es": "No tienes acceso a esta fuente de datos. Pide acceso a un administrador.",
        "en": "You don't have access to this data source. Ask an administrator for access.",
    },
    "unknown_source": {
        "es": "No existe la fuente de datos «{name}» en tu organización.",
        "en": "There is no data source named '{name}' in your organization.",
    },
    "conversation_not_found": {
        "es": "No se encontró la conversación.",
        "en": "The conversation was not found.",
    },
    "internal_error": {
        "es": "Algo falló al responder. El error quedó registrado; inténtalo de nuevo.",
        "en": "Something went wrong while answering. The error was logged; please try again.",
    },
    "llm_budget_exhausted": {
        "es": "Tu organización ha agotado su presupuesto mensual de tokens del modelo de lenguaje: "
        "esta respuesta es del motor integrado, sin modelo. Las preguntas más libres volverán a "
        "usar el modelo el mes que viene, o antes si un administrador amplía el presupuesto.",
        "en": "Your organization has used up its monthly LLM token budget: this answer comes "
        "from the built-in engine, without the model. Free-form questions will use the model "
        "again next month, or sooner if an administrator raises the budget.",
    },
    "query_cancelled": {
        "es": "Consulta detenida: la paraste antes de que terminara y se canceló en la base de "
        "datos.",
        "en": "Query stopped: you stopped it before it finished and it was cancelled in the "
        "database.",
    },
    "too_many_running_queries": {
        "es": "Espera: ya tienes {running} consultas largas en curso (el máximo es {limit}). "
        "Cuando termine una, o si detienes alguna, podrás lanzar otra.",
        "en": "Please wait: you already have {running} long queries running (the limit is "
        "{limit}). Once one finishes, or if you stop one, you can start another.",
    },
    "too_many_running_queries_org": {
        "es": "Espera: tu organización ya tiene {running} consultas largas en curso (el máximo "
        "es {limit}). Inténtalo de nuevo en unos segundos.",
        "en": "Please wait: your organization already has {running} long queries running (the "
        "limit is {limit}). Try again in a few seconds.",
    },
    "job_lost": {
        "es": "La consulta en segundo plano no terminó (el proceso que la ejecutaba se detuvo). "
        "Vuelve a lanzarla.",
        "en": "The background query did not finish (the process running it stopped). Please "
        "run it again.",
    },
    "outside_scope": {
        "es": "Solo puedes ver los datos de {filters}: {asked} queda fuera de tu acceso, así que "
        "no hay nada que mostrar. Pide acceso a un administrador si lo necesitas.",
        "en": "You can only see data for {filters}: {asked} is outside your access, so there is "
        "nothing to show. Ask an administrator for access if you need it.",
    },
    "outside_scope_either": {
        "es": "_({asked} queda fuera de tu acceso: solo se muestran las filas que puedes ver y "
        "que cumplen alguna de las condiciones; no se dice nada de las demás.)_",
        "en": "_({asked} is outside your access: only the rows you may see that meet either "
        "condition are shown; nothing is said of any other rows.)_",
    },
    "period_outside_data": {
        "es": "No hay datos de {asked}: los datos van del {first} al {last}. ¿Qué periodo "
        "quieres ver?",
        "en": "There is no data for {asked}: the data runs from {first} to {last}. Which "
        "period do you want to see?",
    },
    "said_value_missing": {
        "es": "No encuentro «{value}» en {column} de {table}. ¿Está bien escrito? Prueba con "
        "otro valor o sin ese filtro.",
        "en": "I can't find “{value}” as the {column} of any {table}. Is it spelt right? Try "
        "another value or ask without that filter.",
    },
    "said_name_missing": {
        "es": "No encuentro «{value}» en los datos. ¿Está bien escrito? Prueba con otro valor, "
        "di en qué columna buscarlo o pregunta sin él.",
        "en": "I can't find “{value}” in the data. Is it spelt right? Try another value, say "
        "which column to look in, or ask without it.",
    },
    "said_value_starts": {
        "es": "{table} cuyo {column} empieza por '{start}'",
        "en": "{table} whose {column} starts with '{start}'",
    },
    "said_value_contains": {
        "es": "{table} cuyo {column} contiene '{part}'",
        "en": "{table} whose {column} contains '{part}'",
    },
    "timeout_advice": {
        "es": "Añade un filtro (por ejemplo un año o una región) para que la consulta sea más "
        "rápida.",
        "en": "Add a filter (for example a year or a region) so the query runs faster.",
    },
}


def text(key: str | None, lang: str, **params: object) -> str:
    entry = TEXTS.get(key or "", TEXTS["internal_error"])
    return entry.get(lang, entry["es"]).format(**params)
