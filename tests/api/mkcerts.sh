#!/bin/sh
# tests/api/mkcerts.sh DIR - throwaway certificates for the transport tests:
#   ca.pem               the test CA (trusted by the tests)
#   good.{crt,key}       127.0.0.1 / localhost, signed by the CA
#   expired.{crt,key}    same names, validity ended in 2020
#   wronghost.{crt,key}  wrong.example only
#   unknownca.{crt,key}  127.0.0.1 / localhost, signed by another CA
#   good.pin, other.pin  sha256//... public-key pins (good's key, another key)
# Used until tests/tls/mkca.sh is shared; writes only into DIR.
set -eu
dir=$1
mkdir -p "$dir"
cd "$dir"
exec 2>mkcerts.log

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }

ca() { # name
	key "$1.key"
	openssl req -x509 -new -key "$1.key" -out "$1.pem" -days 2 -subj "/CN=vaxdesk test $1" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}

cat >ca.cnf <<'CNF'
[ ca ]
default_ca = test_ca
[ test_ca ]
dir = .
database = ./index.txt
new_certs_dir = ./newcerts
serial = ./serial
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
[ any ]
commonName = supplied
[ leaf ]
basicConstraints = CA:FALSE
keyUsage = digitalSignature
extendedKeyUsage = serverAuth
CNF
mkdir -p newcerts
: >index.txt
echo 1000 >serial

leaf() { # name cn san issuer [start end]
	key "$1.key"
	openssl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$2" -addext "subjectAltName=$3"
	if [ $# -ge 6 ]; then
		span="-startdate $5 -enddate $6"
	else
		span="-days 2"
	fi
	# shellcheck disable=SC2086
	openssl ca -batch -config ca.cnf -extensions leaf -cert "$4.pem" -keyfile "$4.key" \
		-in "$1.csr" -out "$1.crt" -notext $span
}

ca ca
ca otherca
leaf good localhost "DNS:localhost,IP:127.0.0.1" ca
leaf expired localhost "DNS:localhost,IP:127.0.0.1" ca 20200101000000Z 20200102000000Z
leaf wronghost wrong.example "DNS:wrong.example" ca
leaf unknownca localhost "DNS:localhost,IP:127.0.0.1" otherca

pin() { # key file -> sha256//base64 of its SubjectPublicKeyInfo
	openssl pkey -in "$1" -pubout -outform DER | openssl dgst -sha256 -binary | openssl base64 -A
}
printf 'sha256//%s' "$(pin good.key)" >good.pin
printf 'sha256//%s' "$(pin otherca.key)" >other.pin
