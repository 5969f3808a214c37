# The formal declaration (申报) of the tour's approved forecast, from the first draft to the
# authority's approval (README, "Declarations"). Run in the tour's shell, or on its own:
# bash scripts/walkthroughs/declaration.sh (it runs the tour first).
set -eu
[ -n "${ID:-}" ] || . scripts/walkthroughs/tour.sh

# Start from the approved forecast (R-DECL-01), acknowledging the notice (申报须知, R-DECL-02):
# the form is copied from the forecast; every section is then a draft save.
D=$(curl -s $B/declarations -H "Authorization: Bearer $APP" \
  --json "{\"forecastId\":\"$ID\",\"noticeAcknowledged\":true}" | j id)
DD=$B/declarations/$D
curl -s $DD -H "Authorization: Bearer $APP"; echo             # the form, copied from the forecast
curl -s -X POST $DD/submit -H "Authorization: Bearer $APP" \
  --json '{"commitmentAcknowledged":true}'; echo               # 422: every rule still unmet, at once

# What the forecast did not have: the end date, budget, content, key people, agenda, contacts.
cat > $T/sections.json <<JSON
{"basic": {"nameZh":"${NEXT}年分布式系统国际研讨会","nameEn":"${NEXT} International Workshop on Distributed Systems",
           "startDate":"${NEXT}-05-10","endDate":"${NEXT}-05-12","commitmentDate":"${NEXT}-01-15","location":"local",
           "province":"湖北省","address":"武汉市洪山区示范路1号","type":"natural_science","scale":"general"},
 "attendance": {"foreign":40,"mainland":100,"hkMacaoTaiwan":10},
 "budget": [{"source":"self_raised","amount":"50000"},{"source":"registration_fees","amount":"80000.50"}],
 "content": {"theme":"分布式系统的可靠性","topics":["共识协议","容错存储"],
             "previousEditions":[{"date":"$((NEXT - 2))-05-08","place":"武汉","host":"示范大学","attendees":120,"foreign":30}],
             "taiwanStatement":"会议不涉及台湾问题，会议材料遵守一个中国原则。","background":"促进分布式系统领域的国际交流。"},
 "people": {"chairs":[{"name":"李主席","nationality":"中国","institution":"示范大学","title":"教授"}],
            "foreign":[{"name":"Jane Roe","nationality":"英国","institution":"Example College","title":"Professor"}]},
 "agenda": [{"date":"${NEXT}-05-10","time":"09:00-10:30","participants":"全体代表","content":"开幕式及大会报告"}],
 "contacts": [{"kind":"conference","name":"王会务","phone":"027-87540000","email":"conf@demo-univ.edu.cn"},
              {"kind":"international_office","name":"赵外事","phone":"13900000000","email":"intl@demo-univ.edu.cn"}]}
JSON
python3 -c 'import json,sys
for name, body in json.load(open(sys.argv[1]+"/sections.json")).items(): json.dump(body, open(sys.argv[1]+"/"+name+".json","w"))' $T
for s in basic attendance budget content people agenda contacts; do
  curl -s -X PUT $DD/sections/$s -H "Authorization: Bearer $APP" --json @$T/$s.json; echo
done
# Key people may come from the spreadsheet template instead: fill it in, then
# curl -X POST $DD/people.xlsx -H "Authorization: Bearer $APP" --data-binary @people.xlsx
curl -s -o $T/people-template.xlsx $B/declarations/people-template.xlsx -H "Authorization: Bearer $APP"

# Submit with the commitment letter (承诺书); unit, school and authority approve (获批).
curl -s -X POST $DD/submit -H "Authorization: Bearer $APP" --json '{"commitmentAcknowledged":true}'; echo
curl -s -X POST $DD/approve-unit -H "Authorization: Bearer $UNIT" --json '{"comment":"同意"}'; echo
curl -s -X POST $DD/approve-school -H "Authorization: Bearer $SCHOOL"; echo
curl -s -X POST $DD/approve-authority -H "Authorization: Bearer $AUTH" -D $T/approved; echo
POS=$(grep -i '^X-Econf-Position' $T/approved | tr -d '\r' | cut -d' ' -f2)
curl -s $DD/status -H "Authorization: Bearer $APP" -H "X-Econf-Min-Position: $POS"; echo   # authority_approved
