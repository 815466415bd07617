#!/bin/sh
# The README's PIN and sessions walk-through: from "(" to ")" this file is the
# README's block word for word (test/node/dev-tooling.test.ts checks that, and
# runs it against `npm run dev`). Usage: sh scripts/pin-walkthrough.sh
# (API=…, PHONE=… and PIN=… change the defaults)
(
API=${API:-http://localhost:8787}
PHONE=${PHONE:-+919876543212}
PIN=${PIN:-482916}
BODY=$(mktemp)
trap 'rm -f "$BODY"' EXIT
TOKEN=
call() {
  step=$1 want=$2; shift 2
  got=$(curl -s -o "$BODY" -w '%{http_code}' "$@") || { echo "$step: no answer from $API (is npm run dev running?)" >&2; exit 1; }
  [ "$got" = "$want" ] || { echo "$step: expected HTTP $want, got $got: $(cat "$BODY")" >&2; exit 1; }
  cat "$BODY"; echo
}
field() { sed -E "s/.*\"$1\":\"([^\"]+)\".*/\1/" "$BODY"; }
json_post() { call "$1" "$2" -X POST "$API$3" -H 'content-type: application/json' ${TOKEN:+-H "authorization: Bearer $TOKEN"} -d "$4"; }
bearer() { step=$1 want=$2 method=$3 path=$4; call "$step" "$want" -X "$method" "$API$path" -H "authorization: Bearer $TOKEN"; }

# 1-3. Sign in by SMS code, as in the first walk-through
json_post "1. request-otp" 200 /auth/request-otp "{\"phone\":\"$PHONE\"}"
call "2. dev outbox" 200 "$API/dev/sms-outbox?phone=$PHONE" >/dev/null
CODE=$(grep -o 'code is [0-9]\{6\}' "$BODY" | head -1 | cut -d' ' -f3)
json_post "3. verify-otp" 200 /auth/verify-otp "{\"phone\":\"$PHONE\",\"otp\":\"$CODE\"}"
TOKEN=$(field token)

# 4-5. Turn on PIN unlock (needs a recent sign-in): weak PINs are refused with the rule they broke
json_post "4. weak PIN refused" 400 /auth/pin '{"pin":"123456"}'
json_post "5. set PIN" 204 /auth/pin "{\"pin\":\"$PIN\"}"

# 6. App start: check-session says whether to ask for the PIN ("stepUp":{"required":false,"methods":["pin"]};
#    once the session has been idle for UNLOCK_AFTER_SECONDS it says "required":true,"reason":"idle")
bearer "6. check-session" 200 GET /auth/check-session

# 7-9. Unlock with the PIN: a wrong one counts (4 left), the right one gives a new token; the old one is refused
json_post "7. wrong PIN" 400 /auth/verify-pin '{"pin":"907153"}'
json_post "8. verify-pin" 200 /auth/verify-pin "{\"pin\":\"$PIN\"}"
OLD_TOKEN=$TOKEN TOKEN=$(field token)
call "9. old token refused" 401 "$API/auth/check-session" -H "authorization: Bearer $OLD_TOKEN"

# 10-13. The user's sessions (device, country, last seen, "amr":["pin"]), a renewal, and revoking this one
bearer "10. sessions" 200 GET /auth/sessions
SESSION=$(field id)
bearer "11. renew" 200 POST /auth/renew
TOKEN=$(field token)
bearer "12. revoke the session" 204 DELETE "/auth/sessions/$SESSION"
bearer "13. token refused" 401 GET /auth/check-session
echo "PIN walk-through complete"
)
