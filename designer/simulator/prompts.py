"""What a caller hears from a prompt, and for how long.

Sinch prompts (``mainPrompt``, ``holdPrompt``, ``playFiles`` ids) are segments
joined by ``;``: ``#tts[text]``, ``#ssml[<speak>..</speak>]``, ``#href[url]``, a
bare media URL, or a bare id of a pre-recorded file.  The simulator turns each
segment into a line of the transcript and estimates its playing time so that
the simulated clock (timeouts, call duration) advances the way it would on a
real call.  A ``;`` inside ``[...]`` belongs to the text, not the separator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Speaking rate of a TTS voice, about 150 words a minute.
MS_PER_WORD = 400
# A short pause around every spoken segment.
MS_SEGMENT_GAP = 300
# Playing time assumed for a recording or a media URL (its length is unknown).
MS_PER_RECORDING = 3000

_MARKUP = re.compile(r"^#(tts|ssml|href)\[(.*)\]$", re.DOTALL | re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Segment:
    kind: str  # tts | ssml | audio | file
    content: str

    @property
    def spoken(self) -> bool:
        return self.kind in ("tts", "ssml")

    def heard(self) -> str:
        """The segment as a transcript shows it: the words, or the recording named."""
        if self.kind == "tts":
            return self.content
        if self.kind == "ssml":
            return " ".join(_TAG.sub(" ", self.content).split())
        if self.kind == "audio":
            return f"[audio {self.content}]"
        return f"[recording {self.content}]"

    def duration_ms(self) -> int:
        if not self.spoken:
            return MS_PER_RECORDING
        return MS_SEGMENT_GAP + MS_PER_WORD * max(1, len(self.heard().split()))


def split(prompt: str) -> list[Segment]:
    """The segments of a prompt string, in playing order (empty parts dropped)."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in prompt:
        if ch == "[":
            depth += 1
        elif ch == "]" and depth:
            depth -= 1
        if ch == ";" and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [_segment(p.strip()) for p in parts if p.strip()]


def _segment(part: str) -> Segment:
    match = _MARKUP.match(part)
    if match:
        kind, content = match.group(1).lower(), match.group(2)
        return Segment("audio" if kind == "href" else kind, content)
    if part.lower().startswith(("http://", "https://")):
        return Segment("audio", part)
    return Segment("file", part)


def spoken_text(text: str) -> list[Segment]:
    """A ``say`` instruction: its text is spoken as written (no prompt markup)."""
    return [Segment("tts", text)] if text else []


def duration_ms(segments: list[Segment]) -> int:
    return sum(s.duration_ms() for s in segments)


def dtmf_duration_ms(tones: str) -> int:
    """``sendDtmf``: 'w' pauses 500 ms, each tone lasts about 100 ms (Callback API)."""
    return sum(500 if t == "w" else 100 for t in tones)
