// After the first-run bootstrap: does the learner's private environment hold exactly the versions
// the tests passed with (extension/server-constraints.txt, generated from uv.lock)?
//
// The check runs inside that environment's own Python, so markers (python_version, platform) are
// evaluated the way pip evaluated them when it installed. It uses pip's vendored `packaging`, which
// every venv made by `python -m venv` has.
import { execFileSync } from 'node:child_process';

const CHECK = `
import json, sys
from importlib import metadata
from pip._vendor.packaging.requirements import Requirement
wrong, checked = [], 0
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    req = Requirement(line)
    if req.marker is not None and not req.marker.evaluate():
        continue
    pinned = next(iter(req.specifier)).version
    try:
        got = metadata.version(req.name)
    except metadata.PackageNotFoundError:
        continue  # pinned for another extra or platform, and not needed here
    checked += 1
    if got != pinned:
        wrong.append(f"{req.name} {got} (constraints say {pinned})")
print(json.dumps({"checked": checked, "wrong": wrong}))
`;

/** { checked, wrong[] } for the environment of `python` against the constraints file. */
export function checkPins(python, constraintsFile) {
  const out = execFileSync(python, ['-c', CHECK, constraintsFile], { encoding: 'utf8', timeout: 60_000 });
  return JSON.parse(out.trim().split('\n').pop());
}
