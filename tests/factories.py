"""Realistic mentions about Kalimantan Timur, written for these tests."""

from __future__ import annotations

import itertools
from typing import Any

_counter = itertools.count(1)

_STORIES = [
    (
        "Banjir Rendam Permukiman di Samarinda Utara",
        "Hujan deras semalaman membuat Sungai Karang Mumus meluap dan merendam rumah warga di "
        "Samarinda Utara. BPBD Kota Samarinda mengevakuasi lansia dan membuka posko di GOR Segiri.",
        ["64.72"],
    ),
    (
        "Jalan Poros Tenggarong Amblas, Truk Batu Bara Terjebak",
        "Badan jalan poros Tenggarong - Kota Bangun di Kutai Kartanegara amblas sepanjang 20 meter. "
        "Warga meminta Dinas PUPR-PERA segera memperbaiki karena jalur ini dipakai angkutan sekolah.",
        ["64.03"],
    ),
    (
        "Kabut Asap Karhutla Ganggu Penerbangan di Balikpapan",
        "Titik panas di Penajam Paser Utara menyebabkan kabut asap tebal. Dua penerbangan di Bandara "
        "Sultan Aji Muhammad Sulaiman Sepinggan ditunda, Dinas Kesehatan membagikan masker.",
        ["64.71", "64.09"],
    ),
    (
        "Festival Kemilau Berau Tarik Ribuan Wisatawan",
        "Festival budaya di Tanjung Redeb ramai dikunjungi wisatawan dari Jawa dan Malaysia. "
        "Pelaku UMKM Berau mencatat kenaikan penjualan hingga tiga kali lipat.",
        ["64.05"],
    ),
]


def mention_payload(**overrides: Any) -> dict[str, Any]:
    n = next(_counter)
    title, text, regions = _STORIES[n % len(_STORIES)]
    payload: dict[str, Any] = {
        "source_type": "online_news",
        "source_name": "Kaltim Post",
        "url": f"https://kaltim.example.id/berita/2026/11/27/{n}-{title.lower().replace(' ', '-')[:40]}",
        "external_id": f"kp-{n:06d}",
        "title": title,
        "text": text,
        "author": "Redaksi Kaltim Post",
        "published_at": f"2026-11-27T{(n % 12) + 6:02d}:{n % 60:02d}:00+08:00",
        "region_codes": regions,
        "metrics": {"reach": 1000 * n, "shares": n % 50},
    }
    payload.update(overrides)
    return payload
