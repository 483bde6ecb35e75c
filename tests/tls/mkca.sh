#!/bin/sh
# tests/tls/mkca.sh DIR - a throwaway certificate authority for TLS tests.
# MKCA_EXTRA_SAN adds names to the server certificate ("IP:10.211.1.2,..."),
# for a server reached through a network namespace (bench/links.sh).
#
# Makes, in DIR (created if missing):
#   ca.pem, ca.key                the test CA (trust this one with --cacert)
#   server.pem, server.key        server cert for 127.0.0.1, ::1 and localhost, signed by the CA
#   expired.pem, expired.key      same names, signed by the CA, but expired
#   wronghost.pem, wronghost.key  signed by the CA for "wrong.example" only
#   unknown-ca.pem, unknown.pem, unknown.key
#                                 a second CA nobody trusts, and a 127.0.0.1 cert it signed
# Keys are EC P-256 (fast). Nothing here is secret; never use it outside tests.
set -eu
dir=${1:?usage: mkca.sh DIR}
mkdir -p "$dir"
cd "$dir"
umask 077

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# ca NAME SUBJECT
ca() {
	key "$1.key"
	openssl req -x509 -new -key "$1.key" -sha256 -days 3650 -subj "$2" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" -out "$1.pem" 2>/dev/null
}

# leaf NAME CA SAN [DAYS_START DAYS_END]: DAYS_* in the past make it expired
leaf() {
	key "$1.key"
	cat > "$1.ext" <<EXT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$3
EXT
	openssl req -new -key "$1.key" -subj "/CN=vaxregd test" -out "$1.csr" 2>/dev/null
	if [ $# -ge 5 ]; then
		# an expired certificate: openssl x509 cannot back-date, so use 'ca'
		mkdir -p "$1.db/new"
		: > "$1.db/index.txt"
		cat > "$1.cnf" <<CNF
[ca]
default_ca = c
[c]
database = $1.db/index.txt
new_certs_dir = $1.db/new
serial = $1.db/serial
default_md = sha256
policy = p
copy_extensions = none
unique_subject = no
[p]
commonName = supplied
CNF
		echo 01 > "$1.db/serial"
		openssl ca -batch -config "$1.cnf" -cert "$2.pem" -keyfile "$2.key" -in "$1.csr" \
			-startdate "$4" -enddate "$5" -extfile "$1.ext" -notext -out "$1.pem" 2>/dev/null
		rm -rf "$1.db" "$1.cnf"
	else
		openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial \
			-days 825 -sha256 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
	fi
	rm -f "$1.csr" "$1.ext"
}

san="DNS:localhost,IP:127.0.0.1,IP:::1${MKCA_EXTRA_SAN:+,$MKCA_EXTRA_SAN}"
ca ca "/CN=vaxdesk test CA"
leaf server ca "$san"
leaf expired ca "$san" 20200101000000Z 20200201000000Z
leaf wronghost ca "DNS:wrong.example"
ca unknown-ca "/CN=vaxdesk unknown CA"
leaf unknown unknown-ca "$san"
rm -f ./*.srl
chmod 600 ./*.key
chmod 644 ./*.pem
