"""llama-cpp-python's OpenAI-compatible server with lazy grammar sampling; run
as `python -m edufacts.backends.llama_server <the server's own arguments>`.

Why our own entry point: llama-cpp-python's sampler chain applies the JSON
grammar to every token of the vocabulary (151,936 for Qwen2.5) before picking
one, which made grammar-constrained generation about three times slower than
free generation on two cores (113 against 36 ms a token, measured). llama.cpp's
own server avoids this by sampling first and checking only the chosen token
against the grammar, falling back to the full vocabulary when it is rejected
(common/sampling.cpp); llama-cpp-python 0.3 has no such option. For greedy
decoding (temperature 0, which edufacts always uses) the shortcut picks exactly
the token the full pass would: the highest-logit token the grammar accepts.
Any other sampling setting goes through llama-cpp-python unchanged."""

from __future__ import annotations

import ctypes
import importlib
import math
from typing import Any

import numpy as np

# Imported as Any: llama-cpp-python is an optional extra, absent where CI type-checks.
llama_cpp: Any = importlib.import_module("llama_cpp")
_internals: Any = importlib.import_module("llama_cpp._internals")
Llama: Any = llama_cpp.Llama

_original_init_sampler = Llama._init_sampler


class LazyGrammar:
    """A custom llama.cpp sampler that owns a grammar sampler: it tests the
    best token alone and applies the grammar to the whole vocabulary only when
    that token is not allowed. accept/reset go to the grammar so its state
    follows the tokens chosen."""

    def __init__(self, model: Any, grammar: Any) -> None:
        self.grammar = llama_cpp.llama_sampler_init_grammar(
            model.vocab, grammar._grammar.encode("utf-8"), grammar._root.encode("utf-8")
        )
        self.full_passes = 0
        self.tokens = 0
        interface = llama_cpp.llama_sampler_i()
        # The callbacks are kept on self: ctypes must not collect them while llama.cpp holds them.
        self._callbacks = (
            llama_cpp.llama_sampler_i_apply(self._apply),
            llama_cpp.llama_sampler_i_accept(self._accept),
            llama_cpp.llama_sampler_i_reset(self._reset),
        )
        interface.apply, interface.accept, interface.reset = self._callbacks
        interface.name = llama_cpp.llama_sampler_i_name(0)
        interface.clone = llama_cpp.llama_sampler_i_clone(0)
        interface.free = llama_cpp.llama_sampler_i_free(0)
        self._interface = interface
        self.sampler = llama_cpp.llama_sampler()
        self.sampler.iface = ctypes.pointer(interface)
        self.sampler.ctx = None

    def get_sampler(self) -> Any:
        return ctypes.pointer(self.sampler)

    def _apply(self, _sampler: Any, candidates: Any) -> None:
        array = candidates.contents
        self.tokens += 1
        data = np.ctypeslib.as_array(array.data, shape=(array.size,))
        best = int(np.argmax(data["logit"]))
        alone = llama_cpp.llama_token_data(int(data["id"][best]), float(data["logit"][best]), 0.0)
        probe = llama_cpp.llama_token_data_array(ctypes.pointer(alone), 1, -1, False)
        llama_cpp.llama_sampler_apply(self.grammar, ctypes.byref(probe))
        if math.isinf(alone.logit) and alone.logit < 0:
            self.full_passes += 1
            llama_cpp.llama_sampler_apply(self.grammar, candidates)

    def _accept(self, _sampler: Any, token: int) -> None:
        llama_cpp.llama_sampler_accept(self.grammar, token)

    def _reset(self, _sampler: Any) -> None:
        llama_cpp.llama_sampler_reset(self.grammar)

    def close(self) -> None:
        grammar, self.grammar = self.grammar, None
        if grammar is not None:
            llama_cpp.llama_sampler_free(grammar)


def _init_sampler(self: Any, *args: Any, **kwargs: Any) -> Any:
    grammar = kwargs.get("grammar")
    greedy = kwargs.get("temp", 0.80) == 0.0
    if grammar is None or not greedy or kwargs.get("logits_processor") is not None:
        return _original_init_sampler(self, *args, **kwargs)
    sampler = _internals.LlamaSampler()
    sampler.add_penalties(
        n_vocab=self._n_vocab,
        penalty_last_n=self.last_n_tokens_size,
        penalty_repeat=kwargs.get("repeat_penalty", 1.0),
        penalty_freq=kwargs.get("frequency_penalty", 0.0),
        penalty_present=kwargs.get("presence_penalty", 0.0),
    )
    lazy = LazyGrammar(self._model, grammar)
    llama_cpp.llama_sampler_chain_add(sampler.sampler, lazy.get_sampler())
    # Like add_custom: the chain must not free a sampler whose memory Python owns.
    sampler.custom_samplers.append((llama_cpp.llama_sampler_chain_n(sampler.sampler) - 1, lazy))
    sampler._exit_stack.callback(lazy.close)
    sampler.add_greedy()
    return sampler


def install() -> None:
    """Make every Llama of this process sample grammar lazily."""
    Llama._init_sampler = _init_sampler


def main() -> None:
    install()
    importlib.import_module("llama_cpp.server.__main__").main()


if __name__ == "__main__":
    main()
