# Shared by the walkthroughs: the API's address, the demo logins and the
# plan year. Run from the checkout's root with `econf serve` running
# (`go run ./cmd/econf serve`); B and ECONF_DATA may point elsewhere.
B=${B:-http://127.0.0.1:8080/api/v1}
CREDS=${ECONF_DATA:-.econf}/demo-credentials.json
T=$(mktemp -d)                                # this run's scratch files
# The demo logins ("email password" lines) and login EMAIL, which answers a session token.
python3 -c 'import json,sys;[print(a["email"],a["password"]) for a in json.load(open(sys.argv[1]))]' $CREDS > $T/logins
login() { curl -s $B/auth/login --json "{\"email\":\"$1\",\"password\":\"$(grep "^$1 " $T/logins | cut -d' ' -f2-)\"}" |
  grep -o '"token":"[^"]*"' | cut -d'"' -f4; }
j() { python3 -c 'import json,sys;d=json.load(sys.stdin)
for k in sys.argv[1].split("."): d=d[int(k)] if isinstance(d,list) else d[k]
print(d if isinstance(d,str) else json.dumps(d,ensure_ascii=False))' "$1"; }  # j KEY.PATH: a value of the JSON on stdin
APP=$(login applicant@demo-univ.edu.cn)
UNIT=$(login unit-admin@demo-univ.edu.cn)
SCHOOL=$(login school-admin@demo-univ.edu.cn)
AUTH=$(login reviewer@authority.demo.gov.cn)
AUDIT=$(login auditor@authority.demo.gov.cn)
OTHER=$(login econ-admin@demo-univ.edu.cn)  # admin of another unit
NEXT=$(( $(date +%Y) + 1 ))                   # the plan year the demo's forecast window is open for
RUN=$(date +%s%N)                             # a fresh Idempotency-Key prefix for each run
