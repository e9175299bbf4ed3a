"""What encryption at rest costs: the same commands on a plain and an encrypted register.

Run with the project's virtual environment (with the kryptering extra), from anywhere:

    .venv/bin/python bench/kryptering.py [--antall 20000] [--runder 7] [--json FIL]

It builds a plain demo register with `eksempeldata`, encrypts a copy with `krypter --til`
(timed), and times `vis REF --json`, `forfaller --uke --json` and `pasienter --json` as their
own processes on both, median over the runs. The difference is mostly SQLCipher's key
derivation (PBKDF2-HMAC-SHA512, 256,000 iterations), paid once per command, plus decrypting
every page read. The script reports; it never fails. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROGRAM = Path(sys.executable).parent / "pakkehjem"
NOKKEL = "benk-nøkkel med god lengde"
KOMMANDOER = {
    "vis": ["vis", "4242", "--json"],
    "forfaller --uke": ["forfaller", "--uke", "--json"],
    "pasienter": ["pasienter", "--json"],
}


def kjor(db: Path, args: list[str], miljo: dict[str, str]) -> float:
    """Wall time of one command as its own process."""
    start = time.perf_counter()
    resultat = subprocess.run(
        [str(PROGRAM), "--db", str(db), *args], capture_output=True, env=miljo, stdin=subprocess.DEVNULL
    )
    tid = time.perf_counter() - start
    if resultat.returncode != 0:
        raise SystemExit(f"{args} feilet: {resultat.stderr.decode(errors='replace')}")
    return tid


def main() -> None:
    valg = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    valg.add_argument("--antall", type=int, default=20_000)
    valg.add_argument("--runder", type=int, default=7)
    valg.add_argument("--json", type=Path)
    a = valg.parse_args()
    with tempfile.TemporaryDirectory(prefix="pakkehjem-krypt-") as mappe:
        mappe_sti = Path(mappe)
        vanlig, kryptert = mappe_sti / "vanlig.db", mappe_sti / "kryptert.db"
        grunn = {
            **os.environ,
            "HOME": mappe,
            "XDG_DATA_HOME": mappe,
            "NO_COLOR": "1",
        }
        grunn.pop("PAKKEHJEM_NOKKEL", None)
        med_nokkel = {**grunn, "PAKKEHJEM_NOKKEL": NOKKEL}
        print(f"Bygger et register med {a.antall} pasienter ...", file=sys.stderr)
        kjor(vanlig, ["eksempeldata", "--antall", str(a.antall), "--seed", "1"], grunn)
        krypter_s = kjor(vanlig, ["krypter", "--til", str(kryptert)], med_nokkel)
        rapport: dict[str, object] = {
            "antall": a.antall,
            "runder": a.runder,
            "maskin": f"{platform.machine()} {platform.system()} {os.cpu_count()} kjerner, "
            f"Python {platform.python_version()}",
            "krypter_s": round(krypter_s, 3),
            "storrelse_mb": {
                "vanlig": round(vanlig.stat().st_size / 1e6, 1),
                "kryptert": round(kryptert.stat().st_size / 1e6, 1),
            },
            "kommandoer": {},
        }
        for navn, args in KOMMANDOER.items():
            tider: dict[str, list[float]] = {"vanlig": [], "kryptert": []}
            for _ in range(a.runder):  # interleaved, so drift in the machine hits both alike
                tider["vanlig"].append(kjor(vanlig, args, grunn))
                tider["kryptert"].append(kjor(kryptert, args, med_nokkel))
            vanlig_s, kryptert_s = (statistics.median(tider[k]) for k in ("vanlig", "kryptert"))
            rapport["kommandoer"][navn] = {  # type: ignore[index]
                "vanlig_s": round(vanlig_s, 3),
                "kryptert_s": round(kryptert_s, 3),
                "ekstra_s": round(kryptert_s - vanlig_s, 3),
            }
    print(f"{a.antall} pasienter, median av {a.runder} ({rapport['maskin']}):")
    print(f"  krypter --til: {rapport['krypter_s']:.2f} s; filstørrelse {rapport['storrelse_mb']}")
    for navn, m in rapport["kommandoer"].items():  # type: ignore[union-attr]
        print(
            f"  {navn:<16} vanlig {m['vanlig_s']:.3f} s   kryptert {m['kryptert_s']:.3f} s   "
            f"(+{m['ekstra_s']:.3f} s)"
        )
    if a.json:
        a.json.write_text(json.dumps(rapport, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
