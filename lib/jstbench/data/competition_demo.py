"""The jury's filled workbooks of a demonstration competition (synthetic, clearly labelled in its `konkurs.yml`):
one juror harsh, one lenient, and one from an entry's authority who leaves it blank."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from jstbench.core.atomic import write_bytes
from jstbench.data.competition import Competition, score_workbook, workbook_name

OFFSETS = (0.0, 0.3, 0.0, -2.0, 1.5)  # each juror's harshness (< 0) or leniency (> 0) in scale points, in turn
COMMENTS = ["Dobrze udokumentowane efekty; warto pokazać koszty utrzymania.",
            "Rozwiązanie łatwe do powielenia w mniejszych gminach.",
            "Brakuje danych sprzed wdrożenia — trudno ocenić skalę zmiany.",
            "Ciekawy pomysł, ale efekty mierzone krótko.",
            "Przejrzysty opis; warto dołączyć uchwałę i harmonogram."]


def write_demo_scores(c: Competition, folder: Path, seed: int) -> int:
    """Write the filled workbooks of the jury of `c` (a synthetic competition such as
    params/competitions/demo-2024) into `folder`, deterministic bytes for the same arguments: an entry's latent
    quality is high for the awarded ones (laureat 8.5, wyróżnienie 7.5) and between 4.5 and 6.5 for the rest, so that
    close entries tie; jurors take the offsets of `OFFSETS` in turn (the fourth harsh, the fifth lenient), and a
    juror of an entry's authority leaves it blank, as required. The number of workbooks."""
    rng = np.random.default_rng(seed)
    awarded = {a.entry: a.award for a in c.awards}
    quality = {e.id: {"laureat": 8.5, "wyróżnienie": 7.5}.get(awarded.get(e.id, ""), float(rng.uniform(4.5, 6.5)))
               for e in c.entries}
    folder = Path(folder)
    for k, juror in enumerate(c.jurors):
        offset = OFFSETS[k % len(OFFSETS)]
        scores = {}
        for e in c.entries:
            for crit in c.criteria:
                raw = quality[e.id] + offset + rng.normal(0, 0.8)
                scores[(e.id, crit.id)] = float(np.clip(np.round(raw / c.scale.step) * c.scale.step, c.scale.min, c.scale.max))
        comments = {e.id: COMMENTS[(k + n) % len(COMMENTS)] for n, e in enumerate(c.entries) if (k + n) % 3 == 0}
        for e in c.entries:
            if c.conflict(juror, e):
                comments.pop(e.id, None)
                scores = {key: v for key, v in scores.items() if key[0] != e.id}
        write_bytes(folder / workbook_name(juror), score_workbook(c, juror, scores, comments))
    return len(c.jurors)
