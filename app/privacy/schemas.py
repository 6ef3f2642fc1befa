"""What administrators send and get back for personal-data requests."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.classification.views import LabelPublic
from app.clock import WitaDateTime
from app.mentions.schemas import MentionPublic

AUTHOR_DESCRIPTION = (
    "The author's name or handle exactly as mentions carry it (case does not matter), e.g. `@rahmat_smd`."
)


class ErasureRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": {"author": "@rahmat_smd"}})

    author: str = Field(min_length=1, max_length=200, description=AUTHOR_DESCRIPTION)

    @field_validator("author")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("author must not be blank")
        return value


class MentionLabels(BaseModel):
    mention_id: int
    labels: list[LabelPublic] = Field(description="Every officer's correction of this mention, oldest first.")


class PersonalDataExport(BaseModel):
    """Everything Sigap holds about one author (UU 27/2022, the data subject's right of access)."""

    author: str
    mentions: list[MentionPublic] = Field(description="Their mentions, newest first, with the verdicts.")
    labels: list[MentionLabels] = Field(description="Officers' corrections on their mentions.")
    quoted_in: list[int] = Field(description="Other mentions whose title, text or address name them.")
    copies: dict[str, int] = Field(
        description="Rows per table holding their name (issue titles, stored answers, webhook bodies, …)."
    )


class ErasureReport(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "author_digest": "hmac-sha256:5f0c…",
                "rows_changed": {"mention": 2, "issue": 1, "issue_source": 1, "idempotency_record": 1},
                "total": 5,
            }
        }
    )

    author_digest: str = Field(description="Keyed digest of the author: what the audit trail keeps.")
    rows_changed: dict[str, int] = Field(description="Rows changed per table; empty when nothing was left.")
    total: int


class PseudonymisationReport(BaseModel):
    cutoff: WitaDateTime = Field(description="Mentions received before this were due.")
    dry_run: bool
    authors: int = Field(description="Distinct authors pseudonymised.")
    mentions: int = Field(description="Mentions whose author was replaced.")
    rows_changed: dict[str, int] = Field(description="Rows changed per table (copies included).")

    @property
    def changed_anything(self) -> bool:
        return bool(self.mentions or self.rows_changed)

    def summary(self) -> str:
        if not self.changed_anything:
            return f"personal data: nothing to pseudonymise (mentions received before {_day(self.cutoff)})"
        tables = ", ".join(f"{table} {count}" for table, count in sorted(self.rows_changed.items()))
        verb = "would pseudonymise" if self.dry_run else "pseudonymised"
        return (
            f"personal data: {verb} {self.authors} author(s) of {self.mentions} mention(s) received before "
            f"{_day(self.cutoff)}; rows per table: {tables}"
        )


def _day(moment: datetime) -> str:
    return moment.date().isoformat()
