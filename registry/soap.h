/* registry/soap.h - the CDC IIS SOAP web service (WSDL namespace
 * urn:cdc:iisb:2011, SOAP 1.2 document/literal) at /iis:
 *
 *   GET  /iis?wsdl           the WSDL, its address this server's
 *   POST /iis                connectivityTest (echoBack comes back as
 *                            return) or submitSingleMessage (username,
 *                            password, facilityID = the organization code,
 *                            hl7Message; return holds the ACK or RSP)
 *
 * Faults are SOAP 1.2 faults whose Detail holds the WSDL's own fault
 * elements, each with a numeric Code, a fixed Reason and a Detail:
 *   SecurityFault (Code 10, HTTP 400): the login failed (wrong password,
 *     unknown user, locked account; the same lockout as every login);
 *   MessageTooLargeFault (20, HTTP 400): hl7Message over SOAP_MAX_MESSAGE;
 *   UnsupportedOperationFault (30, HTTP 400): another operation;
 *   fault/UnknownFault (40 + Sender, HTTP 400): not a SOAP 1.2 envelope;
 *   fault/UnknownFault (50 + Receiver, HTTP 503 with Retry-After): the
 *     registry is in maintenance: send again later.
 * A SOAP 1.1 envelope gets a VersionMismatch fault. XML is read by libxml2
 * without network access or external entities.
 */
#ifndef VAX_REGISTRY_SOAP_H
#define VAX_REGISTRY_SOAP_H

#include "registry/routes.h"

#define SOAP_PATH        "/iis"
#define SOAP_NS          "urn:cdc:iisb:2011"
#define SOAP_ENV_NS      "http://www.w3.org/2003/05/soap-envelope"
#define SOAP_MAX_MESSAGE (1u << 20)

/** Answer a request to SOAP_PATH. */
void soap_handle(struct registry *a, const struct reg_request *rq, struct reg_response *rs);

#endif
