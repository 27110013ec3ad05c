"""One structured call to an OpenAI-compatible endpoint: instructor (JSON_SCHEMA
mode) over the openai client, an answer cache, and retries capped by attempts
and by tokens. Every failure becomes an LLMError carrying the tokens it spent."""

from __future__ import annotations

import email.utils
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import instructor
import openai
from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException
from pydantic import BaseModel, ValidationError
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
)

from ..errors import LLMError
from ..usage import Usage, UsageMeter
from .cache import AnswerCache, cache_key

log = logging.getLogger("edufacts")

ModelT = TypeVar("ModelT", bound=BaseModel)

_TRANSIENT = (
    openai.APITimeoutError,
    openai.APIConnectionError,
    openai.InternalServerError,
    openai.RateLimitError,
)


_TOP_LOGPROBS = 20


@dataclass(frozen=True, kw_only=True)
class Endpoint:
    base_url: str
    model: str
    """The model name sent with each request."""
    identity: str
    """What the cache keys on: the GGUF's sha256, or the served model id."""
    api_key: str = "not-needed"
    local_grammar: bool = False
    """llama.cpp's server rejects response_format json_schema; it takes
    json_object plus a schema, which it turns into a grammar (design.md)."""
    system_in_user: bool = False
    """The model's chat format has no system turn (Gemma's drops it): the
    instructions go at the head of the user turn, as Gemma's own template does."""


@dataclass(frozen=True, kw_only=True)
class CallPolicy:
    max_tokens: int = 1024
    attempts: int = 3
    token_budget: int = 24_000
    timeout: float = 300.0
    wait_base: float = 1.0
    wait_max: float = 30.0
    temperature: float = 0.0


def _system_in_user(messages: list[dict[str, str]]) -> list[dict[str, str]]:
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
    rest = [dict(m) for m in messages if m["role"] != "system"]
    if system and rest and rest[0]["role"] == "user":
        rest[0]["content"] = f"{system}\n\n{rest[0]['content']}"
    return rest


def _tokens_of(reported: Any) -> Usage:
    """The tokens an endpoint reported for one completion (an openai usage object, or None)."""
    prompt = int(getattr(reported, "prompt_tokens", 0) or 0)
    completion = int(getattr(reported, "completion_tokens", 0) or 0)
    return Usage(tokens=prompt + completion, prompt_tokens=prompt, completion_tokens=completion)


def _root_cause(error: BaseException) -> BaseException:
    """instructor wraps an API error in InstructorRetryException; look inside."""
    seen = error
    while isinstance(seen, InstructorRetryException) and (seen.__cause__ or seen.__context__):
        seen = seen.__cause__ or seen.__context__  # type: ignore[assignment]
    return seen


def _retry_after(error: BaseException) -> float | None:
    if not isinstance(error, openai.APIStatusError):
        return None
    header = error.response.headers.get("retry-after")
    if header is None:
        return None
    try:
        return max(0.0, float(header))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(header)
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


class ModelClient:
    def __init__(
        self,
        endpoint: Endpoint,
        cache: AnswerCache | None,
        policy: CallPolicy | None = None,
        http_client: Any = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._sleep = sleep
        self.endpoint = endpoint
        self.cache = cache
        self.policy = policy or CallPolicy()
        self.meter = UsageMeter()
        """The whole session's usage; one call's goes to ask(meter=...) too (threads share a client)."""
        # The openai client's own retries are off: ours below count tokens too.
        self._openai = openai.OpenAI(
            base_url=endpoint.base_url,
            api_key=endpoint.api_key,
            max_retries=0,
            timeout=self.policy.timeout,
            http_client=http_client,
        )
        self._instructor = instructor.from_openai(self._openai, mode=instructor.Mode.JSON_SCHEMA)

    def close(self) -> None:
        self._openai.close()

    @property
    def usage(self) -> Usage:
        return self.meter.total

    def _count(self, sink: UsageMeter | None, usage: Usage) -> None:
        self.meter.add(usage)
        if sink is not None:
            sink.add(usage)

    def _sent_and_key(
        self,
        messages: list[dict[str, str]],
        prompt_hash: str,
        schema: dict[str, Any],
        sampling: dict[str, Any],
    ) -> tuple[list[dict[str, str]], str]:
        """The messages as the endpoint's chat format takes them, and the answer
        cache's key for them (a local llama.cpp server's URL is none of it: the
        managed server's port changes every run)."""
        if self.endpoint.system_in_user:
            messages = _system_in_user(messages)
        key = cache_key(
            base_url=self.endpoint.base_url if not self.endpoint.local_grammar else "local",
            model=self.endpoint.identity,
            prompt=prompt_hash,
            schema=schema,
            sampling=sampling,
            messages=messages,
        )
        return messages, key

    def ask(
        self,
        messages: list[dict[str, str]],
        response_model: type[ModelT],
        schema: dict[str, Any],
        prompt_hash: str,
        meter: UsageMeter | None = None,
    ) -> ModelT:
        sampling = {"temperature": self.policy.temperature, "max_tokens": self.policy.max_tokens}
        messages, key = self._sent_and_key(messages, prompt_hash, schema, sampling)
        if self.cache is not None:
            entry = self.cache.get(key)
            if entry is not None:
                try:
                    answer = response_model.model_validate(entry["answer"])
                except (ValidationError, KeyError):
                    answer = None
                if answer is not None:
                    self._count(meter, Usage(cached_calls=1))
                    log.debug("answer from the cache")
                    return answer
        spent = UsageMeter()  # this ask's tokens over its attempts: the token budget counts them
        answer = self._call_with_retries(messages, response_model, schema, sampling, spent, meter)
        if self.cache is not None:
            self.cache.put(key, {"answer": answer.model_dump(mode="json"), "tokens": spent.total.tokens})
        return answer

    def _retrying(self, spent: UsageMeter) -> Retrying:
        """Transient errors are retried, capped by attempts and by the tokens spent."""
        policy = self.policy

        def stop(state: RetryCallState) -> bool:
            return state.attempt_number >= policy.attempts or spent.total.tokens >= policy.token_budget

        def wait(state: RetryCallState) -> float:
            outcome = state.outcome
            error = outcome.exception() if outcome is not None else None
            after = _retry_after(_root_cause(error)) if error is not None else None
            backoff = policy.wait_base * 2 ** (state.attempt_number - 1)
            return min(policy.wait_max, after if after is not None else backoff)

        def transient(error: BaseException) -> bool:
            return isinstance(_root_cause(error), _TRANSIENT)

        return Retrying(
            stop=stop,
            wait=wait,
            retry=retry_if_exception(transient),
            reraise=True,
            sleep=self._sleep,
        )

    def choice_probabilities(
        self,
        messages: list[dict[str, str]],
        choices: tuple[str, ...],
        prompt_hash: str,
        meter: UsageMeter | None = None,
    ) -> dict[str, float] | None:
        """The model's probabilities of answering each choice (each a single token),
        normalised over the choices, read from the first token's top log-probabilities:
        one token generated, no grammar. None when the endpoint returns no
        log-probabilities or ranks none of the choices among its top tokens."""
        sampling = {"temperature": 0.0, "max_tokens": 1, "logprobs": True, "top_logprobs": _TOP_LOGPROBS}
        messages, key = self._sent_and_key(messages, prompt_hash, {"choices": list(choices)}, sampling)
        if self.cache is not None:
            entry = self.cache.get(key)
            if entry is not None and "probabilities" in entry:
                self._count(meter, Usage(cached_calls=1))
                cached: dict[str, float] | None = entry["probabilities"]
                return cached
        spent = UsageMeter()
        began = time.perf_counter()
        try:
            for attempt in self._retrying(spent):
                with attempt:
                    retried = attempt.retry_state.attempt_number > 1
                    self._count(meter, Usage(calls=1, retries=int(retried)))
                    completion = self._openai.chat.completions.create(
                        model=self.endpoint.model,
                        messages=messages,  # type: ignore[arg-type]
                        temperature=0.0,
                        max_tokens=1,
                        logprobs=True,
                        top_logprobs=_TOP_LOGPROBS,
                    )
                    spent.add(_tokens_of(completion.usage))
        except Exception as error:
            raise _call_failed(error, spent) from None
        finally:
            self._count(meter, spent.total + Usage(seconds=time.perf_counter() - began))
        probabilities = _first_token_shares(completion, choices)
        if self.cache is not None:
            self.cache.put(key, {"probabilities": probabilities, "tokens": spent.total.tokens})
        return probabilities

    def _call_with_retries(
        self,
        messages: list[dict[str, str]],
        response_model: type[ModelT],
        schema: dict[str, Any],
        sampling: dict[str, Any],
        spent: UsageMeter,
        sink: UsageMeter | None,
    ) -> ModelT:
        policy = self.policy
        retrying = self._retrying(spent)
        began = time.perf_counter()
        extra_body: dict[str, Any] | None = None
        if self.endpoint.local_grammar:
            extra_body = {"response_format": {"type": "json_object", "schema": schema}}
        try:
            for attempt in retrying:
                with attempt:
                    retried = attempt.retry_state.attempt_number > 1
                    if retried:
                        log.warning("model call retried (attempt %d)", attempt.retry_state.attempt_number)
                    self._count(sink, Usage(calls=1, retries=int(retried)))
                    try:
                        answer, completion = self._instructor.chat.completions.create_with_completion(
                            model=self.endpoint.model,
                            messages=messages,  # type: ignore[arg-type]
                            response_model=response_model,
                            max_retries=1,  # one re-ask with the validation error fed back
                            extra_body=extra_body,
                            **sampling,
                        )
                    except InstructorRetryException as error:
                        spent.add(_tokens_of(getattr(error, "total_usage", None)))
                        raise
                    except IncompleteOutputException as error:
                        spent.add(_tokens_of(getattr(getattr(error, "last_completion", None), "usage", None)))
                        raise
                    spent.add(_tokens_of(completion.usage))
                    return answer
        except IncompleteOutputException:
            raise LLMError(
                f"the answer was cut at max_tokens={policy.max_tokens} (finish_reason=length)",
                spent.total.tokens,
            ) from None
        except Exception as error:
            raise _call_failed(error, spent) from None
        finally:
            self._count(sink, spent.total + Usage(seconds=time.perf_counter() - began))
        raise AssertionError("unreachable")  # pragma: no cover


def _call_failed(error: BaseException, spent: UsageMeter) -> LLMError:
    root = _root_cause(error)
    return LLMError(f"model call failed ({type(root).__name__}): {_short(root)}", spent.total.tokens)


def _first_token_shares(completion: Any, choices: tuple[str, ...]) -> dict[str, float] | None:
    try:
        top = completion.choices[0].logprobs.content[0].top_logprobs
    except (AttributeError, IndexError, TypeError):
        return None
    weight = dict.fromkeys(choices, 0.0)
    for candidate in top or ():
        token = (candidate.token or "").strip()
        if token in weight:
            weight[token] += math.exp(candidate.logprob)
    total = sum(weight.values())
    return {choice: value / total for choice, value in weight.items()} if total > 0 else None


def _short(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text[:300] + ("…" if len(text) > 300 else "")
