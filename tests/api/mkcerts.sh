#!/bin/sh
# tests/api/mkcerts.sh DIR - the certificates the api tests use, from the
# shared throwaway CA (tests/tls/mkca.sh), under the names the tests use:
#   ca.pem               the test CA (trusted by the tests)
#   good.{crt,key}       127.0.0.1 / localhost, signed by the CA
#   expired.{crt,key}    same names, expired
#   wronghost.{crt,key}  wrong.example only
#   unknownca.{crt,key}  127.0.0.1 / localhost, signed by a CA nobody trusts
#   nosan.{crt,key}      CN=127.0.0.1 and no subjectAltName, signed by the CA
#   good.pin, other.pin  sha256//... public-key pins (good's key, another key)
# Writes only into DIR.
set -eu
dir=$1
here=$(cd "$(dirname "$0")" && pwd)
sh "$here/../tls/mkca.sh" "$dir" >"$dir.mkca.log" 2>&1 || { cat "$dir.mkca.log" >&2; exit 1; }
rm -f "$dir.mkca.log"
cd "$dir"
cp server.pem good.crt && cp server.key good.key
cp expired.pem expired.crt
cp wronghost.pem wronghost.crt
cp unknown.pem unknownca.crt && cp unknown.key unknownca.key

# a name only in the subject's CN is no name (RFC 6125): a certificate the
# client must refuse although its CA is trusted and its CN is the host
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out nosan.key 2>/dev/null
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' >nosan.ext
openssl req -new -key nosan.key -subj "/CN=127.0.0.1" -out nosan.csr 2>/dev/null
openssl x509 -req -in nosan.csr -CA ca.pem -CAkey ca.key -set_serial 77 -days 30 -sha256 \
	-extfile nosan.ext -out nosan.crt 2>/dev/null
! openssl x509 -in nosan.crt -noout -ext subjectAltName 2>/dev/null | grep -q . ||
	{ echo "mkcerts.sh: nosan.crt has a subjectAltName" >&2; exit 1; }

pin() { # key file -> sha256//base64 of its SubjectPublicKeyInfo
	openssl pkey -in "$1" -pubout -outform DER | openssl dgst -sha256 -binary | openssl base64 -A
}
printf 'sha256//%s' "$(pin good.key)" >good.pin
printf 'sha256//%s' "$(pin unknown.key)" >other.pin
