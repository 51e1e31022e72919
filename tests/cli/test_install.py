"""A plain (non-editable) install of the wheel answers the mission question from any folder."""

from __future__ import annotations

import site
import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def test_the_wheel_ships_the_knowledge_and_answers_from_another_folder(tmp_path: Path) -> None:
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w",
                            str(tmp_path / "dist"), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    wheel = next((tmp_path / "dist").glob("voip_maroc_bot-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    target = next(venv.glob("lib/python*/site-packages"))
    # The fresh environment borrows this one's dependencies (no network), but not
    # its editable install of the project: that .pth is never read from here.
    (target / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    installed = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
                                str(wheel)], capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = target / "bin" / "voip-maroc-bot"
    result = subprocess.run([str(venv / "bin" / "python"), str(script), "ask", "quand la VoIP a-t-elle été rétablie?"],
                            capture_output=True, text=True, cwd=elsewhere, timeout=120,
                            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "novembre 2016" in result.stdout
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import bot; print(bot.__file__)"], capture_output=True,
                           text=True, cwd=elsewhere, timeout=60)
    assert where.stdout.startswith(str(target)), "the installed copy answered, not the checkout"
