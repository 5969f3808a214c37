# The summary (总结) after the conference (README, "Change, summary and deadlines"). It opens
# only after the end date ($NEXT-05-13 after the change, R-SUM-01): run it then, in the change's
# shell, or on its own: D=<declaration id> bash scripts/walkthroughs/summary.sh
set -eu
[ -n "${APP:-}" ] || . scripts/walkthroughs/common.sh
: "${D:?set D to the id of the approved declaration (change.sh sets it)}"
DD=$B/declarations/$D
W=scripts/walkthroughs                                       # the photos, proceedings and summary.json

# Photos (JPEG, 3 to 5) and the proceedings (PDF) are uploads, checked by content (R-SUM-03).
up() { curl -s -X POST "$B/files?kind=$1&name=$2" -H "Authorization: Bearer $APP" --data-binary @$W/$2 |
  python3 -c 'import json,sys;f=json.load(sys.stdin);print(json.dumps({k:f[k] for k in ("id","sha256","name","contentType","size")}))'; }
up summary_photo photo1.jpg > $T/photo1; up summary_photo photo2.jpg > $T/photo2; up summary_photo photo3.jpg > $T/photo3
up proceedings proceedings.pdf > $T/proceedings
python3 -c 'import json,sys;s=json.load(open(sys.argv[1]));t=sys.argv[2]
for i,p in enumerate(s["photos"]): p["file"]=json.load(open(f"{t}/photo{i+1}"))
s["proceedingsFile"]=json.load(open(t+"/proceedings"));print(json.dumps(s,ensure_ascii=False))' $W/summary.json $T > $T/summary.json

# The summary is a draft until submitted (R-SUM-01..03); the school accepts it or returns it
# with a reason (R-SUM-04).
curl -s -X PUT $DD/summary -H "Authorization: Bearer $APP" --json @$T/summary.json; echo
curl -s -X POST $DD/summary/submit -H "Authorization: Bearer $APP"; echo
curl -s -X POST $DD/summary/accept -H "Authorization: Bearer $SCHOOL" --json '{"comment":"内容翔实"}' -D $T/accepted; echo
POS=$(grep -i '^X-Econf-Position' $T/accepted | tr -d '\r' | cut -d' ' -f2)
curl -s $B/me/standing -H "Authorization: Bearer $APP" -H "X-Econf-Min-Position: $POS"; echo   # what is due, what blocks
curl -s "$B/summaries?state=overdue" -H "Authorization: Bearer $SCHOOL" -H "X-Econf-Min-Position: $POS"; echo
ANALYST=$(login analyst@demo-univ.edu.cn)
curl -s "$B/statistics/summaries?year=$NEXT" -H "Authorization: Bearer $ANALYST" -H "X-Econf-Min-Position: $POS"; echo
