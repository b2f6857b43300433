"""SimPy's package ``__init__`` deferred by ``hmt_sim.mesa_import`` (issue 14): its classes are
there at once, the same objects as in SimPy's modules, and only ``simpy.__version__`` (looked up
through ``importlib.metadata``) runs the deferred code, after which ``simpy`` is exactly what a
plain import gives. Each case runs in a fresh interpreter, where start-up happens.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parents[2]

PUBLIC = """
import json, sys, simpy
def public():
    return sorted(n for n in dir(simpy) if not n.startswith("_"))
"""


def fresh(code: str) -> dict[str, Any]:
    """Run ``code`` in a new interpreter; the JSON it printed last."""
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def test_simpy_is_ready_without_its_init_and_complete_once_asked() -> None:
    deferred = fresh("import hmt_sim.mesa_import\n" + PUBLIC + """
from hmt_sim.mesa_import import SIMPY_MODULES, pending
out = {"pending": pending("simpy"), "metadata": "importlib.metadata" in sys.modules,
       "same": all(getattr(simpy, n) is getattr(sys.modules[m], n)
                   for m, names in SIMPY_MODULES.items() for n in names),
       "names": sorted(n for names in SIMPY_MODULES.values() for n in names)}
env = simpy.Environment()
env.process((lambda: (yield env.timeout(2)))())
env.run()
out["now"], out["still_pending"] = env.now, pending("simpy")
out["version"] = simpy.__version__
out["after"], out["public"] = pending("simpy"), public()
out["all"] = sorted(simpy.__all__)
print(json.dumps(out))
""")
    plain = fresh(PUBLIC + "print(json.dumps({'public': public(), 'version': simpy.__version__,"
                  " 'all': sorted(simpy.__all__)}))")
    assert deferred["pending"] is True and deferred["metadata"] is False
    assert deferred["same"] is True and deferred["names"] == plain["all"] == deferred["all"]
    assert deferred["now"] == 2 and deferred["still_pending"] is True
    assert deferred["after"] is False  # the control: asking for the version ran the __init__
    assert deferred["version"] == plain["version"] and deferred["public"] == plain["public"]


def test_simpy_imported_first_is_left_alone() -> None:
    out = fresh("import simpy\nimport hmt_sim.mesa_import\nimport json\n"
                "from hmt_sim.mesa_import import pending\n"
                "print(json.dumps({'pending': pending('simpy'), 'has': hasattr(simpy, "
                "'__version__')}))")
    assert out == {"pending": False, "has": True}
