"""`sigap serve` with only some of the intake steps, so `bench/intake.py --steps` can measure what each costs.

The production server runs every step of `app.mentions.pipeline.steps` (classification, then clustering) in
the intake transaction. Issue 3 asks that intake *with classification* stays within the foundation's intake
targets; clustering (issue 4) came later. This wrapper serves the same app with the step list cut to the
first steps, in the server process itself (``sigap serve`` runs uvicorn in-process, so the cut holds).

Run by `bench/intake.py --steps`; by hand: ``.venv/bin/python bench/serve_steps.py classify --port 8001``.
"""

from __future__ import annotations

import sys

# Clustering reads the classification's verdict, so the cuts are prefixes of the production order.
CUTS = {"none": 0, "classify": 1, "all": 2}


def main() -> int:
    cut = sys.argv[1] if len(sys.argv) > 1 else ""
    if cut not in CUTS:
        raise SystemExit(f"usage: serve_steps.py {{{'|'.join(CUTS)}}} [sigap serve options]")

    from app import cli
    from app.classification import service as classification
    from app.issues.service import Placement
    from app.mentions import pipeline

    def answer_without_skipped(session: object, mentions: list[pipeline.NewMention]) -> None:
        # What the intake answer reads from the skipped steps: no issue, and (for "none") no verdict.
        for mention in mentions:
            mention.extras.setdefault("issue", Placement(None, None))  # type: ignore[arg-type]
            mention.extras.setdefault("classification", None)
            mention.extras.setdefault("classified_at", None)

    if cut == "none":
        classification.fresh_view = lambda verdict, at: None  # type: ignore[assignment,return-value]
    selected = [*pipeline.steps()[: CUTS[cut]], answer_without_skipped]
    pipeline.steps = lambda: selected  # type: ignore[assignment,return-value]
    return cli.main(["serve", *sys.argv[2:]])


if __name__ == "__main__":
    sys.exit(main())
