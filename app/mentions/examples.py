"""Request and response examples shown in Swagger UI: written for Sigap, about Kalimantan Timur."""

from __future__ import annotations

from typing import Any

MENTION_EXAMPLE: dict[str, Any] = {
    "source_type": "online_news",
    "source_name": "Kaltim Post",
    "url": "https://kaltim.example.id/berita/2026/11/27/banjir-rendam-lima-kecamatan-samarinda?utm_source=wa",
    "external_id": "kp-2026-11-27-0413",
    "title": "Banjir Rendam Lima Kecamatan di Samarinda, Ratusan Warga Mengungsi",
    "text": (
        "Hujan deras sejak Rabu malam membuat Sungai Karang Mumus meluap. Air setinggi 80 sentimeter "
        "merendam permukiman di Samarinda Utara, Sungai Pinang, Samarinda Ulu, Sambutan dan Sungai Kunjang. "
        "BPBD Kota Samarinda mencatat 412 kepala keluarga terdampak dan membuka posko pengungsian di "
        "GOR Segiri. Warga mengeluhkan pompa pengendali banjir di Jalan Lambung Mangkurat tidak menyala."
    ),
    "author": "Redaksi Kaltim Post",
    "published_at": "2026-11-27T07:45:00+08:00",
    "language": "id",
    "region_codes": ["64.72"],
    "metrics": {"reach": 48000, "views": 15200, "shares": 310, "comments": 87},
}

MENTION_PUBLIC_EXAMPLE: dict[str, Any] = {
    **MENTION_EXAMPLE,
    "id": 1024,
    "source_system": "Crawler media daring Diskominfo Kaltim",
    "published_at": "2026-11-27T07:45:00+08:00",
    "received_at": "2026-11-27T07:52:13.418000+08:00",
    "metrics": {**MENTION_EXAMPLE["metrics"], "likes": None},
    "issue_id": 87,
    "clustering": {"near_duplicate_of": None, "score": 0.62, "shared_terms": ["banjir", "sempaja", "rendam"]},
}

_SOCIAL_POST: dict[str, Any] = {
    "source_type": "x",
    "source_name": "X",
    "url": "https://x.com/warga_tenggarong/status/1861234567890123456",
    "external_id": "1861234567890123456",
    "text": (
        "Jalan poros Tenggarong - Kota Bangun amblas lagi di km 12, truk batu bara terjebak dari subuh. "
        "Sudah lapor dari bulan lalu belum ada perbaikan @DPUPRKaltim #KutaiKartanegara #jalanrusak"
    ),
    "author": "@warga_tenggarong",
    "published_at": "2026-11-27T06:10:00+08:00",
    "region_codes": ["64.03"],
    "metrics": {"likes": 230, "shares": 95, "comments": 41, "views": 12800},
}

BATCH_EXAMPLE: dict[str, Any] = {"items": [MENTION_EXAMPLE, _SOCIAL_POST]}
