"""A `Reply` as the JSON object `ask --json` prints, one per line: a stable interface for scripts."""

from __future__ import annotations

from ..core.models import Judgement, Knowledge, Reply, Why
from .plaintext import to_plain

# Candidates shown in `why`: enough to see what the winner beat.
WHY_CANDIDATES = 3


def reply_json(reply: Reply, knowledge: Knowledge) -> dict[str, object]:
    """The stable JSON shape of a reply (documented in the README)."""
    lang = reply.lang
    return {
        "question": reply.question,
        "answered": reply.answered,
        "outcome": reply.outcome.value,
        "lang": lang,
        "text": to_plain(reply, knowledge, directed=False),
        "answer": "\n\n".join(p for p in (reply.text, reply.note) if p) if reply.answered else "",
        "sources": [
            {"id": s.id, "outlet": knowledge.local(s.outlet, lang), "title": s.title, "date": knowledge.local(s.date, lang)}
            for s in reply.sources
        ],
        "score": round(reply.score, 1),
        "entry": reply.entry_id,
        "suggestions": [s.question for s in reply.suggestions],
        "related": [s.question for s in reply.related],
        "quotes": [{"source_id": c.source, "text": c.quote} for c in reply.quotes],
        "why": why_json(reply.why),
    }


def why_json(why: Why | None) -> dict[str, object] | None:
    """How the engine decided, for a curator: the question's terms, its type, and the best candidates' signals."""
    if why is None:
        return None
    return {
        "rule": why.rule,
        "terms": list(why.terms),
        "types": list(why.types),
        "mentions": list(why.mentions),
        "candidates": [_judgement(j) for j in why.candidates[:WHY_CANDIDATES]],
    }


def _judgement(j: Judgement) -> dict[str, object]:
    return {"entry": j.entry_id, "score": round(j.score, 1), "uncovered": list(j.uncovered),
            "needs_met": j.needs_met, "type_ok": j.type_ok, "relevant": j.relevant}
