/* registry/soap.c - see soap.h */
#include "registry/soap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/crypto.h>

#include "core/xalloc.h"
#include "registry/routes_hl7.h"
#include "registry/routes_int.h"

#define CT_SOAP   "application/soap+xml; charset=utf-8"
#define SOAP11_NS "http://schemas.xmlsoap.org/soap/envelope/"

/* ---- writing ------------------------------------------------------------------- */

static void envelope_open(struct reg_buf *b)
{
	reg_buf_put(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<soap:Envelope xmlns:soap=\"" SOAP_ENV_NS
	               "\"><soap:Body>");
}

static void envelope_close(struct reg_buf *b)
{
	reg_buf_put(b, "</soap:Body></soap:Envelope>\n");
}

static void reply(struct reg_response *rs, int status, struct reg_buf *b)
{
	free(rs->body);
	rs->status = status;
	rs->body = b->s;
	rs->content_type = CT_SOAP;
}

/* A SOAP 1.2 fault carrying one of the WSDL's fault elements. */
static void fault(struct reg_response *rs, int status, const char *value, const char *element, int code,
                  const char *reason, const char *detail)
{
	struct reg_buf b = {0};
	char num[16];
	snprintf(num, sizeof num, "%d", code);
	envelope_open(&b);
	reg_buf_put(&b, "<soap:Fault><soap:Code><soap:Value>soap:");
	reg_buf_put(&b, value);
	reg_buf_put(&b, "</soap:Value></soap:Code><soap:Reason><soap:Text xml:lang=\"en\">");
	reg_buf_text(&b, detail);
	reg_buf_put(&b, "</soap:Text></soap:Reason>");
	if (element) {
		reg_buf_put(&b, "<soap:Detail><");
		reg_buf_put(&b, element);
		reg_buf_put(&b, " xmlns=\"" SOAP_NS "\"><Code>");
		reg_buf_put(&b, num);
		reg_buf_put(&b, "</Code><Reason>");
		reg_buf_text(&b, reason);
		reg_buf_put(&b, "</Reason><Detail>");
		reg_buf_text(&b, detail);
		reg_buf_put(&b, "</Detail></");
		reg_buf_put(&b, element);
		reg_buf_put(&b, ">");
		reg_buf_put(&b, "</soap:Detail>");
	}
	reg_buf_put(&b, "</soap:Fault>");
	envelope_close(&b);
	reply(rs, status, &b);
}

static void wsdl(struct reg_response *rs, const char *base)
{
	struct reg_buf b = {0};
	reg_buf_put(&b,
	            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	            "<definitions xmlns=\"http://schemas.xmlsoap.org/wsdl/\" "
	            "xmlns:soap12=\"http://schemas.xmlsoap.org/wsdl/soap12/\" "
	            "xmlns:wsaw=\"http://www.w3.org/2006/05/addressing/wsdl\" "
	            "xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns:tns=\"" SOAP_NS "\" "
	            "targetNamespace=\"" SOAP_NS "\" name=\"IISService\">\n"
	            "<types><xsd:schema elementFormDefault=\"qualified\" targetNamespace=\"" SOAP_NS "\">\n"
	            "<xsd:complexType name=\"connectivityTestRequestType\"><xsd:sequence><xsd:element "
	            "name=\"echoBack\" "
	            "type=\"xsd:string\" minOccurs=\"1\" maxOccurs=\"1\" "
	            "nillable=\"true\"/></xsd:sequence></xsd:complexType>\n"
	            "<xsd:complexType name=\"connectivityTestResponseType\"><xsd:sequence><xsd:element "
	            "name=\"return\" "
	            "type=\"xsd:string\" minOccurs=\"1\" maxOccurs=\"1\" "
	            "nillable=\"true\"/></xsd:sequence></xsd:complexType>\n"
	            "<xsd:complexType name=\"submitSingleMessageRequestType\"><xsd:sequence>"
	            "<xsd:element name=\"username\" type=\"xsd:string\" minOccurs=\"0\" maxOccurs=\"1\" "
	            "nillable=\"true\"/>"
	            "<xsd:element name=\"password\" type=\"xsd:string\" minOccurs=\"0\" maxOccurs=\"1\" "
	            "nillable=\"true\"/>"
	            "<xsd:element name=\"facilityID\" type=\"xsd:string\" minOccurs=\"0\" maxOccurs=\"1\" "
	            "nillable=\"true\"/>"
	            "<xsd:element name=\"hl7Message\" type=\"xsd:string\" minOccurs=\"1\" maxOccurs=\"1\" "
	            "nillable=\"true\"/>"
	            "</xsd:sequence></xsd:complexType>\n"
	            "<xsd:complexType name=\"submitSingleMessageResponseType\"><xsd:sequence><xsd:element "
	            "name=\"return\" "
	            "type=\"xsd:string\" minOccurs=\"1\" maxOccurs=\"1\" "
	            "nillable=\"true\"/></xsd:sequence></xsd:complexType>\n");
	static const char *const faults[] = {"soapFaultType", "UnsupportedOperationFaultType",
	                                     "SecurityFaultType", "MessageTooLargeFaultType"};
	static const char *const fixed[] = {NULL, "UnsupportedOperation", "Security", "MessageTooLarge"};
	for (int i = 0; i < 4; i++) {
		reg_buf_put(&b, "<xsd:complexType name=\"");
		reg_buf_put(&b, faults[i]);
		reg_buf_put(
		    &b, "\"><xsd:sequence><xsd:element name=\"Code\" type=\"xsd:integer\" minOccurs=\"1\"/>");
		if (fixed[i]) {
			reg_buf_put(&b, "<xsd:element name=\"Reason\" fixed=\"");
			reg_buf_put(&b, fixed[i]);
			reg_buf_put(&b, "\"/>");
		} else {
			reg_buf_put(&b, "<xsd:element name=\"Reason\" type=\"xsd:string\" minOccurs=\"1\"/>");
		}
		reg_buf_put(
		    &b, "<xsd:element name=\"Detail\" type=\"xsd:string\" minOccurs=\"1\"/></xsd:sequence>"
		        "</xsd:complexType>\n");
	}
	reg_buf_put(
	    &b,
	    "<xsd:element name=\"connectivityTest\" type=\"tns:connectivityTestRequestType\"/>\n"
	    "<xsd:element name=\"connectivityTestResponse\" type=\"tns:connectivityTestResponseType\"/>\n"
	    "<xsd:element name=\"submitSingleMessage\" type=\"tns:submitSingleMessageRequestType\"/>\n"
	    "<xsd:element name=\"submitSingleMessageResponse\" "
	    "type=\"tns:submitSingleMessageResponseType\"/>\n"
	    "<xsd:element name=\"fault\" type=\"tns:soapFaultType\"/>\n"
	    "<xsd:element name=\"UnsupportedOperationFault\" type=\"tns:UnsupportedOperationFaultType\"/>\n"
	    "<xsd:element name=\"SecurityFault\" type=\"tns:SecurityFaultType\"/>\n"
	    "<xsd:element name=\"MessageTooLargeFault\" type=\"tns:MessageTooLargeFaultType\"/>\n"
	    "</xsd:schema></types>\n"
	    "<message name=\"connectivityTest_Message\"><part name=\"parameters\" "
	    "element=\"tns:connectivityTest\"/>"
	    "</message>\n"
	    "<message name=\"connectivityTestResponse_Message\"><part name=\"parameters\" "
	    "element=\"tns:connectivityTestResponse\"/></message>\n"
	    "<message name=\"submitSingleMessage_Message\"><part name=\"parameters\" "
	    "element=\"tns:submitSingleMessage\"/></message>\n"
	    "<message name=\"submitSingleMessageResponse_Message\"><part name=\"parameters\" "
	    "element=\"tns:submitSingleMessageResponse\"/></message>\n"
	    "<message name=\"UnknownFault_Message\"><part name=\"fault\" element=\"tns:fault\"/></message>\n"
	    "<message name=\"UnsupportedOperationFault_Message\"><part name=\"fault\" "
	    "element=\"tns:UnsupportedOperationFault\"/></message>\n"
	    "<message name=\"SecurityFault_Message\"><part name=\"fault\" "
	    "element=\"tns:SecurityFault\"/></message>\n"
	    "<message name=\"MessageTooLargeFault_Message\"><part name=\"fault\" "
	    "element=\"tns:MessageTooLargeFault\"/></message>\n"
	    "<portType name=\"IIS_PortType\">\n"
	    "<operation name=\"connectivityTest\"><input message=\"tns:connectivityTest_Message\" "
	    "wsaw:Action=\"urn:cdc:iisb:2011:connectivityTest\"/><output "
	    "message=\"tns:connectivityTestResponse_Message\" "
	    "wsaw:Action=\"urn:cdc:iisb:2011:connectivityTestResponse\"/><fault name=\"UnknownFault\" "
	    "message=\"tns:UnknownFault_Message\"/><fault name=\"UnsupportedOperationFault\" "
	    "message=\"tns:UnsupportedOperationFault_Message\"/></operation>\n"
	    "<operation name=\"submitSingleMessage\"><input message=\"tns:submitSingleMessage_Message\" "
	    "wsaw:Action=\"urn:cdc:iisb:2011:submitSingleMessage\"/><output "
	    "message=\"tns:submitSingleMessageResponse_Message\" "
	    "wsaw:Action=\"urn:cdc:iisb:2011:submitSingleMessageResponse\"/><fault name=\"UnknownFault\" "
	    "message=\"tns:UnknownFault_Message\"/><fault name=\"SecurityFault\" "
	    "message=\"tns:SecurityFault_Message\"/><fault name=\"MessageTooLargeFault\" "
	    "message=\"tns:MessageTooLargeFault_Message\"/></operation>\n"
	    "</portType>\n"
	    "<binding name=\"client_Binding_Soap12\" type=\"tns:IIS_PortType\"><soap12:binding "
	    "style=\"document\" "
	    "transport=\"http://schemas.xmlsoap.org/soap/http\"/>\n");
	static const char *const ops[] = {"connectivityTest", "submitSingleMessage"};
	for (int i = 0; i < 2; i++) {
		reg_buf_put(&b, "<operation name=\"");
		reg_buf_put(&b, ops[i]);
		reg_buf_put(&b, "\"><soap12:operation soapAction=\"urn:cdc:iisb:2011:");
		reg_buf_put(&b, ops[i]);
		reg_buf_put(&b, "\"/><input><soap12:body use=\"literal\"/></input><output><soap12:body "
		                "use=\"literal\"/></output>"
		                "<fault name=\"UnknownFault\"><soap12:fault use=\"literal\" "
		                "name=\"UnknownFault\"/></fault>");
		if (i == 0)
			reg_buf_put(&b,
			            "<fault name=\"UnsupportedOperationFault\"><soap12:fault use=\"literal\" "
			            "name=\"UnsupportedOperationFault\"/></fault>");
		else
			reg_buf_put(&b, "<fault name=\"SecurityFault\"><soap12:fault use=\"literal\" "
			                "name=\"SecurityFault\"/></fault>"
			                "<fault name=\"MessageTooLargeFault\"><soap12:fault use=\"literal\" "
			                "name=\"MessageTooLargeFault\"/></fault>");
		reg_buf_put(&b, "</operation>\n");
	}
	reg_buf_put(
	    &b, "</binding>\n<service name=\"client_Service\"><port binding=\"tns:client_Binding_Soap12\" "
	        "name=\"client_Port_Soap12\"><soap12:address location=\"");
	reg_buf_text(&b, base ? base : "");
	reg_buf_put(&b, SOAP_PATH "\"/></port></service>\n</definitions>\n");
	free(rs->body);
	rs->status = 200;
	rs->body = b.s;
	rs->content_type = "application/wsdl+xml";
}

/* ---- reading -------------------------------------------------------------------- */

static bool is_el(const xmlNode *n, const char *ns, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name) && n->ns &&
	       n->ns->href && !strcmp((const char *)n->ns->href, ns);
}

static const xmlNode *first_el(const xmlNode *n)
{
	for (; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			return n;
	return NULL;
}

/* The text of child `name` of op (malloc'd; NULL if absent). */
static char *child_text(const xmlNode *op, const char *name)
{
	for (const xmlNode *c = op->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, name)) {
			xmlChar *t = xmlNodeGetContent(c);
			char *s = xstrdup(t ? (const char *)t : "");
			xmlFree(t);
			return s;
		}
	return NULL;
}

static void wipe_free(char *s)
{
	if (s) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

/* Log in as the password grant does (lockout included); "Bearer ..." or the reason it failed. */
static bool login(struct registry *a, const char *user, const char *pw, const char *org, int64_t now,
                  char *bearer, size_t cap, char *why, size_t why_cap)
{
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "grant_type", "password");
	cJSON_AddStringToObject(f, "username", user ? user : "");
	cJSON_AddStringToObject(f, "password", pw ? pw : "");
	cJSON_AddStringToObject(f, "org_code", org ? org : "");
	/* a data exchange agreement stands for the statement a person accepts at login */
	cJSON_AddStringToObject(f, "confidentiality_accepted", "true");
	char *body = cJSON_PrintUnformatted(f);
	cJSON_Delete(f);
	struct reg_request rq;
	memset(&rq, 0, sizeof rq);
	rq.method = "POST";
	rq.path = "/auth/token";
	rq.content_type = "application/json";
	rq.body = body;
	rq.body_len = strlen(body);
	rq.now = now;
	rq.admitted = true;
	rq.base = "";
	struct reg_response rs;
	registry_handle(a, &rq, &rs);
	OPENSSL_cleanse(body, strlen(body));
	free(body);
	cJSON *j = rs.body ? cJSON_Parse(rs.body) : NULL;
	const cJSON *tok = cJSON_GetObjectItemCaseSensitive(j, "access_token");
	const cJSON *desc = cJSON_GetObjectItemCaseSensitive(j, "error_description");
	bool ok = rs.status == 200 && cJSON_IsString(tok);
	if (ok)
		snprintf(bearer, cap, "Bearer %s", tok->valuestring);
	else
		snprintf(why, why_cap, "%s",
		         cJSON_IsString(desc) ? desc->valuestring
		                              : "The username, password or facility is not right.");
	if (rs.body)
		OPENSSL_cleanse(rs.body, strlen(rs.body));
	if (cJSON_IsString(tok))
		OPENSSL_cleanse(tok->valuestring, strlen(tok->valuestring));
	cJSON_Delete(j);
	reg_response_free(&rs);
	return ok;
}

#define MAINT "The registry is down for scheduled maintenance; send the message again later."

void soap_handle(struct registry *a, const struct reg_request *rq, struct reg_response *rs)
{
	if (!strcmp(rq->method, "GET") || !strcmp(rq->method, "HEAD")) {
		bool want = false;
		for (int i = 0; i < rq->n_param; i++)
			want |= !strcasecmp(rq->param[i].key, "wsdl");
		if (want) {
			wsdl(rs, rq->base);
			return;
		}
		reg_reply_oo(rs, 404, "not-found", "URL",
		             "GET " SOAP_PATH "?wsdl for the service description.", NULL);
		return;
	}
	if (strcmp(rq->method, "POST") != 0) {
		reg_method_not_allowed(rs, "GET, POST");
		return;
	}
	int retry;
	if (!rq->admitted && registry_in_maintenance(a, rq->now, &retry)) {
		fault(rs, 503, "Receiver", "fault", 50, "Maintenance", MAINT);
		rs->retry_after = retry;
		return;
	}
	if (rq->body_len > SOAP_MAX_MESSAGE + 64 * 1024) {
		fault(rs, 400, "Sender", "MessageTooLargeFault", 20, "MessageTooLarge",
		      "The request is larger than this service takes (1 MiB of HL7).");
		return;
	}
	xmlDoc *doc = rq->body_len ? xmlReadMemory(rq->body, (int)rq->body_len, "soap.xml", NULL,
	                                           XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)
	                           : NULL;
	const xmlNode *env = doc ? xmlDocGetRootElement(doc) : NULL;
	if (env && is_el(env, SOAP11_NS, "Envelope")) {
		xmlFreeDoc(doc);
		fault(rs, 400, "VersionMismatch", NULL, 0, "",
		      "This service speaks SOAP 1.2 (envelope namespace " SOAP_ENV_NS ").");
		return;
	}
	const xmlNode *body = NULL;
	if (is_el(env, SOAP_ENV_NS, "Envelope"))
		for (const xmlNode *c = env->children; c; c = c->next)
			if (is_el(c, SOAP_ENV_NS, "Body"))
				body = c;
	const xmlNode *op = body ? first_el(body->children) : NULL;
	if (!op) {
		xmlFreeDoc(doc);
		fault(rs, 400, "Sender", "fault", 40, "Unknown",
		      "The request is not a SOAP 1.2 envelope with a Body holding an operation.");
		return;
	}
	if (is_el(op, SOAP_NS, "connectivityTest")) {
		char *echo = child_text(op, "echoBack");
		struct reg_buf b = {0};
		envelope_open(&b);
		reg_buf_put(&b, "<connectivityTestResponse xmlns=\"" SOAP_NS "\"><return>");
		reg_buf_text(&b, echo ? echo : "");
		reg_buf_put(&b, "</return></connectivityTestResponse>");
		envelope_close(&b);
		free(echo);
		xmlFreeDoc(doc);
		reply(rs, 200, &b);
		return;
	}
	if (!is_el(op, SOAP_NS, "submitSingleMessage")) {
		char msg[200];
		snprintf(msg, sizeof msg,
		         "Operation '%.60s' is not offered; use connectivityTest or submitSingleMessage.",
		         (const char *)op->name);
		xmlFreeDoc(doc);
		fault(rs, 400, "Sender", "UnsupportedOperationFault", 30, "UnsupportedOperation", msg);
		return;
	}
	char *user = child_text(op, "username"), *pw = child_text(op, "password");
	char *fac = child_text(op, "facilityID"), *msg = child_text(op, "hl7Message");
	xmlFreeDoc(doc);
	if (msg && strlen(msg) > SOAP_MAX_MESSAGE) {
		wipe_free(pw);
		free(user), free(fac), free(msg);
		fault(rs, 400, "Sender", "MessageTooLargeFault", 20, "MessageTooLarge",
		      "hl7Message is larger than this service takes (1 MiB).");
		return;
	}
	char bearer[96], why[300];
	bool ok = login(a, user, pw, fac, rq->now, bearer, sizeof bearer, why, sizeof why);
	wipe_free(pw);
	free(user);
	free(fac);
	if (!ok) {
		free(msg);
		fault(rs, 400, "Sender", "SecurityFault", 10, "Security", why);
		return;
	}
	if (!msg || !*msg) {
		reg_hl7_end_session(a, bearer, rq->now);
		free(msg);
		fault(rs, 400, "Sender", "fault", 40, "Unknown",
		      "hl7Message is empty: an HL7 v2 message is required.");
		return;
	}
	size_t n;
	char *answer = reg_hl7_answer(a, bearer, msg, strlen(msg), rq->now, &n, NULL);
	reg_hl7_end_session(a, bearer, rq->now);
	OPENSSL_cleanse(bearer, sizeof bearer);
	free(msg);
	struct reg_buf b = {0};
	envelope_open(&b);
	reg_buf_put(&b, "<submitSingleMessageResponse xmlns=\"" SOAP_NS "\"><return>");
	reg_buf_text(&b, answer);
	reg_buf_put(&b, "</return></submitSingleMessageResponse>");
	envelope_close(&b);
	free(answer);
	reply(rs, 200, &b);
}

void reg_soap(struct ctx *x)
{
	soap_handle(x->a, x->rq, x->rs);
}
