"""The daily brief as Markdown (for a phone) and as CSV (one row per issue). Pure."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from app.classification.taxonomy import LEVEL_LABELS, TOPICS, Level, Topic
from app.clock import to_wita
from app.reports.schemas import BriefIssue, DailyBrief

_DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
_MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip
_KINDS = {
    "holding_statement": "Pernyataan sementara",
    "press_release": "Siaran pers",
    "clarification": "Klarifikasi",
    "apology": "Permohonan maaf",
    "instruction": "Imbauan keselamatan",
}
CSV_COLUMNS = (
    "id", "title", "level", "stage", "status", "topic", "region_codes", "mention_count", "negative_share",
    "first_seen_wita", "last_seen_wita", "link",
)  # fmt: skip


def _level(level: str) -> str:
    return LEVEL_LABELS[Level(level)]["id"].upper()


def _hhmm(moment: object) -> str:
    return to_wita(moment).strftime("%H.%M")  # type: ignore[arg-type]


def _issue_line(issue: BriefIssue) -> str:
    topic = TOPICS[Topic(issue.topic)].name_id
    share = f", {issue.negative_share:.0%} negatif" if issue.negative_share is not None else ""
    counts = f"{issue.mention_count} sebutan{share}"
    return f"- **[{_level(issue.level)}]** {issue.title} — {topic}, {counts} ({issue.link})"


def brief_markdown(brief: DailyBrief) -> str:
    d = brief.day
    lines = [
        f"# Ringkasan Harian Sigap — {_DAYS[d.weekday()]}, {d.day} {_MONTHS[d.month - 1]} {d.year}",
        f"_Disusun {_hhmm(brief.generated_at)} WITA · Diskominfo Provinsi Kalimantan Timur_",
        "",
        "## Isu teratas",
        *([_issue_line(i) for i in brief.top_issues] or ["- Tidak ada isu aktif."]),
        "",
        "## Isu baru",
        *([_issue_line(i) for i in brief.new_issues] or ["- Tidak ada isu baru."]),
        "",
        "## Naik status",
        *(
            [
                f"- {e.title}: {_level(e.old)} → **{_level(e.new)}** pukul {_hhmm(e.at)} WITA"
                for e in brief.escalations
            ]
            or ["- Tidak ada kenaikan status."]
        ),
        "",
        "## Tugas terlambat",
        *(
            [
                f"- {t.title} — **{t.agency}**, tenggat {to_wita(t.due_at):%d/%m %H.%M} WITA ({t.status})"
                for t in brief.overdue_tasks
            ]
            or ["- Tidak ada tugas terlambat."]
        ),
        "",
        "## Pernyataan resmi yang disetujui",
        *(
            [
                f"- {_KINDS.get(s.kind, s.kind)} (isu {s.issue_id}), {_hhmm(s.approved_at)} WITA: "
                f"“{s.excerpt.splitlines()[0] if s.excerpt else ''}”"
                for s in brief.approved_statements
            ]
            or ["- Belum ada pernyataan yang disetujui hari ini."]
        ),
        "",
        "## Peluang untuk diamplifikasi",
        *([_issue_line(i) for i in brief.opportunities] or ["- Tidak ada kabar baik yang menonjol."]),
        "",
        "## Tren sentimen (7 hari)",
        "| Hari | Sebutan | Negatif | Netral | Positif |",
        "| --- | ---: | ---: | ---: | ---: |",
        *[
            f"| {s.day:%d/%m} | {s.mentions} | {s.negative} | {s.neutral} | {s.positive} |"
            for s in brief.sentiment_trend
        ],
        "",
    ]
    return "\n".join(lines)


def issues_csv(issues: Iterable[BriefIssue]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for i in issues:
        writer.writerow(
            [
                i.id, i.title, i.level, i.stage, i.status, i.topic, " ".join(i.region_codes), i.mention_count,
                "" if i.negative_share is None else i.negative_share,
                to_wita(i.first_seen_at).isoformat(), to_wita(i.last_seen_at).isoformat(), i.link,
            ]
        )  # fmt: skip
    return out.getvalue()
