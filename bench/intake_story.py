# ruff: noqa: RUF001, RUF002, RUF003 (the news texts are Indonesian, with their en dashes)
"""Batch intake of one story: does the cost per item stay flat as the batch grows?

Method
------
For each database (SQLite file, or a private PostgreSQL database created for the run and dropped at the end,
also on error or Ctrl-C) the program starts the real server (``sigap serve``, development mode: migrated,
seeded, one admin key; the bench creates an intake client) and sends, one request at a time, whole
``POST /v1/mentions/batch`` requests of:

- ``story N``: N items about one story (a landslide on the Samarinda–Bontang road): paraphrases from news
  outlets, short social posts, and near-copies (syndicated articles, retweets, forwarded chat messages);
- ``copies N``: N near-identical items (one article syndicated, reposted and forwarded with small edits: the
  colleague's fault test);
- ``diverse N``: N items each about a story of its own (the in-run baseline: the same work per request
  without one issue growing inside it);
- ``stream``: the team's realistic stream (``tests/data/kaltim_stream.json``, 337 mentions, 37 stories) in
  one batch, in published order.

Every case gets its own ten-day slice of time (moving forward), so no case attaches to an earlier case's
issues: each story batch starts a fresh issue, as in the fault report. Each round runs every case once,
alternating the order of story and diverse; figures are medians over rounds of N / wall time of the request.
The ratio is story items/s over diverse items/s at the same N, measured in the same run. Every answer must be
200 with all N created; the issues the answers name are counted and printed (one story should give one issue).

Run: ``.venv/bin/python bench/intake_story.py --db both --rounds 3``; ``--sizes 50,300`` and
``--cases story,diverse`` run less.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import random
import secrets
import shlex
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

from intake import SIGAP, BenchError, Database, intake_key, make_database, spawn  # noqa: E402

from app import demo  # noqa: E402

SIZES = (50, 100, 300, 1000)
CASE_SPACING = timedelta(
    days=10
)  # more than the clustering window (7 days) plus the term-index slack (1 day)

# --- one story: a landslide on the Samarinda–Bontang road -------------------------------------------------

OUTLETS = [
    "Kaltim Post", "Tribun Kaltim", "Samarinda Pos", "Antara Kaltim", "IDN Times Kaltim", "Kaltim Today",
    "Niaga Asia", "Korankaltim", "Selasar", "Prokal", "Kaltimkece", "Bontang Post", "Sapos", "Inilah Kaltim",
]  # fmt: skip
ACCOUNTS = [
    "@warga_sambutan", "@infosamarinda", "@bontang_update", "@kukar_hariini", "@ojol_smd", "@rina.marangkayu",
    "@supir_travel_btg", "@kaltimfeed", "@berita_kutim", "@anak_muara_badak", "@dedi_tanahmerah",
]  # fmt: skip
TITLES = [
    "Longsor Tutup Jalan Poros Samarinda–Bontang di KM 40, Kendaraan Antre Berjam-jam",
    "Jalan Poros Samarinda-Bontang Tertimbun Longsor, Arus Lalu Lintas Lumpuh",
    "Tanah Longsor di Jalan Poros Samarinda–Bontang, BPBD Kukar Turunkan Alat Berat",
    "Longsor KM 40 Poros Samarinda–Bontang: Satu Lajur Sudah Bisa Dilalui",
    "Dinas PUPR Kaltim Tangani Longsor di Jalan Poros Samarinda-Bontang",
    "Hujan Deras Picu Longsor di Marangkayu, Jalan Poros Samarinda-Bontang Ditutup Sementara",
    "Antrean Truk Mengular Akibat Longsor di Jalan Poros Samarinda–Bontang",
]
OPENINGS = [
    "Tanah longsor menimbun badan Jalan Poros Samarinda–Bontang di KM 40, Kecamatan Marangkayu, Kutai "
    "Kartanegara, pada {day} pagi setelah hujan deras mengguyur sejak malam.",
    "Hujan deras sejak malam membuat tebing di sisi Jalan Poros Samarinda–Bontang KM 40, Marangkayu, "
    "longsor dan menutup seluruh badan jalan pada {day} pagi.",
    "Material longsor berupa tanah dan batu menutup Jalan Poros Samarinda–Bontang di kawasan KM 40, "
    "Kecamatan Marangkayu, Kutai Kartanegara, {day} pagi.",
    "Jalur utama penghubung Samarinda dan Bontang lumpuh {day} pagi setelah longsor menimbun jalan di KM 40 "
    "Marangkayu, Kutai Kartanegara.",
]
MIDDLES = [
    "Kendaraan dari arah Samarinda maupun Bontang tertahan dan antrean mencapai sekitar {km} kilometer.",
    "Antrean truk, bus, dan mobil pribadi mengular hingga {km} kilometer di kedua arah.",
    "Ratusan kendaraan terjebak antrean sepanjang kurang lebih {km} kilometer.",
    "Arus lalu lintas terhenti dan antrean kendaraan mencapai {km} kilometer.",
]
RESPONSES = [
    "BPBD Kutai Kartanegara bersama Dinas PUPR Kaltim menurunkan {n} unit alat berat untuk membersihkan "
    "material longsor.",
    "Dinas PUPR Kaltim mengerahkan {n} ekskavator, dibantu BPBD Kukar dan Satlantas Polres Bontang.",
    "Petugas BPBD Kukar, Dinas PUPR Kaltim, dan kepolisian bekerja membersihkan material dengan {n} unit "
    "alat berat.",
    "Sebanyak {n} alat berat dikerahkan Dinas PUPR Kaltim, sementara BPBD Kukar mengatur evakuasi "
    "pengendara.",
]
CLOSINGS = [
    "Tidak ada korban jiwa dalam kejadian ini, namun pengendara diminta menunda perjalanan atau "
    "melintas lewat jalur alternatif Muara Badak.",
    "Polisi memberlakukan buka-tutup satu lajur dan meminta pengendara berhati-hati karena tebing masih "
    "labil.",
    "Warga Marangkayu berharap pemerintah provinsi segera membangun dinding penahan tebing agar longsor "
    "tidak terulang.",
    "Kepala BPBD Kukar menyebut jalan ditargetkan bisa dilalui kembali sebelum malam bila hujan reda.",
]
POSTS = [
    "Longsor di KM 40 poros Samarinda-Bontang, macet total dari {time}. Cari jalan lain lewat Muara Badak "
    "ya guys #Kaltim #Marangkayu",
    "Udah {hours} jam kejebak antrean longsor poros Samarinda Bontang KM 40 😩 alat berat baru datang "
    "#infokaltim",
    "Info terkini: jalan poros Samarinda–Bontang KM 40 Marangkayu tertutup longsor, buka tutup satu lajur. "
    "Hati-hati tebing masih labil",
    "Pemprov Kaltim kapan bikin dinding penahan tebing di KM 40 Marangkayu? Tiap hujan deras longsor, "
    "jalan poros Samarinda-Bontang putus lagi",
    "Truk-truk antre panjang di poros Samarinda Bontang gara-gara longsor KM 40. Sopir travel kayak saya "
    "cuma bisa nunggu #longsor",
]
COPY_PREFIXES = ["RT {account}: ", "Diteruskan: ", "[Repost] ", "Info dari grup WA: ", ""]
DAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]


def _iso(at: datetime) -> str:
    return at.isoformat()


def story_items(n: int, *, tag: str, start: datetime, seed: int) -> list[dict[str, Any]]:
    """N items of one story over about six hours: ~55 % news paraphrases, ~20 % posts, ~25 % near-copies."""
    rng = random.Random(seed)
    items: list[dict[str, Any]] = []
    for i in range(n):
        at = start + timedelta(seconds=int(6 * 3600 * i / max(n, 1)) + rng.randint(0, 59))
        draw = rng.random()
        if items and draw < 0.25:
            original = rng.choice(items)
            account = rng.choice(ACCOUNTS)
            prefix = rng.choice(COPY_PREFIXES).format(account=account)
            news = rng.random() < 0.5 and original["title"] is not None
            item = {
                "source_type": "online_news" if news else rng.choice(["x", "facebook", "instagram"]),
                "source_name": rng.choice(OUTLETS) if news else account,
                "title": original["title"] if news else None,
                "text": original["text"] if news else prefix + original["text"][:900],
                "metrics": {"views": rng.randint(50, 5000), "shares": rng.randint(0, 40)},
            }
        elif draw < 0.45:
            account = rng.choice(ACCOUNTS)
            text = rng.choice(POSTS).format(time=f"{rng.randint(5, 9)} pagi", hours=rng.randint(2, 6))
            item = {
                "source_type": rng.choice(["x", "facebook", "instagram", "tiktok"]),
                "source_name": account,
                "title": None,
                "text": text,
                "metrics": {"views": rng.randint(200, 60_000), "likes": rng.randint(0, 900)},
            }
        else:
            day = DAYS[start.weekday()]
            parts = [
                rng.choice(OPENINGS).format(day=day),
                rng.choice(MIDDLES).format(km=rng.choice([2, 3, 4, 5])),
                rng.choice(RESPONSES).format(n=rng.choice([2, 3, 4])),
                rng.choice(CLOSINGS),
            ]
            if rng.random() < 0.5:
                parts[1], parts[2] = parts[2], parts[1]
            item = {
                "source_type": rng.choice(["online_news", "online_news", "print", "radio", "tv"]),
                "source_name": rng.choice(OUTLETS),
                "title": rng.choice(TITLES),
                "text": " ".join(parts),
                "metrics": {"reach": rng.randint(2000, 90_000), "shares": rng.randint(0, 300)},
            }
        items.append(
            {
                **item,
                "external_id": f"{tag}-{i}",
                "url": f"https://bench.example.id/{tag}/{i}",
                "published_at": _iso(at),
                "region_codes": ["64.03"] if rng.random() < 0.3 else [],
            }
        )
    return items


def copies_items(n: int, *, tag: str, start: datetime, seed: int) -> list[dict[str, Any]]:
    """N near-identical items: one article syndicated, reposted and forwarded with small edits."""
    rng = random.Random(seed)
    day = DAYS[start.weekday()]
    article = " ".join(
        [OPENINGS[0].format(day=day), MIDDLES[0].format(km=3), RESPONSES[0].format(n=3), CLOSINGS[0]]
    )
    items = []
    for i in range(n):
        at = start + timedelta(seconds=int(6 * 3600 * i / max(n, 1)) + rng.randint(0, 59))
        news = rng.random() < 0.5
        account = rng.choice(ACCOUNTS)
        text = article.replace("sekitar 3 kilometer", f"sekitar {rng.choice([2, 3, 4])} kilometer")
        if not news:
            text = rng.choice(COPY_PREFIXES).format(account=account) + text + rng.choice(["", " #Kaltim"])
        items.append(
            {
                "source_type": "online_news" if news else rng.choice(["x", "facebook", "instagram"]),
                "source_name": rng.choice(OUTLETS) if news else account,
                "title": TITLES[0] if news else None,
                "text": text,
                "external_id": f"{tag}-{i}",
                "url": f"https://bench.example.id/{tag}/{i}",
                "published_at": _iso(at),
                "metrics": {"reach": rng.randint(100, 50_000)},
            }
        )
    return items


# --- diverse: every item a story of its own --------------------------------------------------------------

# Content words of local news; each diverse item draws its own handful, in its own order.
VOCABULARY = """
gudang pasar nelayan petani sawit karet tambang batubara pelabuhan kapal feri speedboat terminal bandara
sekolah guru murid puskesmas bidan dokter perawat ambulans posyandu balita stunting gizi imunisasi vaksin
sungai muara danau rawa hutan mangrove orangutan pesut bekantan beruang madu kebun ladang irigasi bendungan
jembatan drainase gorong trotoar lampu aspal kerikil lumpur genangan kemarau asap kabut titik panas
pemadam relawan koperasi bumdes pedagang kios warung ojek angkot travel bus truk solar pertalite elpiji
beras gula minyak telur ayam ikan udang kepiting cabai bawang tomat harga inflasi sembako bansos subsidi
upah pesangon kontrak outsourcing lowongan magang pelatihan beasiswa wisuda kampus mahasiswa asrama
pajak retribusi anggaran tender proyek kontraktor gedung renovasi atap plafon dinding pagar lapangan
stadion turnamen sepakbola voli bulutangkis dayung pencak silat tari musik sape gong lamin adat dayak
kutai banjar bugis jawa toraja festival pameran kuliner amplang bingka nasi kuning gami bawis
""".split()  # noqa: SIM905
_SYLLABLES = ["ka", "lu", "ma", "ri", "so", "te", "wa", "ngi", "bar", "tun", "sel", "dok", "pra", "yu", "gan"]


def _invented(rng: random.Random) -> str:
    """A made-up proper name: the item's own village, people and firms, so no two items share a story."""
    return "".join(rng.choice(_SYLLABLES) for _ in range(3)).capitalize()


def diverse_items(n: int, *, tag: str, start: datetime, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    items = []
    for i in range(n):
        names = [_invented(rng) for _ in range(8)]
        words = rng.sample(VOCABULARY, 12) + names + names[:4]
        rng.shuffle(words)
        sentences = [" ".join(words[j : j + 11]).capitalize() + "." for j in range(0, len(words), 11)]
        at = start + timedelta(seconds=int(6 * 3600 * i / max(n, 1)))
        items.append(
            {
                "source_type": "online_news",
                "source_name": rng.choice(OUTLETS),
                "external_id": f"{tag}-{i}",
                "url": f"https://bench.example.id/{tag}/{i}",
                "title": f"Warga {names[0]} Soroti {words[0].capitalize()} di {names[1]}, "
                f"{names[2]} Diminta Bertindak",
                "text": " ".join(sentences),
                "published_at": _iso(at),
                "metrics": {"reach": rng.randint(1000, 50_000)},
            }
        )
    return items


def stream_items(*, tag: str, start: datetime) -> list[dict[str, Any]]:
    """The team's stream, moved so it begins at ``start``, with ids of this case (the labels dropped)."""
    mentions = demo.read_stream().mentions
    first = min(datetime.fromisoformat(m["published_at"]) for m in mentions)
    last = max(datetime.fromisoformat(m["published_at"]) for m in mentions)
    items = demo.shifted(mentions, start + (last - first))
    for item in items:
        item["external_id"] = f"{tag}-{item['external_id']}"
        if item.get("url"):
            item["url"] = f"{item['url']}?case={tag}"
    return items


# --- running ---------------------------------------------------------------------------------------------


@dataclass
class Case:
    kind: str  # "story", "copies", "diverse" or "stream"
    size: int

    @property
    def label(self) -> str:
        return "stream" if self.kind == "stream" else f"{self.kind} {self.size}"


@dataclass
class Result:
    case: str
    round: int
    seconds: float
    items: int
    issues: int

    @property
    def per_s(self) -> float:
        return self.items / self.seconds


def start_server(stack: contextlib.ExitStack, db: Database, workdir: Path) -> tuple[str, str]:
    admin_key = "sgp_" + secrets.token_urlsafe(32)
    env = os.environ | {
        "SIGAP_ENV": "development",
        "SIGAP_DATABASE_URL": db.url,
        "SIGAP_BOOTSTRAP_ADMIN_KEY": admin_key,
        "SIGAP_LOG_LEVEL": "warning",
        "SIGAP_ACCESS_LOG": "false",
        "SIGAP_RATE_LIMIT_ENABLED": "false",
    }
    no_pin = argparse.Namespace(pin_server=[])
    base_url = spawn(stack, [str(SIGAP), "serve"], env, workdir, no_pin)
    return base_url, intake_key(base_url, admin_key, "story bench")


def send(client: httpx.Client, base_url: str, key: str, items: list[dict[str, Any]]) -> tuple[float, int]:
    """Seconds for one batch request, and how many issues its items went to."""
    body = json.dumps({"items": items}, ensure_ascii=False).encode()
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    started = time.perf_counter()
    response = client.post(f"{base_url}/v1/mentions/batch", content=body, headers=headers)
    seconds = time.perf_counter() - started
    if response.status_code != 200:
        raise BenchError(f"batch of {len(items)} gave {response.status_code}: {response.text[:500]}")
    answer = response.json()
    if answer["created"] != len(items):
        raise BenchError(f"batch of {len(items)}: {answer['created']} created, expected all")
    return seconds, len({r["issue_id"] for r in answer["results"]})


def bench_database(kind: str, args: argparse.Namespace) -> list[Result]:
    print(f"\n=== {kind} ===", flush=True)
    cases = [Case(k, n) for n in args.sizes for k in ("story", "copies", "diverse") if k in args.cases]
    if "stream" in args.cases:
        cases.append(Case("stream", 337))
    results: list[Result] = []
    clock = datetime.now(UTC) - CASE_SPACING * (len(cases) * (args.rounds + 1) + 2)
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"sigap-story-{kind}-")))
        db = make_database(stack, kind, "story", workdir)
        base_url, key = start_server(stack, db, workdir)
        client = stack.enter_context(httpx.Client(timeout=args.timeout))
        # Warm-up (discarded): imports, stemmer and classifier caches, connection pool.
        send(client, base_url, key, diverse_items(50, tag="warm-d", start=clock, seed=1))
        clock += CASE_SPACING
        send(client, base_url, key, story_items(50, tag="warm-s", start=clock, seed=1))
        for rnd in range(1, args.rounds + 1):
            # Even rounds run the cases of each size in the opposite order.
            order = list(cases)
            if rnd % 2 == 0:
                order = [c for n in args.sizes for c in reversed([c for c in cases if c.size == n])]
                order += [c for c in cases if c.kind == "stream"]
            for case in order:
                clock += CASE_SPACING
                tag = f"r{rnd}-{case.kind}-{case.size}"
                if case.kind == "story":
                    items = story_items(case.size, tag=tag, start=clock, seed=rnd)
                elif case.kind == "copies":
                    items = copies_items(case.size, tag=tag, start=clock, seed=rnd)
                elif case.kind == "diverse":
                    items = diverse_items(case.size, tag=tag, start=clock, seed=rnd)
                else:
                    items = stream_items(tag=tag, start=clock)
                seconds, issues = send(client, base_url, key, items)
                result = Result(case.label, rnd, seconds, len(items), issues)
                results.append(result)
                print(
                    f"  r{rnd} {case.label:12} {seconds:8.2f} s  {result.per_s:8.0f} items/s  "
                    f"{issues:4} issues",
                    flush=True,
                )
    return results


def report(kind: str, results: list[Result], args: argparse.Namespace) -> dict[str, Any]:
    def median(label: str, what: str = "per_s") -> float:
        return statistics.median(getattr(r, what) for r in results if r.case == label)

    kinds = [k for k in ("story", "copies") if k in args.cases]
    print(f"\n{kind}: medians of {args.rounds} rounds, items/s (x = over diverse at the same N; s per batch)")
    print(f"{'N':>6} | {'diverse':>8} | " + " | ".join(f"{k:>25}" for k in kinds))
    table: dict[str, Any] = {}
    for n in args.sizes:
        diverse = median(f"diverse {n}") if "diverse" in args.cases else math.nan
        cells = []
        table[str(n)] = {"diverse": diverse}
        for k in kinds:
            rate, seconds = median(f"{k} {n}"), median(f"{k} {n}", "seconds")
            table[str(n)][k] = {"per_s": rate, "ratio": rate / diverse, "seconds": seconds}
            cells.append(f"{rate:7.0f}/s {rate / diverse:5.2f}x {seconds:6.2f} s")
        print(f"{n:6} | {diverse:8.0f} | " + " | ".join(f"{c:>25}" for c in cells))
    if "stream" in args.cases:
        rate, seconds = median("stream"), median("stream", "seconds")
        near = min(args.sizes, key=lambda n: abs(n - 337))
        reference = median(f"diverse {near}") if "diverse" in args.cases else math.nan
        issues = sorted({r.issues for r in results if r.case == "stream"})
        table["stream"] = {"per_s": rate, "ratio": rate / reference, "seconds": seconds, "issues": issues}
        print(
            f"stream (337 items, 37 stories, one batch): {rate:.0f}/s, {seconds:.2f} s, "
            f"{rate / reference:.2f}x diverse {near}; issues {issues}"
        )
    return table


def interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # unwinds like Ctrl-C: the server stops, the database drops


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], default=list(SIZES))
    parser.add_argument(
        "--cases",
        type=lambda s: s.split(","),
        default=["story", "copies", "diverse", "stream"],
        help="which of story,copies,diverse,stream to run",
    )
    parser.add_argument("--timeout", type=float, default=600, help="seconds one batch request may take")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, interrupted)
    if not SIGAP.exists():
        print(f"the real server is not installed ({SIGAP} is missing)")
        return 2
    command = shlex.join([sys.executable, *(argv if argv is not None else sys.argv)])
    print(f"command: {command}\nnproc {os.cpu_count()}, load average {os.getloadavg()}", flush=True)
    output: dict[str, Any] = {"command": command, "load_average": os.getloadavg(), "results": {}}
    try:
        for kind in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
            results = bench_database(kind, args)
            output["results"][kind] = {
                "medians": report(kind, results, args),
                "runs": [vars(r) for r in results],
            }
    except BenchError as exc:
        print(f"\nbenchmark aborted: {exc}")
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted: server stopped, benchmark database dropped")
        return 130
    print(f"\nload average at the end: {os.getloadavg()}")
    if args.json:
        args.json.write_text(json.dumps(output, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
