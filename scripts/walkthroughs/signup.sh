# A new applicant registers and resets the password on an instance without an SMTP server
# (README, "Registration without a mail server"): the codes are read from the outbox with
# `econf mail list` / `econf mail show ID`. Run from the checkout's root with `go run ./cmd/econf
# serve` running and no ECONF_SMTP_HOST: bash scripts/walkthroughs/signup.sh
set -eu
B=${B:-http://127.0.0.1:8080/api/v1}
ECONF=${ECONF:-go run ./cmd/econf}                 # or the built binary: ECONF=econf
EMAIL=new.teacher.$(date +%s%N)@demo-univ.edu.cn   # an address of the demo university's domain
T=$(mktemp -d)

# The university and the unit to register under (open to anyone).
curl -s $B/auth/universities | python3 -c 'import json,sys
u=next(u for u in json.load(sys.stdin)["items"] if "demo-univ.edu.cn" in u["emailDomains"])
print(u["id"], u["units"][0]["id"])' > $T/choice
read UNI UNIT < $T/choice
curl -s $B/auth/registrations --json '{"email":"'$EMAIL'","name":"林晓","mobile":"13912345678","staffNo":"S9001",
  "universityId":"'$UNI'","unitId":"'$UNIT'","password":"violet kettle ninety 42"}'; echo

# The operator reads the activation code from the outbox: the newest mail to the address.
$ECONF mail list | tee $T/list
MAIL=$(grep " $EMAIL " $T/list | tail -1 | cut -d' ' -f1)
$ECONF mail show $MAIL | tee $T/mail
CODE=$(grep -o '激活码为 [0-9]*' $T/mail | grep -o '[0-9]*$')
curl -s $B/auth/registrations/activate --json '{"email":"'$EMAIL'","code":"'$CODE'"}'; echo
curl -s $B/auth/login --json '{"email":"'$EMAIL'","password":"violet kettle ninety 42"}'; echo

# Forgotten password: the reset code arrives the same way.
curl -s $B/auth/password-reset --json '{"email":"'$EMAIL'"}'; echo
MAIL=$($ECONF mail list | grep " $EMAIL " | tail -1 | cut -d' ' -f1)
CODE=$($ECONF mail show $MAIL | grep -o '验证码为 [0-9]*' | grep -o '[0-9]*$')
curl -s $B/auth/password-reset/confirm --json '{"email":"'$EMAIL'","code":"'$CODE'","password":"copper meadow lantern 97"}'; echo
curl -s $B/auth/login --json '{"email":"'$EMAIL'","password":"copper meadow lantern 97"}'; echo
