# Reminders and an overdue summary on a training clock (README, "Training clock"). Needs serve
# started as a training instance whose deadline engine ticks often, e.g.
#   ECONF_TRAINING=on ECONF_CLOCK=+0d ECONF_DEADLINE_INTERVAL=2s go run ./cmd/econf serve
# Run it in change.sh's shell, or on its own: bash scripts/walkthroughs/training.sh (it runs the
# tour, the declaration and the change first), or D=<approved declaration> bash ... for one whose
# summary is not in yet. It moves the clock forward for good.
set -eu
[ -n "${D:-}" ] || . scripts/walkthroughs/change.sh
[ -n "${APP:-}" ] || . scripts/walkthroughs/common.sh
ADMIN=$(login admin@demo-univ.edu.cn)
# to DAY WHY: the platform admin moves the clock to DAY, 10:00 Beijing time (recorded as
# clock.advanced with the reason); sessions run on the clock too, so everyone signs in again.
to() {
  NOW=$(curl -s ${B%/api/v1}/healthz | j clock.now)
  MIN=$(python3 -c 'import sys,datetime as d;n=d.datetime.fromisoformat(sys.argv[1].replace("Z","+00:00"))
print(int((d.datetime.fromisoformat(sys.argv[2]+"T10:00:00+08:00")-n).total_seconds()//60))' $NOW $1)
  curl -s $B/admin/clock/advance -H "Authorization: Bearer $ADMIN" -H "Idempotency-Key: $RUN-to-$1" \
    --json '{"amount":"'$MIN'm","reason":"培训：'$2'"}' | j now
  ADMIN=$(login admin@demo-univ.edu.cn); APP=$(login applicant@demo-univ.edu.cn)
  SCHOOL=$(login school-admin@demo-univ.edu.cn); AUDIT=$(login auditor@authority.demo.gov.cn)
}
# inbox KIND: wait for the deadline engine's notice of KIND in the applicant's inbox, then show it.
inbox() {
  for i in $(seq 60); do
    curl -s "$B/me/notifications" -H "Authorization: Bearer $APP" > $T/inbox
    grep -q "\"kind\":\"$1\"" $T/inbox && break; sleep 1
  done
  python3 -c 'import json,sys;[print(n["createdAt"][:10],n["kind"],"|",n["titleZh"],"|",n["bodyEn"]) for n in json.load(open(sys.argv[1]))["items"] if n["kind"]==sys.argv[2]]' $T/inbox $1
}

# The summary is due two months after the (changed) end, $NEXT-07-13 (R-SUM-02); reminders come
# 14 and 3 days before (policy deadlines.reminderDays).
to $NEXT-06-29 "总结到期提醒"
inbox deadline_reminder
curl -s $B/me/standing -H "Authorization: Bearer $APP"; echo                       # what is due
to $NEXT-07-14 "总结逾期"
inbox summary_overdue
curl -s "$B/summaries?state=overdue" -H "Authorization: Bearer $SCHOOL" | j items.0.dueDate
curl -s $B/me/standing -H "Authorization: Bearer $APP"; echo                       # now it blocks (R-SUM-02)
# The history shows the deadline engine's facts, each marked as decided on the simulated clock.
curl -s $B/declarations/$D/history -H "Authorization: Bearer $AUDIT" | python3 -c 'import json,sys
for e in json.load(sys.stdin)["deadlines"]["entries"]: print(e["at"][:10], e["type"], "simulatedClock" if e.get("simulatedClock") else "")'
