#!/bin/sh
# The README's sign-in walk-through: from "(" to ")" this file is the README's
# block word for word (test/node/dev-tooling.test.ts checks that, and runs it
# against `npm run dev`). Usage: sh scripts/walkthrough.sh  (API=… PHONE=… to change)
(
API=${API:-http://localhost:8787}
PHONE=${PHONE:-+919876543210}
BODY=$(mktemp)
trap 'rm -f "$BODY"' EXIT
# call STEP STATUS CURL-ARGS...: runs curl, prints the answer, stops unless it has STATUS
call() {
  step=$1 want=$2; shift 2
  got=$(curl -s -o "$BODY" -w '%{http_code}' "$@") || { echo "$step: no answer from $API (is npm run dev running?)" >&2; exit 1; }
  [ "$got" = "$want" ] || { echo "$step: expected HTTP $want, got $got: $(cat "$BODY")" >&2; exit 1; }
  cat "$BODY"; echo
}

# 1. Ask for a code: {"status":"sent","expiresIn":300,"resendAfter":60}
call "1. request-otp" 200 -X POST "$API/auth/request-otp" -H 'content-type: application/json' -d "{\"phone\":\"$PHONE\"}"

# 2. Read it from the dev outbox (console provider only)
call "2. dev outbox" 200 "$API/dev/sms-outbox?phone=$PHONE" >/dev/null
CODE=$(grep -o 'code is [0-9]\{6\}' "$BODY" | head -1 | cut -d' ' -f3)
[ -n "$CODE" ] || { echo "2. dev outbox: no code in $(cat "$BODY")" >&2; exit 1; }

# 3. Verify it and get a token: {"token":"eyJ…","expiresAt":…,"user":{…}}
call "3. verify-otp" 200 -X POST "$API/auth/verify-otp" -H 'content-type: application/json' \
  -d "{\"phone\":\"$PHONE\",\"otp\":\"$CODE\"}"
TOKEN=$(sed -E 's/.*"token":"([^"]+)".*/\1/' "$BODY")

# 4. Check the session ({"valid":true,…}), sign out (204), see the token refused (401 session_revoked)
call "4. check-session" 200 "$API/auth/check-session" -H "authorization: Bearer $TOKEN"
call "5. logout" 204 -X POST "$API/auth/logout" -H "authorization: Bearer $TOKEN"
call "6. check-session after logout" 401 "$API/auth/check-session" -H "authorization: Bearer $TOKEN"
echo "walk-through complete"
)
