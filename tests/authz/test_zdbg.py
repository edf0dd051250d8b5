import difflib
from tests.authz.matrix import MATRIX
from tests.authz.checks import request, normalised, url_of, kwargs_of

def test_dbg(world, site):
    entry = next(e for e in MATRIX if e.id == "persons:detail:GET")
    a = request(entry, "other_org", world, site)
    b = request(entry, "other_org", world, site, missing=True)
    paths = [url_of(entry, kwargs_of(entry, world, missing=g), site)[1] for g in (0, 1)]
    print(a.status, b.status, paths)
    for l in difflib.unified_diff(normalised(a, paths).decode().splitlines(), normalised(b, paths).decode().splitlines(), lineterm="", n=0):
        print(l[:300])
