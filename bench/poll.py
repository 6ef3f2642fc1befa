"""Polling sources: items/s ingested from 200 RSS feeds of 50 items on a local server, and whether the
poller's memory stays flat over 10 rounds.

    .venv/bin/python bench/poll.py                                       # 200 x 50, 10 rounds (~3 min)
    .venv/bin/python bench/poll.py --sources 20 --items 10 --rounds 3    # quick check (~10 s)
    .venv/bin/python bench/poll.py --rounds 70                           # until SQLite's page cache is full
    .venv/bin/python bench/poll.py --rounds 6 --tracemalloc 15           # what grows (~20x slower)
    .venv/bin/python bench/poll.py --rounds-repeat 3 --json /tmp/poll.json

Method
------
- Feed server: a ``ThreadingHTTPServer`` on 127.0.0.1 in its own process (spawned, so its memory is never
  counted in the poller's RSS), reached as ``localhost`` (``outbound_allow_http_hosts="localhost"``). It
  serves RSS 2.0 at ``/feed/{n}.xml``: short Indonesian Kaltim news made from templates (flood, bad roads,
  chilli prices, dengue, festivals, PDAM, power cuts, fuel queues, fires ...; Samarinda, Balikpapan,
  Tenggarong, Sangatta, Bontang, Penajam ...), each item with its own guid and link, pubDate within the last
  hours (RFC 822, +0800). ETag per feed version; ``If-None-Match`` on the current one gets 304. Every feed
  version is built before the first request, so no timing includes the server generating XML.
- Poller: a fresh process per repeat (spawned) with a fresh SQLite database in a temp dir (migrated, reference
  data seeded) and ``--sources`` ``Source`` rows (rss, no watchlist, so every item is ingested;
  ``poll_interval_s=60``, agency ``diskominfo``). It polls as ``sigap worker`` does: ``Worker.poll_sources()``
  (claim 10 due sources, fetch each, record each in its own transaction), called until it returns 0.
- Round 1: every feed has ``--items`` new items. Rounds 2..``--rounds``: the worker's clock (a fake one passed
  to ``Worker``) moves 61 s on, so every source is due again; ``--changed`` feeds (default a tenth) gain
  ``--new-items`` (default a tenth of ``--items``) items, which push the oldest out of the feed; the others
  answer 304. Per round: the polls, the server's 200/304 answers, items seen and ingested, seconds and where
  they went (fetch, feedparser, the store of mentions, classification, clustering, the rest: claims, health
  bookkeeping and commits), then the process's RSS (``/proc/self/statm``), its peak
  (``getrusage().ru_maxrss``; the kernel updates it lazily, so it can read a little below the RSS) and the
  number of objects the garbage collector tracks after a ``gc.collect()`` (taken after the RSS: a leak
  indicator that the allocator's caching cannot blur), and SQLite's own allocations
  (``sqlite3_memory_used()`` of the loaded libsqlite3 via ctypes: mostly page caches, up to 64 MiB per
  connection in Sigap), so growth can be told apart as cache or heap.
- Baseline, in the same process and run: the same feeds fetched with httpx (same client options as the worker:
  no keep-alive, no proxies) and read with ``parsing.parse_feed``, nothing stored; once before round 1 and
  once after the last round. Intake's own cost per item is round 1's time per item minus the baseline's.
- Flat memory: RSS after rounds 4..R (rounds 2 and 3 still warm caches): its spread (max - min) and the
  least-squares slope in MiB per round, for the whole process and apart for SQLite's memory and the rest.
  When SQLite's memory stayed within 0.1 MiB over the last 5 or more rounds, the RSS of those rounds too.

Exit status: 0 for a clean run; 1 when the run failed or a check failed (a round ingested other than the new
items, the server answered other than expected, a source recorded an error, or the database holds other than
the expected mentions): then the figures are not to be trusted.
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing
import os
import random
import resource
import shlex
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import traceback
import tracemalloc
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

WITA = timezone(timedelta(hours=8))
MIB = 1024 * 1024
POLL_INTERVAL_S = 60

# --- the news ---------------------------------------------------------------------------------------------

# code: (town in datelines, kecamatan, kelurahan/desa, streets, markets, river)
PLACES: dict[str, tuple[str, list[str], list[str], list[str], list[str], str]] = {
    "64.72": ("Samarinda", ["Sungai Pinang", "Samarinda Ulu", "Sambutan", "Palaran", "Sungai Kunjang",
              "Samarinda Utara"], ["Temindung Permai", "Sempaja Selatan", "Gunung Kelua", "Air Hitam",
              "Lok Bahu", "Sidodadi"], ["Jalan Juanda", "Jalan P. Antasari", "Jalan D.I. Panjaitan",
              "Jalan Cendana", "Jalan Slamet Riyadi"], ["Pasar Segiri", "Pasar Pagi", "Pasar Merdeka"],
              "Sungai Karang Mumus"),
    "64.71": ("Balikpapan", ["Balikpapan Utara", "Balikpapan Selatan", "Balikpapan Timur", "Balikpapan Barat",
              "Balikpapan Tengah"], ["Gunung Samarinda", "Sepinggan", "Manggar", "Karang Joang",
              "Gunung Sari Ilir"], ["Jalan Soekarno-Hatta", "Jalan MT Haryono", "Jalan Jenderal Sudirman",
              "Jalan Ruhui Rahayu"], ["Pasar Klandasan", "Pasar Pandansari", "Pasar Baru"], "Sungai Manggar"),
    "64.74": ("Bontang", ["Bontang Utara", "Bontang Selatan", "Bontang Barat"], ["Api-Api", "Guntung",
              "Berbas Tengah", "Tanjung Laut", "Belimbing"], ["Jalan Ahmad Yani", "Jalan Bhayangkara",
              "Jalan Awang Long"], ["Pasar Rawa Indah", "Pasar Tamrin"], "Sungai Bontang"),
    "64.03": ("Tenggarong", ["Tenggarong", "Tenggarong Seberang", "Loa Kulu", "Loa Janan", "Muara Badak"],
              ["Loa Ipuh", "Timbau", "Maluhu", "Melayu", "Sukarame"], ["Jalan Wolter Monginsidi",
              "Jalan Imam Bonjol", "Jalan Poros Tenggarong-Samarinda"], ["Pasar Tangga Arung",
              "Pasar Mangkurawang"], "Sungai Mahakam"),
    "64.04": ("Sangatta", ["Sangatta Utara", "Sangatta Selatan", "Bengalon", "Muara Wahau"], ["Teluk Lingga",
              "Swarga Bara", "Singa Gembara", "Sangatta Lama"], ["Jalan Yos Sudarso", "Jalan APT Pranoto",
              "Jalan Poros Sangatta-Bengalon"], ["Pasar Induk Sangatta", "Pasar Teluk Lingga"],
              "Sungai Sangatta"),
    "64.09": ("Penajam", ["Penajam", "Waru", "Babulu", "Sepaku"], ["Nipah-Nipah", "Gunung Seteleng", "Petung",
              "Sotek", "Pemaluan"], ["Jalan Provinsi Km 9", "Jalan Propinsi Penajam", "Jalan Poros Sepaku"],
              ["Pasar Induk Penajam", "Pasar Petung"], "Sungai Riko"),
    "64.01": ("Tanah Grogot", ["Tanah Grogot", "Long Ikis", "Batu Sopang", "Kuaro"], ["Tanah Periuk",
              "Senaken", "Tapis"], ["Jalan Sultan Ibrahim Khaliluddin", "Jalan Kusuma Bangsa"],
              ["Pasar Senaken"], "Sungai Kandilo"),
    "64.05": ("Tanjung Redeb", ["Tanjung Redeb", "Gunung Tabur", "Sambaliung", "Talisayan"], ["Bugis",
              "Gayam", "Karang Ambun"], ["Jalan SA Maulana", "Jalan Pemuda"], ["Pasar Sanggam Adji Dilayas"],
              "Sungai Segah"),
}  # fmt: skip
REGIONS = list(PLACES)
OUTLETS = [
    "Warta Etam", "Kabar Mahakam", "Suara Benua Etam", "Tribun Tepian", "Pos Borneo Timur", "Radar Pesisir",
    "Kaltim Terkini", "Berita Kutai", "Sapa Balikpapan", "Lensa Bontang",
]  # fmt: skip
PEOPLE = [
    "Rahmat", "Siti Aminah", "Junaidi", "Herlina", "Syahrani", "Norhayati", "Arbain", "Rusmini", "Hendra",
    "Kartini", "Fahrul", "Masitah",
]  # fmt: skip
WHEN = [
    "Senin malam",
    "Selasa sore",
    "Rabu dini hari",
    "Kamis pagi",
    "Jumat siang",
    "Sabtu malam",
    "Minggu pagi",
]

# topic: (titles, leads, further sentences); fields are filled from _fields().
TOPICS: dict[str, tuple[list[str], list[str], list[str]]] = {
    "banjir": (
        [
            "Banjir Rendam {n} Rumah di {kel}, {kota}",
            "Hujan Deras, Sejumlah Ruas Jalan di {kota} Tergenang",
            "BPBD {kota} Siagakan Perahu Karet di {kec}",
        ],
        [
            "Hujan deras sejak {when} membuat air setinggi {cm} sentimeter merendam permukiman di {kel}, "
            "Kecamatan {kec}.",
            "Luapan {sungai} kembali menggenangi {jalan} dan permukiman di {kel}.",
        ],
        [
            "Warga RT {rt} mulai memindahkan barang ke tempat yang lebih tinggi.",
            "BPBD {kota} menyiagakan {regu} regu dan membuka posko di kantor kelurahan.",
            "Ketua RT {rt}, {nama}, mengatakan genangan belum surut hingga pukul {jam}.00 WITA.",
        ],
    ),
    "jalan": (
        [
            "{jalan} Berlubang, Pengendara Diminta Hati-Hati",
            "Warga {kec} Keluhkan Jalan Rusak Sepanjang {km} Km",
            "Dinas PUPR Janji Perbaiki {jalan} Bulan Depan",
        ],
        [
            "Lubang sedalam {cm} sentimeter di {jalan}, {kota}, sudah berkali-kali membuat pengendara jatuh.",
            "Kerusakan jalan di {kec} sepanjang {km} kilometer dikeluhkan warga dan sopir angkutan.",
        ],
        [
            "Dinas PUPR menyebut perbaikan menunggu anggaran perubahan.",
            "Saat hujan, lubang tertutup genangan sehingga tidak terlihat, kata {nama}, warga {kel}.",
            "Warga menanam pohon pisang di tengah jalan sebagai tanda bahaya.",
        ],
    ),
    "cabai": (
        [
            "Harga Cabai Rawit di {pasar} Tembus Rp{harga}.000 per Kilogram",
            "Pedagang {kota} Sebut Pasokan Cabai dari Sulawesi Berkurang",
        ],
        [
            "Harga cabai rawit di {pasar}, {kota}, naik menjadi Rp{harga}.000 per kilogram {when}.",
            "Pedagang di {pasar} mengeluhkan pasokan cabai yang turun hampir {persen} persen.",
        ],
        [
            "Sepekan lalu harganya masih sekitar Rp{harga2}.000.",
            "Pembeli mulai mengurangi belanja, kata {nama}, pedagang sayur.",
            "Dinas Perdagangan berencana menggelar operasi pasar.",
        ],
    ),
    "dbd": (
        ["Kasus DBD di {kota} Naik, {n} Warga Dirawat", "Dinkes {kota} Gelar Fogging di {kel}"],
        [
            "Dinas Kesehatan {kota} mencatat {n} kasus demam berdarah dengue sejak awal bulan.",
            "Pengasapan digelar di {kel}, Kecamatan {kec}, setelah {n} warga dirawat karena DBD.",
        ],
        [
            "Warga diminta menjalankan 3M plus: menguras, menutup, dan mendaur ulang.",
            "Puskesmas {kec} menyiapkan tambahan tempat tidur.",
            "Dua pasien di antaranya masih anak-anak.",
        ],
    ),
    "festival": (
        [
            "Festival Kuliner {kota} Digelar di Tepian {sungai} Akhir Pekan Ini",
            "Ribuan Warga Padati Festival Budaya di {kec}",
        ],
        [
            "Pemerintah kota menggelar festival kuliner dan budaya di tepian {sungai} mulai {when}.",
            "Sebanyak {n} pelaku UMKM ikut meramaikan festival di {kec}, {kota}.",
        ],
        [
            "Panitia menyiapkan kantong parkir di {jalan}.",
            "Festival menampilkan tari Jepen dan musik Tingkilan.",
            "Pengunjung diimbau memakai angkutan umum.",
        ],
    ),
    "pdam": (
        [
            "Air PDAM Mati Tiga Hari, Warga {kel} Beli Air Tandon",
            "Perumdam {kota} Perbaiki Pipa Bocor di {jalan}",
        ],
        [
            "Aliran air bersih ke {n} sambungan rumah di {kel}, {kota}, terhenti sejak {when}.",
            "Pipa transmisi berdiameter {cm} sentimeter bocor di {jalan} sehingga distribusi air terganggu.",
        ],
        [
            "Warga terpaksa membeli air tandon seharga Rp{harga}.000 per tandon.",
            "Perumdam mengerahkan mobil tangki ke {kec}.",
            "{nama}, warga RT {rt}, mengaku belum menerima pemberitahuan.",
        ],
    ),
    "listrik": (
        [
            "Listrik Padam Bergilir di {kota}, PLN Sebut Gangguan Pembangkit",
            "Pemadaman Listrik Ganggu UMKM {kec}",
        ],
        [
            "Pemadaman listrik bergilir terjadi di {kec}, {kota}, hingga {jam} jam sehari.",
            "PLN UP3 {kota} menyebut gangguan pada pembangkit membuat pasokan listrik berkurang.",
        ],
        [
            "Pelaku usaha es dan laundry mengaku merugi.",
            "PLN meminta maaf dan menjanjikan pemulihan dalam {n} hari.",
            "Warga {kel} meminta jadwal pemadaman diumumkan lebih awal.",
        ],
    ),
    "bbm": (
        [
            "Antrean Solar di SPBU {jalan} Mengular hingga {m} Meter",
            "Sopir Truk di {kota} Keluhkan Solar Langka",
        ],
        [
            "Antrean truk pengisi solar di SPBU {jalan}, {kota}, mengular hingga {m} meter {when}.",
            "Sopir truk di {kota} mengaku harus menunggu hingga {jam} jam untuk mendapat solar.",
        ],
        [
            "Pertamina menyebut kuota solar subsidi sudah ditambah.",
            "Antrean membuat arus lalu lintas di {jalan} tersendat.",
            "{nama}, sopir truk, mengaku kehilangan satu hari kerja.",
        ],
    ),
    "kebakaran": (
        ["Kebakaran Hanguskan {n} Rumah di {kel}, {kota}", "Si Jago Merah Lalap Permukiman Padat di {kec}"],
        [
            "Api menghanguskan {n} rumah di {kel}, Kecamatan {kec}, {kota}, {when}.",
            "Kebakaran melanda permukiman padat di {kec} dan membuat {n} keluarga kehilangan tempat tinggal.",
        ],
        [
            "Damkar mengerahkan {regu} unit mobil pemadam.",
            "Dugaan sementara api berasal dari korsleting listrik.",
            "Tidak ada korban jiwa, kata {nama}, ketua RT {rt}.",
        ],
    ),
    "longsor": (
        ["Longsor di {kec} Tutup Akses Jalan Warga", "Tebing Longsor Timpa Rumah Warga di {kel}"],
        [
            "Tanah longsor menutup akses jalan di {kel}, {kec}, setelah hujan deras {when}.",
            "Tebing setinggi {m} meter longsor dan menimpa bagian belakang rumah warga di {kel}, {kota}.",
        ],
        [
            "BPBD memasang garis pengaman dan meminta warga mengungsi sementara.",
            "Alat berat dikerahkan untuk membersihkan material longsor.",
            "Warga RT {rt} diminta waspada.",
        ],
    ),
    "asap": (
        [
            "Karhutla {ha} Hektare di {kec}, Kabut Asap Mulai Terasa",
            "Satgas Karhutla {kota} Padamkan Api di Lahan",
        ],
        [
            "Kebakaran hutan dan lahan seluas {ha} hektare terjadi di {kec}, {kota}.",
            "Kabut asap mulai menyelimuti {kota} sejak {when} akibat kebakaran lahan gambut.",
        ],
        [
            "Warga diminta memakai masker saat beraktivitas di luar rumah.",
            "Manggala Agni mengerahkan {regu} regu pemadam.",
            "Jarak pandang di {jalan} turun hingga {m} meter.",
        ],
    ),
    "buaya": (
        ["Buaya Muara Muncul di {sungai}, Warga Diminta Waspada", "Warga {kel} Lihat Buaya di Dekat Dermaga"],
        [
            "Seekor buaya muara sepanjang {m} meter terlihat di {sungai} dekat permukiman {kel}.",
            "Warga {kel}, {kota}, dihebohkan kemunculan buaya muara di dekat dermaga {when}.",
        ],
        [
            "BKSDA meminta warga tidak mandi di sungai.",
            "Video kemunculan buaya beredar di grup warga.",
            "{nama}, warga setempat, mengaku melihat buaya itu dua kali.",
        ],
    ),
    "pasar_murah": (
        [
            "Pemkot {kota} Gelar Pasar Murah, Beras SPHP Dijual Rp{harga}.000",
            "Pasar Murah di {kec} Diserbu Warga",
        ],
        [
            "Pasar murah digelar di halaman kantor Kecamatan {kec}, {kota}, {when}.",
            "Sebanyak {n} paket sembako dijual murah kepada warga {kel}.",
        ],
        [
            "Beras SPHP lima kilogram dijual Rp{harga}.000.",
            "Warga mulai antre sejak pukul {jam}.00 WITA.",
            "Stok minyak goreng habis dalam dua jam.",
        ],
    ),
    "sekolah": (
        [
            "Atap Kelas SD Negeri {nomor} {kota} Ambruk, Siswa Belajar di Teras",
            "Orang Tua Murid di {kec} Keluhkan Gedung Sekolah Rusak",
        ],
        [
            "Atap dua ruang kelas SD Negeri {nomor} {kota} di {kel} ambruk {when}.",
            "Gedung SD Negeri {nomor} di {kec} rusak dan {n} siswa belajar bergantian.",
        ],
        [
            "Tidak ada siswa yang terluka karena kejadian di luar jam pelajaran.",
            "Disdikbud berjanji memasukkan perbaikan ke anggaran tahun depan.",
            "{nama}, orang tua murid, meminta perbaikan segera.",
        ],
    ),
    "stunting": (
        ["Posyandu di {kel} Timbang {n} Balita, Angka Stunting Turun", "Dinkes {kota} Sasar Balita Stunting"],
        [
            "Posyandu di {kel}, {kec}, menimbang {n} balita dalam bulan penimbangan {when}.",
            "Angka stunting di {kota} turun {persen} persen menurut data Dinas Kesehatan.",
        ],
        [
            "Kader posyandu membagikan makanan tambahan.",
            "Ibu hamil juga diperiksa gratis.",
            "{nama}, kader posyandu RT {rt}, mengatakan partisipasi warga meningkat.",
        ],
    ),
}


def _fields(rng: random.Random, code: str) -> dict[str, Any]:
    town, kecs, kels, streets, markets, river = PLACES[code]
    low, high = sorted((rng.randint(20, 95), rng.randint(20, 95)))
    return {
        "kota": town,
        "kec": rng.choice(kecs),
        "kel": rng.choice(kels),
        "jalan": rng.choice(streets),
        "pasar": rng.choice(markets),
        "sungai": river,
        "nama": rng.choice(PEOPLE),
        "when": rng.choice(WHEN),
        "n": rng.randint(3, 480),
        "rt": rng.randint(1, 45),
        "cm": rng.randint(10, 150),
        "regu": rng.randint(2, 9),
        "jam": rng.randint(5, 22),
        "km": rng.randint(2, 18),
        "harga": high,
        "harga2": low,
        "persen": rng.randint(5, 40),
        "m": rng.randint(3, 900),
        "ha": rng.randint(2, 300),
        "nomor": rng.randint(1, 60),
    }


def news_item(seed: int, feed: int, index: int) -> tuple[str, str]:
    """(title, HTML description) of item ``index`` of feed ``feed``: mostly about the outlet's home region."""
    rng = random.Random(f"{seed}:{feed}:{index}")
    code = REGIONS[feed % len(REGIONS)] if rng.random() < 0.7 else rng.choice(REGIONS)
    titles, leads, more = TOPICS[rng.choice(list(TOPICS))]
    fields = _fields(rng, code)
    title = rng.choice(titles).format(**fields)
    sentences = [rng.choice(leads), *rng.sample(more, rng.randint(1, 2))]
    paragraphs = [s.format(**fields) for s in sentences]
    body = f"<p><strong>{fields['kota'].upper()}</strong> &#8211; {paragraphs[0]}</p>" + "".join(
        f"<p>{p}</p>" for p in paragraphs[1:]
    )
    return title, body


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())[:80]


# --- the feed plan and server -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Plan:
    sources: int
    items: int
    rounds: int
    changed: int
    new_items: int
    seed: int
    base: float  # epoch seconds: the fake clock's start; item dates are around it

    def changed_in(self, round_no: int) -> set[int]:
        """Feeds that gain items in this round (a block that moves round by round)."""
        if round_no < 2:
            return set()
        start = (round_no - 2) * self.changed
        return {(start + i) % self.sources for i in range(self.changed)}

    def generation(self, feed: int, round_no: int) -> int:
        return sum(feed in self.changed_in(r) for r in range(2, round_no + 1))

    def new_in(self, round_no: int) -> int:
        return self.sources * self.items if round_no == 1 else self.changed * self.new_items

    def url(self, port: int, feed: int) -> str:
        return f"http://localhost:{port}/feed/{feed}.xml"


def outlet(feed: int) -> str:
    return f"{OUTLETS[feed % len(OUTLETS)]} {feed // len(OUTLETS) + 1}"


def feed_xml(plan: Plan, feed: int, generation: int) -> bytes:
    """The feed after ``generation`` changes: the ``items`` newest items, newest first."""
    name = outlet(feed)
    site = f"https://{_slug(name)}.example"
    base = datetime.fromtimestamp(plan.base, UTC)
    first = generation * plan.new_items
    parts = []
    for index in range(first + plan.items - 1, first - 1, -1):
        if index < plan.items:  # the first round's items: every 4 minutes over the hours before the start
            published = base - timedelta(minutes=4 * (plan.items - index), seconds=index % 50)
        else:  # later ones: in the minutes after it
            published = base + timedelta(seconds=10 * (index - plan.items + 1))
        title, body = news_item(plan.seed, feed, index)
        day = published.astimezone(WITA)
        link = f"{site}/{day:%Y/%m/%d}/{_slug(title)}-{feed}-{index}"
        parts.append(
            "    <item>\n"
            f"      <title>{escape(title)}</title>\n"
            f"      <link>{escape(link)}</link>\n"
            f'      <guid isPermaLink="false">{_slug(name)}-{feed}-{index:06d}</guid>\n'
            f"      <pubDate>{format_datetime(day)}</pubDate>\n"
            f"      <dc:creator>Redaksi {escape(name)}</dc:creator>\n"
            f"      <description><![CDATA[{body}]]></description>\n"
            "    </item>\n"
        )
    built = format_datetime((base + timedelta(seconds=61 * generation)).astimezone(WITA))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">\n  <channel>\n'
        f"    <title>{escape(name)}</title>\n    <link>{site}/</link>\n"
        f"    <description>Berita Benua Etam dari {escape(name)} (bench Sigap, bukan berita nyata)"
        "</description>\n"
        f"    <language>id</language>\n    <lastBuildDate>{built}</lastBuildDate>\n"
        + "".join(parts)
        + "  </channel>\n</rss>\n"
    ).encode()


def serve_feeds(plan: Plan, round_value: Any, counts: Any, stop: Any, ready: Any) -> None:
    """The feed server process: answers for the round in ``round_value``; counts 200/304/other answers."""
    rounds = range(1, plan.rounds + 1)
    generations = {(feed, r): plan.generation(feed, r) for feed in range(plan.sources) for r in rounds}
    by_generation = {(feed, gen): b"" for (feed, _), gen in generations.items()}
    for feed, gen in by_generation:
        by_generation[(feed, gen)] = feed_xml(plan, feed, gen)

    def count(slot: int) -> None:
        with counts.get_lock():
            counts[slot] += 1

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            name = self.path.removeprefix("/feed/").removesuffix(".xml")
            if not (self.path.startswith("/feed/") and name.isdigit() and int(name) < plan.sources):
                count(2)
                self.send_response(404)
                self.send_header("content-length", "0")
                self.end_headers()
                return
            feed = int(name)
            gen = generations.get((feed, round_value.value), 0)
            body = by_generation[(feed, gen)]
            tag = f'"f{feed}-g{gen}"'
            if self.headers.get("if-none-match") == tag:
                count(1)
                self.send_response(304)
                self.send_header("etag", tag)
                self.end_headers()
                return
            count(0)
            self.send_response(200)
            self.send_header("content-type", "application/rss+xml; charset=utf-8")
            self.send_header("etag", tag)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ready.send((server.server_port, sum(len(b) for b in by_generation.values())))
    stop.wait()
    server.shutdown()
    server.server_close()


# --- measuring --------------------------------------------------------------------------------------------


def rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / MIB


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def sqlite_memory() -> Any:
    """``sqlite3_memory_used()`` of the SQLite library the sqlite3 module uses (page caches, statements), or
    None when that library cannot be loaded by name (a statically linked build)."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("sqlite3")
    if name is None:
        return None
    major, minor, patch = sqlite3.sqlite_version_info
    try:
        library = ctypes.CDLL(name)
        if library.sqlite3_libversion_number() != major * 1_000_000 + minor * 1000 + patch:
            return None  # another copy of SQLite: its counters are not the ones in use
    except (OSError, AttributeError):
        return None
    used = library.sqlite3_memory_used
    used.restype = ctypes.c_int64
    return lambda: used() / MIB


class Timers:
    """Seconds spent in the poller's steps, by wrapping the module attributes it calls through."""

    LABELS = ("fetch", "parse", "store_batch", "classify", "cluster")

    def __init__(self) -> None:
        self.seconds = dict.fromkeys(self.LABELS, 0.0)

    def reset(self) -> None:
        self.seconds = dict.fromkeys(self.LABELS, 0.0)

    def install(self) -> None:
        import app.classification.intake as classification_intake
        import app.issues.clustering as clustering
        from app.mentions import service as mentions
        from app.monitoring import parsing, poller

        self._wrap(poller, "fetch", "fetch")  # Worker.fetch calls poller.fetch
        self._wrap(parsing, "parse_feed", "parse")  # poller.record calls parsing.parse_feed
        self._wrap(mentions, "store_batch", "store_batch")  # poller._ingest calls mentions.store_batch
        # pipeline.steps() imports the steps from their modules on every call
        self._wrap(classification_intake, "classify_new_mentions", "classify")
        self._wrap(clustering, "attach_new_mentions", "cluster")

    def _wrap(self, module: Any, name: str, label: str) -> None:
        inner = getattr(module, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - started

        setattr(module, name, timed)


def allocation_growth(before: Any, after: Any, top: int) -> list[str]:
    """The ``top`` source lines whose live allocations grew most, each with where Sigap's code called it."""
    ignore = [
        tracemalloc.Filter(False, tracemalloc.__file__),
        tracemalloc.Filter(False, "<frozen importlib*"),
    ]
    before, after = before.filter_traces(ignore), after.filter_traces(ignore)
    total = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    lines = [f"total traced growth: {total / 1024:+.1f} KiB"]
    by_trace = after.compare_to(before, "traceback")  # tracebacks run from the oldest frame to the newest
    app_dir = f"{os.sep}app{os.sep}"
    for stat in after.compare_to(before, "lineno")[:top]:
        frame = stat.traceback[0]
        where = f"{_short(frame.filename)}:{frame.lineno}"
        lines.append(f"{stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d} blocks  {where}")
        # the call path that grew most through this line: its innermost frame in Sigap's code
        path = next((t.traceback for t in by_trace if t.traceback[-1] == frame and t.size_diff > 0), None)
        caller = next((f for f in reversed(path or []) if app_dir in f.filename), None)
        if caller is not None and caller != frame:
            lines.append(f"{'':>32}via {_short(caller.filename)}:{caller.lineno}")
    return lines


def _short(filename: str) -> str:
    for marker in ("site-packages" + os.sep, str(ROOT) + os.sep, os.path.dirname(os.__file__) + os.sep):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def fetch_and_parse(plan: Plan, port: int) -> dict[str, float]:
    """The baseline: every feed fetched (unconditionally) and parsed, nothing stored."""
    import httpx

    from app.monitoring import parsing, poller
    from app.monitoring.models import SourceKind

    headers = {"Accept": poller.ACCEPT[SourceKind.rss], "User-Agent": "Sigap-Pemantau/1 (Diskominfo Kaltim)"}
    fetch_s = parse_s = 0.0
    items = size = 0
    with httpx.Client(
        follow_redirects=False,
        timeout=15.0,
        trust_env=False,
        limits=httpx.Limits(max_keepalive_connections=0),
    ) as client:
        for feed in range(plan.sources):
            url = plan.url(port, feed)
            started = time.perf_counter()
            response = client.get(url, headers=headers)
            response.raise_for_status()
            content = response.content
            fetched = time.perf_counter()
            parsed = parsing.parse_feed(
                content, content_type=response.headers.get("content-type"), base_url=url
            )
            parse_s += time.perf_counter() - fetched
            fetch_s += fetched - started
            items += len(parsed)
            size += len(content)
    seconds = fetch_s + parse_s
    return {"items": items, "bytes": size, "seconds": seconds, "fetch_s": fetch_s, "parse_s": parse_s,
            "items_per_s": items / seconds}  # fmt: skip


ROUND_HEADER = (
    f"{'round':>5} {'polled':>6} {'200':>4} {'304':>4} {'seen':>6} {'new':>6} {'s':>7} {'new/s':>7} "
    f"{'fetch':>6} {'parse':>6} {'store':>6} {'classf':>6} {'clustr':>6} {'rest':>6} "
    f"{'RSS MiB':>8} {'peak':>7} {'sqlite':>7} {'objects':>8}"
)


def round_line(row: dict[str, Any]) -> str:
    t = row["steps"]
    rate = f"{row['new'] / row['seconds']:>7.0f}" if row["new"] else f"{'-':>7}"
    sqlite = "-" if row["sqlite_mib"] is None else f"{row['sqlite_mib']:.1f}"
    return (
        f"{row['round']:>5} {row['polled']:>6} {row['ok']:>4} {row['not_modified']:>4} {row['seen']:>6} "
        f"{row['new']:>6} {row['seconds']:>7.2f} {rate} {t['fetch']:>6.2f} {t['parse']:>6.2f} "
        f"{t['store']:>6.2f} {t['classify']:>6.2f} {t['cluster']:>6.2f} {t['rest']:>6.2f} "
        f"{row['rss_mib']:>8.1f} {row['peak_mib']:>7.1f} {sqlite:>7} {row['objects']:>8}"
    )


def run_poller(plan: Plan, port: int, round_value: Any, counts: Any, trace: int, out: Any) -> None:
    """One repeat, in its own process; sends a result dict (or {"error": traceback}) through ``out``."""
    try:
        out.send(_poll(plan, port, round_value, counts, trace, rss_mib()))
    except BaseException:
        out.send({"error": traceback.format_exc()})
        raise


def _poll(
    plan: Plan, port: int, round_value: Any, counts: Any, trace: int, rss_start: float
) -> dict[str, Any]:
    from sqlalchemy import func, text
    from sqlmodel import col, select

    from app import migrations
    from app.config import Environment, Settings
    from app.db import Database, build_engine
    from app.monitoring.models import Source
    from app.reference.service import seed as seed_reference
    from app.worker import Worker

    started = time.perf_counter()
    result: dict[str, Any] = {"rss_start_mib": rss_start, "rss_imported_mib": rss_mib(), "checks": []}
    with tempfile.TemporaryDirectory(prefix="sigap_poll_") as tmp:
        url = f"sqlite:///{tmp}/poll.db"
        migrations.upgrade(url)
        settings = Settings(env=Environment.test, database_url=url, outbound_allow_http_hosts="localhost")
        database = Database(build_engine(settings))
        start = datetime.fromtimestamp(plan.base, UTC)
        with database.session() as session:
            seed_reference(session)
        with database.session() as session:
            for feed in range(plan.sources):
                session.add(
                    Source(
                        kind="rss",
                        url=plan.url(port, feed),
                        name=outlet(feed),
                        poll_interval_s=POLL_INTERVAL_S,
                        region_codes=[REGIONS[feed % len(REGIONS)]],
                        watchlist=[],
                        use_default_watchlist=False,
                        agency_code="diskominfo",
                        next_poll_at=start,
                    )
                )
        clock = Clock(start)
        worker = Worker(database, settings, clock)
        timers = Timers()
        timers.install()
        sqlite_used = sqlite_memory()
        round_value.value = 1
        result["setup_s"] = time.perf_counter() - started
        result["rss_setup_mib"] = rss_mib()
        result["baseline_before"] = fetch_and_parse(plan, port)
        result["rss_before_mib"] = rss_mib()
        print(
            f"  setup {result['setup_s']:.1f} s; baseline fetch+parse: {result['baseline_before']['items']} "
            f"items in {result['baseline_before']['seconds']:.2f} s; RSS {result['rss_before_mib']:.1f} MiB",
            flush=True,
        )
        print(ROUND_HEADER, flush=True)

        def totals() -> tuple[int, int]:
            with database.session(write=False) as session:
                seen, ingested = session.exec(
                    select(func.sum(col(Source.items_seen)), func.sum(col(Source.items_ingested)))
                ).one()
                return int(seen or 0), int(ingested or 0)

        rows = []
        before_seen, before_ingested = totals()
        for round_no in range(1, plan.rounds + 1):
            round_value.value = round_no
            with counts.get_lock():
                counts[0] = counts[1] = counts[2] = 0
            if round_no > 1:
                clock.now += timedelta(seconds=POLL_INTERVAL_S + 1)
            timers.reset()
            polled = 0
            began = time.perf_counter()
            while batch := worker.poll_sources():
                polled += batch
            seconds = time.perf_counter() - began
            rss, peak = rss_mib(), peak_mib()
            in_sqlite = sqlite_used() if sqlite_used else None
            seen, ingested = totals()
            steps = dict(timers.seconds)
            steps["store"] = steps["store_batch"] - steps["classify"] - steps["cluster"]
            steps["rest"] = seconds - steps["fetch"] - steps["parse"] - steps["store_batch"]
            gc.collect()
            row = {
                "round": round_no, "polled": polled, "ok": counts[0], "not_modified": counts[1],
                "other": counts[2], "seen": seen - before_seen, "new": ingested - before_ingested,
                "expected_new": plan.new_in(round_no), "seconds": seconds, "steps": steps, "rss_mib": rss,
                "sqlite_mib": in_sqlite, "peak_mib": peak, "objects": len(gc.get_objects()),
            }  # fmt: skip
            before_seen, before_ingested = seen, ingested
            rows.append(row)
            print(round_line(row), flush=True)
            if trace and round_no == 2:
                tracemalloc.start(12)
            elif trace and round_no == 3:
                traced_from = tracemalloc.take_snapshot()
            elif trace and round_no == plan.rounds and round_no > 3:
                result["growth"] = allocation_growth(traced_from, tracemalloc.take_snapshot(), trace)
                tracemalloc.stop()
            changed = len(plan.changed_in(round_no)) if round_no > 1 else plan.sources
            expect = (plan.sources, changed, plan.sources - changed, 0, plan.new_in(round_no))
            got = (row["polled"], row["ok"], row["not_modified"], row["other"], row["new"])
            if got != expect:
                result["checks"].append(
                    f"round {round_no}: (polled, 200, 304, other, ingested) = {got}, expected {expect}"
                )
        result["rounds"] = rows
        result["baseline_after"] = after = fetch_and_parse(plan, port)
        print(
            f"  baseline fetch+parse after the last round: {after['items']} items in {after['seconds']:.2f} s"
        )
        with database.session(write=False) as session:
            stored = session.execute(text("SELECT count(*) FROM mention")).scalar_one()
            failing = session.exec(
                select(Source.id, Source.last_error).where(col(Source.last_error).is_not(None))
            ).all()
        expected = sum(plan.new_in(r) for r in range(1, plan.rounds + 1))
        result["mentions"] = stored
        if stored != expected:
            result["checks"].append(f"the database holds {stored} mentions, expected {expected}")
        for source_id, error in failing[:5]:
            result["checks"].append(f"source {source_id} recorded an error: {error}")
        for name in ("baseline_before", "baseline_after"):
            if result[name]["items"] != plan.sources * plan.items:
                result["checks"].append(f"{name} parsed {result[name]['items']} items")
        result["db_bytes"] = sum(f.stat().st_size for f in Path(tmp).iterdir())
        worker.close()
        database.dispose()
    return result


# --- report -----------------------------------------------------------------------------------------------


def memory_figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Spread and slope of RSS after rounds 4..R (2..R when there are fewer)."""
    tail = [r for r in rows if r["round"] >= 4] or [r for r in rows if r["round"] >= 2]
    figures: dict[str, Any] = {"from_round": tail[0]["round"] if tail else None}
    if len(tail) >= 2:
        xs, ys = [r["round"] for r in tail], [r["rss_mib"] for r in tail]
        figures["spread_mib"] = max(ys) - min(ys)
        figures["slope_mib_per_round"] = statistics.linear_regression(xs, ys).slope
        objects = [r["objects"] for r in tail]
        figures["objects_slope_per_round"] = statistics.linear_regression(xs, objects).slope
        if all(r["sqlite_mib"] is not None for r in tail):
            in_sqlite = [r["sqlite_mib"] for r in tail]
            figures["sqlite_slope_mib_per_round"] = statistics.linear_regression(xs, in_sqlite).slope
            outside = [rss - used for rss, used in zip(ys, in_sqlite, strict=True)]
            figures["outside_sqlite_spread_mib"] = max(outside) - min(outside)
            figures["outside_sqlite_slope_mib_per_round"] = statistics.linear_regression(xs, outside).slope
    later = [r for r in rows if r["round"] >= 2]
    if later:
        figures["growth_2_to_last_mib"] = later[-1]["rss_mib"] - later[0]["rss_mib"]
    # Rounds after SQLite's memory stopped growing (its page caches are capped): at least 5 of them.
    if later and all(r["sqlite_mib"] is not None for r in later):
        settled = 0  # how many of the last rounds are within 0.1 MiB of the final figure
        while settled < len(later) and later[-1]["sqlite_mib"] - later[-1 - settled]["sqlite_mib"] <= 0.1:
            settled += 1
        full = later[-settled:]
        if settled >= 5:
            ys = [r["rss_mib"] for r in full]
            figures["cache_full"] = {
                "from_round": full[0]["round"],
                "sqlite_mib": full[-1]["sqlite_mib"],
                "spread_mib": max(ys) - min(ys),
                "slope_mib_per_round": statistics.linear_regression([r["round"] for r in full], ys).slope,
            }
    return figures


def summarise(plan: Plan, results: list[dict[str, Any]]) -> dict[str, Any]:
    first = [r["rounds"][0] for r in results]
    baselines = [r[name] for r in results for name in ("baseline_before", "baseline_after")]
    intake_rate = statistics.median(row["new"] / row["seconds"] for row in first)
    intake_ms = statistics.median(1000 * row["seconds"] / row["new"] for row in first)
    base_rate = statistics.median(b["items_per_s"] for b in baselines)
    base_ms = statistics.median(1000 * b["seconds"] / b["items"] for b in baselines)
    summary: dict[str, Any] = {
        "round1_items_per_s": intake_rate,
        "round1_ms_per_item": intake_ms,
        "baseline_items_per_s": base_rate,
        "baseline_ms_per_item": base_ms,
        "baseline_fetch_ms_per_item": statistics.median(1000 * b["fetch_s"] / b["items"] for b in baselines),
        "baseline_parse_ms_per_item": statistics.median(1000 * b["parse_s"] / b["items"] for b in baselines),
        "intake_ms_per_item": intake_ms - base_ms,
        "round1_steps_ms_per_item": {
            label: statistics.median(1000 * row["steps"][label] / row["new"] for row in first)
            for label in ("fetch", "parse", "store", "classify", "cluster", "rest")
        },
        "memory": [memory_figures(r["rounds"]) for r in results],
    }
    later = [row for r in results for row in r["rounds"][1:]]
    if later:
        summary["later_round_s"] = statistics.median(row["seconds"] for row in later)
        summary["later_polls_per_s"] = statistics.median(row["polled"] / row["seconds"] for row in later)
    return summary


def print_summary(plan: Plan, results: list[dict[str, Any]], summary: dict[str, Any]) -> None:
    s = summary
    print(
        f"\nSummary ({len(results)} repeat(s); medians over repeats, baseline over its 2 passes per repeat)"
    )
    print(
        f"  round 1, intake: {plan.sources * plan.items} items in "
        f"{statistics.median(r['rounds'][0]['seconds'] for r in results):.1f} s = "
        f"{s['round1_items_per_s']:.0f} items/s ({s['round1_ms_per_item']:.2f} ms/item)"
    )
    print(
        f"  baseline, fetch+parse only: {s['baseline_items_per_s']:.0f} items/s "
        f"({s['baseline_ms_per_item']:.3f} ms/item: fetch {s['baseline_fetch_ms_per_item']:.3f}, "
        f"parse {s['baseline_parse_ms_per_item']:.3f})"
    )
    ratio = s["round1_ms_per_item"] / s["baseline_ms_per_item"]
    print(
        f"  intake's own cost (round 1 - baseline): {s['intake_ms_per_item']:.2f} ms/item; polling with "
        f"intake takes {ratio:.1f}x the time of fetch+parse alone"
    )
    steps = s["round1_steps_ms_per_item"]
    total = sum(steps.values())
    print(
        "  round 1 per item: "
        + ", ".join(f"{label} {ms:.3f} ms ({100 * ms / total:.0f} %)" for label, ms in steps.items())
    )
    if "later_round_s" in s:
        print(
            f"  rounds 2..{plan.rounds}: {plan.changed} feeds x {plan.new_items} new item(s), the rest 304: "
            f"median {s['later_round_s']:.2f} s per round, {s['later_polls_per_s']:.0f} polls/s"
        )
    for number, (result, memory) in enumerate(zip(results, s["memory"], strict=True), start=1):
        rows = result["rounds"]
        after = " ".join(f"{r['rss_mib']:.1f}" for r in rows)
        print(
            f"  memory, repeat {number}: RSS at start {result['rss_start_mib']:.1f}, after importing Sigap "
            f"{result['rss_imported_mib']:.1f}, after setup "
            f"{result['rss_setup_mib']:.1f}, before round 1 {result['rss_before_mib']:.1f} MiB; after rounds "
            f"1..{plan.rounds}: {after}; peak {rows[-1]['peak_mib']:.1f} MiB"
        )
        if "spread_mib" in memory:
            print(
                f"    rounds {memory['from_round']}..{plan.rounds}: spread {memory['spread_mib']:.2f} MiB, "
                f"slope {memory['slope_mib_per_round']:+.3f} MiB/round, objects "
                f"{memory['objects_slope_per_round']:+.0f}/round; round 2 -> {plan.rounds}: "
                f"{memory['growth_2_to_last_mib']:+.2f} MiB"
            )
        if "sqlite_slope_mib_per_round" in memory:
            print(
                f"    of which SQLite's own memory (page caches): slope "
                f"{memory['sqlite_slope_mib_per_round']:+.3f} MiB/round; the rest of the process: spread "
                f"{memory['outside_sqlite_spread_mib']:.2f} MiB, "
                f"slope {memory['outside_sqlite_slope_mib_per_round']:+.3f} MiB/round"
            )
        if "cache_full" in memory:
            full = memory["cache_full"]
            print(
                f"    once SQLite's memory stopped growing ({full['sqlite_mib']:.1f} MiB), rounds "
                f"{full['from_round']}..{plan.rounds}: RSS spread {full['spread_mib']:.2f} MiB, slope "
                f"{full['slope_mib_per_round']:+.4f} MiB/round"
            )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sources", type=int, default=200)
    parser.add_argument("--items", type=int, default=50, help="items per feed")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument(
        "--changed", type=int, help="feeds that gain items per later round (default: a tenth)"
    )
    parser.add_argument("--new-items", type=int, help="items each gains (default: a tenth of --items)")
    parser.add_argument("--rounds-repeat", type=int, default=1, help="whole runs, each in a fresh process")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--tracemalloc",
        type=int,
        default=0,
        metavar="N",
        help="trace allocations from round 3 to the last and print the N sites that grew most (slows the "
        "rounds and adds its own memory to the RSS; a diagnosis, not a measurement)",
    )
    args = parser.parse_args(argv)
    args.changed = max(1, args.sources // 10) if args.changed is None else args.changed
    args.new_items = max(1, args.items // 10) if args.new_items is None else args.new_items
    if not (args.sources >= 1 and args.items >= 1 and args.rounds >= 1 and args.rounds_repeat >= 1):
        parser.error("--sources, --items, --rounds and --rounds-repeat must be at least 1")
    if not (1 <= args.changed <= args.sources and 1 <= args.new_items <= args.items):
        parser.error("--changed must be 1..--sources and --new-items 1..--items")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    plan = Plan(args.sources, args.items, args.rounds, args.changed, args.new_items, args.seed,
                float(int(time.time())))  # fmt: skip
    print(f"command: {shlex.join([sys.executable, *sys.argv])}")
    print(
        f"python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs, "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(
        f"plan: {plan.sources} sources x {plan.items} items; {plan.rounds} rounds; later rounds: "
        f"{plan.changed} feeds gain {plan.new_items} item(s) each; {args.rounds_repeat} repeat(s)"
    )
    spawn = multiprocessing.get_context("spawn")
    round_value = spawn.Value("i", 1)
    counts = spawn.Array("q", 3)
    stop = spawn.Event()
    ready_recv, ready_send = spawn.Pipe(duplex=False)
    server = spawn.Process(
        target=serve_feeds, args=(plan, round_value, counts, stop, ready_send), daemon=True
    )
    began = time.perf_counter()
    server.start()
    results: list[dict[str, Any]] = []
    failure = None
    try:
        if not ready_recv.poll(300):
            raise RuntimeError("the feed server did not start")
        port, served_bytes = ready_recv.recv()
        print(
            f"feed server: pid {server.pid}, http://localhost:{port}/feed/0.xml ... "
            f"({served_bytes / MIB:.1f} MiB of feed versions built in {time.perf_counter() - began:.1f} s)"
        )
        for number in range(1, args.rounds_repeat + 1):
            print(f"\nrepeat {number}/{args.rounds_repeat}: poller in a fresh process", flush=True)
            receive, send = spawn.Pipe(duplex=False)
            child = spawn.Process(
                target=run_poller, args=(plan, port, round_value, counts, args.tracemalloc, send)
            )
            child.start()
            send.close()
            try:
                result = receive.recv()
            except EOFError:
                child.join()
                result = {"error": f"the poller process died (exit code {child.exitcode})"}
            child.join()
            if "error" in result:
                failure = result["error"]
                break
            results.append(result)
            for check in result["checks"]:
                print(f"  CHECK FAILED: {check}")
            print(f"  mentions stored: {result['mentions']}; database {result['db_bytes'] / MIB:.1f} MiB")
            if "growth" in result:
                print(f"  allocations that grew from round 3 to round {plan.rounds} (tracemalloc):")
                print("\n".join(f"    {line}" for line in result["growth"]))
    finally:
        stop.set()
        server.join(10)
        if server.is_alive():
            server.terminate()
    if failure is not None:
        print(f"\nthe run failed:\n{failure}")
        return 1
    summary = summarise(plan, results)
    print_summary(plan, results, summary)
    print(f"\nload average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        args.json.write_text(
            json.dumps({"plan": asdict(plan), "results": results, "summary": summary}, indent=2, default=str)
        )
    failed = [check for result in results for check in result["checks"]]
    if failed:
        print(f"!!! {len(failed)} CHECK(S) FAILED: the figures above are not to be trusted !!!")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
