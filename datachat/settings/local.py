"""The default: a developer's machine or the embedded demo. Same as base; debug off unless asked."""

from datachat.settings.base import *  # noqa: F403
