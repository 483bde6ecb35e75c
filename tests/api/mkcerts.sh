#!/bin/sh
# tests/api/mkcerts.sh DIR - the certificates the api tests use, from the
# shared throwaway CA (tests/tls/mkca.sh), under the names the tests use:
#   ca.pem               the test CA (trusted by the tests)
#   good.{crt,key}       127.0.0.1 / localhost, signed by the CA
#   expired.{crt,key}    same names, expired
#   wronghost.{crt,key}  wrong.example only
#   unknownca.{crt,key}  127.0.0.1 / localhost, signed by a CA nobody trusts
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

pin() { # key file -> sha256//base64 of its SubjectPublicKeyInfo
	openssl pkey -in "$1" -pubout -outform DER | openssl dgst -sha256 -binary | openssl base64 -A
}
printf 'sha256//%s' "$(pin good.key)" >good.pin
printf 'sha256//%s' "$(pin unknown.key)" >other.pin
