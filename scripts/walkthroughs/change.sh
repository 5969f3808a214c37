# A change (变更) of the approved conference (README, "Change, summary and deadlines"). Run in the
# declaration's shell, or on its own: bash scripts/walkthroughs/change.sh (it runs the tour and
# the declaration first).
set -eu
[ -n "${D:-}" ] || . scripts/walkthroughs/declaration.sh

# The applicant asks for one change (R-CHG-01..04) at least two calendar months before the
# original start ($NEXT-05-10): the conference moves one day later (会议顺延一天).
curl -s $DD/change-request -H "Authorization: Bearer $APP" --json '{"description":"因场地冲突，会议顺延一天。",
  "changes":{"dates":{"start":"'$NEXT'-05-11","end":"'$NEXT'-05-13"}}}'; echo
curl -s -X POST $DD/change-request/approve -H "Authorization: Bearer $SCHOOL" --json '{"comment":"同意变更"}'; echo
# Lists and detail show the new dates; the history keeps both.
curl -s $DD/history -H "Authorization: Bearer $AUDIT" | j effective.dates
echo "D=$D"                                                   # the conference, for summary.sh
