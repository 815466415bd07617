#!/bin/sh
# The README's biometric walk-through: from "(" to ")" this file is the
# README's block word for word (test/node/dev-tooling.test.ts checks that, and
# runs it against `npm run dev`). A key made with openssl stands in for the
# phone's Keystore / Secure Enclave key. Usage: sh scripts/biometric-walkthrough.sh
(
API=${API:-http://localhost:8787}
PHONE=${PHONE:-+919876543211}
DEVICE=${DEVICE:-device-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
BODY=$DIR/body
TOKEN=
call() {
  step=$1 want=$2; shift 2
  got=$(curl -s -o "$BODY" -w '%{http_code}' "$@") || { echo "$step: no answer from $API (is npm run dev running?)" >&2; exit 1; }
  [ "$got" = "$want" ] || { echo "$step: expected HTTP $want, got $got: $(cat "$BODY")" >&2; exit 1; }
  cat "$BODY"; echo
}
field() { sed -E "s/.*\"$1\":\"([^\"]+)\".*/\1/" "$BODY"; }
# sign PURPOSE CHALLENGE: what the app's key signs (ES256 gives DER, as on iOS and Android), base64
sign() { printf 'edge-phone-auth:v1:%s:%s:%s' "$1" "$DEVICE" "$2" | openssl dgst -sha256 -sign "$DIR/key.pem" | openssl base64 -A; }
json_post() { call "$1" "$2" -X POST "$API$3" -H 'content-type: application/json' ${TOKEN:+-H "authorization: Bearer $TOKEN"} -d "$4"; }

# 0. The app creates its P-256 key pair; only the public key (base64 SPKI) leaves the device
openssl ecparam -name prime256v1 -genkey -noout -out "$DIR/key.pem"
PUBLIC_KEY=$(openssl ec -in "$DIR/key.pem" -pubout -outform DER 2>/dev/null | openssl base64 -A)

# 1-3. Sign in by SMS code, as in the first walk-through
json_post "1. request-otp" 200 /auth/request-otp "{\"phone\":\"$PHONE\"}"
call "2. dev outbox" 200 "$API/dev/sms-outbox?phone=$PHONE" >/dev/null
CODE=$(grep -o 'code is [0-9]\{6\}' "$BODY" | head -1 | cut -d' ' -f3)
json_post "3. verify-otp" 200 /auth/verify-otp "{\"phone\":\"$PHONE\",\"otp\":\"$CODE\"}"
TOKEN=$(field token)

# 4-5. Turn on biometric login: the key signs an enrol challenge to prove the app holds it
json_post "4. device-challenge (enroll)" 200 /auth/device-challenge "{\"deviceId\":\"$DEVICE\",\"purpose\":\"enroll\"}"
CHALLENGE=$(field challenge)
json_post "5. enable-biometric" 200 /auth/enable-biometric \
  "{\"deviceKey\":{\"deviceId\":\"$DEVICE\",\"publicKey\":\"$PUBLIC_KEY\",\"algorithm\":\"ES256\"},\"proof\":{\"challenge\":\"$CHALLENGE\",\"signature\":\"$(sign enroll "$CHALLENGE")\"}}"

# 6-8. The app restarts and unlocks with the key (after Face ID or a fingerprint): a new token, the old one refused
json_post "6. device-challenge (unlock)" 200 /auth/device-challenge "{\"deviceId\":\"$DEVICE\",\"purpose\":\"unlock\"}"
CHALLENGE=$(field challenge)
json_post "7. verify-biometric (unlock)" 200 /auth/verify-biometric \
  "{\"deviceSignature\":{\"deviceId\":\"$DEVICE\",\"challenge\":\"$CHALLENGE\",\"signature\":\"$(sign unlock "$CHALLENGE")\"}}"
OLD_TOKEN=$TOKEN TOKEN=$(field token)
call "8. old token refused" 401 "$API/auth/check-session" -H "authorization: Bearer $OLD_TOKEN"

# 9-10. No session at all (signed out, or the token was lost): sign in with the key alone, no SMS
TOKEN=
json_post "9. device-challenge (sign_in)" 200 /auth/device-challenge "{\"deviceId\":\"$DEVICE\",\"purpose\":\"sign_in\"}"
CHALLENGE=$(field challenge)
json_post "10. verify-biometric (sign in)" 200 /auth/verify-biometric \
  "{\"deviceSignature\":{\"deviceId\":\"$DEVICE\",\"challenge\":\"$CHALLENGE\",\"signature\":\"$(sign sign_in "$CHALLENGE")\"}}"
call "11. credentials" 200 "$API/auth/credentials" -H "authorization: Bearer $(field token)"
echo "biometric walk-through complete"
)
