"""Errors of the classification service.

    ServiceError (solo_brain.errors)
    └── UpstreamError                  502
        ├── ClassifierError            a model backend gave no usable answer
        │   ├── OllamaError            Ollama unreachable, too slow, or answered an error
        │   ├── ExternalLLMError       the OpenAI-compatible gateway failed the same ways
        │   └── InvalidAnswer          the model's output is not a usable classification
        └── UpstreamUnavailable        503
            └── CatalogUnavailable     the projects and clients could not be read

A ClassifierError never reaches the caller: the service falls back to the heuristic classifier.
CatalogUnavailable does, because without the catalog no slug can be checked and no client can be
detected, so the privacy guard could not decide.
"""

from __future__ import annotations

from solo_brain.errors import UpstreamError, UpstreamUnavailable


class ClassifierError(UpstreamError):
    """A model backend gave no usable answer."""

    code = "classifier_error"


class OllamaError(ClassifierError):
    """Ollama is unreachable, slower than its time limit, or answered an error."""

    code = "ollama_error"


class ExternalLLMError(ClassifierError):
    """The external OpenAI-compatible model is unreachable, too slow, or answered an error."""

    code = "external_llm_error"


class InvalidAnswer(ClassifierError):
    """The model's output is not a usable classification; the message says why."""

    code = "invalid_model_answer"


class CatalogUnavailable(UpstreamUnavailable):
    """The projects and clients could not be read from the database."""

    code = "catalog_unavailable"
