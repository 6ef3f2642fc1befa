"""The topic taxonomy, the agencies (OPD) responsible for each topic, and the crisis levels.

Topic labels and level names are API values; the display names are what officers read. Agency codes are those
seeded from ``app/reference/data/agencies.json``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Topic(StrEnum):
    bencana = "bencana"
    kesehatan = "kesehatan"
    infrastruktur = "infrastruktur"
    lingkungan = "lingkungan"
    ekonomi = "ekonomi"
    energi = "energi"
    pendidikan = "pendidikan"
    keamanan = "keamanan"
    tata_kelola = "tata_kelola"
    pelayanan_publik = "pelayanan_publik"
    transportasi = "transportasi"
    sosial = "sosial"
    lainnya = "lainnya"


@dataclass(frozen=True, slots=True)
class TopicInfo:
    label: Topic
    name_id: str
    name_en: str
    agencies: tuple[str, ...]


TOPICS: dict[Topic, TopicInfo] = {
    info.label: info
    for info in (
        TopicInfo(Topic.bencana, "Bencana", "Disasters", ("bpbd",)),
        TopicInfo(Topic.kesehatan, "Kesehatan", "Health", ("dinkes",)),
        TopicInfo(Topic.infrastruktur, "Infrastruktur", "Infrastructure", ("dpupr-pera",)),
        TopicInfo(Topic.lingkungan, "Lingkungan Hidup", "Environment", ("dlh",)),
        TopicInfo(Topic.ekonomi, "Ekonomi", "Economy", ("biro-perekonomian",)),
        TopicInfo(Topic.energi, "Energi dan Sumber Daya Mineral", "Energy and mineral resources", ("esdm",)),
        TopicInfo(Topic.pendidikan, "Pendidikan", "Education", ("disdikbud",)),
        TopicInfo(
            Topic.keamanan,
            "Keamanan dan Ketertiban",
            "Security and public order",
            ("kesbangpol", "satpol-pp"),
        ),
        TopicInfo(
            Topic.tata_kelola, "Tata Kelola Pemerintahan", "Governance and integrity", ("inspektorat",)
        ),
        TopicInfo(
            Topic.pelayanan_publik, "Pelayanan Publik", "Public services", ("biro-organisasi", "diskominfo")
        ),
        TopicInfo(Topic.transportasi, "Transportasi", "Transport", ("dishub",)),
        TopicInfo(Topic.sosial, "Sosial", "Social affairs", ("dinsos",)),
        TopicInfo(Topic.lainnya, "Lainnya", "Other", ("diskominfo",)),
    )
}


class Level(StrEnum):
    """Indonesian alert levels, calm to worst; people already read them."""

    normal = "normal"
    waspada = "waspada"
    siaga = "siaga"
    awas = "awas"

    @property
    def rank(self) -> int:
        return LEVEL_ORDER.index(self)


LEVEL_ORDER: tuple[Level, ...] = (Level.normal, Level.waspada, Level.siaga, Level.awas)

LEVEL_LABELS: dict[Level, dict[str, str]] = {
    Level.normal: {"id": "Normal", "en": "Normal"},
    Level.waspada: {"id": "Waspada", "en": "Watch"},
    Level.siaga: {"id": "Siaga", "en": "Alert"},
    Level.awas: {"id": "Awas", "en": "Warning"},
}


class Sentiment(StrEnum):
    negative = "negative"
    neutral = "neutral"
    positive = "positive"


def task_labels(task: str) -> frozenset[str]:
    """The labels a verdict can carry for a trainable task: a model must predict only these to answer."""
    return frozenset(Sentiment if task == "sentiment" else Topic)
