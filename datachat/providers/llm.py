"""The LLM provider: the `openai` SDK against any OpenAI-compatible endpoint.

Pure: no Django. Settings arrive as an `LLMConfig` (built by `LLMConfig.from_env` from whatever
mapping the settings module hands over), so the pipeline, the CLI and the tests all configure it the
same way.

What this module guarantees to its caller (the chat pipeline):

- `LLMClient.complete_json` returns a pydantic-validated object or raises an `LLMError`; it never
  returns half-parsed output. Unusable output gets exactly one repair round-trip.
- Transport failures (connection, timeout, 429, 5xx) are retried with exponential backoff and
  jitter, at most `max_retries` times; 4xx are not retried, since the same request fails again.
- A `CircuitBreaker` per endpoint (module-level registry, so it outlives a request) stops calls to
  an endpoint that keeps failing: while open, `LLMUnavailable("circuit_open")` is raised without
  touching the network, and the pipeline answers from the offline engine. It counts transport
  failures per HTTP attempt (so one question against a dead endpoint opens it, instead of every
  question paying the whole retry ladder); a 4xx or unusable model output is not an outage and
  does not count (unusable output is bounded anyway: two calls per question).
- Every result and every error carries the calls made and the tokens and dollars spent, so a
  `UsageMeter` can report `llm: {provider, calls, prompt_tokens, completion_tokens, cost_usd}`
  even for a question whose LLM path failed.

Azure OpenAI: use the deployment's OpenAI-compatible v1 endpoint, no Azure-specific client:

    DATACHAT_LLM=openai
    OPENAI_BASE_URL=https://<resource-name>.openai.azure.com/openai/v1/
    OPENAI_API_KEY=<the resource's key>
    DATACHAT_LLM_MODEL=<deployment name>   # Azure routes on the deployment name, not the model

Deployment names are usually not in the price table: add them with DATACHAT_LLM_PRICES, or their
cost is reported as 0.0 with `Usage.priced = False`.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, TypeVar

import openai
import pydantic
from openai.types.chat import ChatCompletion

log = logging.getLogger(__name__)

TASKS = ("intent", "sql", "answer")
DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_BASE_URL = "https://api.openai.com/v1"
_MIN_CALL_S = 0.2  # a request with less time left than this is not started

# USD per 1M tokens (prompt, completion): OpenAI's standard-tier list prices when this was written.
# Prices change: override or extend with DATACHAT_LLM_PRICES='{"model": [in, out], ...}'.
DEFAULT_PRICES: Mapping[str, tuple[float, float]] = MappingProxyType(
    {
        "gpt-4o-mini": (0.15, 0.60),
        "gpt-4o": (2.50, 10.00),
        "gpt-4.1": (2.00, 8.00),
        "gpt-4.1-mini": (0.40, 1.60),
        "gpt-4.1-nano": (0.10, 0.40),
    }
)

# Some endpoints ignore response_format and wrap JSON in a Markdown fence; unwrapping it is safe
# (the JSON is still validated) and saves a repair round-trip.
_FENCE = re.compile(r"^\s*```[a-zA-Z]*\s*\n?(.*?)\n?\s*```\s*$", re.DOTALL)

# What the repair round-trip may echo back of a bad answer: enough to fix it, bounded in tokens.
_ECHO_LIMIT = 2000

M = TypeVar("M", bound=pydantic.BaseModel)


# -- results and errors ------------------------------------------------------------------------
@dataclass(frozen=True)
class Usage:
    """Tokens and dollars. `priced` is False when a model was missing from the price table."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    priced: bool = True

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            cost_usd=round(self.cost_usd + other.cost_usd, 10),
            priced=self.priced and other.priced,
        )


@dataclass(frozen=True)
class LLMResult:
    """One logical LLM call: the parsed answer (None for free text), usage summed over every
    HTTP request it took (`calls`, retries and the repair round-trip included), the final text."""

    parsed: pydantic.BaseModel | None
    usage: Usage
    calls: int
    raw_text: str
    model: str = ""
    finish_reason: str = ""


class LLMError(Exception):
    """Base of every provider error. `reason` is a stable code; `calls` and `usage` say what the
    failed call consumed, so it can still be metered and billed."""

    def __init__(
        self, reason: str, message: str = "", *, calls: int = 0, usage: Usage | None = None
    ) -> None:
        super().__init__(message or reason)
        self.reason = reason
        self.calls = calls
        self.usage = usage or Usage()


class LLMUnavailable(LLMError):
    """The endpoint cannot be used now. Reasons: circuit_open, disabled, timeout, connection,
    rate_limited, server_error, malformed_response."""


class LLMRequestRejected(LLMError):
    """The endpoint refused the request (a 4xx other than 429): not retried, the same request
    would fail again. Reasons: bad_request, unauthorized, forbidden, not_found, http_<status>."""


class LLMUnusableOutput(LLMError):
    """The model answered, twice, with output that is not what was asked for."""


# -- configuration ------------------------------------------------------------------------------
def _frozen_map(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value))


# The monotonic time by which the current question's model calls must be over (None: no limit).
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "datachat_llm_deadline", default=None
)


@contextlib.contextmanager
def deadline_scope(deadline: float | None) -> Iterator[None]:
    """Calls made inside end by `deadline` (`time.monotonic()` seconds): each request's timeout
    is cut to the time left, no retry starts that could not finish, and a call with no time left
    fails at once with `LLMUnavailable("timeout")` (the caller falls back to the offline engine).
    """
    token = _deadline.set(deadline)
    try:
        yield
    finally:
        _deadline.reset(token)


def _time_left() -> float | None:
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


@dataclass(frozen=True)
class LLMConfig:
    """Everything the provider needs, as plain data. Build it with `from_env`."""

    provider: Literal["openai", "offline"] = "offline"
    base_url: str = DEFAULT_BASE_URL
    api_key: str = field(default="", repr=False)  # never in logs or tracebacks
    model: str = DEFAULT_MODEL
    task_models: Mapping[str, str] = field(default_factory=dict, hash=False)
    timeout_s: float = 20.0
    max_retries: int = 2
    backoff_base_s: float = 0.5
    backoff_max_s: float = 8.0
    breaker_failures: int = 3
    breaker_cooldown_s: float = 30.0
    # All the model calls of one question (retries and backoff included) end within this many
    # seconds, so the answer and its audit entry are written before the web server's timeout.
    request_budget_s: float = 25.0
    temperature: float | None = 0.0  # None: not sent (some reasoning models refuse it)
    max_output_tokens: int | None = 1024  # None: not sent; bounds the cost of one answer
    prices: Mapping[str, tuple[float, float]] = field(
        default_factory=lambda: dict(DEFAULT_PRICES), hash=False
    )

    def __post_init__(self) -> None:
        # Frozen all the way down: a shared config must not be edited through its dicts.
        object.__setattr__(self, "task_models", _frozen_map(self.task_models))
        object.__setattr__(self, "prices", _frozen_map(self.prices))

    @property
    def enabled(self) -> bool:
        return self.provider == "openai"

    def model_for(self, task: str) -> str:
        """The model for a task (intent, sql, answer); other tasks use the default model."""
        return self.task_models.get(task) or self.model

    def price_for(self, *models: str) -> tuple[float, float] | None:
        """Price of the first model found: exact name, else the longest known prefix
        (a dated snapshot such as gpt-4o-mini-2024-07-18 is priced as gpt-4o-mini)."""
        for name in models:
            if name and name in self.prices:
                return self.prices[name]
        for name in models:
            prefixes = [key for key in self.prices if name and name.startswith(key + "-")]
            if prefixes:
                return self.prices[max(prefixes, key=len)]
        return None

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> LLMConfig:
        """Read the configuration from an environment-like mapping.

        DATACHAT_LLM (openai|offline; default openai when OPENAI_API_KEY is set, else offline),
        OPENAI_API_KEY, OPENAI_BASE_URL, DATACHAT_LLM_MODEL (default gpt-4o-mini),
        DATACHAT_LLM_MODEL_INTENT / _SQL / _ANSWER, DATACHAT_LLM_TIMEOUT (seconds per request),
        DATACHAT_LLM_MAX_RETRIES, DATACHAT_LLM_BREAKER_FAILURES, DATACHAT_LLM_BREAKER_COOLDOWN,
        DATACHAT_LLM_TEMPERATURE ("none" to omit), DATACHAT_LLM_MAX_TOKENS (0 to omit),
        DATACHAT_LLM_PRICES (JSON: {"model": [usd per 1M prompt, usd per 1M completion]}).
        Invalid values raise ValueError: a misconfigured provider should fail at start-up.
        """

        def get(name: str) -> str | None:
            value = environ.get(name)
            return value.strip() if value and value.strip() else None

        api_key = get("OPENAI_API_KEY") or ""
        provider = (get("DATACHAT_LLM") or ("openai" if api_key else "offline")).lower()
        if provider not in ("openai", "offline"):
            raise ValueError(f"DATACHAT_LLM must be 'openai' or 'offline', not {provider!r}")
        base_url = get("OPENAI_BASE_URL") or DEFAULT_BASE_URL
        if provider == "openai" and not api_key and base_url == DEFAULT_BASE_URL:
            raise ValueError(
                "DATACHAT_LLM=openai needs OPENAI_API_KEY (or OPENAI_BASE_URL for a keyless "
                "local OpenAI-compatible server)"
            )
        task_models = {
            task: model for task in TASKS if (model := get(f"DATACHAT_LLM_MODEL_{task.upper()}"))
        }
        prices = dict(DEFAULT_PRICES)
        if raw_prices := get("DATACHAT_LLM_PRICES"):
            prices.update(_parse_prices(raw_prices))
        temperature_raw = get("DATACHAT_LLM_TEMPERATURE")
        temperature: float | None = 0.0
        if temperature_raw is not None:
            temperature = (
                None
                if temperature_raw.lower() == "none"
                else _number("DATACHAT_LLM_TEMPERATURE", temperature_raw, 0.0, 2.0)
            )

        def number(name: str, default: float, minimum: float, maximum: float) -> float:
            raw = get(name)
            return default if raw is None else _number(name, raw, minimum, maximum)

        max_tokens = int(number("DATACHAT_LLM_MAX_TOKENS", 1024, 0, 1_000_000))
        return cls(
            provider=provider,  # type: ignore[arg-type]  # checked above
            base_url=base_url,
            api_key=api_key,
            model=get("DATACHAT_LLM_MODEL") or DEFAULT_MODEL,
            task_models=task_models,
            timeout_s=number("DATACHAT_LLM_TIMEOUT", 20.0, 0.001, 600.0),
            max_retries=int(number("DATACHAT_LLM_MAX_RETRIES", 2, 0, 10)),
            breaker_failures=int(number("DATACHAT_LLM_BREAKER_FAILURES", 3, 1, 1000)),
            breaker_cooldown_s=number("DATACHAT_LLM_BREAKER_COOLDOWN", 30.0, 0.0, 86400.0),
            request_budget_s=number("DATACHAT_LLM_REQUEST_BUDGET", 25.0, 0.1, 3600.0),
            temperature=temperature,
            max_output_tokens=max_tokens or None,  # 0 means: do not send a limit
            prices=prices,
        )


def _number(name: str, raw: str, minimum: float, maximum: float) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, not {raw!r}") from None
    if not minimum <= value <= maximum:
        raise ValueError(f"{name} must be between {minimum:g} and {maximum:g}, not {raw!r}")
    return value


def _parse_prices(raw: str) -> dict[str, tuple[float, float]]:
    try:
        data = json.loads(raw)
        return {
            str(model): (float(pair[0]), float(pair[1]))
            for model, pair in data.items()
            if len(pair) == 2
        }
    except (ValueError, TypeError, AttributeError, KeyError):
        raise ValueError(
            'DATACHAT_LLM_PRICES must be JSON like {"model": [usd_per_1m_in, usd_per_1m_out]}'
        ) from None


# -- circuit breaker --------------------------------------------------------------------------
class CircuitBreaker:
    """Closed → open after `failure_threshold` consecutive transport failures → half-open after
    `cooldown_s` (one probe call goes through) → closed on its success, open again on its failure.

    Thread-safe: one instance is shared by every request of the process that talks to the same
    endpoint. `clock` is injectable so tests need not sleep through a cooldown.
    """

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"

    def __init__(
        self,
        key: str = "",
        *,
        failure_threshold: int = 3,
        cooldown_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        self.key = key
        self.failure_threshold = failure_threshold
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._lock = threading.Lock()
        self._state = self.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probe_in_flight = False

    @property
    def state(self) -> str:
        with self._lock:
            return self._state

    @property
    def consecutive_failures(self) -> int:
        with self._lock:
            return self._failures

    def acquire(self) -> None:
        """Permission for one request, or `LLMUnavailable("circuit_open")` (no network touched)."""
        with self._lock:
            if self._state == self.CLOSED:
                return
            if self._state == self.OPEN:
                if self._clock() - self._opened_at < self.cooldown_s:
                    raise LLMUnavailable("circuit_open", f"circuit open for {self.key}")
                self._state = self.HALF_OPEN
                self._probe_in_flight = False
            # Half-open: exactly one probe at a time; everyone else still falls back.
            if self._probe_in_flight:
                raise LLMUnavailable("circuit_open", f"circuit half-open for {self.key}")
            self._probe_in_flight = True

    def record_success(self) -> None:
        with self._lock:
            self._state = self.CLOSED
            self._failures = 0
            self._probe_in_flight = False

    def record_failure(self) -> None:
        with self._lock:
            self._probe_in_flight = False
            if self._state == self.HALF_OPEN:
                self._state = self.OPEN
                self._opened_at = self._clock()
                return
            self._failures += 1
            if self._state == self.CLOSED and self._failures >= self.failure_threshold:
                self._state = self.OPEN
                self._opened_at = self._clock()
                log.warning("LLM circuit opened for %s after %d failures", self.key, self._failures)


_BREAKERS: dict[str, CircuitBreaker] = {}
_BREAKERS_LOCK = threading.Lock()


def breaker_for(
    base_url: str,
    *,
    failure_threshold: int = 3,
    cooldown_s: float = 30.0,
    clock: Callable[[], float] = time.monotonic,
) -> CircuitBreaker:
    """The process-wide breaker of an endpoint (created on first use; later settings ignored)."""
    key = base_url.rstrip("/")
    with _BREAKERS_LOCK:
        breaker = _BREAKERS.get(key)
        if breaker is None:
            breaker = CircuitBreaker(
                key, failure_threshold=failure_threshold, cooldown_s=cooldown_s, clock=clock
            )
            _BREAKERS[key] = breaker
        return breaker


def reset_breakers() -> None:
    """Forget every breaker (tests; an operator forcing a retry after fixing the endpoint)."""
    with _BREAKERS_LOCK:
        _BREAKERS.clear()


# -- usage meter --------------------------------------------------------------------------------
class UsageMeter:
    """Sums calls, tokens and cost over one question. Add every `LLMResult` and every `LLMError`
    (errors carry what they consumed too). Thread-safe, so parallel sub-calls may share it."""

    def __init__(self, provider: str = "openai") -> None:
        self.provider = provider
        self._lock = threading.Lock()
        self._calls = 0
        self._usage = Usage()

    def add(self, item: LLMResult | LLMError) -> None:
        self.record(item.usage, item.calls)

    def record(self, usage: Usage, calls: int) -> None:
        with self._lock:
            self._calls += calls
            self._usage = self._usage + usage

    @property
    def calls(self) -> int:
        with self._lock:
            return self._calls

    @property
    def usage(self) -> Usage:
        with self._lock:
            return self._usage

    def as_dict(self, provider: str | None = None) -> dict[str, Any]:
        """The answer object's `llm` field; `provider` overrides, e.g. to mark a fallback."""
        with self._lock:
            return {
                "provider": provider or self.provider,
                "calls": self._calls,
                "prompt_tokens": self._usage.prompt_tokens,
                "completion_tokens": self._usage.completion_tokens,
                "cost_usd": round(self._usage.cost_usd, 8),
            }


# -- client -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Reply:
    text: str
    problem: str | None  # why the content is unusable, or None
    usage: Usage
    model: str
    finish_reason: str


class LLMClient:
    """JSON and free-text completions with retries, a circuit breaker and metering.

    One instance per configuration is enough (it holds the SDK's connection pool); it is
    thread-safe. `sleep`, `rng` and `breaker` are injectable for tests.
    """

    def __init__(
        self,
        config: LLMConfig,
        *,
        breaker: CircuitBreaker | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.config = config
        self._sleep = sleep
        self._rng = rng
        self._sdk: openai.OpenAI | None = None
        self.breaker: CircuitBreaker | None = None
        if config.enabled:
            self.breaker = breaker or breaker_for(
                config.base_url,
                failure_threshold=config.breaker_failures,
                cooldown_s=config.breaker_cooldown_s,
            )
            self._sdk = openai.OpenAI(
                base_url=config.base_url,
                # The SDK insists on a key; keyless local servers accept any placeholder.
                api_key=config.api_key or "unused",
                timeout=config.timeout_s,
                max_retries=0,  # ours, below: they know about the breaker and the budget
            )

    def close(self) -> None:
        if self._sdk is not None:
            self._sdk.close()

    def complete_json(
        self, task: str, messages: Sequence[Mapping[str, Any]], schema: type[M]
    ) -> LLMResult:
        """Ask for one JSON object and validate it with `schema`.

        On unusable output (not JSON, fails validation, empty, truncated) the model gets one more
        chance with the problem appended as a user message; then `LLMUnusableOutput`. Transport
        errors raise `LLMUnavailable` / `LLMRequestRejected` (see `LLMClient` retries).
        """
        convo = [dict(m) for m in messages]
        # JSON mode requires the word "JSON" in the conversation (OpenAI answers 400 otherwise).
        if not any("json" in str(m.get("content") or "").lower() for m in convo):
            convo.insert(0, {"role": "system", "content": "Reply with one JSON object."})
        return self._complete(task, convo, schema)

    def complete_text(self, task: str, messages: Sequence[Mapping[str, Any]]) -> LLMResult:
        """Free text (e.g. the answer prose); `parsed` is None. Empty or truncated output gets one
        more chance, then `LLMUnusableOutput`."""
        return self._complete(task, [dict(m) for m in messages], None)

    # -- internals ------------------------------------------------------------------------------
    def _complete(
        self,
        task: str,
        convo: list[dict[str, Any]],
        schema: type[pydantic.BaseModel] | None,
    ) -> LLMResult:
        if self._sdk is None:
            raise LLMUnavailable("disabled", "no LLM configured (DATACHAT_LLM=offline)")
        model = self.config.model_for(task)
        calls = 0
        usage = Usage()
        problem = ""
        for attempt in range(2):  # the answer, then at most one repair round-trip
            reply, used = self._send(
                model, convo, json_mode=schema is not None, spent=(calls, usage)
            )
            calls += used
            usage = usage + reply.usage
            problem = reply.problem or ""
            parsed: pydantic.BaseModel | None = None
            if not problem and schema is not None:
                try:
                    parsed = schema.model_validate_json(_unfence(reply.text))
                except pydantic.ValidationError as exc:
                    problem = _describe(exc)
            if not problem:
                return LLMResult(
                    parsed=parsed,
                    usage=usage,
                    calls=calls,
                    raw_text=reply.text,
                    model=reply.model,
                    finish_reason=reply.finish_reason,
                )
            log.info("LLM %s output unusable (attempt %d): %s", task, attempt + 1, problem[:200])
            if attempt == 0:
                if reply.text:
                    convo = [*convo, {"role": "assistant", "content": reply.text[:_ECHO_LIMIT]}]
                fix = (
                    "Reply again with only one JSON object, following the required format."
                    if schema is not None
                    else "Reply again with the answer as plain text."
                )
                convo = [
                    *convo,
                    {"role": "user", "content": f"Your reply was not usable: {problem}\n{fix}"},
                ]
        raise LLMUnusableOutput("unusable_output", problem, calls=calls, usage=usage)

    def _send(
        self,
        model: str,
        messages: list[dict[str, Any]],
        *,
        json_mode: bool,
        spent: tuple[int, Usage],
    ) -> tuple[_Reply, int]:
        """One completion, with transport retries. Returns the reply and the requests made."""
        assert self._sdk is not None and self.breaker is not None
        kwargs: dict[str, Any] = {"model": model, "messages": messages}
        if json_mode:
            kwargs["response_format"] = {"type": "json_object"}
        if self.config.temperature is not None:
            kwargs["temperature"] = self.config.temperature
        if self.config.max_output_tokens:
            kwargs["max_tokens"] = self.config.max_output_tokens
        spent_calls, spent_usage = spent
        calls = 0
        reason = "unknown"
        for attempt in range(self.config.max_retries + 1):
            left = _time_left()
            if left is not None and left < _MIN_CALL_S:
                raise LLMUnavailable(
                    "timeout",
                    f"LLM request budget spent after {calls} request(s)",
                    calls=spent_calls + calls,
                    usage=spent_usage,
                )
            if left is not None:
                kwargs["timeout"] = min(self.config.timeout_s, left)
            try:
                self.breaker.acquire()
            except LLMUnavailable as exc:
                if calls:
                    # Our own failures just opened it: report what actually went wrong.
                    raise LLMUnavailable(
                        reason,
                        f"LLM endpoint failed: {reason}; circuit now open",
                        calls=spent_calls + calls,
                        usage=spent_usage,
                    ) from exc
                exc.calls, exc.usage = spent_calls, spent_usage
                raise
            calls += 1
            try:
                completion = self._sdk.chat.completions.create(**kwargs)
            except openai.APIStatusError as exc:
                status = exc.status_code
                if status == 429 or status >= 500:
                    self.breaker.record_failure()
                    reason = "rate_limited" if status == 429 else "server_error"
                    delay = self._retry_delay(attempt, _retry_after(exc))
                else:
                    # The endpoint is up and answered; the request is what is wrong.
                    self.breaker.record_success()
                    raise LLMRequestRejected(
                        _status_reason(status),
                        f"LLM endpoint refused the request (HTTP {status})",
                        calls=spent_calls + calls,
                        usage=spent_usage,
                    ) from exc
            except openai.APITimeoutError:
                self.breaker.record_failure()
                reason, delay = "timeout", self._retry_delay(attempt, None)
            except openai.APIConnectionError:
                self.breaker.record_failure()
                reason, delay = "connection", self._retry_delay(attempt, None)
            except (json.JSONDecodeError, openai.OpenAIError) as exc:
                # A 200 whose body is not JSON, or that the SDK could not read: a broken proxy or
                # a server that is not OpenAI-compatible. Retrying will not help.
                self.breaker.record_failure()
                raise LLMUnavailable(
                    "malformed_response",
                    f"LLM endpoint sent an unreadable response ({type(exc).__name__})",
                    calls=spent_calls + calls,
                    usage=spent_usage,
                ) from exc
            else:
                reply = self._read(completion, model)
                if reply is None:
                    self.breaker.record_failure()
                    raise LLMUnavailable(
                        "malformed_response",
                        "LLM endpoint sent a response without choices",
                        calls=spent_calls + calls,
                        usage=spent_usage,
                    )
                self.breaker.record_success()
                return reply, calls
            if attempt >= self.config.max_retries or delay is None:
                break
            left = _time_left()
            if left is not None and delay + _MIN_CALL_S > left:
                break  # no time for another request within the question's budget
            log.warning(
                "LLM request failed (%s), retry %d/%d in %.2fs",
                reason,
                attempt + 1,
                self.config.max_retries,
                delay,
            )
            self._sleep(delay)
        raise LLMUnavailable(
            reason,
            f"LLM endpoint failed: {reason} after {calls} request(s)",
            calls=spent_calls + calls,
            usage=spent_usage,
        )

    def _retry_delay(self, attempt: int, retry_after: float | None) -> float | None:
        """Exponential backoff with jitter (half fixed, half random, so that clients that failed
        together do not retry together); a server's Retry-After wins when it is longer. None
        means the server asks for a longer wait than we allow: give up and fall back now."""
        ceiling = min(self.config.backoff_max_s, self.config.backoff_base_s * 2**attempt)
        delay = ceiling / 2 + self._rng() * ceiling / 2
        if retry_after is not None:
            if retry_after > self.config.backoff_max_s:
                return None
            delay = max(delay, retry_after)
        return delay

    def _read(self, completion: Any, requested_model: str) -> _Reply | None:
        if not isinstance(completion, ChatCompletion):
            return None
        choices = getattr(completion, "choices", None)
        if not choices:
            return None
        choice = choices[0]
        message = getattr(choice, "message", None)
        if message is None:
            return None
        finish = getattr(choice, "finish_reason", None) or ""
        text = (getattr(message, "content", None) or "").strip()
        problem = None
        if not text:
            problem = "the reply was empty"
        elif finish == "length":
            problem = "the reply was cut off at the token limit: answer more briefly"
        elif finish == "content_filter":
            problem = "the reply was withheld by a content filter"
        answered_model = getattr(completion, "model", None) or requested_model
        return _Reply(
            text=text,
            problem=problem,
            usage=self._usage(getattr(completion, "usage", None), requested_model, answered_model),
            model=answered_model,
            finish_reason=finish,
        )

    def _usage(self, raw: Any, requested_model: str, answered_model: str) -> Usage:
        prompt = int(getattr(raw, "prompt_tokens", 0) or 0)
        completion = int(getattr(raw, "completion_tokens", 0) or 0)
        price = self.config.price_for(requested_model, answered_model)
        if price is None:
            return Usage(prompt, completion, 0.0, priced=False)
        cost = prompt * price[0] / 1_000_000 + completion * price[1] / 1_000_000
        return Usage(prompt, completion, round(cost, 10), priced=True)


def _unfence(text: str) -> str:
    match = _FENCE.match(text)
    return match.group(1) if match else text


def _describe(exc: pydantic.ValidationError) -> str:
    """The validation problems, short and without echoing the input back."""
    parts = []
    for error in exc.errors(include_url=False, include_input=False)[:5]:
        where = ".".join(str(p) for p in error.get("loc", ())) or "(whole reply)"
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid reply"


def _retry_after(exc: openai.APIStatusError) -> float | None:
    headers = getattr(exc.response, "headers", None) or {}
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value:
            try:
                return float(value) / divisor
            except ValueError:
                return None
    return None


def _status_reason(status: int) -> str:
    return {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found"}.get(
        status, f"http_{status}"
    )


_CLIENTS: dict[LLMConfig, LLMClient] = {}
_CLIENTS_LOCK = threading.Lock()


def client_for(config: LLMConfig) -> LLMClient:
    """A process-wide client per configuration, so requests share the connection pool."""
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(config)
        if client is None:
            client = LLMClient(config)
            _CLIENTS[config] = client
        return client
