# A tour of the forecast lifecycle (README). Run from the checkout's root
# with `go run ./cmd/econf serve` running: bash scripts/walkthroughs/tour.sh
set -eu
. scripts/walkthroughs/common.sh

# 1. The applicant submits a forecast (个人申请). The answer carries the id, ETag "1" and the
#    event's position, which queries can wait for (X-Econf-Min-Position).
cat > $T/forecast.json <<JSON
{"applicant": {"name":"张明远","staffNo":"T1001","title":"教授","unit":"计算机学院",
               "department":"软件工程系","mobile":"13800000001","email":"zhang@demo-univ.edu.cn"},
 "nameZh":"${NEXT}年分布式系统国际研讨会","nameEn":"${NEXT} International Workshop on Distributed Systems",
 "startDate":"${NEXT}-05-10","commitmentDate":"${NEXT}-01-15","local":true,"province":"湖北省",
 "address":"武汉市洪山区示范路1号","type":"natural_science","scale":"general",
 "chineseCount":120,"foreignCount":40,"fundingSource":"学院自筹",
 "organisations":[{"role":"host","nameZh":"示范大学","nameEn":"Demo University"}]}
JSON
curl -s -i $B/forecasts -H "Authorization: Bearer $APP" -H "Idempotency-Key: tour-$RUN-1" --json @$T/forecast.json | tee $T/submit
ID=$(tail -1 $T/submit | j id)
F=$B/forecasts/$ID

# 2. A rule broken is a 422 naming every field and rule at once: the same forecast with "首届"
#    and "峰会" in its name (R-FC-03) and declared small with 40 foreign guests, more than a
#    small conference's 30 (R-CLS-05).
python3 -c 'import json,sys;d=json.load(open(sys.argv[1]));d.update(nameZh="首届分布式系统峰会",scale="small");print(json.dumps(d))' \
  $T/forecast.json > $T/broken.json
curl -s $B/forecasts -H "Authorization: Bearer $APP" --json @$T/broken.json; echo
# Text with NUL or another control character is a 422 TEXT naming the field (tab and newline only
# in multi-line fields); a bad query parameter such as ?q=%00 is a 400.

# 3. The unit approves (单位初审通过), pinning the version it reviewed.
curl -s -X POST $F/approve-unit -H "Authorization: Bearer $UNIT" -H 'If-Match: "1"' --json '{"comment":"同意推荐"}'; echo
# The same If-Match again is stale now: 409.
curl -s -X POST $F/approve-school -H "Authorization: Bearer $SCHOOL" -H 'If-Match: "1"'; echo

# 4. The school rejects with a reason (审核驳回); the applicant revises and resubmits.
curl -s -X POST $F/reject -H "Authorization: Bearer $SCHOOL" --json '{"reason":"请补充外方合作单位"}'; echo
curl -s $F -H "Authorization: Bearer $APP" | python3 -c 'import json,sys;d=json.load(sys.stdin)["details"];d["organisations"].append({"role":"joint","nameZh":"示范国际学会","nameEn":"Demo International Society"});print(json.dumps(d))' > $T/details
curl -s -X PUT $F -H "Authorization: Bearer $APP" --json @$T/details; echo

# 5. Unit, school and authority approve (预报审核通过: in next year's plan).
curl -s -X POST $F/approve-unit -H "Authorization: Bearer $UNIT"; echo
curl -s -X POST $F/approve-school -H "Authorization: Bearer $SCHOOL" --json '{"comment":"同意上报"}'; echo
curl -s -i -X POST $F/approve-authority -H "Authorization: Bearer $AUTH" | tee $T/final; echo
POS=$(grep -i '^X-Econf-Position' $T/final | tr -d '\r' | cut -d' ' -f2)

# 6. Lists (keyword over names, applicant and unit; Chinese substrings match), the status view
#    and the approval log (报批日志), read after the last decision's position.
curl -s "$B/forecasts?q=分布式&status=approved&sort=startDate&order=asc" -H "Authorization: Bearer $SCHOOL" -H "X-Econf-Min-Position: $POS"; echo
curl -s $F/status -H "Authorization: Bearer $APP" -H "X-Econf-Min-Position: $POS"; echo
curl -s $F/log -H "Authorization: Bearer $AUDIT" -H "X-Econf-Min-Position: $POS"; echo

# 7. The auditor replays the history from the stream (status before → after, policy version,
#    hash chain), and the state as of a past moment: here, the rejection.
curl -s $F/history -H "Authorization: Bearer $AUDIT" | tee $T/history; echo
AT=$(j entries.2.at < $T/history)
curl -s "$F/history?asOf=$AT" -H "Authorization: Bearer $AUDIT" | j status

# 8. Outside one's scope a record does not exist (404); the wrong role is refused (403).
curl -s -o /dev/null -w '%{http_code}\n' $F -H "Authorization: Bearer $OTHER"
curl -s -o /dev/null -w '%{http_code}\n' -X POST $F/approve-unit -H "Authorization: Bearer $APP"
